"""Microsoft Graph requests with the retries the outbox needs.

One request is tried up to `RetryPolicy.attempts` times:
- 429 (refused, not carried out): wait `Retry-After`, else back off; so does 503 for an
  idempotent request;
- a dropped connection, 500, 502, 504, and 503 for a request not safe to repeat (a gateway
  may answer 503 after the service acted): back off with jitter, but only for idempotent
  requests; one that may have been carried out raises `TenantUnreachable(maybe_sent=True)`
  so the sender looks it up before it sends again;
- 401: the token is refreshed once (MSAL), then the request is sent again;
- any other 4xx: `GraphError`, which the sender turns into a parked item with its reason.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from app.tenant import network
from app.tenant.auth import TokenSource
from app.tenant.config import TenantConfig
from app.tenant.errors import (
    GraphAnswerInvalid,
    GraphError,
    TenantRefused,
    TenantThrottled,
    TenantUnreachable,
)
from app.tenant.retry import MAYBE_DONE, REFUSED_FOR_NOW, RetryPolicy, retry_after
from app.timeutil import utcnow

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
#: Pages a listing may have before Joinery suspects a loop (100,000 pages of 1,000 devices).
MAX_PAGES = 100_000


class GraphClient:
    def __init__(
        self,
        config: TenantConfig,
        tokens: TokenSource,
        session: requests.Session,
        *,
        policy: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.tokens = tokens
        self.session = session
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.clock = clock
        self.requests = 0  # sent, retries included (for the tests and the log)

    def url(self, path: str, version: str = "v1.0") -> str:
        return f"{self.config.api(version)}/{path.lstrip('/')}"

    # -- verbs -----------------------------------------------------------------------------------

    def get(
        self, path: str, params: dict[str, str] | None = None, *, needs: str | None = None
    ) -> dict[str, Any]:
        response = self.send("GET", self.url(path), params=params, needs=needs)
        return _json_object(response, path)

    def post(
        self,
        path: str,
        body: dict[str, Any] | None,
        *,
        version: str = "v1.0",
        idempotent: bool = False,
        patient: bool = True,
        needs: str | None = None,
    ) -> dict[str, Any] | None:
        response = self.send(
            "POST",
            self.url(path, version),
            body=body,
            idempotent=idempotent,
            patient=patient,
            needs=needs,
        )
        if response.status_code == 204 or not response.content:
            return None
        return _json_object(response, path)

    def delete(self, path: str, *, needs: str | None = None) -> None:
        """Delete what `path` names; gone already (404) is done too."""
        try:
            self.send("DELETE", self.url(path), idempotent=True, needs=needs)
        except GraphError as exc:
            if exc.status != 404:
                raise

    def pages(
        self,
        path: str,
        params: dict[str, str] | None = None,
        *,
        version: str = "v1.0",
        needs: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a collection: follows `@odata.nextLink` (an absolute URL that
        already carries the query) until a page has none."""
        url: str | None = self.url(path, version)
        query = params
        followed: set[str] = set()
        for number in range(1, MAX_PAGES + 1):
            assert url is not None
            response = self.send("GET", url, params=query, needs=needs)
            page = _json_object(response, path)
            items = page.get("value")
            if not isinstance(items, list):
                raise GraphAnswerInvalid(
                    f"Graph's page {number} of {path} has no 'value' list: not a collection."
                )
            yield items
            url = page.get("@odata.nextLink")
            if url is None:
                return
            if not isinstance(url, str) or not _same_service(url, self.config.graph_url):
                raise GraphAnswerInvalid(
                    f"Graph's page {number} of {path} links to {str(url)[:80]!r}, outside "
                    f"{self.config.graph_url}: not followed."
                )
            if url in followed:  # a page that links back: the same pages, for ever
                raise GraphAnswerInvalid(
                    f"Graph's page {number} of {path} links to a page read before: "
                    "stopped reading (try again later)."
                )
            followed.add(url)
            query = None
        raise GraphAnswerInvalid(f"{path} has more than {MAX_PAGES} pages: stopped reading.")

    # -- one request, with retries -------------------------------------------------------------

    def send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        idempotent: bool | None = None,
        patient: bool = True,
        needs: str | None = None,
    ) -> requests.Response:
        """One request; `patient` False: a 429 or 503 is the answer (GraphError), not a wait."""
        repeatable = method == "GET" if idempotent is None else idempotent
        where = urlsplit(url).netloc
        refreshed = False
        attempt = 0
        while True:
            headers = {"Authorization": f"Bearer {self.tokens.token()}", "Accept": _JSON}
            self.requests += 1
            try:
                response = self.session.request(
                    method, url, params=params, json=body, headers=headers
                )
            except requests.RequestException as exc:
                sent = network.reached_server(exc)
                attempt += 1
                if (sent and not repeatable) or attempt >= self.policy.attempts:
                    raise TenantUnreachable(
                        where, network.plain_reason(exc), maybe_sent=sent
                    ) from None
                self._back_off(attempt, None, where)
                continue
            status = response.status_code
            if status == 401 and not refreshed:
                log.info("Graph answered 401 to %s %s: refreshing the token once", method, where)
                refreshed = True
                self.tokens.refresh()
                continue
            if status in REFUSED_FOR_NOW and not patient:
                raise _error(response, needs)
            # A 503 can come from a gateway after the service carried the request out: one
            # not safe to repeat (an import) is looked up at the next sync, not sent again.
            unsure = status in MAYBE_DONE or (status == 503 and not repeatable)
            if (status in REFUSED_FOR_NOW and not unsure) or (unsure and repeatable):
                attempt += 1
                answered = response.headers
                wait = retry_after(answered.get("Retry-After"), self.clock(), answered.get("Date"))
                if attempt >= self.policy.attempts:
                    if status == 429 and wait is not None:
                        raise TenantThrottled(where, wait)
                    raise TenantUnreachable(where, f"Graph answered {status} {attempt} times")
                self._back_off(attempt, wait, where)
                continue
            if unsure:
                raise TenantUnreachable(
                    where, f"Graph answered {status} and may have done it", maybe_sent=True
                )
            if status == 401:
                error = _error(response)
                raise TenantRefused(
                    f"Graph refused Joinery's token twice ({error.code}: "
                    f"{error.graph_message}): connect again (`joinery tenant connect`).",
                    code=error.code,
                )
            if status >= 400:
                raise _error(response, needs)
            return response

    def _back_off(self, attempt: int, wait: float | None, where: str) -> None:
        delay = self.policy.backoff(attempt, self.rng) if wait is None else wait
        if delay > self.policy.wait_cap:
            raise TenantThrottled(where, delay)
        log.info("Graph at %s: waiting %.1f s before try %d", where, delay, attempt + 1)
        self.sleep(delay)


_JSON = "application/json"


def _same_service(url: str, graph_url: str) -> bool:
    """Whether a link Graph gave leads back to Graph itself, over HTTPS: the token goes with
    every request, so never to another host, and never in clear text."""
    link, own = urlsplit(url), urlsplit(graph_url)
    return link.scheme.lower() == "https" and link.netloc.lower() == own.netloc.lower()


def _json_object(response: requests.Response, path: str) -> dict[str, Any]:
    try:
        document = response.json()
    except (ValueError, json.JSONDecodeError):
        raise GraphAnswerInvalid(
            f"Graph's answer to {path} is not JSON (HTTP {response.status_code})."
        ) from None
    if not isinstance(document, dict):
        raise GraphAnswerInvalid(f"Graph's answer to {path} is not a JSON object.")
    return document


def _error(response: requests.Response, needs: str | None = None) -> GraphError:
    """Graph's error body: {"error": {"code": ..., "message": ...}} (learn.microsoft.com/
    graph/errors); anything else keeps the status and a short excerpt."""
    code, message = f"HTTP {response.status_code}", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = str(body["error"].get("code") or code)
        message = str(body["error"].get("message") or "")
    elif response.text:
        message = response.text[:200]
    return GraphError(response.status_code, code, " ".join(message.split())[:400], needs=needs)
