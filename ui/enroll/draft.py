"""What the wizard has been told so far: the device, its answers, the secret typed for it."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain import Device
from app.enrollment import Answers
from app.security.secret import Secret


@dataclass
class Draft:
    """Pages read it in `initializePage` and write their part back in `validatePage`."""

    serial: str = ""
    existing: Device | None = None
    update: bool = False  # enroll again a device already enrolled (a reimage)
    manufacturer: str = ""
    model: str = ""
    profile: str | None = None  # the bench profile the answers started from
    answers: Answers = field(default_factory=Answers)
    device_name: str | None = None  # typed by the technician; None: from the template
    user: str | None = None
    wifi_key: Secret | None = None
