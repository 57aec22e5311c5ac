"""Fixtures for the deployment checks: rendered overlays and the tool virtualenv.

checkov pins versions of packaging, python-dateutil and others that clash with
the project's own environment, so it lives in its own virtualenv, ``.venv-tools/``,
installed from ``requirements-tools.txt`` beside this file. ``make tools`` creates
it; if it is missing or stale the first test that needs it creates it (about 40 s
once per machine), so a bare ``pytest`` works too.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.deploy.kustomize_lite import Resource, render

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").is_file())
TOOLS_VENV = REPO / ".venv-tools"
TOOLS_REQUIREMENTS = Path(__file__).with_name("requirements-tools.txt")


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Resource]]:
    """Every overlay, rendered by the kustomize subset (no binary needed)."""
    return {name: render(K8S / "overlays" / name) for name in OVERLAYS}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def tool(name: str) -> Path:
    """Path of a console script in .venv-tools, creating or refreshing the venv first."""
    wanted = TOOLS_REQUIREMENTS.read_text()
    stamp = TOOLS_VENV / "requirements.installed"
    TOOLS_VENV.parent.mkdir(exist_ok=True)
    # The lock lives outside the venv, which `venv --clear` empties.
    lock_path = Path(tempfile.gettempdir()) / f"dgcp-venv-tools-{_digest(str(REPO))}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers install once
        if not stamp.exists() or stamp.read_text() != wanted:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(TOOLS_VENV)], check=True)
            subprocess.run(
                [str(TOOLS_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(TOOLS_REQUIREMENTS)],
                check=True,
            )
            stamp.write_text(wanted)
    return TOOLS_VENV / "bin" / name


@dataclass(frozen=True)
class CheckovRun:
    """checkov's findings on one scan: (check id, resource) pairs per outcome."""

    passed: set[tuple[str, str]]
    failed: set[tuple[str, str]]
    skipped: dict[tuple[str, str], str]  # -> the justification written in the skip
    parsing_errors: list[str]


def _strip_skips(resource: Resource) -> Resource:
    """The manifest with every checkov skip annotation removed (mutates its argument)."""
    annotations = resource.get("metadata", {}).get("annotations", {})
    for key in [k for k in annotations if k.startswith("checkov.io/skip")]:
        del annotations[key]
    return resource


def _start_scan(directory: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            str(tool("checkov")),
            "--directory",
            str(directory),
            "--framework",
            "kubernetes",
            "dockerfile",
            "--skip-download",  # offline: no guideline or policy download
            "--output",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish_scan(process: subprocess.Popen[str]) -> CheckovRun:
    stdout, stderr = process.communicate(timeout=300)  # exit 1 means findings; the JSON says which
    try:
        reports = json.loads(stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov printed no JSON (exit {process.returncode}):\n{stderr[-3000:]}")
    if isinstance(reports, dict):
        reports = [reports]
    run = CheckovRun(set(), set(), {}, [])
    for report in reports:
        results = report.get("results", {})
        for check in results.get("passed_checks", []):
            run.passed.add((check["check_id"], check["resource"]))
        for check in results.get("failed_checks", []):
            run.failed.add((check["check_id"], check["resource"]))
        for check in results.get("skipped_checks", []):
            reason = check["check_result"].get("suppress_comment", "")
            run.skipped[(check["check_id"], check["resource"])] = reason.strip()
        run.parsing_errors.extend(results.get("parsing_errors", []))
    return run


@pytest.fixture(scope="session")
def checkov_runs(
    rendered: dict[str, list[Resource]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[CheckovRun, CheckovRun]:
    """checkov on every rendered overlay and the Dockerfile: as committed, and with skips removed.

    The two scans run side by side (about 12 s each).
    """
    tool("checkov")  # install before starting two scans that both need it
    scans = []
    for strip in (False, True):
        directory = tmp_path_factory.mktemp("checkov-stripped" if strip else "checkov")
        for name, resources in rendered.items():
            docs = [_strip_skips(copy.deepcopy(r)) if strip else r for r in resources]
            (directory / f"{name}.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
        dockerfile = (REPO / "Dockerfile").read_text()
        if strip:
            dockerfile = "\n".join(line for line in dockerfile.splitlines() if "checkov:skip" not in line)
        (directory / "Dockerfile").write_text(dockerfile)
        scans.append(_start_scan(directory))
    return _finish_scan(scans[0]), _finish_scan(scans[1])


@pytest.fixture(scope="session")
def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.skip("kubectl not installed: the kustomize subset is not cross-checked here")
    return path
