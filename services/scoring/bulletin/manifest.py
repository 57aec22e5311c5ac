"""A bulletin version's manifest: what it is, the SHA-256 of every file, and its place in the chain.

Every published version (monthly, interim, correction, annual report) gets one manifest. It carries
``previous_manifest_sha256``, the SHA-256 of the manifest published just before it in the same
deployment (``GENESIS`` for the first), and its ``sequence`` (1, 2, 3, ...), so the manifests form
a hash chain: removing, reordering or rewriting any version breaks every later link. The manifest is
signed with the issuing authority's Ed25519 key (``signing.py``); the version's SHA-256 is that of
its manifest bytes. Only the standard library here: the offline verifier imports it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

MANIFEST = "manifest.json"
SIGNATURE = MANIFEST + ".sig"
FORMAT = "dgcp-bulletin-manifest/2"
GENESIS = "0" * 64


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_manifest(
    files: Mapping[str, bytes],
    *,
    header: Mapping[str, Any],
    sequence: int,
    previous_sha256: str,
    key_fingerprint: str,
) -> bytes:
    """Canonical manifest bytes (sorted keys, UTF-8) over ``files`` and the version's ``header``."""
    body = {
        **header,
        "format": FORMAT,
        "sequence": sequence,
        "previous_manifest_sha256": previous_sha256,
        "signing_key_fingerprint": key_fingerprint,
        "files": {name: {"sha256": sha256(data), "bytes": len(data)} for name, data in sorted(files.items())},
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest as a dict; ``ValueError`` when it is not one of ours."""
    try:
        body = json.loads(data)
    except ValueError:
        raise ValueError("manifest.json is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("files"), dict):
        raise ValueError("manifest.json lists no files")
    for key in ("sequence", "previous_manifest_sha256", "signing_key_fingerprint"):
        if key not in body:
            raise ValueError(f"manifest.json has no {key}")
    return body
