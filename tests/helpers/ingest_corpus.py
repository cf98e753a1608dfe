"""Check-in files to test the ingest readers: reports as the collector writes them, and Intune
"All devices" exports as the portal writes them (UTF-8 with a BOM, every field quoted)."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE_REPORT = DATA / "collector" / "sample-report.json"
PARTIAL_REPORT = DATA / "collector" / "sample-report-partial.json"
SAMPLE_EXPORT = DATA / "intune" / "DevicesWithInventory-sample.csv"

#: DevicesWithInventory "Columns received", in documented order (domain.md 5.3).
HEADER_LINE = (
    "Device ID,Device name,Enrollment date,Last check-in,Azure AD Device ID,OS version,"
    "Azure AD registered,EAS activation ID,Serial number,Manufacturer,Model,EAS activated,IMEI,"
    "Last EAS sync time,EAS reason,EAS status,Compliance grace period expiration,"
    "Security patch level,Wi-Fi MAC,MEID,Subscriber carrier,Total storage,Free storage,"
    "Management name,Category,UserId,Primary user UPN,Primary user email address,"
    "Primary user display name,WiFiIPv4Address,WiFiSubnetID,Compliance,Managed by,Ownership,"
    "Device state,Intune registered,Supervised,Encrypted,OS,SkuFamily,JoinType,Phone number,"
    "Jailbroken,ICCID,EthernetMAC,CellularTechnology,ProcessorArchitecture,EID"
)
INTUNE_HEADER = HEADER_LINE.split(",")


def sample_report() -> dict[str, Any]:
    """The full sample report as a dict, a fresh copy each call."""
    return copy.deepcopy(json.loads(SAMPLE_REPORT.read_text(encoding="utf-8")))


def edit(report: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """Set (or, with value ..., delete) a dotted path such as "device.serialNumber"."""
    *parents, last = path.split(".")
    node: Any = report
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return report


def volumes(*specs: tuple[str, str, float | None]) -> list[dict[str, object]]:
    return [
        {
            "mountPoint": f"{chr(67 + i)}:",
            "volumeType": t,
            "protectionStatus": p,
            "encryptionPercentage": e,
        }
        for i, (t, p, e) in enumerate(specs)
    ]


def report_bytes(report: object, encoding: str = "utf-8", *, bom: bool = False) -> bytes:
    text = json.dumps(report, indent=2)
    return (("\ufeff" if bom else "") + text).encode(encoding)


def intune_row(**values: str) -> dict[str, str]:
    """One Windows row; keywords spell a column with _ for spaces and hyphens (Last_check_in)."""
    row = dict.fromkeys(INTUNE_HEADER, "")
    row.update(
        {
            "Device name": "CTS-PF000001",
            "Last check-in": "2026-11-28 22:41:07.0000000",
            "OS version": "10.0.26100.2314",
            "Serial number": "PF000001",
            "Manufacturer": "LENOVO",
            "Model": "21HD003GMX",
            "Compliance": "Compliant",
            "Encrypted": "Yes",
            "OS": "Windows",
        }
    )
    for key, value in values.items():
        (column,) = [c for c in INTUNE_HEADER if c.replace(" ", "_").replace("-", "_") == key]
        row[column] = value
    return row


def intune_csv(
    rows: Sequence[Mapping[str, str]],
    header: Sequence[str] = INTUNE_HEADER,
    encoding: str = "utf-8-sig",
) -> bytes:
    """A whole export, every field quoted as the portal writes it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue().encode(encoding)
