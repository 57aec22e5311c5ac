"""A real SMTP server process on loopback, and a throwaway outbox table."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SmtpSink:
    folder: Path
    mode: str = "none"
    cert: str = ""
    key: str = ""
    port: int = 0
    proc: subprocess.Popen[str] | None = None
    _all: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self, port: int = 0) -> int:
        cmd = [sys.executable, "-m", "tests.notify.smtp_sink", str(self.folder), "--port", str(port)]
        cmd += ["--mode", self.mode]
        if self.cert:
            cmd += ["--cert", self.cert, "--key", self.key]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("PORT "), f"smtp sink did not start: {line!r}"
        self.proc, self.port = proc, int(line.split()[1])
        self._all.append(proc)
        return self.port

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def messages(
        self, expect: int = 0, timeout: float = 10.0
    ) -> list[tuple[dict[str, object], EmailMessage]]:
        """What arrived (envelope, parsed message), waiting until at least ``expect`` did."""
        deadline = time.monotonic() + timeout
        while True:
            found = sorted(self.folder.glob("*.json"))
            if len(found) >= expect or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        out = []
        for meta in found:
            raw = meta.with_suffix(".eml").read_bytes()
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            out.append((json.loads(meta.read_text()), parsed))
        return out


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[SmtpSink]:
    sink = SmtpSink(tmp_path / "mail")
    sink.folder.mkdir()
    yield sink
    for proc in sink._all:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[str, str, str]:
    """A CA, and a server certificate for 127.0.0.1 signed by it: (ca, cert, key) paths."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dgcp test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(paths[0]), str(paths[1]), str(paths[2])
