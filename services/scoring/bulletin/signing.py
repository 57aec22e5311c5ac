"""The issuing authority's Ed25519 key: signing a bulletin manifest, its public key and fingerprint.

A manifest is signed as the exact bytes of ``manifest.json``; the signature is the raw 64-byte
Ed25519 signature stored as ``manifest.json.sig`` beside it, so anyone can check it with only the
public key, either with ``python -m services.scoring.bulletin.verify`` or with plain OpenSSL 3::

    openssl pkeyutl -verify -pubin -inkey authority.pub.pem -rawin \\
        -in manifest.json -sigfile manifest.json.sig

The key is a secret of the deployment: ``DGCP_BULLETIN_SIGNING_KEY`` (PKCS#8 PEM) or
``DGCP_BULLETIN_SIGNING_KEY_FILE`` (a mounted secret). A local run without either gets one generated
once into ``$DGCP_DATA_DIR/bulletin-signing.pem`` (mode 0600), as the JWT secret is.

The fingerprint is ``SHA256:`` + the hex SHA-256 of the 32-byte raw public key, the same number
``openssl pkey -pubin -in authority.pub.pem -outform DER | tail -c 32 | sha256sum`` prints.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from runtime import config

SIGNATURE_SUFFIX = ".sig"
PUBLIC_KEY_FILE = "authority.pub.pem"


class SigningKeyError(ValueError):
    """The configured key cannot be read as an Ed25519 private key."""


def fingerprint(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("not an Ed25519 public key")
    return key


def verify_signature(public: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class Signer:
    """The authority's private key with its public half and fingerprint."""

    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    @property
    def public_pem(self) -> bytes:
        return public_pem(self.public)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    @staticmethod
    def from_pem(pem: bytes) -> Signer:
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as err:
            raise SigningKeyError(f"bulletin signing key unreadable: {err}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError("the bulletin signing key must be an Ed25519 private key")
        return Signer(key)

    @staticmethod
    def generate() -> Signer:
        return Signer(Ed25519PrivateKey.generate())

    def to_pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def configured_signer() -> Signer:
    """The deployment's key (see the module docstring); generated once for a local run."""
    value = os.environ.get("DGCP_BULLETIN_SIGNING_KEY", "").strip()
    if value:
        return Signer.from_pem(value.encode())
    path_value = os.environ.get("DGCP_BULLETIN_SIGNING_KEY_FILE", "").strip()
    if path_value:
        return Signer.from_pem(Path(path_value).read_bytes())
    path = config.data_dir() / "bulletin-signing.pem"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(Signer.generate().to_pem())
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # first writer wins when services start together
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return Signer.from_pem(path.read_bytes())
