"""What the app proves itself with: a client secret, or a certificate's private key.

Both travel as `Secret` and are sealed by the vault when stored. A certificate file is the
PEM MSAL wants: the private key and the certificate together (openssl can convert a .pfx:
`openssl pkcs12 -in app.pfx -out app.pem -nodes`). Its SHA-1 thumbprint is what Microsoft
Entra shows beside an uploaded certificate, and what MSAL puts in the assertion's header.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from app.errors import InputError
from app.security.secret import Secret
from app.tenant.config import AuthKind

SECRET_MAX = 1024  # Entra client secrets are about 40 characters


@dataclass(frozen=True)
class Credential:
    kind: AuthKind
    secret: Secret  # the client secret, or the certificate PEM (key and certificate)

    def for_msal(self) -> str | dict[str, str]:
        if self.kind is AuthKind.SECRET:
            return self.secret.reveal()
        # No public_certificate: MSAL would then send it (x5c), which only apps set up for
        # Subject Name/Issuer authentication need.
        key, _, thumbprint = _split_pem(self.secret.reveal().encode(), "the vault")
        return {"private_key": key, "thumbprint": thumbprint}

    def thumbprint(self) -> str | None:
        if self.kind is not AuthKind.CERTIFICATE:
            return None
        return _split_pem(self.secret.reveal().encode(), "the vault")[2]


def read_secret_file(path: str) -> Credential:
    """A client secret from a file (one line; the newline an editor adds is dropped)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"--client-secret-file {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InputError(f"--client-secret-file {path}: not UTF-8 text") from None
    if not text or "\n" in text or len(text) > SECRET_MAX:
        raise InputError(
            f"--client-secret-file {path}: expected the client secret's value on one line "
            "(Certificates & secrets > Client secrets > Value, not its Secret ID)"
        )
    return Credential(AuthKind.SECRET, Secret(text))


def read_certificate_file(path: str) -> Credential:
    """A PEM holding the private key (unencrypted) and its certificate, checked."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"--certificate-file {path}: {exc.strerror}") from None
    _split_pem(raw, path)
    return Credential(AuthKind.CERTIFICATE, Secret(raw.decode("ascii")))


def _split_pem(raw: bytes, where: str) -> tuple[str, str, str]:
    """(private key PEM, certificate PEM, SHA-1 thumbprint hex) or InputError."""
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError):
        # Never chain the parser's error: it may quote the key material.
        raise InputError(
            f"{where}: no unencrypted private key in PEM form (-----BEGIN PRIVATE KEY-----); "
            "convert a .pfx with: openssl pkcs12 -in app.pfx -out app.pem -nodes"
        ) from None
    try:
        certificate = x509.load_pem_x509_certificate(raw)
    except ValueError:
        raise InputError(
            f"{where}: no certificate (-----BEGIN CERTIFICATE-----) beside the private key; "
            "the file must hold both"
        ) from None
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():  # type: ignore[union-attr]
        raise InputError(f"{where}: the certificate does not belong to the private key")
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return key_pem, cert_pem, certificate.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303
