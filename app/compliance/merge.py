"""Several policies, one device: Intune applies the most secure value of each setting.

Microsoft (compliance-policy-monitor, "How Intune resolves policy conflicts"): "If you have
deployed multiple compliance policies, Intune uses the most secure of these policies".
Differing values are therefore not a conflict. Setting by setting, the most secure value is
the largest minimum, the smallest maximum, a requirement any policy sets, the strictest
choice of an enumeration, and the intersection of allowed build ranges.

`most_secure` computes that value (what `PolicySet.effective` shows); the evaluator gets
the same answer by checking every policy's own value, which also tells it whose grace period
applies (app/compliance/evaluate.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.compliance.properties import (
    BY_NAME,
    DeviceThreatProtectionLevel,
    Kind,
    RequiredPasswordType,
    VersionRange,
)
from app.compliance.versions import parse_version

#: Numbers where a smaller value is stricter (everything else: larger is stricter).
SMALLER_IS_STRICTER = frozenset({"passwordMinutesOfInactivityBeforeLock", "passwordExpirationDays"})
#: Versions that are a maximum (the others are minimums).
MAXIMUM_VERSIONS = frozenset({"osMaximumVersion", "mobileOsMaximumVersion"})
#: Enumerations from least to most secure.
ENUM_ORDER: dict[str, tuple[str, ...]] = {
    "passwordRequiredType": (
        RequiredPasswordType.DEVICE_DEFAULT,
        RequiredPasswordType.NUMERIC,
        RequiredPasswordType.ALPHANUMERIC,
    ),
    # The highest threat level a device may have: "secured" (Clear) allows none.
    "deviceThreatProtectionRequiredSecurityLevel": (
        DeviceThreatProtectionLevel.HIGH,
        DeviceThreatProtectionLevel.MEDIUM,
        DeviceThreatProtectionLevel.LOW,
        DeviceThreatProtectionLevel.SECURED,
    ),
}


class Unmergeable(ValueError):
    """Values Intune's rule cannot order (custom compliance scripts, WSL lists)."""


def most_secure(setting: str, values: Sequence[Any]) -> Any:
    """The most secure of several policies' required values for `setting`."""
    if not values:
        raise ValueError("no value to merge")
    kind = BY_NAME[setting].kind
    if kind is Kind.BOOL:
        return any(values)
    if kind is Kind.INT32:
        return min(values) if setting in SMALLER_IS_STRICTER else max(values)
    if kind is Kind.VERSION:
        pick = min if setting in MAXIMUM_VERSIONS else max
        return pick(values, key=lambda v: parse_version(v) or ())
    if kind is Kind.ENUM:
        order = ENUM_ORDER[setting]
        return max(values, key=order.index)
    if kind is Kind.RANGES:
        return intersect_ranges(values)
    if all(value == values[0] for value in values):
        return values[0]
    raise Unmergeable(f"policies set {setting} differently and Intune's rule cannot order it")


def intersect_ranges(
    sets: Sequence[Sequence[VersionRange]],
) -> tuple[VersionRange, ...]:
    """The builds every policy allows: each policy allows the union of its ranges, so the
    result is the pairwise intersection of ranges (possibly empty: then no build passes)."""
    result = list(sets[0])
    for ranges in sets[1:]:
        merged: list[VersionRange] = []
        for a in result:
            for b in ranges:
                low = max(a.lowest, b.lowest, key=lambda v: parse_version(v) or ())
                high = min(a.highest, b.highest, key=lambda v: parse_version(v) or ())
                if (parse_version(low) or ()) <= (parse_version(high) or ()):
                    merged.append(VersionRange(low, high))
        result = merged
    return tuple(result)


def strictness(setting: str, value: Any) -> tuple[Any, ...]:
    """A sort key putting the most secure of a setting's values first."""
    kind = BY_NAME[setting].kind
    if kind is Kind.INT32:
        return (value,) if setting in SMALLER_IS_STRICTER else (-value,)
    if kind is Kind.VERSION:
        parts = parse_version(value) or ()
        return parts if setting in MAXIMUM_VERSIONS else tuple(-p for p in parts)
    if kind is Kind.ENUM and setting in ENUM_ORDER:
        return (-ENUM_ORDER[setting].index(value),)
    return ()
