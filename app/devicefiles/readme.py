"""README.txt: what the person at the device does with each file, and in which order.

Plain ASCII with CRLF line ends, so Notepad on any Windows shows it. It names the files of
its own folder only and holds no secret (the bundle's password is never written down here).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.devicefiles import autopilot_json, oobe, unattend
from app.enrollment import PRIVACY, Answers

FILE_NAME = "README.txt"


@dataclass(frozen=True)
class Folder:
    """What one device folder holds."""

    serial: str
    device_name: str
    profile: str | None
    autopilot: bool
    unattend: bool
    package: str | None  # the bundle's file name, or the project folder's name
    encrypted: bool
    wifi_ssid: str | None


def render(folder: Folder, answers: Answers, written_by: str, written_at: str) -> bytes:
    lines = [
        f"Device files for {folder.serial} ({folder.device_name}), written by Joinery",
        f"at {written_at} by {written_by}"
        + (f", from the bench profile {folder.profile}." if folder.profile else "."),
        "",
        "Check them before use (on the bench, or any machine with Joinery):",
        "    joinery device-files verify <the folder holding this folder and manifest.json>",
        "",
        "BEFORE THE DEVICE FIRST STARTS (on its Windows image or installation media):",
    ]
    step = 0
    if folder.unattend:
        step += 1
        lines += _unattend_steps(step)
    if folder.autopilot:
        step += 1
        lines += _autopilot_steps(step, folder.unattend)
    if not (folder.unattend or folder.autopilot):
        lines.append("    Nothing: this folder answers no OOBE page ahead.")
    lines += ["", "AT THE FIRST OOBE SCREEN:"]
    if folder.package:
        step += 1
        lines += _package_steps(step, folder)
    else:
        lines.append("    No provisioning package for this device.")
    lines += ["", *_pages_left(answers, folder), ""]
    return "\r\n".join(lines).encode("ascii", "replace")


def _unattend_steps(step: int) -> list[str]:
    return [
        f"{step}. {unattend.FILE_NAME}: names the device and answers the region, keyboard,",
        "   license, OEM and privacy pages. Either copy it to C:\\Windows\\Panther\\ on the",
        "   applied image before Windows first starts there, or put it at the root of a USB",
        "   drive that is plugged in at that first start (Windows Setup looks for",
        "   Unattend.xml at the root of removable drives).",
    ]


def _autopilot_steps(step: int, with_unattend: bool) -> list[str]:
    lines = [
        f"{step}. {autopilot_json.FILE_NAME}: the Autopilot profile (user-driven, Microsoft",
        "   Entra join). Copy it, keeping its exact name, to",
        "   %WINDIR%\\Provisioning\\Autopilot\\ on the device's image (from WinPE, the",
        "   Windows folder of the applied image). Do not open and save it in an editor that",
        "   writes Unicode or UTF-8: Windows then ignores it.",
    ]
    if with_unattend:
        lines += [
            "   Use it OR unattend.xml on the first start, not both: Windows Setup ignores",
            "   the Autopilot file while an unattend.xml is there (Microsoft: Autopilot for",
            "   existing devices). Delete C:\\Windows\\Panther\\unattend.xml to use Autopilot.",
        ]
    return lines


def _package_steps(step: int, folder: Folder) -> list[str]:
    name = folder.package or ""
    stem = name.removesuffix(".jbundle")
    lines = [f"{step}. {name}: a provisioning package that names the device"]
    if folder.wifi_ssid:
        lines[-1] += f" and joins the Wi-Fi network {folder.wifi_ssid}."
    else:
        lines[-1] += "."
    if folder.encrypted:
        lines += [
            "   It holds the Wi-Fi key, so it is a signed, encrypted Joinery bundle. On the",
            "   Windows machine with the Windows ADK, with the cart's password in a file:",
            f"       joinery package unpack {name} -o C:\\Joinery\\{stem} --password-file F",
            f"   then run C:\\Joinery\\{stem}\\build-ppkg.cmd from an elevated prompt: it makes",
            f"   C:\\Joinery\\{stem}.ppkg and deletes the unpacked project (the key in the clear).",
        ]
    else:
        lines += [
            "   On the Windows machine with the Windows ADK, run build-ppkg.cmd in that",
            f"   folder from an elevated prompt: it makes {stem}.ppkg beside the folder.",
        ]
    lines += [
        "   Copy the .ppkg to the root of a USB drive and plug it in at the first OOBE",
        "   screen: Windows offers to install it (or press the Windows key five times).",
    ]
    return lines


def _pages_left(answers: Answers, folder: Folder) -> list[str]:
    """The bench's privacy answers, for the person when the OOBE still asks them."""
    choice = oobe.privacy(answers)
    asks = (folder.autopilot and choice != oobe.Privacy.ALL_ON) or (
        folder.unattend and choice == oobe.Privacy.MIXED
    )
    if not asks and (folder.autopilot or folder.unattend):
        return ["The privacy page is answered ahead; no other choices are left to make."]
    lines = ["If the OOBE shows the privacy page, set it as the bench recorded:"]
    for name in PRIVACY:
        lines.append(f"    {name}: {'on' if answers.privacy.get(name) else 'off'}")
    return lines
