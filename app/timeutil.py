"""Timestamps are ISO 8601 UTC text (`2026-11-29T05:00:00Z`): sortable and readable in SQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return iso(utcnow())


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


_STAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


def parse_timestamp(value: str, *, naive_is_utc: bool) -> tuple[str | None, str | None]:
    """(ISO 8601 UTC "...Z", None), or (None, why not). Fractions of a second are dropped."""
    match = _STAMP.fullmatch(value.strip())
    if match is None:
        return None, (
            f"{value!r} isn't a date and time such as 2024-05-01 13:45:10 or 2024-05-01T13:45:10Z"
        )
    year, month, day, hour, minute, second = (int(g or 0) for g in match.groups()[:6])
    zone_text = match.group(8)
    if zone_text is None and not naive_is_utc:
        return None, f"{value!r} has no time zone; write it in UTC with a Z at the end"
    try:
        zone = _zone(zone_text)
        moment = datetime(year, month, day, hour, minute, second, tzinfo=zone)
        return iso(moment), None
    except (ValueError, OverflowError):
        return None, f"{value!r} isn't a real date and time"


def _zone(text: str | None) -> timezone:
    if text is None or text.upper() == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-offset if text[0] == "-" else offset)
