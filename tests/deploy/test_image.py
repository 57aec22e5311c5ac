"""``make image``: the builder is chosen honestly, the build arguments reach the Dockerfile, and
(with ``DGCP_IMAGE_TEST=1`` where a builder exists) the built image serves.

The build itself takes minutes (and, where registries cannot be reached, a local base image given
as ``BASE_IMAGE``), so it runs only when asked for; the reason it is skipped is stated.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from scripts import image
from tests.deploy.conftest import REPO

TAG = "dgcp:test"


def test_build_arguments_reach_the_dockerfile(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    for tool in ("docker", "buildah"):
        command = image.build_command(
            tool, TAG, pip_index_url="https://mirror.example/simple", extra_ca=str(ca), pull=False
        )
        assert command[0] == tool and TAG in command
        assert "PIP_INDEX_URL=https://mirror.example/simple" in command
        assert f"EXTRA_CA_CERT={ca.read_text()}" in command
        assert ("--pull=false" if tool == "docker" else "--pull-never") in command
    dockerfile = (REPO / "Dockerfile").read_text()
    for arg in ("PIP_INDEX_URL", "EXTRA_CA_CERT"):
        assert f'ARG {arg}=""' in dockerfile


def test_builder_choice_says_why() -> None:
    tool, why = image.builder()
    assert why
    if tool is None:
        assert "buildah" in why and "docker" in why


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(tool: str, args: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    """One process of the image, reachable on 127.0.0.1:port."""
    if tool == "docker":
        flags = [f"--env={k}={v}" for k, v in env.items()]
        name = f"dgcp-test-{port}"
        subprocess.run(
            ["docker", "run", "-d", "--rm", "--name", name, "--network", "host", *flags, TAG, *args],
            check=True,
        )
        try:
            yield
        finally:
            subprocess.run(["docker", "rm", "-f", name], check=False, capture_output=True)
        return
    container = subprocess.run(
        ["buildah", "from", TAG], check=True, capture_output=True, text=True
    ).stdout.strip()
    flags = [f"--env={k}={v}" for k, v in env.items()]
    proc = subprocess.Popen(
        ["buildah", "run", "--network", "host", *flags, container, "--", "python", "-m", *args]
    )
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(30)
        subprocess.run(["buildah", "rm", container], check=False, capture_output=True)


def _wait(check: object, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except (grpc.RpcError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError("the image's process did not become healthy")


@pytest.mark.slow
def test_image_builds_starts_and_answers_health() -> None:
    if os.environ.get("DGCP_IMAGE_TEST") != "1":
        pytest.skip("building the image takes minutes: DGCP_IMAGE_TEST=1 runs it (and BASE_IMAGE offline)")
    tool, why = image.builder()
    if tool is None:
        pytest.skip(why)
    assert image.main(["--tag", TAG]) == 0
    grpc_port, http_port = _free_port(), _free_port()
    common = {"DGCP_HOST": "127.0.0.1", "DGCP_METRICS_PORT": "off", "DGCP_JWT_SECRET": "image-test-secret"}
    with (
        _serving(
            tool, ["services.assignment"], {**common, "DGCP_ASSIGNMENT_PORT": str(grpc_port)}, grpc_port
        ),
        grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel,
    ):
        stub = health_pb2_grpc.HealthStub(channel)
        _wait(
            lambda: (
                stub.Check(health_pb2.HealthCheckRequest(), timeout=2).status
                == health_pb2.HealthCheckResponse.SERVING
            )
        )
    with _serving(tool, ["gateway"], {**common, "DGCP_GATEWAY_PORT": str(http_port)}, http_port):

        def healthy() -> bool:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=2) as r:
                return bool(r.status == 200)

        _wait(healthy)
    assert shutil.which(tool)
