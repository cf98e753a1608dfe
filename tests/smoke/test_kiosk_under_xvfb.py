"""The real `joinery kiosk`, in a real X server, typed into by xdotool as a person types.

Every other GUI test runs offscreen inside the test process. This one starts the kiosk as a
technician does (its own process, the xcb platform, a window the X server gives focus to),
signs in, scans a serial with `xdotool type` (a keyboard-wedge scanner is a fast keyboard),
and walks the guided enrollment to the end with the keyboard alone. The record in the
database is the proof. It failed before the wizard became a page stack of our own: the
second character of the scan went to the sidebar.

CI installs Xvfb and xdotool (.ci/run); where either is missing the test says so and skips.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import services, settings
from app.security import operators
from app.security.roles import Role
from app.security.secret import Secret
from app.store import Store

PIN = "482916"
SERIAL = "PF9UXTST"
USER = "adele@contoso.com"

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")),
    reason="needs Xvfb and xdotool (Debian: apt-get install xvfb xdotool; .ci/run does)",
)


@pytest.fixture
def display() -> Iterator[str]:
    """A private X server; its display number is chosen by the server itself."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not start"
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def xdotool(display: str, *args: str) -> str:
    done = subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def wait_for(condition: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def device_row(db: Path) -> tuple[str, str, str] | None:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT enrollment_status, device_name, assigned_user FROM devices WHERE serial = ?",
            (SERIAL,),
        ).fetchone()


def audit_actions(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT action FROM audit ORDER BY id")]


def test_a_technician_enrolls_a_device_by_keyboard_in_the_real_kiosk(
    display: str, tmp_path: Path
) -> None:
    db = tmp_path / "bench.db"
    with Store.open(db) as store:
        operators.create_operator(store, services.local_admin(), "ada", Role.ADMIN, Secret(PIN))
        settings.put(store, services.local_admin(), "tenant_domains", "contoso.com")
    env = {**os.environ, "DISPLAY": display}
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform, not offscreen
    log = (tmp_path / "kiosk.log").open("w")
    kiosk = subprocess.Popen(
        [sys.executable, "-c", "from ui.entry import main; main()", "--db", str(db), "kiosk"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        window = xdotool(display, "search", "--sync", "--onlyvisible", "--name", "Joinery")
        window = window.splitlines()[0]
        xdotool(display, "windowfocus", "--sync", window)
        time.sleep(0.5)  # the window maps, takes focus, and the sign-in field is focused

        xdotool(display, "type", "--delay", "30", "ada")
        xdotool(display, "key", "Tab")
        xdotool(display, "type", "--delay", "30", PIN)
        xdotool(display, "key", "Return")
        wait_for(lambda: "operator.sign_in" in audit_actions(db), "the sign-in")
        time.sleep(0.3)

        xdotool(display, "key", "ctrl+1")  # Enroll; the serial field has the keyboard
        time.sleep(0.3)
        xdotool(display, "type", "--delay", "5", SERIAL)  # a scanner: fast, then Enter
        xdotool(display, "key", "Return")
        time.sleep(0.3)
        # Region, keyboard, second keyboard, network, name, work or school: Enter each.
        for _ in range(6):
            xdotool(display, "key", "Return")
            time.sleep(0.25)
        xdotool(display, "type", "--delay", "10", USER)
        xdotool(display, "key", "Return")
        time.sleep(0.3)
        # Sign-in options, management, privacy, and Enter on the review page enrolls.
        for _ in range(4):
            xdotool(display, "key", "Return")
            time.sleep(0.25)
        wait_for(lambda: device_row(db) is not None, "the enrollment to land", seconds=20)
        status, name, user = device_row(db)  # type: ignore[misc]
        assert name == "PC-" + SERIAL  # the Default profile's PC-%SERIAL% template
        assert user == USER
        assert status  # enrolled at the bench (its wording is the store's)
        assert "device.enroll" in audit_actions(db)

        # Ready for the next device: the next scan goes into the serial field again.
        time.sleep(0.3)
        xdotool(display, "type", "--delay", "5", "PF9UXTS2")
        xdotool(display, "key", "Return")
        time.sleep(0.3)
        assert kiosk.poll() is None, "the kiosk quit"
    finally:
        kiosk.send_signal(signal.SIGTERM)
        try:
            kiosk.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kiosk.kill()
        log.close()
    print((tmp_path / "kiosk.log").read_text(errors="replace")[-2000:])
