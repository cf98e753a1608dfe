"""Guessing PINs (findings 14, 16 and 17).

14: the back-off was checked before the failures were counted, so a burst of parallel guesses
    all got checked (24 in one burst), and only known names were ever locked, so the lock
    message told which names exist. 16: a PIN that is not valid UTF-8 crashed sign-in with a
    traceback that quoted it. 17: the Argon2id cost stored with a PIN hash was used as found
    (2 GiB and 10.8 s per attempt from an edited row).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.security import operators
from app.security.operators import SignInFailed
from app.security.roles import Role
from app.security.secret import Secret
from app.store import Store

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("_signin_child.py")
PIN = Secret("482915")
BURST = 12


@pytest.fixture
def ada(store: Store) -> Store:
    operators.create_operator(store, None, "ada", Role.ADMIN, PIN)
    return store


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


# -- finding 14 -------------------------------------------------------------------------------


def test_a_burst_of_parallel_guesses_is_held_to_the_free_failures(ada: Store) -> None:
    children = [
        subprocess.Popen(
            [sys.executable, str(CHILD), ada.path, "ada", f"{100000 + n}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
            cwd=ROOT,
        )
        for n in range(BURST)
    ]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for child in children:  # all at once: every child is already waiting on stdin
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=120) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.communicate()
    lines = [out.strip() for out, _ in results]
    assert all(line.startswith("checked=") for line in lines), [err for _, err in results]
    checked = sum(int(line.split()[0].removeprefix("checked=")) for line in lines)
    assert checked <= operators.FREE_FAILURES, lines
    assert sum(line.endswith("outcome=wait") for line in lines) == BURST - checked
    row = ada.operator("ada")
    assert row is not None and row.failures == checked  # every guess checked was counted
    failed = ada.audit_entries(action="operator.sign_in_failed")
    refused = ada.audit_entries(action="operator.sign_in_refused")
    assert len(failed) + len(refused) == BURST  # and every attempt audited
    with pytest.raises(SignInFailed, match="try again in"):
        operators.sign_in(ada, "ada", PIN)  # the right PIN waits too


def attempts(store: Store, name: str, count: int) -> tuple[list[str], int]:
    """The messages `count` wrong guesses at `name` get, and how many hashes were checked."""
    checked = [0]
    real = Argon2id.verify_phc_encoded

    def counting(key: bytes, phc: str, secret: bytes | None = None) -> None:
        checked[0] += 1
        real(key, phc, secret)

    messages = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Argon2id, "verify_phc_encoded", staticmethod(counting))
        for _ in range(count):
            with pytest.raises(SignInFailed) as caught:
                operators.sign_in(store, name, Secret("000000"))
            message = str(caught.value).replace(name, "NAME")
            messages.append("".join("9" if c.isdigit() else c for c in message))
    return messages, checked[0]


def test_unknown_names_get_the_same_answers_and_the_same_work(ada: Store) -> None:
    count = operators.FREE_FAILURES + 3
    known = attempts(ada, "ada", count)
    unknown = attempts(ada, "zed", count)
    assert unknown == known
    assert any("try again in" in m for m in known[0])


def test_the_lock_message_echoes_the_name_as_typed(ada: Store) -> None:
    """The stored spelling ("ada") would tell that "ADA" is a real operator."""
    messages, _ = attempts(ada, "ADA", operators.FREE_FAILURES + 1)
    assert "ada" not in " ".join(messages)


# -- finding 16 -------------------------------------------------------------------------------

BAD_PIN = b"77\xff7777"


def cli(db: Path, *args: str, pin: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {k.encode(): v.encode() for k, v in child_env().items()}
    env[b"JOINERY_PIN"] = pin
    env[b"JOINERY_NEW_PIN"] = pin
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "--db", str(db), *args],
        env=env,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(os.name == "nt", reason="Windows environments are UTF-16: no such bytes")
def test_a_pin_that_is_not_utf8_neither_crashes_nor_echoes(ada: Store) -> None:
    ada.close()
    for args in (
        ("--operator", "ada", "devices", "list"),
        ("operator", "add", "tom", "--role", "technician"),
    ):
        done = cli(Path(ada.path), *args, pin=BAD_PIN)
        said = done.stdout + done.stderr
        assert done.returncode == 1, said
        assert b"Traceback" not in said
        for leak in (b"777", b"\\udcff", b"xff", b"\xff", b"position"):
            assert leak not in said, (args, said)
        assert b"PIN" in done.stderr


# -- finding 17 -------------------------------------------------------------------------------

EDITED = {
    "memory": "$argon2id$v=19$m=2097152,t=2,p=1$",
    "time": "$argon2id$v=19$m=19456,t=1000,p=1$",
    "lanes": "$argon2id$v=19$m=19456,t=2,p=255$",
    "weak": "$argon2id$v=19$m=8,t=1,p=1$",
    "other algorithm": "$argon2d$v=19$m=19456,t=2,p=1$",
}


@pytest.mark.parametrize("kind", EDITED)
def test_an_edited_pin_hash_cost_is_refused_before_deriving(ada: Store, kind: str) -> None:
    row = ada.operator("ada")
    assert row is not None
    salt_and_hash = row.secret_hash.split("$", 4)[4]
    ada.conn.execute(
        "UPDATE operators SET secret_hash = ? WHERE name = 'ada'", [EDITED[kind] + salt_and_hash]
    )
    derived: list[str] = []
    real = Argon2id.verify_phc_encoded

    def guarded(key: bytes, phc: str, secret: bytes | None = None) -> None:
        if phc.startswith(EDITED[kind]):
            derived.append(phc)
            raise AssertionError("derived a key with the edited cost")
        real(key, phc, secret)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Argon2id, "verify_phc_encoded", staticmethod(guarded))
        with pytest.raises(SignInFailed, match="reset") as caught:
            operators.sign_in(ada, "ada", PIN)
    assert derived == []
    assert "482915" not in str(caught.value)
