"""Client credentials: the procurement system signs its own tokens with a key the authority
issued; services verify them with the public key set; rotation and revocation need no restart and
never touch the services' own signing key; a client key speaks only for its own subject and roles."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dgcp.assignment.v1 import assignment_pb2 as pb
from dgcp.assignment.v1 import assignment_pb2_grpc as pb_grpc
from runtime import auth
from scripts import credentials
from tests.support import Running, error_of, running


@pytest.fixture
def jwks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "jwks.json"
    monkeypatch.setenv("DGCP_JWKS_FILE", str(path))
    auth.reload_client_keys()
    yield path
    monkeypatch.delenv("DGCP_JWKS_FILE")
    auth.reload_client_keys()


@pytest.fixture
def assignment(tmp_path: Path) -> Iterator[Running]:
    from services.assignment.app import APP

    with running(APP, database_url=f"sqlite:///{tmp_path}/assignment.db") as svc:
        yield svc


def _key(pem: Path) -> object:
    return serialization.load_pem_private_key(pem.read_bytes(), password=None)


def _call(svc: Running, token: str) -> grpc.StatusCode:
    stub = pb_grpc.AssignmentServiceStub(svc.channel())
    try:
        stub.ListEnterprises(
            pb.ListEnterprisesRequest(page_size=1), metadata=[("authorization", f"Bearer {token}")]
        )
    except grpc.RpcError as err:
        return err.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def _reason(svc: Running, token: str) -> str:
    stub = pb_grpc.AssignmentServiceStub(svc.channel())
    return error_of(
        stub.ListEnterprises,
        pb.ListEnterprisesRequest(page_size=1),
        metadata=[("authorization", f"Bearer {token}")],
    ).reason


def _hs256(claims: dict[str, object], secret: bytes, kid: str) -> str:
    """An HS256 token by hand (PyJWT itself refuses a public key as an HMAC secret)."""

    def b64(raw: bytes) -> bytes:
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(secret, head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()


def _until(check: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "did not happen in time"
        time.sleep(0.1)


def test_issue_use_rotate_revoke(jwks: Path, tmp_path: Path, assignment: Running) -> None:
    kid1, pem1 = credentials.issue(jwks, client="procurement", roles=["authority"], out=tmp_path / "keys")
    assert pem1.stat().st_mode & 0o777 == 0o600
    assert "d" not in json.loads(jwks.read_text())["keys"][0]  # public keys only
    auth.reload_client_keys()
    t1 = auth.issue_client_token(_key(pem1), kid=kid1, subject="clients/procurement", role="authority")
    assert _call(assignment, t1) == grpc.StatusCode.OK
    assert auth.verify_token("x" * 32, t1) == auth.Caller("clients/procurement", auth.Role.AUTHORITY)

    # Rotation: a second key works beside the first until the first is revoked.
    kid2, pem2 = credentials.rotate(jwks, client="procurement", out=tmp_path / "keys")
    auth.reload_client_keys()
    t2 = auth.issue_client_token(_key(pem2), kid=kid2, subject="clients/procurement", role="authority")
    assert _call(assignment, t2) == grpc.StatusCode.OK and _call(assignment, t1) == grpc.StatusCode.OK

    # Revocation takes effect without a restart, also for a token verified (and cached) before.
    credentials.revoke(jwks, kid=kid1)
    _until(lambda: _call(assignment, t1) == grpc.StatusCode.UNAUTHENTICATED)
    assert _reason(assignment, t1) == "TOKEN_INVALID"
    assert _call(assignment, t2) == grpc.StatusCode.OK


def test_a_client_key_speaks_only_for_its_subject_and_roles(
    jwks: Path, tmp_path: Path, assignment: Running
) -> None:
    kid, pem = credentials.issue(jwks, client="procurement", roles=["authority"], out=tmp_path)
    auth.reload_client_keys()
    key = _key(pem)
    forged = [
        auth.issue_client_token(key, kid=kid, subject="experts/someone", role="authority"),  # another subject
        auth.issue_client_token(key, kid=kid, subject="clients/procurement", role="reviewer"),
        auth.issue_client_token(key, kid=kid, subject="clients/procurement", role="service"),
        auth.issue_client_token(key, kid="nobody-1", subject="clients/procurement", role="authority"),
    ]
    now = int(time.time())
    claims = {"iss": "dgcp", "sub": "clients/procurement", "role": "authority", "iat": now, "exp": now + 60}
    long_lived = {
        "iss": "dgcp",
        "sub": "clients/procurement",
        "role": "authority",
        "iat": now,
        "exp": now + 86400,
    }
    forged.append(jwt.encode(long_lived, key, algorithm="EdDSA", headers={"kid": kid}))  # type: ignore[arg-type]
    stranger = Ed25519PrivateKey.generate()  # a key the authority never issued, under a real kid
    forged.append(auth.issue_client_token(stranger, kid=kid, subject="clients/procurement", role="authority"))
    # The public key used as an HMAC secret (algorithm confusion) and an unsigned token.
    public_pem = key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged.append(_hs256(claims, public_pem, kid))
    forged.append(jwt.encode(claims, None, algorithm="none"))  # type: ignore[arg-type]
    for token in forged:
        assert _call(assignment, token) == grpc.StatusCode.UNAUTHENTICATED, jwt.decode(
            token, options={"verify_signature": False}
        )


def test_command_line_issue_and_mint(jwks: Path, tmp_path: Path, assignment: Running) -> None:
    env = {"DGCP_JWKS_FILE": str(jwks), "PATH": "/usr/bin:/bin", "DGCP_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.credentials",
            "issue",
            "--client",
            "procurement",
            "--out",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    kid = out.split("kid: ", 1)[1].split()[0]
    token = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.mint_token",
            "--client-key",
            str(tmp_path / f"{kid}.pem"),
            "--kid",
            kid,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    auth.reload_client_keys()
    assert _call(assignment, token) == grpc.StatusCode.OK
    listed = subprocess.run(
        [sys.executable, "-m", "scripts.credentials", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert kid in listed and "clients/procurement" in listed
