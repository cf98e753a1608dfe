"""Issue 14, items 8-13: compliance as Intune computes it. Sources: docs/compliance.md."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app import domain
from app.compliance import policy as pol
from app.compliance.evaluate import (
    Previous,
    Tenant,
    ca_decision,
    evaluate_device,
    policy_set,
)
from app.compliance.facts import DeviceFacts, FactSource
from app.domain import ComplianceState
from app.ingest import read_report
from tests.helpers.conformance import POLICY_EXPORT, joinery, joinery_json

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
COLLECTOR_SAMPLE = POLICY_EXPORT.parents[1] / "collector" / "sample-report.json"


def healthy(**changes: Any) -> DeviceFacts:
    """A Windows 11 24H2 laptop that meets the shipped Strict template (and so Baseline)."""
    facts = DeviceFacts(
        serial="PF4XK2QZ",
        reported_at="2026-11-30T08:00:00Z",
        source=FactSource.COLLECTOR,
        os_edition="Windows 11 Enterprise",
        os_version="10.0.26100.2314",
        bitlocker_enabled=True,
        storage_encrypted=True,
        tpm_version="2.0",
        secure_boot_enabled=True,
        code_integrity_enabled=True,
        vbs_enabled=True,
        memory_integrity_enabled=True,
        kernel_dma_protection_enabled=True,
        firmware_protection_enabled=True,
        early_launch_antimalware_enabled=True,
        defender_enabled=True,
        rtp_enabled=True,
        defender_version="4.18.24090.11",
        signature_age_days=0,
        antivirus_registered=True,
        antispyware_registered=True,
        firewall_enabled=True,
        password_required=True,
        password_minimum_length=14,
        password_expiration_days=90,
        password_history_count=24,
    )
    return dataclasses.replace(facts, **changes)


def both() -> Any:
    return policy_set([pol.template("baseline"), pol.template("strict")])


# -- 8 ----------------------------------------------------------------------------------------


def test_item08_baseline_and_strict_together_apply_the_most_secure_value_not_a_conflict(
    tmp_path: Path,
) -> None:
    verdict = evaluate_device(healthy(), both(), Previous(), NOW, Tenant())
    assert verdict.state == ComplianceState.COMPLIANT
    assert ca_decision(verdict.state).granted

    # 10 characters pass Baseline's 8 but not Strict's 14: Strict's value applies, and the
    # reason names Strict (which has no grace period).
    short = evaluate_device(healthy(password_minimum_length=10), both(), Previous(), NOW, Tenant())
    assert short.state == ComplianceState.NONCOMPLIANT
    [reason] = short.reasons
    assert "required by Strict" in reason and "Baseline" not in reason

    # The same through the CLI: both templates assigned to every device, no conflict.
    db = tmp_path / "j.db"
    for name in ("baseline", "strict"):
        assert joinery(db, "policy", "template", name).exit_code == 0
        assert joinery(db, "policy", "assign", name.title(), "--all").exit_code == 0
    assert joinery(db, "demo", "seed", "--devices", "40").exit_code == 0
    summary = joinery_json(db, "fleet", "summary")
    assert summary["states"]["conflict"] == 0
    assert summary["policies"] == ["Baseline", "Strict"]


# -- 9 ----------------------------------------------------------------------------------------


def test_item09_silent_past_the_validity_period_is_noncompliant_through_is_active() -> None:
    silent = healthy(reported_at="2026-10-20T08:00:00Z")  # 41 days before NOW
    verdict = evaluate_device(silent, both(), Previous(), NOW, Tenant(validity_days=30))
    assert verdict.state == ComplianceState.NONCOMPLIANT
    [result] = verdict.results
    assert result.setting == "RequireRemainContact"
    assert result.reason is not None and result.reason.startswith("Is active")
    assert not ca_decision(verdict.state).granted


# -- 10 ---------------------------------------------------------------------------------------


def test_item10_no_grace_while_a_setting_of_the_same_policy_is_in_error() -> None:
    baseline = policy_set([pol.template("baseline")])  # 72 hours of grace
    failing = healthy(firewall_enabled=False)
    assert (
        evaluate_device(failing, baseline, Previous(), NOW, Tenant()).state
        == ComplianceState.IN_GRACE_PERIOD
    )
    in_error = dataclasses.replace(failing, os_version="not a version")  # osMinimumVersion: error
    verdict = evaluate_device(in_error, baseline, Previous(), NOW, Tenant())
    assert {r.status.value for r in verdict.results} >= {"nonCompliant", "error"}
    assert verdict.state == ComplianceState.NONCOMPLIANT


# -- 11 ---------------------------------------------------------------------------------------


def test_item11_states_are_graphs_compliance_state_values_and_not_evaluated_stands_apart(
    tmp_path: Path,
) -> None:
    graph = {
        "unknown",
        "compliant",
        "noncompliant",
        "conflict",
        "error",
        "inGracePeriod",
        "configManager",
    }
    assert {s.value for s in domain.GRAPH_STATES} == graph
    assert {s.value for s in domain.REPORT_STATES} == {"notEvaluated"}
    assert {s.value for s in ComplianceState} == graph | {"notEvaluated"}
    db = tmp_path / "j.db"
    assert joinery(db, "demo", "seed", "--devices", "5").exit_code == 0
    states = joinery_json(db, "fleet", "summary")["states"]
    assert set(states) == graph | {"notEvaluated"}


# -- 12 ---------------------------------------------------------------------------------------


def test_item12_os_drive_encryption_antivirus_out_of_date_attestation_and_password_notes(
    tmp_path: Path,
) -> None:
    report = json.loads(COLLECTOR_SAMPLE.read_text("utf-8"))
    data_drive = report["bitlocker"]["volumes"][1]
    assert data_drive["volumeType"] == "FixedData"
    data_drive.update(protectionStatus="Off", volumeStatus="FullyDecrypted", encryptionPercentage=0)
    # Windows Security Center productState 0x061110: on, but signatures out of date.
    report["securityCenter"]["antivirus"][0]["productState"] = 0x061110
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report), "utf-8")
    facts = read_report(path)
    assert facts.storage_encrypted is True  # the OS drive is encrypted; a data drive is not
    assert facts.antivirus_registered is False  # enabled but out of date fails

    baseline = policy_set([pol.template("baseline")])
    verdict = evaluate_device(facts, baseline, Previous(), NOW, Tenant())
    by_setting = {r.setting: r for r in verdict.results}
    assert by_setting["storageRequireEncryption"].status.value == "compliant"
    assert by_setting["antivirusRequired"].status.value == "nonCompliant"
    for attested in ("bitLockerEnabled", "secureBootEnabled", "codeIntegrityEnabled"):
        note = by_setting[attested].note
        assert note is not None and "restart" in note, attested
    password_note = by_setting["passwordMinimumLength"].note
    assert password_note is not None and "approximate" in password_note


# -- 13 ---------------------------------------------------------------------------------------


def test_item13_policy_export_writes_what_graph_v1_accepts_from_an_intunemanagement_export(
    tmp_path: Path,
) -> None:
    db = tmp_path / "j.db"
    assert joinery(db, "policy", "import", str(POLICY_EXPORT)).exit_code == 0
    name = "Win - Contoso - CP - Device Health - v1.0"
    out = tmp_path / "v1.json"
    result = joinery(db, "policy", "export", name, "-o", str(out))
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text("utf-8"))

    def keys(node: object) -> set[str]:
        if isinstance(node, dict):
            return set(node) | {k for v in node.values() for k in keys(v)}
        if isinstance(node, list):
            return {k for v in node for k in keys(v)}
        return set()

    found = keys(body)
    assert "assignments" not in found  # a navigation property
    assert not {k for k in found if k.startswith("#microsoft.graph.")}  # actions
    assert {k for k in found if "@odata." in k} == {"@odata.type"}  # annotations
    assert body["@odata.type"] == "#microsoft.graph.windows10CompliancePolicy"
    v1_only = {"tpmRequired", "activeFirewallRequired", "antivirusRequired", "roleScopeTagIds"}
    assert not v1_only & found and "memoryIntegrityEnabled" not in found  # beta-only
    assert "left out" in result.stderr and "--beta" in result.stderr
    [action] = body["scheduledActionsForRule"][0]["scheduledActionConfigurations"]
    assert action["notificationTemplateId"] == "00000000-0000-0000-0000-000000000000"

    beta = tmp_path / "beta.json"
    assert joinery(db, "policy", "export", name, "-o", str(beta), "--beta").exit_code == 0
    beta_body = json.loads(beta.read_text("utf-8"))
    assert beta_body["tpmRequired"] is True and beta_body["memoryIntegrityEnabled"] is True
    assert "assignments" not in beta_body

    # A template with an empty notification template id exports the all-zero GUID too.
    assert joinery(db, "policy", "template", "baseline").exit_code == 0
    assert (
        joinery(db, "policy", "export", "Baseline", "-o", str(tmp_path / "b.json")).exit_code == 0
    )
    baseline = json.loads((tmp_path / "b.json").read_text("utf-8"))
    [item] = baseline["scheduledActionsForRule"][0]["scheduledActionConfigurations"]
    assert item["notificationTemplateId"] == "00000000-0000-0000-0000-000000000000"
