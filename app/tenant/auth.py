"""Every token comes from MSAL for Python: client credentials (a secret or a certificate) for
an unattended bench, the device-code flow for a lead who signs in. No hand-written OAuth.

MSAL uses the session from `network` (proxy, CA bundle) for all its HTTP, and a
`SerializableTokenCache` that the caller seals in the vault after use. With an authority host
other than Microsoft's global one, instance discovery is off: MSAL reads the tenant's OpenID
configuration from that host (`{host}/{tenant}/v2.0/.well-known/openid-configuration`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import msal
import requests

from app.security.secret import Secret
from app.tenant import network
from app.tenant.config import AuthKind, TenantConfig
from app.tenant.credentials import Credential
from app.tenant.errors import TenantRefused, TenantUnreachable

log = logging.getLogger(__name__)

#: Use a cached token only while it has at least this long to live.
EXPIRY_MARGIN = 300.0
#: What to do about the common refusals, by AADSTS error code (Microsoft Entra error codes:
#: https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
ADVICE = {
    7000215: "the client secret is wrong: give the secret's Value, not its Secret ID",
    7000222: "the client secret has expired: create a new one and connect again",
    700016: "no app with this client ID in this tenant: check --client-id and --tenant-id",
    90002: "no such tenant: check --tenant-id",
    700027: "the certificate is not one uploaded to the app registration",
    65001: "an admin has not consented to the app's permissions yet",
    50076: "the account needs multi-factor authentication: sign in again with --device-code",
}


class TokenSource:
    """Access tokens for Graph, through MSAL, for one tenant connection."""

    def __init__(
        self,
        config: TenantConfig,
        credential: Credential | None,
        cache: Secret | None,
        session: requests.Session,
        *,
        account: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._credential = credential
        self._session = session
        self._account = account
        self._clock = clock
        self._cache = msal.SerializableTokenCache()
        if cache:
            self._cache.deserialize(cache.reveal())
        self._app: Any = None
        self._token: Secret | None = None
        self._expires = 0.0

    # -- the cache, for the caller to seal -----------------------------------------------------

    @property
    def cache_changed(self) -> bool:
        return bool(self._cache.has_state_changed)

    def cache_secret(self) -> Secret:
        return Secret(self._cache.serialize())

    @property
    def account(self) -> str | None:
        """The person signed in with a device code (their UPN), or None for the app itself."""
        return self._account

    # -- tokens ----------------------------------------------------------------------------------

    def token(self) -> str:
        """A Graph access token, from memory, MSAL's cache, or Microsoft Entra."""
        if self._token is not None and self._clock() < self._expires - EXPIRY_MARGIN:
            return self._token.reveal()
        result = self._acquire(force=False)
        return self._keep(result)

    def refresh(self) -> None:
        """Forget the token in hand and in MSAL's cache (Graph said it expired), get a new one."""
        self._token = None
        app = self._application()
        if self.config.auth is not AuthKind.DEVICE_CODE:
            app.remove_tokens_for_client()
        self._keep(self._acquire(force=True))

    def sign_in_with_device_code(self, show: Callable[[str], None]) -> str:
        """The device-code flow: `show` gets Microsoft's message (a URL and a code to type);
        returns the account that signed in. Blocks until the person signs in or the code
        expires."""
        app = self._application()
        flow = self._call(lambda: app.initiate_device_flow(scopes=self.config.scopes))
        if "user_code" not in flow:
            raise self._refused(flow, "starting the device-code sign-in")
        show(str(flow.get("message") or ""))
        result = self._call(lambda: app.acquire_token_by_device_flow(flow))
        token = self._keep(result)
        accounts = app.get_accounts()
        self._account = str(accounts[0].get("username")) if accounts else None
        del token
        return self._account or "(unknown account)"

    def _acquire(self, *, force: bool) -> dict[str, Any]:
        app = self._application()
        if self.config.auth is AuthKind.DEVICE_CODE:
            accounts = app.get_accounts(username=self._account) if self._account else []
            if not accounts:
                raise TenantRefused(
                    "Nobody is signed in to the tenant on this bench any more: a lead signs in "
                    "again with `joinery tenant connect ... --device-code`.",
                    code="no_account",
                )
            result = self._call(
                lambda: app.acquire_token_silent_with_error(
                    self.config.scopes, account=accounts[0], force_refresh=force
                )
            )
            if result is None:
                raise TenantRefused(
                    "The lead's sign-in on this bench has expired: sign in again with "
                    "`joinery tenant connect ... --device-code`.",
                    code="interaction_required",
                )
            return dict(result)
        return dict(self._call(lambda: app.acquire_token_for_client(scopes=self.config.scopes)))

    def _keep(self, result: dict[str, Any]) -> str:
        if "access_token" not in result:
            raise self._refused(result, "getting a token")
        self._token = Secret(str(result["access_token"]))
        self._expires = self._clock() + float(result.get("expires_in") or 3599)
        return self._token.reveal()

    # -- MSAL ------------------------------------------------------------------------------------

    def _application(self) -> Any:
        if self._app is not None:
            return self._app
        options: dict[str, Any] = {
            "authority": self.config.authority,
            "http_client": self._session,
            "token_cache": self._cache,
        }
        if not self.config.default_authority:
            options["instance_discovery"] = False
        if self.config.auth is AuthKind.DEVICE_CODE:
            build = lambda: msal.PublicClientApplication(self.config.client_id, **options)  # noqa: E731
        else:
            if self._credential is None:
                raise TenantRefused("No client secret or certificate is stored: connect again.")
            credential = self._credential.for_msal()
            build = lambda: msal.ConfidentialClientApplication(  # noqa: E731
                self.config.client_id, client_credential=credential, **options
            )
        try:
            self._app = self._call(build)
        except ValueError as exc:
            # MSAL's tenant discovery failed with a 4xx: the tenant (or host) is wrong.
            raise TenantRefused(
                f"{self.config.authority_host} does not know the tenant "
                f"{self.config.tenant_id}: check --tenant-id and --authority-host ({exc}).",
                code="tenant_discovery",
            ) from None
        return self._app

    def _call(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except msal.exceptions.MsalServiceError as exc:
            # MSAL raises this for an answer it cannot read as OAuth (a 5xx, a 429).
            raise TenantUnreachable(
                self.config.authority_host, f"Microsoft Entra answered {exc}"
            ) from None
        except requests.RequestException as exc:
            raise TenantUnreachable(
                self.config.authority_host,
                network.plain_reason(exc),
                maybe_sent=network.reached_server(exc),
            ) from None

    def _refused(self, result: dict[str, Any], doing: str) -> TenantRefused:
        error = str(result.get("error") or "unknown_error")
        description = str(result.get("error_description") or "").splitlines()
        first = description[0] if description else ""
        codes = result.get("error_codes") or []
        advice = next((ADVICE[c] for c in codes if c in ADVICE), None)
        tail = f": {advice}" if advice else ""
        log.info("sign-in refused while %s: %s", doing, error)
        return TenantRefused(
            f"Microsoft Entra refused {doing} for app {self.config.client_id} in tenant "
            f"{self.config.tenant_id} ({error}{f', {first}' if first else ''}){tail}.",
            code=error,
        )
