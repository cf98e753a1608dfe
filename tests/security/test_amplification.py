"""Finding 10: small bundles made Joinery allocate gigabytes or make thousands of folders.

The attacks, each a validly signed bundle (the attacker's own key; the checks below run
before anyone asks who signed): a 2 MiB manifest of member names 512 folders deep made
`inspect` hold every parent folder of every name (1.16 GiB for 4 MiB); and a 45 KB bundle
unpacked into 20,362 folders. Now member names are at most 8 levels deep, a bundle makes at
most 1,000 folders, the manifest's shape is checked before it is decoded, and all of it
before anything is allocated or written. The figure: inspect in at most 100 MB (measured
in a child process; bench/bundle_inspect.py measures a wider set).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.security.files_support import content, forge, peak_rss, public_pem, run

EMPTY = hashlib.sha256(b"").hexdigest()
INSPECT_LIMIT_MB = 100


def test_inspecting_a_manifest_of_deep_names_stays_small(tmp_path: Path) -> None:
    deep = "a/" * 500 + "f"
    entries = []
    size = 0
    while size < 1_900_000:
        name = f"d{len(entries)}/{deep}"
        entries.append({"name": name, "size": 0, "sha256": EMPTY})
        size += len(name) + 100
    path = forge(tmp_path / "deep.jbundle", content=content(entries))
    code, peak, stderr = peak_rss(["package", "inspect", str(path)])
    assert peak <= INSPECT_LIMIT_MB, f"inspect peaked at {peak} MB"
    assert code == 1 and "Traceback" not in stderr


def test_a_folder_bomb_is_refused_before_a_folder_is_made(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    entries = [
        {"name": f"{i}/" + "/".join("abcdefghijklmnopqrstuvwxyz"[: 20]) + "/f", "size": 0,
         "sha256": EMPTY}
        for i in range(400)
    ]  # fmt: skip
    path = forge(tmp_path / "bomb.jbundle", content=content(entries), key=key)
    assert path.stat().st_size < 64_000  # 8,400 folders from 57 KB
    pub = public_pem(key, tmp_path / "attacker.pub")
    work = tmp_path / "machine"
    work.mkdir()
    result = run(
        "package", "unpack", str(path), "-o", str(work / "project"), "--trust-key", str(pub)
    )
    assert result.exit_code == 1
    assert [p for p in work.rglob("*")] == []


def test_many_folders_even_when_shallow_are_refused(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    entries = [
        {"name": f"x{i}/y/z/f", "size": 0, "sha256": EMPTY} for i in range(1500)
    ]  # 4,500 folders, 3 levels each
    path = forge(tmp_path / "wide.jbundle", content=content(entries), key=key)
    pub = public_pem(key, tmp_path / "attacker.pub")
    work = tmp_path / "machine"
    work.mkdir()
    args = ["package", "unpack", str(path), "-o", str(work / "p"), "--trust-key", str(pub)]
    result = run(*args)
    assert result.exit_code == 1 and "folders" in result.stderr
    assert [p for p in work.rglob("*")] == []


def test_a_check_in_report_with_a_huge_list_stays_small(tmp_path: Path) -> None:
    """Found by the fuzz harness: 580 KB of `"profiles": [0, 0, ...]` made one problem per
    item, 387 MB and 3 s for one report. Lists are bounded; problems kept per file too."""
    import json

    from tests.security.files_support import DATA

    report = json.loads((DATA / "collector" / "sample-report.json").read_text(encoding="utf-8"))
    report["firewall"] = {"profiles": [0] * 190_000}
    path = tmp_path / "joinery-report-PF4XK2QZ.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    code, peak, stderr = peak_rss(["--db", str(tmp_path / "j.db"), "ingest", str(path)])
    assert peak <= INSPECT_LIMIT_MB, f"reading one report peaked at {peak} MB"
    assert code == 1 and "Traceback" not in stderr
