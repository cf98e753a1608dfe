"""Files a device applies at its OOBE, written from the wizard's answers (docs/device-files.md).

`autopilot_json` (AutopilotConfigurationFile.json), `unattend` (unattend.xml), `package` (the
per-device WCD project), `manifest` (every file's SHA-256, signed), `readme` (what the person
at the device does with them). No Qt here; `app.services.device_files` writes them.
"""

from __future__ import annotations

from app.domain import ProvisioningMethod
from app.enrollment import DEVICE_FILES, Answers

AUTOPILOT, UNATTEND, PACKAGE = DEVICE_FILES


def default_files(answers: Answers) -> tuple[str, ...]:
    """The files a bench profile writes when none are chosen: its own list if it names one,
    else what its provisioning method uses (Autopilot reads its profile file; the other
    methods answer the OOBE with unattend.xml), plus the package that carries a Wi-Fi network
    or, for bulk enrollment, the device's name."""
    if answers.device_files:
        return tuple(name for name in DEVICE_FILES if name in answers.device_files)
    method = answers.method()
    chosen = [AUTOPILOT if method == ProvisioningMethod.AUTOPILOT else UNATTEND]
    if answers.network == "wifi" or method == ProvisioningMethod.BULK:
        chosen.append(PACKAGE)
    return tuple(chosen)
