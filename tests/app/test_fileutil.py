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
    monkeypatch.delattr(os, "sync", raising=False)
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    fileutil.flush([tmp_path / "a", tmp_path / "a"])
    assert len(calls) == 2
