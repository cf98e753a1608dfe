"""`Secret`: a string that will not show itself in a repr, a log line or a traceback."""

from __future__ import annotations

import hmac
import os
from typing import NoReturn, SupportsIndex

_MASKED = "Secret('••••')"


class Secret:
    """Carries a secret through the code; `reveal()` is the only way to the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds text, not {type(value).__name__}")
        self._value = value

    @classmethod
    def from_env(cls, name: str) -> Secret | None:
        """The environment variable `name` as a Secret; None when it is not set."""
        value = os.environ.get(name)
        return None if value is None else cls(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return _MASKED

    def __str__(self) -> str:
        return _MASKED

    def __format__(self, spec: str) -> str:
        return _MASKED

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # Constant time, so a comparison does not tell an attacker how much of a guess matched.
        return hmac.compare_digest(self._value.encode("utf-8"), other._value.encode("utf-8"))

    # Defining __eq__ leaves __hash__ unset: a Secret cannot be a dict key or set member.

    # A pickle would carry the value to disk or another process in the clear.
    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")
