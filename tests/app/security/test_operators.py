"""Operators: Argon2id PINs, roles, back-off, and the CLI acting as one of them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import demo
from app.cli import cli
from app.errors import InputError
from app.security import operators
from app.security.operators import SignInFailed
from app.security.roles import Actor, PermissionDenied, Role
from app.security.secret import Secret
from app.store import Store
from app.timeutil import utcnow

ADMIN_PIN = Secret("482915")


@pytest.fixture
def admin(store: Store) -> Actor:
    operators.create_operator(store, None, "ada", Role.ADMIN, ADMIN_PIN)
    return operators.sign_in(store, "ada", ADMIN_PIN)


def test_first_operator_must_be_an_admin(store: Store) -> None:
    assert operators.first_admin_needed(store)
    with pytest.raises(InputError, match="first operator must be an admin"):
        operators.create_operator(store, None, "tom", Role.TECHNICIAN, Secret("123456"))
    operators.create_operator(store, None, "ada", Role.ADMIN, ADMIN_PIN)
    assert not operators.first_admin_needed(store)


def test_pin_is_stored_as_argon2id_phc(store: Store, admin: Actor) -> None:
    row = store.operator("ada")
    assert row is not None
    assert row.secret_hash.startswith("$argon2id$")
    assert "482915" not in row.secret_hash


@pytest.mark.parametrize(("pin", "reason"), [("12345", "6 digits"), ("abc1234", "8 characters")])
def test_weak_pins_are_refused(store: Store, admin: Actor, pin: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        operators.create_operator(store, admin, "tom", Role.TECHNICIAN, Secret(pin))


def test_only_admins_add_operators(store: Store, admin: Actor) -> None:
    operators.create_operator(store, admin, "lena", Role.LEAD, Secret("731946"))
    lead = operators.sign_in(store, "lena", Secret("731946"))
    with pytest.raises(PermissionDenied, match="manage operators"):
        operators.create_operator(store, lead, "tom", Role.TECHNICIAN, Secret("111999"))


def test_wrong_pins_bring_a_growing_backoff(store: Store, admin: Actor) -> None:
    start = utcnow()
    for attempt in range(operators.FREE_FAILURES):
        with pytest.raises(SignInFailed, match="do not match"):
            operators.sign_in(
                store, "ada", Secret("000000"), now=start + timedelta(seconds=attempt)
            )
    at = start + timedelta(seconds=10)
    with pytest.raises(SignInFailed, match="try again in"):
        operators.sign_in(store, "ada", ADMIN_PIN, now=at)  # even the right PIN waits
    after_first = start + timedelta(seconds=4) + operators.BACKOFF_START + timedelta(seconds=1)
    with pytest.raises(SignInFailed, match="do not match"):
        operators.sign_in(store, "ada", Secret("000000"), now=after_first)
    row = store.operator("ada")
    assert row is not None and row.locked_until is not None
    waits = [
        entry.details.get("locked_until")
        for entry in store.audit_entries(action="operator.sign_in_failed")
    ]
    assert waits[0] != waits[1]  # the second lock is longer than the first
    later = after_first + operators.BACKOFF_START * 2 + timedelta(seconds=1)
    assert operators.sign_in(store, "ada", ADMIN_PIN, now=later).role is Role.ADMIN
    assert store.operator("ada").failures == 0  # type: ignore[union-attr]


def test_every_attempt_is_audited(store: Store, admin: Actor) -> None:
    with pytest.raises(SignInFailed):
        operators.sign_in(store, "ada", Secret("999999"))
    with pytest.raises(SignInFailed):
        operators.sign_in(store, "nobody", Secret("999999"))
    actions = [e.action for e in store.audit_entries()]
    assert actions.count("operator.sign_in_failed") == 2
    assert actions.count("operator.sign_in") == 1
    assert store.verify_audit().ok


def test_hundred_failures_disable_the_account(store: Store, admin: Actor) -> None:
    row = store.operator("ada")
    assert row is not None
    with store.transaction():
        store.set_operator_attempts(row.id, operators.DISABLE_AFTER - 1, None, False, "x")
    with pytest.raises(SignInFailed):
        operators.sign_in(store, "ada", Secret("000000"))
    with pytest.raises(SignInFailed, match="disabled"):
        operators.sign_in(store, "ada", ADMIN_PIN, now=utcnow() + timedelta(days=1))


def run(db: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_cli_acts_as_an_operator_with_their_role(db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path) as store:
        operators.create_operator(store, None, "ada", Role.ADMIN, ADMIN_PIN)
        ada = operators.sign_in(store, "ada", ADMIN_PIN)
        operators.create_operator(store, ada, "tom", Role.TECHNICIAN, Secret("246810"))
    rows = demo.autopilot_rows(2)
    path = tmp_path / "a.csv"
    path.write_bytes(demo.capture_csv(rows))
    code, _, err = run(
        db_path,
        "--operator",
        "tom",
        "autopilot",
        "import",
        str(path),
        env={"JOINERY_PIN": "246810"},
    )
    assert code == 1
    assert "tom signed in as technician may not import" in err
    code, out, _ = run(
        db_path, "--operator", "tom", "devices", "list", "--json", env={"JOINERY_PIN": "246810"}
    )
    assert code == 0 and json.loads(out) == []
    code, _, err = run(
        db_path, "--operator", "tom", "devices", "list", env={"JOINERY_PIN": "000000"}
    )
    assert code == 1 and "do not match" in err


def test_cli_never_waits_for_a_pin_without_a_terminal(db_path: Path) -> None:
    code, _, err = run(db_path, "--operator", "tom", "devices", "list")
    assert code == 1
    assert "JOINERY_PIN" in err


def test_cli_manages_operators_and_settings(db_path: Path) -> None:
    env = {"JOINERY_NEW_PIN": "482915"}
    code, out, err = run(db_path, "operator", "add", "ada", "--role", "admin", env=env)
    assert code == 0, err
    code, _, err = run(
        db_path, "operator", "add", "tom", "--role", "technician", env={"JOINERY_NEW_PIN": "123"}
    )
    assert code == 1 and "too weak" in err
    assert (
        run(
            db_path,
            "operator",
            "add",
            "tom",
            "--role",
            "technician",
            env={"JOINERY_NEW_PIN": "135791"},
        )[0]
        == 0
    )
    code, out, _ = run(db_path, "operator", "list", "--json")
    assert [(o["name"], o["role"]) for o in json.loads(out)] == [
        ("ada", "admin"),
        ("tom", "technician"),
    ]
    code, _, err = run(
        db_path,
        "--operator",
        "tom",
        "settings",
        "set",
        "idle_lock_minutes",
        "9",
        env={"JOINERY_PIN": "135791"},
    )
    assert code == 1 and "may not change settings" in err
    assert run(db_path, "settings", "set", "idle_lock_minutes", "9")[0] == 0
    code, _, err = run(db_path, "settings", "set", "idle_lock_minutes", "90")
    assert code == 1 and "between 1 and 30" in err
    code, out, _ = run(db_path, "settings", "show")
    assert "idle_lock_minutes = 9" in out
    with Store.open(db_path) as store:
        (change,) = store.audit_entries(action="settings.change")
        assert change.details == {"from": None, "to": "9"}
    code, _, err = run(db_path, "operator", "add", "x", "--role", "lead")
    assert code == 1 and "JOINERY_NEW_PIN" in err  # no terminal: never waits on a prompt


def test_an_admin_disables_and_enables_an_operator(store: Store, admin: Actor) -> None:
    operators.create_operator(store, admin, "tom", Role.TECHNICIAN, Secret("135791"))
    operators.set_disabled(store, admin, "tom", True)
    with pytest.raises(SignInFailed, match="is disabled: ask an admin to enable"):
        operators.sign_in(store, "tom", Secret("135791"))
    (listed,) = [o for o in operators.list_operators(store, admin) if o.name == "tom"]
    assert listed.disabled and listed.state() == "disabled"
    operators.set_disabled(store, admin, "tom", True)  # already disabled: nothing more
    operators.set_disabled(store, admin, "tom", False)
    assert operators.sign_in(store, "tom", Secret("135791")).name == "tom"
    actions = [(e.actor, e.action, e.target) for e in store.audit_entries()]
    assert actions.count(("ada", "operator.disable", "tom")) == 1
    assert ("ada", "operator.enable", "tom") in actions


def test_enabling_clears_the_failures_that_disabled_an_account(store: Store, admin: Actor) -> None:
    operators.create_operator(store, admin, "tom", Role.TECHNICIAN, Secret("135791"))
    row = store.operator("tom")
    assert row is not None
    with store.transaction():
        store.set_operator_attempts(row.id, operators.DISABLE_AFTER, None, True, "x")
    with pytest.raises(SignInFailed, match="is disabled"):
        operators.sign_in(store, "tom", Secret("135791"))
    operators.set_disabled(store, admin, "tom", False)
    row = store.operator("tom")
    assert row is not None and row.failures == 0 and not row.disabled


def test_nobody_locks_the_admins_out(store: Store, admin: Actor) -> None:
    with pytest.raises(InputError, match="cannot disable their own account"):
        operators.set_disabled(store, admin, "ada", True)
    local = Actor("root", Role.ADMIN, local_admin=True)
    with pytest.raises(InputError, match="last active admin"):
        operators.set_disabled(store, local, "ada", True)
    operators.create_operator(store, admin, "bea", Role.ADMIN, Secret("864213"))
    operators.set_disabled(store, local, "ada", True)  # another admin remains
    with pytest.raises(InputError, match="no operator called"):
        operators.set_disabled(store, local, "nobody", True)


def test_only_admins_list_disable_or_enable(store: Store, admin: Actor) -> None:
    operators.create_operator(store, admin, "tom", Role.TECHNICIAN, Secret("135791"))
    lead = Actor("lena", Role.LEAD)
    with pytest.raises(PermissionDenied, match="may not manage operators"):
        operators.list_operators(store, lead)
    with pytest.raises(PermissionDenied):
        operators.set_disabled(store, lead, "tom", True)
    assert not operators.list_operators(store, admin)[1].disabled


def test_cli_disables_and_enables_operators(db_path: Path) -> None:
    env = {"JOINERY_NEW_PIN": "482915"}
    assert run(db_path, "operator", "add", "ada", "--role", "admin", env=env)[0] == 0
    env = {"JOINERY_NEW_PIN": "135791"}
    assert run(db_path, "operator", "add", "tom", "--role", "technician", env=env)[0] == 0
    code, out, _ = run(db_path, "operator", "disable", "tom")
    assert code == 0 and "Disabled tom" in out
    code, out, _ = run(db_path, "operator", "list")
    assert "tom" in out and "disabled" in out
    code, out, _ = run(db_path, "operator", "enable", "tom")
    assert code == 0 and "Enabled tom" in out
    code, out, _ = run(db_path, "operator", "list", "--json")
    assert [o["disabled"] for o in json.loads(out)] == [False, False]


def test_an_impossible_name_is_a_mismatch_and_audited(store: Store, admin: Actor) -> None:
    for name in ("", "x" * 65):
        with pytest.raises(SignInFailed, match="do not match"):
            operators.sign_in(store, name, ADMIN_PIN)
    assert len(store.audit_entries(action="operator.sign_in_failed")) == 2
