"""write_device_files and verify_device_files: a cart of 40 in one go, every write audited
with its serials, nothing written when anything is wrong, folders replaced only when asked,
and the Wi-Fi key nowhere in plain text."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from app import demo, services, settings
from app.devicefiles.manifest import FileMismatch, ManifestError
from app.domain import DeviceQuery
from app.enrollment import Answers
from app.errors import InputError
from app.provisioning import bundle, signers
from app.security.roles import PermissionDenied
from app.security.secret import Secret
from app.store import Store
from tests.helpers.actors import ADMIN
from tests.helpers.device_files import (
    ADA,
    CANARY,
    FAST,
    LENA,
    PASSWORD,
    TOM,
    WIFI,
    Enroll,
    files_under,
)

ALL = ("autopilot", "unattend", "package")


def write(store: Store, serials: list[str], out: Path, **options: object) -> services.WriteResult:
    options.setdefault("only", ALL)
    options.setdefault("actor", ADA)
    options.setdefault("password", PASSWORD)
    options.setdefault("kdf_cost", FAST)
    return services.write_device_files(store, serials, out, **options)  # type: ignore[arg-type]


def test_a_cart_of_40_is_written_in_one_go(bench: Store, enroll: Enroll, tmp_path: Path) -> None:
    serials = enroll(40)
    steps: list[tuple[int, int]] = []
    result = write(bench, serials, tmp_path / "cart", progress=lambda d, t: steps.append((d, t)))
    assert [f.serial for f in result.written] == serials and not result.cancelled
    assert steps[0] == (0, 40) and steps[-1] == (40, 40)
    for folder in result.written:
        assert folder.files == (
            "AutopilotConfigurationFile.json",
            "unattend.xml",
            f"Device-{folder.serial}-1.0.jbundle",
            "README.txt",
        )
    verdict = services.verify_device_files(bench, tmp_path / "cart", actor=ADA)
    assert verdict.files == 160 and len(verdict.devices) == 40
    (entry,) = bench.audit_entries(action="device_files.write")
    assert entry.details["serials"] == serials
    assert entry.details["files"] == {"autopilot": 40, "unattend": 40, "package": 40}
    builds = [b for b in bench.package_builds() if b.name.startswith("Device ")]
    assert len(builds) == 40 and all(b.encrypted for b in builds)


def test_the_packages_open_with_the_cart_password(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    serials = enroll(2)
    result = write(bench, serials, tmp_path / "cart")
    bundles = [f.folder / f.files[2] for f in result.written]
    salts = set()
    for path in bundles:
        verdict = bundle.verify_bundle(path, None, PASSWORD)
        names = [m.name for m in verdict.members or ()]
        assert names == ["customizations.xml", "build-ppkg.cmd"]
        assert verdict.header.encryption is not None
        salts.add(verdict.header.encryption.salt)
    assert len(salts) == 1  # one key derivation for the cart
    with pytest.raises(bundle.WrongPassword):
        bundle.verify_bundle(bundles[0], None, Secret("another password, 24 chars"))


def test_the_wifi_key_is_in_no_plain_text_output(
    bench: Store, enroll: Enroll, tmp_path: Path, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    serials = enroll(3)
    out = tmp_path / "cart"
    result = write(bench, serials, out)
    services.verify_device_files(bench, out, actor=ADA)
    canary = CANARY.encode()
    for relative, data in files_under(out).items():
        assert canary not in data, relative  # the bundle is encrypted, the rest never had it
    bench.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal"):
        path = Path(str(db_path) + suffix)
        assert not path.exists() or canary not in path.read_bytes()
    assert CANARY not in caplog.text
    audit = json.dumps([e.details for e in bench.audit_entries(limit=1000)])
    assert CANARY not in audit and CANARY not in json.dumps(result.as_json())
    # ...and yet the package does carry it, for the device.
    unpacked = tmp_path / "unpacked"
    bundle.unpack_bundle(
        result.written[0].folder / result.written[0].files[2],
        unpacked,
        PASSWORD,
        signers.trusted_keys(),  # the bench's own key: trusted here without --trust-key
    )
    assert canary in (unpacked / "customizations.xml").read_bytes()


def test_a_device_typed_key_wins_over_its_profile(bench: Store, tmp_path: Path) -> None:
    request = services.EnrollRequest(
        "PF999999", answers=WIFI, wifi_key=Secret("the device's own key 77")
    )
    services.enroll_device(bench, request, actor=ADA)
    result = write(bench, ["PF999999"], tmp_path / "cart", only=["package"])
    unpacked = tmp_path / "unpacked"
    bundle.unpack_bundle(
        result.written[0].folder / result.written[0].files[0],
        unpacked,
        PASSWORD,
        signers.trusted_keys(),
    )
    assert b"the device's own key 77" in (unpacked / "customizations.xml").read_bytes()


def test_an_existing_folder_is_refused_unless_replace(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    serials = enroll(2)
    out = tmp_path / "cart"
    write(bench, serials, out, only=["unattend"])
    before = files_under(out)
    with pytest.raises(InputError, match=f"already has a folder for {serials[0]}, {serials[1]}"):
        write(bench, serials, out)
    assert files_under(out) == before  # nothing written, nothing removed
    assert services.folders_in_the_way(out, serials) == serials
    result = write(bench, serials[:1], out, replace=True)
    assert len(result.written[0].files) == 4
    verdict = services.verify_device_files(bench, out, actor=ADA)
    assert [d.serial for d in verdict.devices] == serials  # the other folder is still signed
    entries = bench.audit_entries(action="device_files.write")
    assert entries[0].details["replace"] is True and entries[0].details["serials"] == serials[:1]


def test_a_second_cart_joins_the_folder_and_its_manifest(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    first, second = enroll(2, prefix="AA"), enroll(2, prefix="BB")
    out = tmp_path / "stick"
    write(bench, first, out, only=["unattend"])
    write(bench, second, out, only=["unattend"])
    verdict = services.verify_device_files(bench, out, actor=ADA)
    assert [d.serial for d in verdict.devices] == first + second


def test_a_tampered_folder_is_not_re_signed_by_the_next_write(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    first, second = enroll(1, prefix="AA"), enroll(1, prefix="BB")
    out = tmp_path / "stick"
    write(bench, first, out, only=["unattend"])
    (out / first[0] / "unattend.xml").write_text("<unattend>planted</unattend>")
    with pytest.raises(FileMismatch, match=f"{first[0]}/unattend.xml"):
        write(bench, second, out, only=["unattend"])
    assert not (out / second[0]).exists()


def test_a_tampered_folder_can_be_replaced_and_the_rest_still_checks(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    serials = enroll(2)
    out = tmp_path / "stick"
    write(bench, serials, out, only=["unattend"])
    (out / serials[0] / "unattend.xml").write_text("<unattend>planted</unattend>")
    with pytest.raises(FileMismatch):
        services.verify_device_files(bench, out, actor=ADA)
    write(bench, serials[:1], out, only=["unattend"], replace=True)
    services.verify_device_files(bench, out, actor=ADA)  # the planted file is gone
    (out / serials[1] / "README.txt").write_text("changed")
    with pytest.raises(FileMismatch, match=f"{serials[1]}/README.txt"):
        write(bench, serials[:1], out, only=["unattend"], replace=True)  # not the other one


def test_a_tampered_file_fails_verify_and_the_failure_is_audited(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    serials = enroll(1)
    out = tmp_path / "cart"
    write(bench, serials, out)
    target = out / serials[0] / "AutopilotConfigurationFile.json"
    target.write_bytes(target.read_bytes().replace(b'"Version": 2049', b'"Version": 2050'))
    with pytest.raises(FileMismatch) as caught:
        services.verify_device_files(bench, out, actor=TOM)
    assert caught.value.path == f"{serials[0]}/AutopilotConfigurationFile.json"
    (entry,) = bench.audit_entries(action="device_files.verify")
    assert entry.actor == "tom" and entry.details["ok"] is False


def test_verify_with_the_bench_key_trusts_the_signer(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    write(bench, enroll(1), tmp_path / "cart", only=["unattend"])
    public = services.bench_signing_key()[1]
    verdict = services.verify_device_files(
        bench, tmp_path / "cart", trust_keys=[public], actor=ADMIN
    )
    assert verdict.trusted is True
    other = tmp_path / "other"
    from app.provisioning.build import keygen

    _private, other_public = keygen(other)
    with pytest.raises(ManifestError, match="not a trusted signer"):
        services.verify_device_files(
            bench, tmp_path / "cart", trust_keys=[other_public], actor=ADMIN
        )


# -- refused before anything is written ------------------------------------------------------


@pytest.mark.parametrize("missing", ["tenant_id", "tenant_domain", "autopilot_profile_id"])
def test_a_missing_tenant_setting_is_named(
    bench: Store, enroll: Enroll, tmp_path: Path, missing: str
) -> None:
    serials = enroll(1)
    settings.put(bench, ADA, missing, "")
    with pytest.raises(InputError, match=f"the setting {missing} is not set"):
        write(bench, serials, tmp_path / "cart", only=["autopilot"])
    assert not (tmp_path / "cart").exists()
    write(bench, serials, tmp_path / "cart", only=["unattend"])  # the other files need none


def test_a_connected_tenant_overrides_the_settings(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    from app.devicefiles.autopilot_json import Tenant

    serials = enroll(1)
    tenant = Tenant(
        "00000000-0000-4000-8000-000000000001",
        "fabrikam.onmicrosoft.com",
        "00000000-0000-4000-8000-000000000002",
    )
    result = write(bench, serials, tmp_path / "cart", only=["autopilot"], tenant=tenant)
    document = json.loads(
        (result.written[0].folder / "AutopilotConfigurationFile.json").read_text()
    )
    assert document["CloudAssignedTenantDomain"] == "fabrikam.onmicrosoft.com"


def test_unknown_and_unenrolled_serials_are_listed(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    serials = enroll(1)
    with pytest.raises(InputError, match="2 of 3 devices cannot have device files") as caught:
        write(bench, [serials[0], "NOSUCH01", serials[0]], tmp_path / "cart")
    assert [(p.file, p.reason) for p in caught.value.problems] == [
        ("NOSUCH01", "no device has this serial: enroll it first (its answers are the files)"),
        (serials[0], "is in the list twice"),
    ]
    assert not (tmp_path / "cart").exists()


def test_a_device_enrolled_elsewhere_is_told_apart_from_one_not_enrolled(
    bench: Store, tmp_path: Path
) -> None:
    """A device Intune or an import says is enrolled has no bench answers to make files
    of; it was called "not enrolled yet", which the detail pane beside it contradicted."""
    demo.seed(bench, 40)
    device = next(d for d in bench.iter_devices(DeviceQuery()) if d.enrolled)
    assert bench.enrollment_json(device.id) is None
    with pytest.raises(InputError) as caught:
        write(bench, [device.serial], tmp_path / "cart")
    assert "was enrolled without the bench's answers" in str(caught.value)
    assert "enroll it again at the bench, as an update" in str(caught.value)
    assert "not enrolled yet" not in str(caught.value)


def test_a_device_without_a_user_gets_no_autopilot_file(bench: Store, tmp_path: Path) -> None:
    services.enroll_device(
        bench, services.EnrollRequest("SD000001", answers=Answers(no_user=True)), actor=ADA
    )
    with pytest.raises(InputError, match="user-driven profiles only"):
        write(bench, ["SD000001"], tmp_path / "cart", only=["autopilot"])
    assert not (tmp_path / "cart").exists()


def test_a_wpa3_network_cannot_be_put_in_a_package(bench: Store, tmp_path: Path) -> None:
    wpa3 = Answers(network="wifi", wifi_ssid="Bench", wifi_security="WPA3-Personal")
    request = services.EnrollRequest("W3000001", answers=wpa3, wifi_key=Secret("a wpa3 key 1234"))
    services.enroll_device(bench, request, actor=ADA)
    with pytest.raises(InputError, match="WPA3-Personal, which a provisioning package cannot"):
        write(bench, ["W3000001"], tmp_path / "cart", only=["package"])


def test_a_package_with_a_key_needs_a_long_password(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    serials = enroll(1)
    for password in (None, Secret("short")):
        with pytest.raises(InputError, match="password of at least 20"):
            write(bench, serials, tmp_path / "cart", password=password)
    assert not (tmp_path / "cart").exists()
    write(bench, serials, tmp_path / "cart", only=["unattend"], password=None)  # needs none


def test_a_technician_writes_answer_files_but_not_packages(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    serials = enroll(1)
    with pytest.raises(PermissionDenied, match="build provisioning packages"):
        write(bench, serials, tmp_path / "cart", actor=TOM)
    write(bench, serials, tmp_path / "cart", actor=TOM, only=["autopilot", "unattend"])


def test_cancelling_keeps_and_signs_what_was_written(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    serials = enroll(5)
    done: list[int] = []
    result = write(
        bench,
        serials,
        tmp_path / "cart",
        only=["unattend"],
        progress=lambda d, _t: done.append(d),
        cancelled=lambda: len(done) > 2,
        actor=LENA,
    )
    assert result.cancelled and [f.serial for f in result.written] == serials[:2]
    assert result.not_written == tuple(serials[2:])
    services.verify_device_files(bench, tmp_path / "cart", actor=ADA)
    (entry,) = bench.audit_entries(action="device_files.write")
    assert entry.details["not_written"] == serials[2:]


def test_a_failure_mid_cart_keeps_the_devices_before_it_signed(
    bench: Store, enroll: Enroll, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serials = enroll(3)
    from app.services import device_files

    real = device_files._readme
    calls = iter(range(10))

    def failing(*args: object) -> bytes:
        if next(calls) == 1:
            raise OSError(28, "No space left on device")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(device_files, "_readme", failing)
    with pytest.raises(OSError, match="No space left"):
        write(bench, serials, tmp_path / "cart")
    assert not (tmp_path / "cart" / serials[1]).exists()  # the failed one left nothing
    verdict = services.verify_device_files(bench, tmp_path / "cart", actor=ADA)
    assert [d.serial for d in verdict.devices] == serials[:1]
    builds = [b.name for b in bench.package_builds() if b.name.startswith("Device ")]
    assert builds == [f"Device {serials[0]}"]  # the failed device's registry row rolled back


def test_a_serial_with_path_characters_gets_a_safe_folder(bench: Store, tmp_path: Path) -> None:
    services.enroll_device(bench, services.EnrollRequest("AB/12:34 #5"), actor=ADA)
    result = write(bench, ["AB/12:34 #5"], tmp_path / "cart", only=["unattend"])
    assert result.written[0].folder.name == "AB_12_34__5"
    services.verify_device_files(bench, tmp_path / "cart", actor=ADA)


# -- which files by default ------------------------------------------------------------------


def test_bench_profiles_say_which_files_they_write(bench: Store, tmp_path: Path) -> None:
    autopilot = Answers(provisioning_method="autopilot")
    bulk = Answers(provisioning_method="bulk")
    chosen = Answers(device_files=("autopilot", "unattend"))
    for name, answers in (("AP", autopilot), ("Bulk", bulk), ("Chosen", chosen)):
        services.save_profile(bench, name, answers, actor=ADA)
    requests = [
        services.EnrollRequest("DEF00001"),
        services.EnrollRequest("WIF00001", profile="Wi-Fi"),
        services.EnrollRequest("APT00001", profile="AP"),
        services.EnrollRequest("BLK00001", profile="Bulk"),
        services.EnrollRequest("CHO00001", profile="Chosen"),
    ]
    services.enroll_devices(bench, requests, actor=ADA)
    result = services.write_device_files(
        bench, [r.serial for r in requests], tmp_path / "cart", actor=ADA, password=PASSWORD,
        kdf_cost=FAST,
    )  # fmt: skip
    files = {f.serial: f.files for f in result.written}
    assert files == {
        "DEF00001": ("unattend.xml", "README.txt"),  # self-service: the answer file
        # ...and the package that joins the Wi-Fi, encrypted since it holds the key
        "WIF00001": ("unattend.xml", "Device-WIF00001-1.0.jbundle", "README.txt"),
        "APT00001": ("AutopilotConfigurationFile.json", "README.txt"),  # Autopilot's file
        # bulk: the package names the device; no secret in it, so the plain WCD project
        "BLK00001": ("unattend.xml", "Device-BLK00001-1.0", "README.txt"),
        "CHO00001": ("AutopilotConfigurationFile.json", "unattend.xml", "README.txt"),
    }
    project = tmp_path / "cart" / "BLK00001" / "Device-BLK00001-1.0"
    assert sorted(p.name for p in project.iterdir()) == ["build-ppkg.cmd", "customizations.xml"]
    services.verify_device_files(bench, tmp_path / "cart", actor=ADA)


def test_default_files_for_a_dialog(bench: Store, enroll: Enroll) -> None:
    serials = enroll(1)
    assert services.default_files_for(bench, serials, actor=ADMIN) == ("unattend", "package")
    assert services.default_files_for(bench, ["NOSUCH"], actor=ADMIN) == ()


def test_a_carts_packages_are_audited_in_the_carts_own_entry(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    """One audit entry for the cart names every serial and every package build (its
    registry row stays one per package), instead of an entry per package."""
    serials = enroll(3)
    write(bench, serials, tmp_path / "cart")
    (entry,) = bench.audit_entries(action="device_files.write")
    builds = {b.id: b for b in bench.package_builds() if b.name.startswith("Device ")}
    packages = entry.details["packages"]
    assert isinstance(packages, list)
    assert [p["serial"] for p in packages] == serials
    assert {p["build"] for p in packages} == set(builds)
    for serial, p in zip(serials, packages, strict=True):
        build = builds[p["build"]]
        assert (p["name"], p["version"], p["sha256"]) == (build.name, build.version, build.sha256)
        assert p["encrypted"] is True
        # What a package's own entry says: the GUID a device reports, who signed it, its
        # form, where it is in the cart and what it packed.
        assert p["package_id"] == build.package_id and p["package_id"]
        assert p["signer_key_id"] == build.signer_key_id and p["signer_key_id"]
        assert p["form"] == "bundle"
        assert p["output"] == f"{serial}/Device-{serial}-1.0.jbundle"
        assert p["files"] == ["customizations.xml", "build-ppkg.cmd"]
        assert (p["owner"], p["rank"]) == (build.owner, build.rank)
    assert bench.audit_entries(action="package.build") == []


def test_one_crash_record_names_every_package_of_the_cart_before_the_first_is_built(
    bench: Store, enroll: Enroll, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import leftovers
    from app.provisioning import build as builder

    serials = enroll(3)
    seen: list[list[dict[str, object]]] = []
    real = builder.build_package

    def watching(*args: object, **kwargs: object) -> builder.PackageRecord:
        live = leftovers.records("build", include_live=True)
        seen.append([document for _, document, _ in live])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builder, "build_package", watching)
    result = write(bench, serials, tmp_path / "cart")
    outputs = sorted(str((f.folder / f.files[2]).resolve()) for f in result.written)
    assert len(seen) == 3
    for records in seen:  # the same single record while each package is built
        (record,) = records
        assert sorted(record["outputs"]) == outputs  # type: ignore[arg-type]
    assert list(leftovers.records("build", include_live=True)) == []


def test_a_crashed_carts_unregistered_packages_are_swept(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    """A cart killed mid-way leaves its record: the next sweep removes every output it names
    that the registry does not list as built, and keeps those it does."""
    from app import leftovers
    from app.services.packages import sweep_unfinished

    serials = enroll(1)
    result = write(bench, serials, tmp_path / "cart")
    built = (result.written[0].folder / result.written[0].files[2]).resolve()
    orphan = tmp_path / "cart" / "PFX" / "Device-PFX-1.0.jbundle"
    orphan.parent.mkdir()
    orphan.write_bytes(b"half a bundle")
    record = leftovers.folder() / f"build-{'0' * 32}{leftovers.SUFFIX}"
    document = {
        "kind": "build",
        "db": str(Path(bench.path).resolve()),
        "outputs": [str(built), str(orphan.resolve())],
        "targets": [],  # a build's record names its outputs in `outputs` alone
    }
    record.write_text(json.dumps(document))  # unlocked: its process is gone
    sweep_unfinished(bench, actor=ADA)
    assert built.exists() and not orphan.exists() and not record.exists()


def test_the_folder_is_shown_as_given_and_registered_resolved(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    """A person reads the folder they chose (a drive letter stays one; the result and the
    audit showed the resolved path); the registry keeps the resolved one, as for any build."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "stick").symlink_to(real)
    serials = enroll(1)
    result = write(bench, serials, tmp_path / "stick" / "cart")
    assert result.written[0].folder == tmp_path / "stick" / "cart" / serials[0]
    assert result.manifest == tmp_path / "stick" / "cart" / "manifest.json"
    entry = bench.audit_entries(action="device_files.write")[0]
    assert entry.details["folder"] == str(tmp_path / "stick" / "cart")
    assert entry.details["packages"][0]["output"].startswith(f"{serials[0]}/")
    build = bench.package_build(entry.details["packages"][0]["build"])
    assert build is not None and build.output.startswith(str(real.resolve() / "cart"))


def test_a_dangling_link_where_a_device_folder_goes_is_in_the_way(
    bench: Store, enroll: Enroll, tmp_path: Path
) -> None:
    """A link to nowhere was not "in the way" (Path.exists follows links), so the write
    tried to make the folder over it and stopped on a raw FileExistsError."""
    serials = enroll(2)
    out = tmp_path / "cart"
    out.mkdir()
    (out / serials[1]).symlink_to(tmp_path / "nowhere")
    assert services.folders_in_the_way(out, serials) == [serials[1]]
    with pytest.raises(InputError, match=f"already has a folder for {serials[1]}"):
        write(bench, serials, out)
    result = write(bench, serials, out, replace=True)
    assert [f.serial for f in result.written] == serials
    assert (out / serials[1]).is_dir() and not (out / serials[1]).is_symlink()
    assert sorted(p.name for p in out.iterdir()) == sorted([*serials, "manifest.json"])
    services.verify_device_files(bench, out, actor=ADA)
