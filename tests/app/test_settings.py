"""Kiosk settings: declared once, checked before anything is written, audited per change."""

from __future__ import annotations

import pytest

from app import settings
from app.errors import InputError
from app.security.roles import Actor, PermissionDenied, Role
from app.store import Store

ADA = Actor("ada", Role.ADMIN)


def test_every_setting_is_declared_with_a_label_and_a_description() -> None:
    for key, setting in settings.SETTINGS.items():
        assert setting.key == key
        assert setting.label and setting.description.endswith(".")
        if isinstance(setting.default, int):
            assert setting.minimum <= setting.default <= setting.maximum
    flags = [k for k, s in settings.SETTINGS.items() if s.is_flag]
    assert flags == ["no_policy_compliant", "tenant_push_policies", "tenant_read_profiles"]


def test_put_many_checks_everything_before_writing_anything(store: Store) -> None:
    with pytest.raises(InputError, match="between 1 and 30"):
        settings.put_many(store, ADA, {"tenant_domains": "contoso.com", "idle_lock_minutes": "90"})
    assert settings.domains(store) == ()  # the good value was not written either
    assert store.audit_entries(action="settings.change") == []
    with pytest.raises(InputError, match="2 settings cannot be saved") as caught:
        settings.put_many(store, ADA, {"tenant_domains": "x", "stale_days": "3"})
    assert [p.file for p in caught.value.problems] == ["tenant_domains", "stale_days"]


def test_put_many_writes_and_audits_only_what_changed(store: Store) -> None:
    changed = settings.put_many(
        store, ADA, {"tenant_domains": "Contoso.com, fabrikam.com", "idle_lock_minutes": "5"}
    )
    assert changed == ["tenant_domains"]  # 5 is the default: nothing to write
    assert settings.domains(store) == ("contoso.com", "fabrikam.com")
    assert settings.put_many(store, ADA, {"tenant_domains": "contoso.com,fabrikam.com"}) == []
    (entry,) = store.audit_entries(action="settings.change")
    assert (entry.actor, entry.target) == ("ada", "tenant_domains")
    assert entry.details == {"from": None, "to": "contoso.com,fabrikam.com"}


def test_only_admins_change_settings(store: Store) -> None:
    for role in (Role.TECHNICIAN, Role.LEAD):
        with pytest.raises(PermissionDenied, match="may not change settings"):
            settings.put_many(store, Actor("tom", role), {"idle_lock_minutes": "9"})
    assert settings.get(store, "idle_lock_minutes") == 5


def test_problems_read_as_a_form_says_them() -> None:
    idle = settings.SETTINGS["idle_lock_minutes"]
    assert idle.problem("45") == "Type a whole number from 1 to 30."
    assert idle.problem("7") is None
    domains = settings.SETTINGS["tenant_domains"]
    assert domains.problem("contoso") == "'contoso' is not a domain name such as contoso.com."


def test_tenant_settings_hold_one_guid_or_one_domain(store: Store) -> None:
    tenant_id = settings.SETTINGS["tenant_id"]
    assert tenant_id.parse("{1537DE22-988C-4E93-B8A5-83890F34A69B}") == (
        "1537de22-988c-4e93-b8a5-83890f34a69b"  # braces dropped, as the Autopilot file wants
    )
    assert tenant_id.parse("  ") == ""  # empty: not set
    assert tenant_id.problem("1537de22") == (
        "Tenant ID is a GUID such as 00000000-0000-0000-0000-000000000000, not '1537de22'."
    )
    domain = settings.SETTINGS["tenant_domain"]
    assert domain.parse("Contoso.OnMicrosoft.com") == "contoso.onmicrosoft.com"
    assert domain.problem("contoso") is not None
    assert settings.text(store, "autopilot_profile_id") == ""
    settings.put(store, ADA, "autopilot_profile_id", "7F9E6025-1E13-45F3-BF82-A3E8C5B59EAC")
    assert settings.text(store, "autopilot_profile_id") == "7f9e6025-1e13-45f3-bf82-a3e8c5b59eac"
    same = {"autopilot_profile_id": "7f9e6025-1e13-45f3-bf82-a3e8c5b59eac"}
    assert settings.put_many(store, ADA, same) == []
