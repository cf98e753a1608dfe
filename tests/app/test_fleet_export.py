"""Fleet CSV export: exact headers, formula-safe cells, BOM, list and count agree, cancel."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import demo, services
from app.domain import DeviceQuery
from app.errors import Cancelled
from app.security.roles import Actor, PermissionDenied, Role
from app.services.fleet_export import ENTRA_HEADER, JOINERY_HEADER, export_devices_csv
from app.store import Store
from tests.helpers.actors import ADMIN

LEAD = Actor("lena", Role.LEAD)
ENTRA_LINE = (
    "displayName,accountEnabled,operatingSystem,operatingSystemVersion,joinType (trustType),"
    "registeredOwners,userNames,mdmDisplayName,isCompliant,registrationTime,"
    "approximateLastSignInDateTime,deviceId,isManaged,objectId,profileType,systemLabels,model"
)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def device_row(device_id: int, serial: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": device_id,
        "serial": serial,
        "model": "Latitude 7450",
        "join_type": "entraJoined",
        "provisioning_method": "selfService",
        "ownership": "company",
        "os_version": "10.0.26100.2033",
        "management_authority": "intune",
        "enrollment_status": "enrolled",
        "compliance_state": "compliant",
        "last_checkin": "2026-03-02T08:00:00Z",
        "lineage": 0,
        "created_at": "2026-03-01T08:00:00Z",
        "updated_at": "2026-03-01T08:00:00Z",
        "enrolled_at": "2026-03-01T09:00:00Z",
    }
    row.update(fields)
    return row


def add(store: Store, *rows: dict[str, object]) -> None:
    with store.transaction():
        store.insert_devices(rows)


def read(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.fixture
def fleet(store: Store) -> Store:
    demo.seed(store, 1300, seed=3)
    return store


def test_joinery_header_and_rows(fleet: Store, tmp_path: Path) -> None:
    out = tmp_path / "fleet.csv"
    result = export_devices_csv(fleet, DeviceQuery(), out, actor=LEAD)
    rows = read(out)
    assert tuple(rows[0]) == JOINERY_HEADER
    assert result.devices == len(rows) - 1 == fleet.count_devices()
    first = fleet.devices_page(DeviceQuery(), 0, 1)[0]
    assert rows[1][0] == first.serial
    assert rows[1][2] in {"Compliant", "Not compliant", "In grace period", "Not evaluated",
                          "Unknown", "Error", "Conflict"}  # fmt: skip


def test_entra_header_is_exactly_the_portal_one(fleet: Store, tmp_path: Path) -> None:
    out = tmp_path / "entra.csv"
    export_devices_csv(fleet, DeviceQuery(), out, layout="entra", actor=LEAD)
    first_line = out.read_bytes().decode("utf-8-sig").split("\r\n", 1)[0]
    assert first_line == ENTRA_LINE
    assert ",".join(ENTRA_HEADER) == ENTRA_LINE


def test_entra_mappings(store: Store, tmp_path: Path) -> None:
    add(
        store,
        device_row(1, "PF1", device_name="ACME-PF1", assigned_user="ann@contoso.com"),
        device_row(2, "PF2", compliance_state="noncompliant", join_type="hybridJoined"),
        device_row(
            3,
            "PF3",
            provisioning_method="autopilot",
            enrollment_status="registered",
            enrolled_at=None,
        ),
    )
    out = tmp_path / "entra.csv"
    export_devices_csv(store, DeviceQuery(), out, layout="entra", actor=ADMIN)
    rows = [dict(zip(ENTRA_HEADER, r, strict=True)) for r in read(out)[1:]]
    one, two, three = rows
    assert one["displayName"] == "ACME-PF1" and one["joinType (trustType)"] == "AzureAd"
    assert one["isCompliant"] == "True" and one["isManaged"] == "True"
    assert one["mdmDisplayName"] == "Microsoft Intune"
    assert one["registeredOwners"] == one["userNames"] == "ann@contoso.com"
    assert one["deviceId"] == one["objectId"] == ""
    assert two["isCompliant"] == "False" and two["joinType (trustType)"] == "ServerAd"
    assert three["displayName"] == "PF3"  # not yet named: Autopilot objects carry the serial
    assert three["isManaged"] == "False" and three["isCompliant"] == ""
    assert three["registrationTime"] == "2026-03-01T08:00:00Z"


def test_bom_present(fleet: Store, tmp_path: Path) -> None:
    out = tmp_path / "fleet.csv"
    export_devices_csv(fleet, DeviceQuery(state="noncompliant"), out, actor=ADMIN)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    "query",
    [
        DeviceQuery(),
        DeviceQuery(state="noncompliant"),
        DeviceQuery(state="compliant", sort="last_checkin", descending=True),
        DeviceQuery(text="D"),
    ],
)
def test_list_and_count_agree(fleet: Store, tmp_path: Path, query: DeviceQuery) -> None:
    out = tmp_path / "fleet.csv"
    result = export_devices_csv(fleet, query, out, layout="entra", actor=ADMIN)
    assert result.devices == len(read(out)) - 1 == fleet.count_devices(query)


def test_progress_reaches_the_total(fleet: Store, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    export_devices_csv(
        fleet,
        DeviceQuery(),
        tmp_path / "f.csv",
        progress=lambda d, t: seen.append((d, t)),
        actor=ADMIN,
    )
    assert seen[0] == (0, 1300) and seen[-1] == (1300, 1300)


@given(
    prefix=st.sampled_from(TRIGGERS),
    rest=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=12
    ),
    column=st.sampled_from(["device_name", "assigned_user", "group_tag"]),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_formula_cells_are_neutralised(tmp_path: Path, prefix: str, rest: str, column: str) -> None:
    value = prefix + rest
    with Store.memory() as store:
        add(store, device_row(1, "SER1", **{column: value}))
        out = tmp_path / "evil.csv"
        export_devices_csv(store, DeviceQuery(), out, layout="joinery", actor=ADMIN)
        cells = read(out)[1]
        assert "'" + value in cells
        assert not any(c.startswith(TRIGGERS) for c in cells)
        export_devices_csv(store, DeviceQuery(), out, layout="entra", actor=ADMIN)
        cells = read(out)[1]
        assert column == "group_tag" or "'" + value in cells  # Entra has no group tag column
        assert not any(c.startswith(TRIGGERS) for c in cells)


def test_cancel_leaves_no_file_and_no_audit(fleet: Store, tmp_path: Path) -> None:
    out = tmp_path / "fleet.csv"
    calls = iter(range(100))
    with pytest.raises(Cancelled):
        export_devices_csv(fleet, DeviceQuery(), out, cancel=lambda: next(calls) >= 2, actor=ADMIN)
    assert not out.exists()
    assert list(tmp_path.glob("*.tmp")) == list(tmp_path.glob(".*.tmp")) == []
    assert fleet.audit_entries(action="fleet.export") == []


def test_cancel_keeps_an_earlier_file(fleet: Store, tmp_path: Path) -> None:
    out = tmp_path / "fleet.csv"
    out.write_text("earlier", encoding="utf-8")
    with pytest.raises(Cancelled):
        export_devices_csv(fleet, DeviceQuery(), out, cancel=lambda: True, actor=ADMIN)
    assert out.read_text(encoding="utf-8") == "earlier"


def test_audited_with_layout_count_and_query(fleet: Store, tmp_path: Path) -> None:
    query = DeviceQuery(state="error")
    result = services.export_devices_csv(
        fleet, query, tmp_path / "e.csv", layout="entra", actor=LEAD
    )
    (entry,) = fleet.audit_entries(action="fleet.export")
    assert entry.actor == "lena" and entry.target == str(tmp_path / "e.csv")
    assert entry.details["layout"] == "entra" and entry.details["devices"] == result.devices
    recorded = entry.details["query"]
    assert isinstance(recorded, dict)
    assert recorded["state"] == "error" and recorded["sort"] == "serial"
    assert set(recorded) == {f.name for f in dataclasses.fields(DeviceQuery)}  # all of it


def test_technician_may_not_export(fleet: Store, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        export_devices_csv(
            fleet, DeviceQuery(), tmp_path / "x.csv", actor=Actor("tom", Role.TECHNICIAN)
        )
    assert not (tmp_path / "x.csv").exists()
