"""The real kiosk in a real window (Xvfb), driven by real key events (xdotool)."""
