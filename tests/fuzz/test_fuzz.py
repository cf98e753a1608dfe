"""Every parser of outside files, fuzzed with structure-aware mutations of the real fixtures
in tests/data: Autopilot CSV, check-in report, Intune export, policy JSON,
customizations.xml, and bundles through inspect, verify and unpack.

A crash is any exception other than Joinery's typed errors; an input taking over 10 s is a
hang; a process passing 500 MB RSS is a memory blow-up. Each target runs in child
processes (tests/fuzz/harness.py), so a hang or a blow-up is measured, not suffered.

CI: 60 inputs per target, seed fixed. JOINERY_FULL=1: 2,000 per target (JOINERY_FUZZ_SEED
picks another seed; JOINERY_FUZZ_COUNT another count). A finding names the target, seed and
input index: `random.Random(f"{target}:{seed}:{index}")` regenerates the input.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fuzz.harness import Report, fuzz
from tests.fuzz.targets import TARGETS

CI_INPUTS = 60  # the suite's five-minute budget; JOINERY_FULL=1 runs 2,000
FULL_INPUTS = 2000
SEED = 20261130


def _check(report: Report, count: int, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\nfuzz {report.line()}")
    shown = "\n\n".join(
        f"{f.kind} at input {f.index} (seed {report.seed}):\n{f.detail[-3000:]}"
        for f in report.findings[:5]
    )
    assert report.findings == [], shown
    assert report.inputs == count


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_fuzz_bounded(target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = fuzz(target, SEED, CI_INPUTS, tmp_path)
    _check(report, CI_INPUTS, capsys)


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_fuzz_full(target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = int(os.environ.get("JOINERY_FUZZ_SEED") or SEED + 1)
    count = int(os.environ.get("JOINERY_FUZZ_COUNT") or FULL_INPUTS)
    report = fuzz(target, seed, count, tmp_path)
    _check(report, count, capsys)
