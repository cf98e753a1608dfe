"""atomic_write and batched_sync: whole files, and many small ones made durable at once."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import fileutil


def test_atomic_write_fsyncs_each_file_outside_a_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    with fileutil.atomic_write(tmp_path / "a", binary=True) as handle:
        handle.write(b"a")
    assert len(calls) == 1 and (tmp_path / "a").read_bytes() == b"a"


def test_a_batch_flushes_once_at_its_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fsyncs: list[int] = []
    flushed: list[list[Path]] = []
    monkeypatch.setattr(os, "fsync", lambda fd: fsyncs.append(fd))
    monkeypatch.setattr(fileutil, "flush", lambda paths: flushed.append(list(paths)))
    with fileutil.batched_sync() as pending:
        for name in ("a", "b", "c"):
            with fileutil.atomic_write(tmp_path / name, binary=True) as handle:
                handle.write(name.encode())
        pending.append(tmp_path / "plain")  # a plain write the caller registers
        assert flushed == []
    assert fsyncs == []
    assert flushed == [[tmp_path / "a", tmp_path / "b", tmp_path / "c", tmp_path / "plain"]]
    with fileutil.atomic_write(tmp_path / "d", binary=True) as handle:  # the batch is over
        handle.write(b"d")
    assert len(fsyncs) == 1


def test_a_failed_batch_flushes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flushed: list[list[Path]] = []
    monkeypatch.setattr(fileutil, "flush", lambda paths: flushed.append(list(paths)))

    def failing_batch() -> None:
        with fileutil.batched_sync():
            with fileutil.atomic_write(tmp_path / "a", binary=True) as handle:
                handle.write(b"a")
            raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        failing_batch()
    assert flushed == []


def test_flush_without_os_sync_fsyncs_each_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").write_bytes(b"a")
    calls: list[int] = []
    monkeypatch.setattr(fileutil, "_syncfs", lambda: None)
    monkeypatch.delattr(os, "sync", raising=False)
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    fileutil.flush([tmp_path / "a", tmp_path / "a"])
    assert len(calls) == 2


def test_flush_syncs_each_file_system_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cart on a stick flushes the stick, not every disk of the bench."""
    for folder in ("A", "B"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "f").write_bytes(b"x")
    calls: list[int] = []
    monkeypatch.setattr(fileutil, "_syncfs", lambda: lambda fd: calls.append(fd) or 0)
    monkeypatch.setattr(os, "sync", lambda: pytest.fail("the whole machine was synced"))
    fileutil.flush([tmp_path / "A" / "f", tmp_path / "B" / "f"])
    assert len(calls) == 1  # both folders are on one file system


def test_flush_skips_what_was_removed_since(tmp_path: Path) -> None:
    """A device folder that failed half-way is removed before the batch ends."""
    (tmp_path / "kept").write_bytes(b"x")
    fileutil.flush([tmp_path / "gone" / "f", tmp_path / "kept"])


def test_write_new_writes_in_place_and_fsyncs_outside_a_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    fileutil.write_new(tmp_path / "a", [b"one ", b"two"], mode=0o600)
    assert (tmp_path / "a").read_bytes() == b"one two" and len(calls) == 1
    assert not [p for p in tmp_path.iterdir() if p.name != "a"]  # no temporary file
    if os.name == "posix":
        assert (tmp_path / "a").stat().st_mode & 0o777 == 0o600


def test_write_new_joins_a_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fsyncs: list[int] = []
    flushed: list[list[Path]] = []
    monkeypatch.setattr(os, "fsync", lambda fd: fsyncs.append(fd))
    monkeypatch.setattr(fileutil, "flush", lambda paths: flushed.append(list(paths)))
    with fileutil.batched_sync():
        fileutil.write_new(tmp_path / "a", [b"a"])
    assert fsyncs == [] and flushed == [[tmp_path / "a"]]


def test_write_new_refuses_what_is_there_and_leaves_it(tmp_path: Path) -> None:
    (tmp_path / "taken").write_bytes(b"theirs")
    with pytest.raises(FileExistsError):
        fileutil.write_new(tmp_path / "taken", [b"mine"])
    assert (tmp_path / "taken").read_bytes() == b"theirs"
    if os.name == "posix":
        (tmp_path / "link").symlink_to(tmp_path / "elsewhere")  # a dangling link too
        with pytest.raises(FileExistsError):
            fileutil.write_new(tmp_path / "link", [b"mine"])
        assert not (tmp_path / "elsewhere").exists()


def test_write_new_removes_a_file_that_failed_half_way(tmp_path: Path) -> None:
    def pieces() -> Iterator[bytes]:
        yield b"half"
        raise RuntimeError("the source went away")

    with pytest.raises(RuntimeError):
        fileutil.write_new(tmp_path / "a", pieces())
    assert not (tmp_path / "a").exists()
