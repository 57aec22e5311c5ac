"""Print a signed caller token.

``python -m scripts.mint_token authority [subject] [org]``
    an internal token under ``DGCP_JWT_SECRET``, for local use with grpcurl (only someone who
    holds the services' own key can do this: a developer on their machine, never a client).
``python -m scripts.mint_token --client-key KEY.pem --kid KID [--role authority]``
    a client token (EdDSA, at most an hour) signed with the private key the authority issued
    (``python -m scripts.credentials issue``): what the procurement system sends.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from runtime import auth, config


def _client_token(pem: Path, kid: str, role: str, ttl: int) -> str:
    key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
    jwks = _jwks()
    found = [k for k in json.loads(jwks.read_text())["keys"] if k.get("kid") == kid] if jwks else []
    subject = found[0]["dgcp_sub"] if found else f"clients/{kid.rsplit('-', 2)[0]}"
    org = found[0].get("dgcp_org", "") if found else ""
    return auth.issue_client_token(key, kid=kid, subject=subject, role=role, org=org, ttl_seconds=ttl)


def _jwks() -> Path | None:
    path = auth.jwks_path()
    return path if path is not None and path.exists() else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.mint_token", description=__doc__.split("\n")[0])
    parser.add_argument("role", nargs="?", choices=list(auth.Role), default=None)
    parser.add_argument("subject", nargs="?", default="")
    parser.add_argument("org", nargs="?", default="")
    parser.add_argument("--client-key", type=Path, help="a client's private key (PEM)")
    parser.add_argument("--kid", default="", help="the key's id in the key set")
    parser.add_argument("--ttl", type=int, default=600, help="client token lifetime, seconds (≤ 3600)")
    args = parser.parse_args(argv)
    if args.client_key:
        if not args.kid:
            parser.error("--client-key needs --kid")
        print(_client_token(args.client_key, args.kid, args.role or "authority", args.ttl))
        return 0
    if args.role is None:
        parser.error("a role is required")
    role = auth.Role(args.role)
    subject = args.subject or f"local/{role}"
    print(
        auth.issue_token(config.jwt_secret(), subject=subject, role=role, org=args.org, ttl_seconds=8 * 3600)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
