"""One Wi-Fi key rule for the guided wizard, the bulk wizard, profiles and enrollment: the
enrollment's own check took keys WPA2 refuses (an accented letter) while the bulk wizard
refused them."""

from __future__ import annotations

import pytest

from app import services, wifi
from app.enrollment import Answers
from app.errors import InputError
from app.provisioning import rules
from app.provisioning.model import Network, PackageInfo, PackageSpec, WifiSecurity
from app.security.secret import Secret
from app.store import Store

WIFI = Answers(network="wifi", wifi_ssid="Bench", wifi_security="WPA2-Personal")


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("correct horse", True),
        ("12345678", True),
        ("x" * 63, True),
        ("a" * 64, True),  # the PSK as 64 hex digits
        ("g" * 64, False),  # 64 characters that are not hex
        ("x" * 65, False),
        ("1234567", False),
        ("clé secrète", False),  # WPA2 maps ASCII 32-126 only
        ("tab\there!", False),
    ],
)
def test_the_key_rule(key: str, ok: bool) -> None:
    assert (wifi.key_problem("WPA2-Personal", key) is None) is ok
    spec = PackageSpec(
        info=PackageInfo(name="W", password=Secret("p" * 24)),
        network=Network(ssid="Bench", security=WifiSecurity.WPA2_PERSONAL, key=Secret(key)),
    )
    bulk = dict(rules.problems(spec)).get("network.key")
    assert (bulk is None) is ok  # the bulk wizard says the same
    if not ok:
        assert bulk == wifi.key_problem("WPA2-Personal", key)
        assert key not in bulk  # a reason never quotes the key


def test_enrollment_and_profiles_refuse_a_key_wpa2_cannot_use(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINERY_VAULT_PASSPHRASE", "bench vault passphrase 2026")
    bad = Secret("clé secrète 2026")
    request = services.EnrollRequest("PF5KX2QA", answers=WIFI, wifi_key=bad)
    with pytest.raises(InputError) as refused:
        services.enroll_devices(store, [request], actor=services.local_admin())
    assert "printable ASCII" in str(refused.value.problems)
    assert store.device_by_serial("PF5KX2QA") is None
    with pytest.raises(InputError):
        services.save_profile(store, "Bench", WIFI, actor=services.local_admin(), wifi_key=bad)
    good = services.EnrollRequest("PF5KX2QA", answers=WIFI, wifi_key=Secret("correct horse"))
    services.enroll_devices(store, [good], actor=services.local_admin())
    assert store.device_by_serial("PF5KX2QA") is not None


def test_the_network_name_rule() -> None:
    assert wifi.ssid_problem("Bench-WiFi") is None
    assert wifi.ssid_problem("") is not None
    assert wifi.ssid_problem("x" * 33) is not None
    assert wifi.ssid_problem("é" * 16) is None  # 32 bytes
    assert Answers(network="wifi", wifi_ssid="é" * 17).problems()
