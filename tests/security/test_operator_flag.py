"""`--operator` on the commands that ignored it (finding 15).

`audit verify` and `settings show` never asked who was acting: a wrong PIN, or a technician,
got the same answer as an admin, and without `--operator` anyone who could read the database
was its local administrator without the owner check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli_base import Context
from app.security import operators
from app.security.roles import Actor, Role
from app.security.secret import Secret
from app.store import Store
from tests.security._state import run

ADA, TOM = "482915", "246810"


@pytest.fixture
def db(db_path: Path) -> Path:
    with Store.open(db_path) as store:
        operators.create_operator(store, None, "ada", Role.ADMIN, Secret(ADA))
        admin = operators.sign_in(store, "ada", Secret(ADA))
        operators.create_operator(store, admin, "tom", Role.TECHNICIAN, Secret(TOM))
    return db_path


COMMANDS = [("audit", "verify"), ("settings", "show")]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_wrong_pin_is_refused(db: Path, command: tuple[str, ...]) -> None:
    code, out, err = run(
        "--db", str(db), "--operator", "ada", *command, env={"JOINERY_PIN": "000000"}
    )
    assert code == 1, out
    assert "do not match" in err
    assert out == ""


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_operator_without_a_pin_is_refused(db: Path, command: tuple[str, ...]) -> None:
    code, out, err = run("--db", str(db), "--operator", "ada", *command)
    assert code == 1, out
    assert "JOINERY_PIN" in err


def test_a_technician_may_not_verify_the_audit_trail(db: Path) -> None:
    code, out, err = run(
        "--db", str(db), "--operator", "tom", "audit", "verify", env={"JOINERY_PIN": TOM}
    )
    assert code == 1, out
    assert "may not view the audit trail" in err


def test_signed_in_operators_get_their_answers_and_are_audited(db: Path) -> None:
    code, out, err = run(
        "--db", str(db), "--operator", "ada", "audit", "verify", env={"JOINERY_PIN": ADA}
    )
    assert code == 0, err
    assert "intact" in out
    code, out, err = run(
        "--db", str(db), "--operator", "tom", "settings", "show", env={"JOINERY_PIN": TOM}
    )
    assert code == 0, err
    assert "idle_lock_minutes" in out
    with Store.open(db) as store:
        signed_in = [e.actor for e in store.audit_entries(action="operator.sign_in")]
    assert signed_in[:2] == ["tom", "ada"]


def test_a_command_calling_several_services_signs_in_once(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every service now takes the actor, and some commands call two (`package build` reads
    the devices-per-user limit, then builds): the operator's PIN is checked, and the sign-in
    audited, once per command."""
    monkeypatch.setenv("JOINERY_PIN", ADA)
    context = Context(str(db), "ada")
    with context.store() as store:
        before = len(store.audit_entries(action="operator.sign_in"))
        first, second = context.actor(store), context.actor(store)
        assert first == second == Actor("ada", Role.ADMIN)
        assert len(store.audit_entries(action="operator.sign_in")) == before + 1
