"""The default bench profile's answers: what a kiosk enrolls with before anyone saves one."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from app import demo, naming, services
from app.enrollment import DEFAULT_NAME_TEMPLATE, Answers
from app.services import EnrollRequest
from app.store import Store
from tests.helpers.actors import ADMIN


def demo_serials() -> list[str]:
    """Every serial the demo makes: the kiosk's --demo fleet (seeded as `demo.seed` seeds
    it: seed 7 plus the first id) and the files of `joinery demo autopilot-csv`."""
    fleet = [str(row["serial"]) for row in demo.devices(5000, seed=7 + 1)]
    captured = [record.serial for record in demo.autopilot_rows(300)]
    return fleet + captured


def test_the_default_template_names_every_demo_serial() -> None:
    serials = demo_serials()
    assert any(s.isdigit() for s in serials)  # Surface serials: twelve digits
    for serial in serials:
        name, problem = naming.preview(Answers().name_template, serial)
        assert problem is None, f"{serial}: {problem}"
        assert name is not None and naming.name_problem(name) is None


@settings(max_examples=200)
@given(st.sampled_from(demo.VENDORS), st.integers(0, 2**32))
def test_the_default_template_names_any_vendor_serial(vendor: demo.Vendor, seed: int) -> None:
    serial = vendor.serial(random.Random(seed))
    name, problem = naming.preview(DEFAULT_NAME_TEMPLATE, serial)
    assert problem is None and name is not None
    # The serial is kept whole when it fits, else cut from the front (its end identifies it).
    assert name.endswith(serial[-(naming.MAX_BYTES - len("PC-")) :])


def test_a_surface_serial_enrolls_with_the_default_profile(store: Store) -> None:
    preview = services.preview_enrollment(store, "012345678912", None, actor=ADMIN)
    assert preview.ready, preview.problem
    assert preview.name == "PC-012345678912"  # 15 bytes exactly
    result = services.enroll_device(store, EnrollRequest("012345678912"), actor=ADMIN)
    assert result.device.device_name == "PC-012345678912"


def test_the_device_file_answers_round_trip() -> None:
    answers = Answers(user_local_admin=True, device_files=("autopilot", "package"))
    again = Answers.from_json(answers.to_json())
    assert again == answers and again.device_files == ("autopilot", "package")
    assert Answers.from_json('{"region": "Germany"}').device_files == ()  # an older profile
    bad = Answers(device_files=("ppkg",))
    assert bad.problems() == [("device_files", "choose from autopilot, unattend, package")]
