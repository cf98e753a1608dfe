"""atomic_write and batched_sync: whole files, and many small ones made durable at once."""

from __future__ import annotations

import os
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
