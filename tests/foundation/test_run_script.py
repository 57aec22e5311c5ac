"""`make run` is honest about what it talks to: taken ports are named, foreign servers refused."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import run
from services.assignment.app import APP as ASSIGNMENT
from tests.support import running


def test_a_taken_port_is_named_before_anything_starts() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            run._refuse_taken_ports({"scoring": port}, "127.0.0.1")
    assert f"port {port} (scoring)" in str(stopped.value)
    run._refuse_taken_ports({"scoring": port}, "127.0.0.1")  # free again: no complaint


def test_a_service_this_run_did_not_start_is_not_trusted(tmp_path: Path) -> None:
    """Another deployment's service answers health SERVING, but not under this run's nonce."""
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with (
            running(ASSIGNMENT, database_url=f"sqlite:///{tmp_path}/a.db") as other,
            pytest.raises(SystemExit) as stopped,
        ):
            run._wait_healthy("assignment", other.address, idle, nonce="0123abcd", timeout=20)
        assert "not as the assignment this run started" in str(stopped.value)
    finally:
        idle.kill()
        idle.wait()


def test_its_own_service_is_recognised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DGCP_RUN_NONCE", "feedc0de")
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with running(ASSIGNMENT, database_url=f"sqlite:///{tmp_path}/a.db") as ours:
            run._wait_healthy("assignment", ours.address, idle, nonce="feedc0de", timeout=20)
    finally:
        idle.kill()
        idle.wait()
