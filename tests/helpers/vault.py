"""What the vault's tests share: a fast KDF cost the bounds still accept, and a keyring
that lives in this process."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

#: OWASP's floor: the cheapest cost the bounds accept, so tests stay fast and still realistic.
FAST_KDF = {"m": 19456, "t": 2, "p": 1}


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in this process: a real backend as far as keys.py can tell."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


# keyring registers every concrete backend class and, on its first lazy get_keyring(), makes
# the highest-priority one the process default: left registered, this test double would
# become every other test's keyring (test_audit_chain expects key files, not a keyring).
KeyringBackend._classes.discard(MemoryKeyring)
