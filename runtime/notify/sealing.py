"""Sealing the one secret link of a queued message (AES-256-GCM), so the outbox holds no usable link.

The key is ``DGCP_OUTBOX_KEY`` when set, otherwise derived (HKDF-SHA256, its own label) from the
token signing secret every process already has. Each sealed value carries its own random nonce.
"""

from __future__ import annotations

import os
import secrets
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from runtime import config

_NONCE = 12
_LABEL = b"dgcp-notification-outbox-link-v1"


@cache
def _key(material: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(material.encode())


def _material() -> str:
    return os.environ.get("DGCP_OUTBOX_KEY", "").strip() or config.jwt_secret()


def seal(link: str) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return nonce + AESGCM(_key(_material())).encrypt(nonce, link.encode(), _LABEL)


def open_sealed(sealed: bytes) -> str:
    """The link; raises ``cryptography.exceptions.InvalidTag`` when the key changed or it was altered."""
    nonce, box = sealed[:_NONCE], sealed[_NONCE:]
    return AESGCM(_key(_material())).decrypt(nonce, box, _LABEL).decode()
