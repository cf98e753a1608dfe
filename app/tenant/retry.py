"""When to try a request again, and how long to wait first.

Microsoft Graph's throttling guidance (https://learn.microsoft.com/graph/throttling): on 429
(and 503) wait the seconds in `Retry-After`, then retry; without the header, back off
exponentially. Other transient failures (a dropped connection, 500, 502, 504) back off
exponentially with full jitter, so benches that failed together do not retry together.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

#: Statuses the tenant uses for "not now": sent again after the wait. A 503 may also come
#: from a gateway after the service acted, so a request not safe to repeat treats it as
#: MAYBE_DONE (GraphClient.send).
REFUSED_FOR_NOW = frozenset({429, 503})
#: Statuses that may hide a request that was carried out: safe to repeat only when the
#: request is idempotent (a GET, an update that sets values).
MAYBE_DONE = frozenset({500, 502, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries of one request before the tenant counts as unreachable
    base: float = 1.0  # seconds: the first backoff's ceiling, doubled per attempt
    cap: float = 60.0  # the longest single backoff
    wait_cap: float = 120.0  # the longest Retry-After waited inside a sync; beyond, stop

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^attempt))."""
        return rng.uniform(0.0, min(self.cap, self.base * 2.0 ** max(attempt, 0)))


def retry_after(header: str | None, now: datetime, sent: str | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110,
    10.2.3); None when absent or unreadable (then the caller backs off on its own). A date
    is measured from the answer's own Date header (`sent`) when it has one: the bench's
    clock may be minutes off the service's (a 5 s wait became 605 s, or none at all)."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    if text.isdigit():
        return float(int(text))
    when = _http_date(text)
    if when is None:
        return None
    origin = _http_date(sent) if sent else None
    return max(0.0, (when - (origin or now)).total_seconds())


def _http_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None
