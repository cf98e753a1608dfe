"""The tenant's status as the kiosk's tenant line shows it: a value type of its own, so the
kiosk can hold one before anyone signs in without loading the tenant's client (msal,
requests); `tenant.tenant_status` reads it."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import OutboxItem


@dataclass(frozen=True)
class TenantStatus:
    """What the kiosk's tenant line shows; read from the database only (no network, no vault)."""

    configured: bool
    tenant_id: str | None
    client_id: str | None
    auth: str | None
    authority_host: str | None
    graph_url: str | None
    account: str | None  # who signed in (device code); None for the app itself
    outbox: dict[str, int]  # pending (waiting to be sent or finished), parked, done
    parked: tuple[OutboxItem, ...]
    last_sync: str | None
    offline_since: str | None  # the first failed contact since the last good one
    last_error: str | None

    @property
    def connected(self) -> bool:
        """Configured, and the last contact with the tenant went through."""
        return self.configured and self.offline_since is None

    def as_json(self) -> dict[str, object]:
        return {
            "connected": self.connected,
            "configured": self.configured,
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "auth": self.auth,
            "authority_host": self.authority_host,
            "graph_url": self.graph_url,
            "account": self.account,
            "outbox": dict(self.outbox),
            "parked": [
                {"id": i.id, "kind": i.kind, "serial": i.serial, "code": i.code, "reason": i.reason}
                for i in self.parked
            ],
            "last_sync": self.last_sync,
            "offline_since": self.offline_since,
            "last_error": self.last_error,
        }
