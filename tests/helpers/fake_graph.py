"""A local Microsoft Entra token endpoint and Microsoft Graph, over real HTTPS, answering in
the documented shapes (docs/tenant.md cites each): OpenID configuration, client credentials
(secret or certificate assertion), the device-code flow, the Autopilot import and its
imported identities, windowsAutopilotDeviceIdentities, managedDevices with `$select`, paging
with `@odata.nextLink`, and faults on demand (429 with Retry-After, 503, an expired token, a
dropped connection, an outage).

The client trusts it through REQUESTS_CA_BUNDLE / SSL_CERT_FILE (tests/helpers/tls.py).
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import jwt
from cryptography import x509

from tests.helpers.tls import TlsFiles

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0d2b9c0a-7a34-4c51-b0f3-6a4c1e2f9b11"
DROP = object()  # a handler result: close the connection without answering
IMPORT_ACTION = "/importedWindowsAutopilotDeviceIdentities/import"  # the upload POST

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Fault:
    method: str
    prefix: str  # the path starts with this
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    times: int = 1
    drop: bool = False  # carry the request out, then close the connection unanswered
    refuse: bool = False  # close the connection without carrying it out


class FakeTenant:
    """The tenant's state; every handler runs under one lock."""

    def __init__(self, *, page_size: int = 50) -> None:
        self.base = ""  # https://127.0.0.1:PORT, set by the server
        self.page_size = page_size
        self.client_secret = "fake-client-secret"
        self.certificate: x509.Certificate | None = None
        self.tokens: dict[str, float] = {}
        self.token_lifetime = 3600
        self.token_requests = 0
        self.imported: dict[str, dict[str, Any]] = {}
        self.polls: Counter[str] = Counter()
        self.polls_to_finish = 1  # 0: the import answer carries the outcome (no poll)
        self.lists_imports = True  # False: a completed import is not listed yet (Autopilot's lag)
        self.autopilot: list[dict[str, Any]] = []
        self.managed: list[dict[str, Any]] = []
        self.policies: list[dict[str, Any]] = []
        self.profiles: list[dict[str, Any]] = []
        self.import_posts: Counter[str] = Counter()  # serial -> times POSTed to import
        self.deleted_imports = 0  # import records deleted (after their outcome)
        self._import_hook: Callable[[bytes, Callable[[], object]], object] | None = None
        self.error_serials: dict[str, tuple[int, str]] = {}
        self.sync_calls = 0
        self.updates: list[tuple[str, dict[str, Any]]] = []
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self.faults: list[Fault] = []
        self.on_import: Callable[[list[str]], None] | None = None  # imported, not answered
        self.on_poll: Callable[[str], None] | None = None  # an import polled, not answered
        self.device_code_polls = 0
        self.lock = threading.RLock()
        self._pages: dict[tuple[str, str, int], bytes] = {}

    # -- what tests set up ------------------------------------------------------------------

    def add_autopilot(self, serial: str, **fields: Any) -> dict[str, Any]:
        record = {
            "@odata.type": "#microsoft.graph.windowsAutopilotDeviceIdentity",
            "id": str(uuid.uuid4()),
            "groupTag": fields.get("groupTag", ""),
            "purchaseOrderIdentifier": "",
            "serialNumber": serial,
            "productKey": "",
            "manufacturer": fields.get("manufacturer", "Contoso"),
            "model": fields.get("model", "Surface Laptop 5"),
            "enrollmentState": fields.get("enrollmentState", "notContacted"),
            "lastContactedDateTime": fields.get("lastContactedDateTime", "0001-01-01T00:00:00Z"),
            "addressableUserName": "",
            "userPrincipalName": fields.get("userPrincipalName", ""),
            "resourceName": "",
            "skuNumber": "",
            "systemFamily": "",
            "azureActiveDirectoryDeviceId": str(uuid.uuid4()),
            "managedDeviceId": "00000000-0000-0000-0000-000000000000",
            "displayName": "",
        }
        self.autopilot.append(record)
        self._pages.clear()
        return record

    def remove_autopilot(self, serial: str) -> None:
        """The device deleted from Autopilot (in the portal, say)."""
        self.autopilot[:] = [d for d in self.autopilot if d["serialNumber"] != serial]
        self._pages.clear()

    def add_managed(self, serial: str, **fields: Any) -> dict[str, Any]:
        """A managedDevice with every property the list example shows that Joinery could
        use (the server answers only what `$select` asks for)."""
        record = {
            "@odata.type": "#microsoft.graph.managedDevice",
            "id": str(uuid.uuid4()),
            "userId": str(uuid.uuid4()),
            "deviceName": fields.get("deviceName", f"PC-{serial[-8:]}"),
            "managedDeviceOwnerType": "company",
            "enrolledDateTime": "2025-01-06T09:00:00Z",
            "lastSyncDateTime": fields.get("lastSyncDateTime", "2025-03-01T08:15:42.1234567Z"),
            "operatingSystem": fields.get("operatingSystem", "Windows"),
            "complianceState": fields.get("complianceState", "compliant"),
            "managementAgent": "mdm",
            "osVersion": fields.get("osVersion", "10.0.26100.3194"),
            "azureADRegistered": True,
            "deviceEnrollmentType": "windowsAzureADJoin",
            "emailAddress": "",
            "azureADDeviceId": fields.get("azureADDeviceId", str(uuid.uuid4())),
            "deviceRegistrationState": "registered",
            "isSupervised": False,
            "isEncrypted": fields.get("isEncrypted", True),
            "userPrincipalName": fields.get("userPrincipalName", "ada@contoso.com"),
            "model": "Surface Laptop 5",
            "manufacturer": "Microsoft Corporation",
            "complianceGracePeriodExpirationDateTime": fields.get(
                "complianceGracePeriodExpirationDateTime", "9999-12-31T23:59:59Z"
            ),
            "serialNumber": serial,
            "userDisplayName": "Ada",
            "wiFiMacAddress": "00155D000000",
            "totalStorageSpaceInBytes": 255_000_000_000,
            "freeStorageSpaceInBytes": 100_000_000_000,
            "managedDeviceName": f"ada_Windows_{serial}",
            "physicalMemoryInBytes": 0,
        }
        self.managed.append(record)
        self._pages.clear()
        return record

    def fail(self, method: str, prefix: str, status: int = 503, **options: Any) -> Fault:
        fault = Fault(method, prefix, status, **options)
        self.faults.append(fault)
        return fault

    def expire_tokens(self) -> None:
        for token in self.tokens:
            self.tokens[token] = 0.0

    def paths(self, method: str | None = None) -> list[str]:
        return [p for m, p, _ in self.requests if method in (None, m)]

    # -- dispatch ---------------------------------------------------------------------------

    def around_import(self, hook: Callable[[bytes, Callable[[], object]], object]) -> None:
        """Put `hook(body, carry_out)` around every import POST: it answers in the import's
        place, carrying it out (or not) with `carry_out()` (a test's own tenant behaviour)."""
        self._import_hook = hook

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> Answer | object:
        hook = self._import_hook
        if hook is not None and method == "POST" and target.endswith(IMPORT_ACTION):
            return hook(body, lambda: self._handle(method, target, headers, body))
        return self._handle(method, target, headers, body)

    def _handle(self, method: str, target: str, headers: Any, body: bytes) -> Answer | object:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        with self.lock:
            self.requests.append((method, path, query))
            fault = self._fault(method, path)
        if fault is not None and fault.refuse:
            return DROP
        if fault is not None and not fault.drop:
            return _json(fault.status, fault.body or _graph_error(fault.status), fault.headers)
        answer = self._route(method, path, query, headers, body)
        return DROP if fault is not None else answer

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and path.startswith(fault.prefix):
                fault.times -= 1
                return fault
        return None

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> Answer:
        if path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
            return _json(200, self._openid())
        if path == f"/{TENANT}/oauth2/v2.0/token" and method == "POST":
            return self._token(parse_qs(body.decode()))
        if path == f"/{TENANT}/oauth2/v2.0/devicecode" and method == "POST":
            return _json(200, self._device_code())
        refusal = self._check_token(headers.get("Authorization", ""))
        if refusal is not None:
            return refusal
        match = re.fullmatch(r"/(v1\.0|beta)/deviceManagement/(.+)", path)
        if match is None:
            return _json(404, _graph_error(404, "No HTTP resource was found"))
        with self.lock:
            return self._graph(method, match[1], match[2], query, body)

    # -- Microsoft Entra --------------------------------------------------------------------

    def _openid(self) -> dict[str, Any]:
        root = f"{self.base}/{TENANT}"
        return {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "issuer": f"{root}/v2.0",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "tenant_region_scope": "EU",
        }

    def _token(self, form: dict[str, list[str]]) -> Answer:
        with self.lock:
            self.token_requests += 1
        grant = form.get("grant_type", [""])[0]
        if form.get("client_id", [""])[0] != CLIENT:
            return _aad_error(400, "unauthorized_client", 700016, "Application not found")
        if grant == "client_credentials":
            if not self._client_ok(form):
                return _aad_error(401, "invalid_client", 7000215, "Invalid client secret provided.")
            return _json(200, self._issue())
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            with self.lock:
                self.device_code_polls += 1
                if self.device_code_polls == 1:
                    return _aad_error(400, "authorization_pending", 70016, "Pending")
            return _json(200, self._issue(user=True))
        if grant == "refresh_token":
            return _json(200, self._issue(user=True))
        return _aad_error(400, "unsupported_grant_type", 70003, grant)

    def _client_ok(self, form: dict[str, list[str]]) -> bool:
        if "client_secret" in form:
            return form["client_secret"][0] == self.client_secret
        assertion = form.get("client_assertion", [""])[0]
        if self.certificate is None or not assertion:
            return False
        try:
            jwt.decode(
                assertion,
                self.certificate.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256", "PS256"],
                audience=f"{self.base}/{TENANT}/oauth2/v2.0/token",
            )
        except jwt.PyJWTError:
            return False
        return True

    def _issue(self, *, user: bool = False) -> dict[str, Any]:
        token = "eyFake." + uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = time.time() + self.token_lifetime
        answer: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": token,
        }
        if user:
            claims = {
                "aud": CLIENT,
                "iss": f"{self.base}/{TENANT}/v2.0",
                "iat": int(time.time()),
                "exp": int(time.time()) + 3600,
                "oid": "1f0c8f0e-0000-4000-8000-000000000001",
                "tid": TENANT,
                "preferred_username": "lead@contoso.com",
                "sub": "lead",
            }
            answer["refresh_token"] = "rt-" + uuid.uuid4().hex
            answer["id_token"] = ".".join([_b64({"alg": "none", "typ": "JWT"}), _b64(claims), ""])
            answer["client_info"] = _b64({"uid": claims["oid"], "utid": TENANT})
            answer["scope"] = "DeviceManagementServiceConfig.ReadWrite.All"
        return answer

    def _device_code(self) -> dict[str, Any]:
        return {
            "device_code": "DAQABAAEAAAD" + uuid.uuid4().hex,
            "user_code": "FAKE-CODE",
            "verification_uri": f"{self.base}/devicelogin",
            "expires_in": 900,
            "interval": 0,
            "message": f"To sign in, open {self.base}/devicelogin and enter the code FAKE-CODE.",
        }

    def _check_token(self, header: str) -> Answer | None:
        token = header.removeprefix("Bearer ").strip()
        with self.lock:
            expiry = self.tokens.get(token)
        if expiry is None:
            return _json(
                401, _graph_error(401, "Access token is empty.", "InvalidAuthenticationToken")
            )
        if expiry < time.time():
            return _json(
                401,
                _graph_error(
                    401, "Access token has expired or is not yet valid.",
                    "InvalidAuthenticationToken",
                ),
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )  # fmt: skip
        return None

    # -- Graph ------------------------------------------------------------------------------

    def _graph(
        self, method: str, version: str, rest: str, query: dict[str, list[str]], body: bytes
    ) -> Answer:
        imported = "importedWindowsAutopilotDeviceIdentities"
        autopilot = "windowsAutopilotDeviceIdentities"
        if method == "POST" and rest == f"{imported}/import" and version == "v1.0":
            return self._import(json.loads(body))
        if method == "GET" and rest == imported:
            return self._page(imported, list(self.imported.values()), query)
        if rest.startswith(f"{imported}/") and method in ("GET", "DELETE"):
            return (self._poll if method == "GET" else self._delete)(rest.split("/", 1)[1])
        if method == "GET" and rest == autopilot and version == "v1.0":
            return self._page(autopilot, self._filtered(self.autopilot, query), query)
        action = re.fullmatch(
            rf"{autopilot}/([^/]+)/(updateDeviceProperties|unassignUserFromDevice)", rest
        )
        if method == "POST" and action:
            return self._update(action[1], action[2], json.loads(body or b"{}"))
        if method == "POST" and rest == "windowsAutopilotSettings/sync" and version == "beta":
            self.sync_calls += 1
            return 204, {}, b""
        if method == "GET" and rest == "managedDevices" and version == "v1.0":
            return self._page("managedDevices", self.managed, query)
        if rest == "deviceCompliancePolicies" and version == "v1.0":
            if method == "POST":
                policy = dict(json.loads(body), id=str(uuid.uuid4()))
                self.policies.append(policy)
                return _json(201, policy)
            return self._page(rest, self.policies, query)
        if method == "GET" and rest == "windowsAutopilotDeploymentProfiles" and version == "beta":
            return self._page(rest, self.profiles, query)
        return _json(400, _graph_error(400, f"Resource not found for the segment '{rest}'."))

    def _import(self, document: dict[str, Any]) -> Answer:
        answered = []
        for given in document["importedWindowsAutopilotDeviceIdentities"]:
            base64.b64decode(given["hardwareIdentifier"], validate=True)
            serial = given["serialNumber"]
            self.import_posts[serial] += 1
            record = {
                "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
                "id": str(uuid.uuid4()),
                "groupTag": given.get("groupTag", ""),
                "serialNumber": serial,
                "productKey": given.get("productKey", ""),
                "importId": "",
                "hardwareIdentifier": given["hardwareIdentifier"],
                "state": {
                    "@odata.type": "microsoft.graph.importedWindowsAutopilotDeviceIdentityState",
                    "deviceImportStatus": "pending",
                    "deviceRegistrationId": "",
                    "deviceErrorCode": 0,
                    "deviceErrorName": "",
                },
                "assignedUserPrincipalName": given.get("assignedUserPrincipalName", ""),
            }
            self.imported[record["id"]] = record
            if self.polls_to_finish == 0:  # a tenant that answers with the outcome at once
                self._settle(record)
            answered.append(record)
        if self.on_import is not None:
            self.on_import([r["serialNumber"] for r in answered])
        return _json(200, {"value": answered})

    def _poll(self, identity: str) -> Answer:
        record = self.imported.get(identity)
        if record is None:
            return _json(404, _graph_error(404, "Not found", "ResourceNotFound"))
        self.polls[identity] += 1
        if self.on_poll is not None:
            self.on_poll(record["serialNumber"])
        if self.polls[identity] >= self.polls_to_finish:
            self._settle(record)
        return _json(200, record)

    def _settle(self, record: dict[str, Any]) -> None:
        """A pending import's outcome: complete (the device joins Autopilot), or an error."""
        state = record["state"]
        if state["deviceImportStatus"] == "pending":
            serial = record["serialNumber"]
            present = any(d["serialNumber"].casefold() == serial.casefold() for d in self.autopilot)
            if serial in self.error_serials or present:
                code, name = self.error_serials.get(serial, (806, "ZtdDeviceAlreadyAssigned"))
                state.update(deviceImportStatus="error", deviceErrorCode=code, deviceErrorName=name)
            else:
                state.update(deviceImportStatus="complete", deviceRegistrationId=str(uuid.uuid4()))
                if not self.lists_imports:
                    return
                self.add_autopilot(
                    serial,
                    groupTag=record["groupTag"],
                    userPrincipalName=record["assignedUserPrincipalName"],
                )

    def _delete(self, identity: str) -> Answer:
        if self.imported.pop(identity, None) is None:
            return _json(404, _graph_error(404, "Not found", "ResourceNotFound"))
        self.deleted_imports += 1
        return 204, {}, b""

    def _update(self, identity: str, action: str, body: dict[str, Any]) -> Answer:
        device = next((d for d in self.autopilot if d["id"] == identity), None)
        if device is None:
            return _json(404, _graph_error(404, "Not found", "ResourceNotFound"))
        self.updates.append((action, body))
        if action == "unassignUserFromDevice":
            device["userPrincipalName"] = ""
        else:
            device["groupTag"] = body.get("groupTag", device["groupTag"])
            device["userPrincipalName"] = body.get("userPrincipalName", device["userPrincipalName"])
        self._pages.clear()
        return 204, {}, b""

    def _filtered(
        self, items: list[dict[str, Any]], query: dict[str, list[str]]
    ) -> list[dict[str, Any]]:
        expression = query.get("$filter", [""])[0]
        if not expression:
            return items
        match = re.fullmatch(r"contains\(serialNumber,'((?:[^']|'')*)'\)", expression)
        if match is None:
            raise ValueError(f"filter not understood: {expression}")
        needle = match[1].replace("''", "'").casefold()
        return [d for d in items if needle in d["serialNumber"].casefold()]

    def _page(self, name: str, items: list[dict[str, Any]], query: dict[str, list[str]]) -> Answer:
        """Server-side paging: `page_size` per page, `$skiptoken` in the next link, which
        carries the original query (as Graph's does)."""
        start = int(query.get("$skiptoken", ["0"])[0])
        select = query.get("$select", [""])[0]
        key = (name + query.get("$filter", [""])[0], select, start)
        cached = self._pages.get(key)
        if cached is not None:
            return 200, {"Content-Type": "application/json"}, cached
        chosen = items[start : start + self.page_size]
        if select:
            fields = select.split(",")
            chosen = [{k: d[k] for k in fields if k in d} for d in chosen]
        page: dict[str, Any] = {
            "@odata.context": f"{self.base}/v1.0/$metadata#deviceManagement/{name}",
            "value": chosen,
        }
        if start + self.page_size < len(items):
            kept = [f"{k}={quote(v[0], safe=',()')}" for k, v in query.items() if k != "$skiptoken"]
            kept.append(f"$skiptoken={start + self.page_size}")
            page["@odata.nextLink"] = f"{self.base}/v1.0/deviceManagement/{name}?{'&'.join(kept)}"
        encoded = json.dumps(page).encode()
        if name != "importedWindowsAutopilotDeviceIdentities":
            self._pages[key] = encoded
        return 200, {"Content-Type": "application/json"}, encoded


# -- HTTPS -------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed ACK)
    server: _Server

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.server.tenant.handle(method, self.path, self.headers, body)
        if answer is DROP:
            self.close_connection = True
            return
        assert isinstance(answer, tuple)
        status, headers, payload = answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, tenant: FakeTenant, context: ssl.SSLContext) -> None:
        self.tenant = tenant
        self.context = context
        super().__init__(("127.0.0.1", port), _Handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = self.socket.accept()
        return self.context.wrap_socket(sock, server_side=True), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that hung up (the kill -9 test) is not a failure of the server


class FakeGraph:
    """The server: start() on a free port (or the same one again after stop(): an outage)."""

    def __init__(self, tls: TlsFiles, tenant: FakeTenant | None = None) -> None:
        self.tenant = tenant or FakeTenant()
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(tls.cert, tls.key)
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> FakeGraph:
        self._server = _Server(self.port, self.tenant, self.context)
        self.port = self._server.server_address[1]
        self.tenant.base = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _json(status: int, document: dict[str, Any], headers: dict[str, str] | None = None) -> Answer:
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(document).encode(),
    )


def _graph_error(status: int, message: str = "", code: str | None = None) -> dict[str, Any]:
    """Graph's error body (learn.microsoft.com/graph/errors)."""
    codes = {400: "BadRequest", 403: "Forbidden", 404: "ResourceNotFound", 429: "TooManyRequests",
             503: "ServiceUnavailable"}  # fmt: skip
    return {
        "error": {
            "code": code or codes.get(status, "UnknownError"),
            "message": message or f"HTTP {status}",
            "innerError": {
                "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }


def _aad_error(status: int, error: str, code: int, words: str) -> Answer:
    return _json(
        status,
        {
            "error": error,
            "error_description": f"AADSTS{code}: {words} Trace ID: {uuid.uuid4()}",
            "error_codes": [code],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ"),
        },
    )


def _b64(document: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
