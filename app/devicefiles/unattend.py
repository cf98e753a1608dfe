"""unattend.xml: an answer file Windows Setup reads, answering the OOBE pages ahead.

Namespace urn:schemas-microsoft-com:unattend. `specialize` names the computer; `oobeSystem`
sets the region and keyboard (Microsoft-Windows-International-Core) and hides the pages the
bench answered (Microsoft-Windows-Shell-Setup/OOBE). Every component is written once per
architecture (amd64 and arm64): Setup applies the ones matching the device.

Never HideOnlineAccountScreens (it hides the work-or-school sign-in, so no Entra join), never
an account or a password: the person signs in with their organizational account.
"""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import escape, quoteattr

from app import naming
from app.devicefiles import oobe
from app.enrollment import Answers
from app.errors import InputError

FILE_NAME = "unattend.xml"
NAMESPACE = "urn:schemas-microsoft-com:unattend"
WCM = "http://schemas.microsoft.com/WMIConfig/2002/State"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PUBLIC_KEY_TOKEN = "31bf3856ad364e35"
ARCHITECTURES = ("amd64", "arm64")
SHELL_SETUP = "Microsoft-Windows-Shell-Setup"
INTERNATIONAL = "Microsoft-Windows-International-Core"
#: ProtectYourPC: 1 turns the recommended (express) settings on, 3 turns them off; either
#: way the privacy page is not shown. Mixed answers leave the page to the person.
PROTECT_ON, PROTECT_OFF = 1, 3


def settings(answers: Answers, device_name: str) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """{pass: {component: [(element path, text)]}}: what the file sets, before any XML."""
    if reason := naming.name_problem(device_name):
        raise InputError(f"unattend.xml ComputerName: {reason}")
    place = oobe.region(answers)
    international = [
        ("InputLocale", ";".join(oobe.input_locales(answers))),
        ("SystemLocale", place.locale),
        ("UILanguage", place.ui_language),
        ("UserLocale", place.locale),
    ]
    shell = [("OOBE/HideEULAPage", "true"), ("OOBE/HideOEMRegistrationScreen", "true")]
    if answers.network == "wired":
        shell.append(("OOBE/HideWirelessSetupInOOBE", "true"))
    choice = oobe.privacy(answers)
    if choice != oobe.Privacy.MIXED:
        protect = PROTECT_ON if choice == oobe.Privacy.ALL_ON else PROTECT_OFF
        shell.append(("OOBE/ProtectYourPC", str(protect)))
    return {
        "specialize": {SHELL_SETUP: [("ComputerName", device_name)]},
        "oobeSystem": {INTERNATIONAL: international, SHELL_SETUP: shell},
    }


def render(answers: Answers, device_name: str) -> bytes:
    """The answer file, UTF-8 with the XML declaration, CRLF line ends."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<unattend xmlns="{NAMESPACE}">']
    for pass_name, components in settings(answers, device_name).items():
        lines.append(f'  <settings pass="{pass_name}">')
        for component, values in components.items():
            for architecture in ARCHITECTURES:
                lines.append(_component_start(component, architecture))
                lines += _elements(values)
                lines.append("    </component>")
        lines.append("  </settings>")
    lines.append("</unattend>")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@cache
def _component_start(name: str, architecture: str) -> str:
    return (
        f"    <component name={quoteattr(name)} processorArchitecture="
        f'"{architecture}" publicKeyToken="{PUBLIC_KEY_TOKEN}" language="neutral" '
        f'versionScope="nonSxS" xmlns:wcm="{WCM}" xmlns:xsi="{XSI}">'
    )


def _elements(values: list[tuple[str, str]]) -> list[str]:
    """Nested elements from paths; consecutive paths sharing a parent share its element."""
    lines: list[str] = []
    opened: list[str] = []
    for path, text in values:
        *parents, leaf = path.split("/")
        while opened and opened != parents[: len(opened)]:
            lines.append(f"{'  ' * (len(opened) + 2)}</{opened.pop()}>")
        for parent in parents[len(opened) :]:
            opened.append(parent)
            lines.append(f"{'  ' * (len(opened) + 2)}<{parent}>")
        lines.append(f"{'  ' * (len(opened) + 3)}<{leaf}>{escape(text)}</{leaf}>")
    while opened:
        lines.append(f"{'  ' * (len(opened) + 2)}</{opened.pop()}>")
    return lines
