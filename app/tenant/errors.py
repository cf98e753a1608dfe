"""What can go wrong with the tenant, as typed errors that say where and what to do next."""

from __future__ import annotations

from app.errors import KnownError


class TenantError(KnownError):
    """Talking to the tenant failed; the outbox keeps what was not sent."""


class TenantNotConnected(TenantError):
    """No tenant is connected to this bench yet."""

    def __init__(self) -> None:
        super().__init__(
            "No tenant is connected to this bench: an admin connects one with "
            "`joinery tenant connect` (docs/tenant.md). The bench keeps working offline."
        )


class TenantUnreachable(TenantError):
    """The network, the proxy, TLS or the service stood in the way (after retries)."""

    def __init__(self, where: str, why: str, *, maybe_sent: bool = False) -> None:
        super().__init__(
            f"The tenant cannot be reached at {where}: {why}. Check the network, the proxy "
            "(HTTPS_PROXY) and the CA bundle (REQUESTS_CA_BUNDLE or SSL_CERT_FILE); nothing "
            "waiting in the outbox was lost, it is sent at the next sync."
        )
        self.where = where
        self.why = why
        # The request may have reached the tenant before the connection failed.
        self.maybe_sent = maybe_sent

    def details(self) -> dict[str, object]:
        return {"where": self.where, "why": self.why}


class TenantThrottled(TenantUnreachable):
    """The tenant asked Joinery to wait longer than a sync waits (Retry-After)."""

    def __init__(self, where: str, seconds: float) -> None:
        super().__init__(where, f"the tenant asked to wait {seconds:.0f} s before trying again")
        self.args = (
            f"The tenant at {where} is busy and asked Joinery to wait {seconds:.0f} s before "
            "trying again (Graph throttles a tenant's busiest hours): nothing waiting in the "
            "outbox was lost, it is sent at the next sync.",
        )
        self.seconds = seconds


class TenantBusy(TenantError):
    """Another sync of the same database is running: one at a time sends the outbox."""

    def __init__(self) -> None:
        super().__init__(
            "Another sync with the tenant is running for this database (the kiosk's, or a "
            "`joinery tenant sync`): this one sent nothing. That one sends the outbox; try "
            "again once it has finished."
        )


class TenantRefused(TenantError):
    """Microsoft Entra or Graph refused who Joinery is (sign-in, consent, a revoked secret)."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code

    def details(self) -> dict[str, object]:
        return {"code": self.code} if self.code else {}


class GraphError(TenantError):
    """Graph answered a request with an error that retrying will not cure (400, 403, 404).

    `reason` is what a lead reads beside a parked item: the status, Graph's own words and,
    for a 403, the permission the app registration lacks.
    """

    def __init__(self, status: int, code: str, message: str, *, needs: str | None = None) -> None:
        self.status = status
        self.code = code
        self.graph_message = message
        self.needs = needs
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        said = f"Graph said {self.code}: {self.graph_message}" if self.graph_message else self.code
        if self.status == 403:
            perm = self.needs or "the permission this call needs"
            return (
                f"403 Forbidden: the app registration lacks {perm} (or its admin consent). "
                f"An admin grants it in Microsoft Entra, then a lead retries the item. ({said})"
            )
        if self.status == 401:
            return f"401 Unauthorized: the tenant refused Joinery's token. ({said})"
        return f"{self.status}: {said}"

    def details(self) -> dict[str, object]:
        return {"status": self.status, "code": self.code}


class GraphAnswerInvalid(TenantError):
    """Graph answered in a shape Joinery does not know (a page, an element, a field)."""
