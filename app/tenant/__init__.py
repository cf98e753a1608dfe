"""The tenant connector: Microsoft Graph for Autopilot and Intune, with an offline outbox.

No Qt and no SQL here: `config` (where the tenant is), `network` (proxy and CA bundle from
the environment), `auth` (MSAL: every token), `graph` (requests with retries), `shapes` (the
documented JSON), `sender` (the outbox, drained in order) and `pull` (Autopilot and Intune
read into the store). docs/tenant.md says what is known about each Graph call and what is
assumed.
"""
