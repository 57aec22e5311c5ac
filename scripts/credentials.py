"""The authority's credentials for API clients (the procurement system): issue, rotate, revoke, list.

``python -m scripts.credentials issue --client procurement --role authority --out DIR``
    makes an Ed25519 key pair, writes the private key to ``DIR/<kid>.pem`` (mode 0600: hand it to
    the client, keep no copy) and adds the public key to the key set (``DGCP_JWKS_FILE``, default
    ``$DGCP_DATA_DIR/jwks.json``) bound to the subject ``clients/<client>`` and the given roles.
``rotate --client procurement --out DIR``
    the same, with the roles of the client's newest key; both keys work until the old is revoked.
``revoke --kid KID``
    removes the key: the services stop accepting its tokens within seconds.
``list``
    the keys: kid, subject, roles, issue date.

The key set holds public keys only; the services read it and never hold a client's private key,
and a client never holds the services' ``DGCP_JWT_SECRET``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from runtime import auth, config

CLIENT_ROLES = ("authority",)  # what an API client may be given today (the procurement system)


def jwks_file() -> Path:
    return auth.jwks_path() or config.data_dir() / "jwks.json"


def load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"keys": []}
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise SystemExit(f"{path} is not a JWKS (an object with a 'keys' list)")
    return data


def save(path: Path, data: dict[str, Any]) -> None:
    """Write atomically (readers see the old file or the new one, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    tmp.replace(path)


def issue(path: Path, *, client: str, roles: Sequence[str], out: Path, org: str = "") -> tuple[str, Path]:
    """A new key for ``client``: (kid, private key file)."""
    if not client or not client.replace("-", "").replace("_", "").isalnum() or not client.isascii():
        raise SystemExit("--client must be letters, digits, '-' or '_'")
    bad = [r for r in roles if r not in CLIENT_ROLES]
    if bad or not roles:
        raise SystemExit(f"--role must be one of {', '.join(CLIENT_ROLES)}")
    private = Ed25519PrivateKey.generate()
    jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    kid = f"{client}-{stamp}-{secrets.token_hex(4)}"
    jwk.update(
        {
            "kid": kid,
            "use": "sig",
            "alg": auth.CLIENT_ALGORITHM,
            "dgcp_sub": f"clients/{client}",
            "dgcp_roles": list(roles),
            "dgcp_org": org,
            "dgcp_issued": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    out.mkdir(parents=True, exist_ok=True)
    pem = out / f"{kid}.pem"
    fd = os.open(pem, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    data = load(path)
    data["keys"].append(jwk)
    save(path, data)
    return kid, pem


def rotate(path: Path, *, client: str, out: Path) -> tuple[str, Path]:
    mine = [k for k in load(path)["keys"] if k.get("dgcp_sub") == f"clients/{client}"]
    if not mine:
        raise SystemExit(f"no key for client {client!r}: issue one first")
    newest = max(mine, key=lambda k: str(k.get("dgcp_issued", "")))
    return issue(path, client=client, roles=newest["dgcp_roles"], out=out, org=newest.get("dgcp_org", ""))


def revoke(path: Path, *, kid: str) -> None:
    data = load(path)
    kept = [k for k in data["keys"] if k.get("kid") != kid]
    if len(kept) == len(data["keys"]):
        raise SystemExit(f"no key {kid!r} in {path}")
    data["keys"] = kept
    save(path, data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.credentials", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("issue")
    p.add_argument("--client", required=True)
    p.add_argument("--role", action="append", default=None)
    p.add_argument("--org", default="")
    p.add_argument("--out", type=Path, default=Path("."))
    p = sub.add_parser("rotate")
    p.add_argument("--client", required=True)
    p.add_argument("--out", type=Path, default=Path("."))
    p = sub.add_parser("revoke")
    p.add_argument("--kid", required=True)
    sub.add_parser("list")
    args = parser.parse_args(argv)
    path = jwks_file()
    if args.command in ("issue", "rotate"):
        if args.command == "issue":
            kid, pem = issue(
                path, client=args.client, roles=args.role or ["authority"], out=args.out, org=args.org
            )
        else:
            kid, pem = rotate(path, client=args.client, out=args.out)
        print(f"kid: {kid}\nprivate key: {pem}\nkey set: {path}")
    elif args.command == "revoke":
        revoke(path, kid=args.kid)
        print(f"revoked {args.kid} in {path}")
    else:
        for k in load(path)["keys"]:
            print(
                k.get("kid"), k.get("dgcp_sub"), ",".join(k.get("dgcp_roles", [])), k.get("dgcp_issued", "")
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
