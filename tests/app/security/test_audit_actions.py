"""Every audit action is declared once; every action the code writes is a declared one."""

from __future__ import annotations

from app import demo
from app.security.audit_actions import AuditAction, groups, known, words
from app.store import Store
from tests.helpers.audit_writes import scan


def test_every_write_in_app_names_a_declared_action() -> None:
    writes = scan()
    assert writes.calls > 30  # the scan does see the writers
    assert writes.unexplained == []
    assert writes.actions <= {a.name for a in AuditAction}


def test_every_declared_action_is_written_somewhere() -> None:
    """A declared action nothing writes would be offered by the filter and never match."""
    assert {a.name for a in AuditAction} == scan().actions


def test_codes_and_words_are_unique_and_every_action_has_a_group() -> None:
    codes = [a.value for a in AuditAction]
    assert len(codes) == len(set(codes))
    assert len({a.words for a in AuditAction}) == len(codes)
    assert sum(len(actions) for _, actions in groups()) == len(codes)
    assert all(a.group and a.words for a in AuditAction)
    assert known("device.enroll") is AuditAction.DEVICE_ENROLL
    assert known("no.such") is None
    assert words("label.print") == "Label printed or saved"
    assert words("retired.action") == "retired.action"  # an old row still shows


def test_what_a_run_writes_is_declared(store: Store) -> None:
    demo.seed(store, 30, seed=2)
    written = {e.action for e in store.audit_entries(limit=10_000)}
    assert written and all(known(code) is not None for code in written)
