"""Wi-Fi rules, said once: the network name and the personal key, as both wizards, the CLI
and the services check them.

A WPA2-Personal passphrase is 8 to 63 printable ASCII characters, or the pre-shared key
itself as 64 hexadecimal digits (IEEE 802.11i, annex H: the passphrase-to-PSK mapping is
defined for ASCII 32-126 only); Windows' WLAN profile takes the same in `keyMaterial`
(WLAN_profile schema, sharedKey element). WPA3-Personal (SAE) in a Windows profile takes the
same passphrase range. A network name (SSID) is 1 to 32 bytes (802.11, the SSID element).
"""

from __future__ import annotations

SSID_MAX_BYTES = 32
KEY_MIN, KEY_MAX = 8, 63
_HEX = frozenset("0123456789abcdefABCDEF")

OPEN = "Open"


def ssid_problem(ssid: str) -> str | None:
    """Why `ssid` cannot name a network, or None."""
    size = len(ssid.encode("utf-8", "surrogatepass"))
    if not 1 <= size <= SSID_MAX_BYTES or any(not c.isprintable() for c in ssid):
        return "A Wi-Fi network name (SSID) is 1 to 32 bytes of printable characters."
    return None


def key_problem(security: str, key: str) -> str | None:
    """Why `key` is not a key for a network of this `security` ("Open", "WPA2-Personal",
    "WPA3-Personal"), or None. Never quotes the key."""
    if security == OPEN:
        return "An Open network takes no key." if key else None
    if len(key) == 64 and all(c in _HEX for c in key):
        return None  # the pre-shared key itself
    if KEY_MIN <= len(key) <= KEY_MAX and all(" " <= c <= "~" for c in key):
        return None
    return (
        f"A {security} key is {KEY_MIN} to {KEY_MAX} printable ASCII characters (letters, "
        "digits, punctuation, spaces; no accented letters), or 64 hexadecimal digits."
    )
