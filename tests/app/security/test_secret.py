"""A Secret never shows its value except through reveal()."""

from __future__ import annotations

import copy
import logging
import pickle
import traceback

import pytest

from app.security.secret import Secret

CANARY = "canary-7f3a9c-pässwörd"
MASK = "Secret('••••')"


def test_every_rendering_is_masked() -> None:
    secret = Secret(CANARY)
    assert repr(secret) == MASK
    assert str(secret) == MASK
    assert f"{secret}" == MASK
    assert f"{secret!r} {secret!s} {secret:>40}" == f"{MASK} {MASK} {MASK}"
    assert "%s %r" % (secret, secret) == f"{MASK} {MASK}"  # noqa: UP031
    assert "{}".format(secret) == MASK  # noqa: UP032
    assert CANARY not in repr([secret, {"pw": secret}])
    assert secret.reveal() == CANARY


def test_logging_and_tracebacks_stay_masked(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(CANARY)
    log = logging.getLogger("test.secret")
    with caplog.at_level(logging.DEBUG):
        log.info("value %s, repr %r", secret, secret)
        log.warning("extra", extra={"secret": secret})
        try:
            raise RuntimeError(f"failed with {secret}")
        except RuntimeError:
            log.exception("boom")
            text = traceback.format_exc()
    assert CANARY not in caplog.text
    assert CANARY not in text
    assert all(CANARY not in record.getMessage() for record in caplog.records)


def test_equality_is_by_value() -> None:
    assert Secret("abc") == Secret("abc")
    assert Secret("abc") != Secret("abd")
    assert Secret("é") == Secret("é")
    assert Secret("abc") != "abc"  # a Secret is never equal to bare text


def test_truth_is_non_emptiness() -> None:
    assert Secret("x")
    assert not Secret("")


def test_cannot_be_pickled_or_hashed() -> None:
    secret = Secret(CANARY)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(secret, protocol=protocol)
    with pytest.raises(TypeError):
        copy.deepcopy(secret)
    with pytest.raises(TypeError):
        hash(secret)


def test_holds_text_only() -> None:
    with pytest.raises(TypeError, match="not bytes"):
        Secret(b"raw")  # type: ignore[arg-type]


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINERY_TEST_SECRET", CANARY)
    found = Secret.from_env("JOINERY_TEST_SECRET")
    assert found is not None
    assert found.reveal() == CANARY
    monkeypatch.delenv("JOINERY_TEST_SECRET")
    assert Secret.from_env("JOINERY_TEST_SECRET") is None
