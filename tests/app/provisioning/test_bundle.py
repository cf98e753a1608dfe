"""The bundle: round trip, tamper anywhere, wrong password, untrusted signer, unsafe members."""

from __future__ import annotations

import json
import stat
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import InputError, KnownError
from app.provisioning import bundle, bundle_format
from app.provisioning.bundle import (
    BundleRefused,
    BundleTampered,
    BundleUntrusted,
    KdfCost,
    Limits,
    Member,
    PasswordRequired,
    WrongPassword,
)
from app.provisioning.members import Entry, encode_manifest, name_problem
from app.security.secret import Secret
from tests.helpers.provisioning import CHEAP, CHEAP_BOUNDS, SIGNER

PASSWORD = Secret("CANARY-bundle-password-0123")
PACKAGE = {"id": "{1e4ed133-aae7-45f4-8ee1-881220aa52d5}", "name": "Bench", "version": "1.0"}


def make(
    path: Path, members: list[Member], *, password: Secret | None = PASSWORD, chunk_size: int = 1024
) -> Path:
    bundle.write_bundle(
        path,
        members,
        PACKAGE,
        SIGNER,
        password=password,
        kdf_cost=CHEAP,
        kdf_bounds=CHEAP_BOUNDS,
        chunk_size=chunk_size,
    )
    return path


def read(
    path: Path, out: Path | None = None, password: Secret | None = PASSWORD, **kwargs: object
) -> bundle.Verdict:
    kwargs.setdefault("kdf_bounds", CHEAP_BOUNDS)
    if out is None:
        return bundle.verify_bundle(
            path, kwargs.pop("trust_key", SIGNER.public_key()), password, **kwargs
        )  # type: ignore[arg-type]
    return bundle.unpack_bundle(path, out, password, SIGNER.public_key(), **kwargs)  # type: ignore[arg-type]


def forge(
    path: Path,
    content: bytes,
    key: Ed25519PrivateKey = SIGNER,
    enc: bundle_format.Encryption | None = None,
) -> Path:
    """A validly signed, unencrypted bundle around any content (for hostile manifests)."""
    head = bundle_format.encode_header(PACKAGE, key.public_key(), enc)
    signed = head + content
    import hashlib

    signature = key.sign(bundle_format.SIG_CONTEXT + hashlib.sha256(signed).digest())
    path.write_bytes(signed + signature)
    return path


def content(entries: list[dict[str, object]], data: bytes = b"") -> bytes:
    manifest = json.dumps({"members": entries}).encode()
    return struct.pack(">I", len(manifest)) + manifest + data


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    source = tmp_path / "7z.msi"
    source.write_bytes(bytes(range(256)) * 13)
    return make(
        tmp_path / "b.jbundle",
        [Member("customizations.xml", b"<x>CANARY-xml</x>"), Member("payload/7z.msi", source)],
    )


def test_round_trip_encrypted(sample: Path, tmp_path: Path) -> None:
    verdict = read(sample, tmp_path / "out")
    assert verdict.trusted is True
    assert [m.name for m in verdict.members or ()] == ["customizations.xml", "payload/7z.msi"]
    assert (tmp_path / "out" / "customizations.xml").read_bytes() == b"<x>CANARY-xml</x>"
    assert (tmp_path / "out/payload/7z.msi").read_bytes() == bytes(range(256)) * 13
    mode = (tmp_path / "out" / "customizations.xml").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert b"CANARY-xml" not in sample.read_bytes()


def test_round_trip_plain(tmp_path: Path) -> None:
    path = make(tmp_path / "p.jbundle", [Member("a.txt", b"hello")], password=None)
    verdict = bundle.inspect_bundle(path)
    assert verdict.members is not None and verdict.members[0].size == 5
    read(path, tmp_path / "o", password=None)
    assert (tmp_path / "o" / "a.txt").read_bytes() == b"hello"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    size=st.sampled_from([0, 1, 1023, 1024, 1025, 2047, 2048, 2049, 5000]) | st.integers(0, 6000)
)
def test_every_chunk_boundary_round_trips(
    tmp_path_factory: pytest.TempPathFactory, size: int
) -> None:
    folder = tmp_path_factory.mktemp("b")
    data = bytes((i * 7) % 251 for i in range(size))
    path = make(folder / "b.jbundle", [Member("f", data)])
    read(path, folder / "out")
    assert (folder / "out" / "f").read_bytes() == data


def test_one_flipped_byte_anywhere_is_tampering_not_a_wrong_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_kdf(*_args: object) -> bytes:
        raise AssertionError("derived a key from a tampered bundle")

    # Every part of a bundle (header, member table, each member's chunks, the first, a
    # middle and the last, with their tags, the signature), small enough that every byte
    # of it is flipped twice.
    sample = make(
        tmp_path / "b.jbundle",
        [
            Member("customizations.xml", b"<x>CANARY-xml</x>"),
            Member("payload/7z.msi", bytes(range(256)) * 9),  # 3 chunks of up to 1,024
        ],
    )
    monkeypatch.setattr(bundle_format, "derive_key", no_kdf)
    original = sample.read_bytes()
    for index in range(len(original)):
        for bit in (0x01, 0x80):
            changed = bytearray(original)
            changed[index] ^= bit
            sample.write_bytes(changed)
            with pytest.raises(BundleTampered):
                read(sample)


def test_truncated_or_extended_is_tampering(sample: Path) -> None:
    original = sample.read_bytes()
    for cut in [*range(0, 80), *range(len(original) - 80, len(original))]:
        sample.write_bytes(original[:cut])
        with pytest.raises(BundleTampered):
            read(sample)
    sample.write_bytes(original + b"\0")
    with pytest.raises(BundleTampered):
        read(sample)


def test_wrong_password_is_told_apart(sample: Path) -> None:
    for wrong in (Secret("CANARY-bundle-password-012"), Secret(""), Secret("x" * 30)):
        with pytest.raises(WrongPassword) as caught:
            read(sample, password=wrong)
        assert "CANARY" not in str(caught.value)
    with pytest.raises(PasswordRequired):
        read(sample, sample.parent / "out", password=None)
    assert read(sample, password=None).members is None  # intact, contents not checked


def test_password_is_normalised(tmp_path: Path) -> None:
    path = make(tmp_path / "n.jbundle", [Member("a", b"x")], password=Secret("caf\u00e9" * 6))
    read(path, password=Secret("cafe\u0301" * 6))


def test_untrusted_signer(sample: Path) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(BundleUntrusted):
        read(sample, trust_key=other)
    assert read(sample, trust_key=[other, SIGNER.public_key()]).trusted is True
    assert read(sample, trust_key=None).trusted is None


def test_kdf_below_the_floor_is_refused_before_deriving(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundle_format, "derive_key", _forbidden)
    with pytest.raises(BundleRefused, match="Argon2id m=8"):
        bundle.verify_bundle(sample, SIGNER.public_key(), PASSWORD)  # production bounds


def test_kdf_above_the_ceiling_is_refused_before_deriving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundle_format, "derive_key", _forbidden)
    enc = bundle_format.Encryption(KdfCost(m=4 * 2**20, t=3, p=4), b"s" * 16, b"p" * 7, 1024)
    path = forge(tmp_path / "big.jbundle", b"\0" * 40, enc=enc)
    with pytest.raises(BundleRefused, match="m=4194304"):
        bundle.verify_bundle(path, SIGNER.public_key(), PASSWORD)
    with pytest.raises(ValueError, match="m=4"):
        bundle.write_bundle(
            tmp_path / "x", [], PACKAGE, SIGNER, password=PASSWORD, kdf_cost=KdfCost(m=4, t=1, p=1)
        )


def _forbidden(*_args: object) -> bytes:
    raise AssertionError("a key was derived")


DIGEST = "0" * 64


@pytest.mark.parametrize(
    "entries",
    [
        [{"name": "../evil.cmd", "size": 0, "sha256": DIGEST}],
        [{"name": "payload/../../evil", "size": 0, "sha256": DIGEST}],
        [{"name": "/etc/passwd", "size": 0, "sha256": DIGEST}],
        [{"name": "C:/Windows/evil", "size": 0, "sha256": DIGEST}],
        [{"name": "payload\\..\\evil", "size": 0, "sha256": DIGEST}],
        [{"name": "CON", "size": 0, "sha256": DIGEST}],
        [{"name": "a", "size": 0, "sha256": DIGEST}, {"name": "A", "size": 0, "sha256": DIGEST}],
        [{"name": "a", "size": 0, "sha256": DIGEST}, {"name": "a/b", "size": 0, "sha256": DIGEST}],
        [{"name": "link", "size": 0, "sha256": DIGEST, "type": "symlink"}],
        [{"name": "big", "size": 10**12, "sha256": DIGEST}],
        [{"name": "x", "size": -1, "sha256": DIGEST}],
    ],
)
def test_unsafe_members_are_refused_and_nothing_is_written(
    tmp_path: Path, entries: list[dict[str, object]]
) -> None:
    path = forge(tmp_path / "evil.jbundle", content(entries))
    with pytest.raises(BundleRefused):
        read(path, tmp_path / "out" / "project", password=None)
    assert not (tmp_path / "out" / "project").exists()
    assert not (tmp_path / "evil.cmd").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


def test_member_limits_apply_on_read(sample: Path, tmp_path: Path) -> None:
    with pytest.raises(BundleRefused, match="over the member limit"):
        read(sample, tmp_path / "o", limits=Limits(max_member_bytes=1000))
    with pytest.raises(BundleRefused, match="members"):
        read(sample, tmp_path / "o", limits=Limits(max_members=1))


def test_content_that_lies_about_its_members_is_tampering(tmp_path: Path) -> None:
    entry = {"name": "a", "size": 3, "sha256": DIGEST}
    with pytest.raises(BundleTampered, match="SHA-256"):
        read(forge(tmp_path / "1", content([entry], b"abc")), password=None)
    with pytest.raises(BundleTampered, match="ends before"):
        read(forge(tmp_path / "2", content([entry], b"ab")), password=None)
    good = Entry("a", 3, __import__("hashlib").sha256(b"abc").hexdigest())
    extra = struct.pack(">I", len(encode_manifest([good]))) + encode_manifest([good]) + b"abcd"
    with pytest.raises(BundleTampered, match="does not account"):
        read(forge(tmp_path / "3", extra), password=None)


def test_unpack_needs_a_new_or_empty_folder(sample: Path, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(InputError, match="not an empty folder"):
        read(sample, tmp_path / "full")
    (tmp_path / "empty").mkdir()
    read(sample, tmp_path / "empty")


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("customizations.xml", True),
        ("payload/7z.msi", True),
        ("", False),
        ("a//b", False),
        ("./a", False),
        ("a/..", False),
        ("nul.txt", False),
        ("COM1", False),
        ("a.", False),
        ("a ", False),
        ("a:b", False),
        ("a\u202eb", False),
        ("a\x00", False),
        ("é/ü", True),
    ],
)
def test_member_names(name: str, ok: bool) -> None:
    assert (name_problem(name) is None) is ok


def test_writer_refuses_unsafe_names(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        make(tmp_path / "w", [Member("../x", b"")])
    with pytest.raises(InputError):
        make(tmp_path / "w", [Member("a", b""), Member("A", b"")])


def test_metadata_never_holds_secrets(sample: Path) -> None:
    report = json.dumps(bundle.inspect_bundle(sample).as_json())
    assert "CANARY" not in report
    assert json.loads(report)["encrypted"] is True
    assert json.loads(report)["members"] is None


def test_not_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "x").write_bytes(b"PK\x03\x04 a zip file" * 10)
    with pytest.raises(BundleTampered, match="not a Joinery bundle"):
        bundle.inspect_bundle(tmp_path / "x")


def test_a_member_rewritten_while_packing_stops_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installer = tmp_path / "agent.msi"
    installer.write_bytes(b"MSI" * 5000)
    real_entry = bundle._entry

    def entry_then_rewrite(member: Member) -> Entry:
        found = real_entry(member)
        installer.write_bytes(b"MSX" * 5000)  # same size, new content, new mtime
        return found

    monkeypatch.setattr(bundle, "_entry", entry_then_rewrite)
    target = tmp_path / "out.joinery"
    with pytest.raises(KnownError, match="changed while it was being packed"):
        make(target, [Member("payload/agent.msi", installer)])
    assert not target.exists()  # nothing half-written


def test_bundles_of_one_derived_key_open_with_its_password(tmp_path: Path) -> None:
    """A cart's packages share one Argon2id derivation, never a nonce prefix."""
    import pickle

    derived = bundle_format.derive_once(PASSWORD, CHEAP)
    prefixes = set()
    for n in range(5):
        path = tmp_path / f"{n}.jbundle"
        bundle.write_bundle(
            path,
            [Member("customizations.xml", b"<x>CANARY-shared</x>")],
            PACKAGE,
            SIGNER,
            password=PASSWORD,
            kdf_bounds=CHEAP_BOUNDS,
            derived=derived,
        )
        verdict = read(path, tmp_path / f"out-{n}")
        assert verdict.header.encryption is not None
        assert verdict.header.encryption.salt == derived.salt
        prefixes.add(verdict.header.encryption.prefix)
        assert b"CANARY-shared" not in path.read_bytes()
    assert len(prefixes) == 5
    assert "••••" in repr(derived) and derived.key.hex() not in repr(derived)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(derived)
    with pytest.raises(bundle.WrongPassword):
        read(tmp_path / "0.jbundle", password=Secret("another password"))
