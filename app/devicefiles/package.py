"""The per-device provisioning package: a WCD project naming the device and, on Wi-Fi,
joining its network. Built by the package service (app.services.packages), so it lands in
the registry like any package; with a Wi-Fi key it travels only as a signed, encrypted bundle.
"""

from __future__ import annotations

import re
import uuid

from app.enrollment import Answers
from app.errors import InputError
from app.provisioning.model import (
    PASSWORD_MIN,
    DeviceSetup,
    Network,
    PackageInfo,
    PackageSpec,
    WifiSecurity,
)
from app.security.secret import Secret

__all__ = ["PASSWORD_MIN", "folder_name", "package_name", "spec"]

#: One package id per serial, kept across its versions (a namespace of Joinery's own).
_NAMESPACE = uuid.UUID("5d0c3f5e-4a8e-4f55-9a57-0f3a7c1b9d21")
#: Names Windows keeps for devices: a folder cannot be called that on a FAT32 stick.
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(10)}


def folder_name(serial: str) -> str:
    """The device folder's name: the serial, with what a Windows path cannot hold
    (/ : # + and spaces, which serials may have) as underscores."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", serial.strip()).rstrip(".") or "_"
    return name + "_" if name.upper() in _RESERVED else name


def package_name(serial: str) -> str:
    """ "Device PF3KX1ZB": the registry name of a device's own package (WCD's name rules)."""
    return "Device " + re.sub(r"[^A-Za-z0-9._-]", "-", serial.strip())[:56]


def spec(
    serial: str,
    answers: Answers,
    device_name: str,
    version: str,
    *,
    wifi_key: Secret | None,
    password: Secret | None,
) -> PackageSpec:
    """The device's package. A Wi-Fi network needs its key (unless it is open), and a key
    needs the password that encrypts the bundle; InputError names what is missing."""
    network = None
    if answers.network == "wifi":
        network = _network(serial, answers, wifi_key)
    info = PackageInfo(
        package_name(serial),
        version=version,
        package_id=uuid.uuid5(_NAMESPACE, serial.strip().upper()),
        password=password if network is not None and network.key else None,
    )
    return PackageSpec(info=info, device=DeviceSetup(name_template=device_name), network=network)


def _network(serial: str, answers: Answers, key: Secret | None) -> Network:
    ssid = answers.wifi_ssid or ""
    if answers.wifi_security == "Open":
        return Network(ssid, WifiSecurity.OPEN)
    if answers.wifi_security != "WPA2-Personal":
        raise InputError(
            f"{serial} joins {ssid} with {answers.wifi_security}, which a provisioning package "
            "cannot describe (WCD offers Open, WEP and WPA2-Personal): leave the package out "
            "for it, or switch the network to WPA2/WPA3 transition mode and save the profile "
            "as WPA2-Personal"
        )
    if key is None:
        raise InputError(
            f"no Wi-Fi key is stored for {serial} or its bench profile, so its package cannot "
            f"join {ssid}: type the key in the wizard's network page and save the profile"
        )
    return Network(ssid, WifiSecurity.WPA2_PERSONAL, key=key)
