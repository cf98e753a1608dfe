"""What a form asks while a person types: the domain's rules, reached through the services
(the wizards never import the format modules). No store, no actor: these read nothing but
what they are given."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from app.autopilot.fields import GROUP_TAG, SERIAL, value_fault
from app.provisioning import rules, wcd_xml

__all__ = [
    "group_tag_problem",
    "kept_secrets",
    "kept_settings",
    "package_problems",
    "package_warnings",
    "serial_problem",
]

#: What is wrong with a package's answers (each beside its field), and what to warn about.
package_problems = rules.problems
package_warnings = rules.warnings


def serial_problem(serial: str) -> str | None:
    """Why text cannot be a device's serial number (Autopilot's rules), or None."""
    return value_fault(SERIAL, serial)


def group_tag_problem(tag: str) -> str | None:
    """Why text cannot be an Autopilot group tag, or None."""
    return value_fault(GROUP_TAG, tag)


def kept_secrets(kept: Element) -> list[str]:
    """The secrets in what an opened project keeps without showing (Joinery rebuilds them)."""
    return wcd_xml.secrets_in(kept)


def kept_settings(kept: Element) -> int:
    """How many settings an opened project keeps without showing them."""
    common = wcd_xml.common_of(kept)
    return 0 if common is None else len(wcd_xml.settings_below(common))
