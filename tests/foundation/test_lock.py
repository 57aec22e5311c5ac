"""The lock files pin every dependency of pyproject.toml, with hashes, at versions it allows."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def pins(lock: Path) -> dict[str, list[tuple[Version, str]]]:
    """name -> [(version, marker)] of every pinned requirement; each must carry hashes."""
    out: dict[str, list[tuple[Version, str]]] = {}
    lines = lock.read_text().splitlines()
    for i, line in enumerate(lines):
        m = PIN.match(line)
        if not m:
            continue
        assert i + 1 < len(lines) and "--hash=sha256:" in lines[i + 1], (
            f"{lock.name}: {m.group(1)} has no hash"
        )
        out.setdefault(canonicalize_name(m.group(1)), []).append((Version(m.group(2)), m.group(3) or ""))
    return out


def requirements(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    if extra:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return reqs


@pytest.mark.parametrize(("lock", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")])
def test_lock_pins_every_dependency_within_its_bounds(lock: str, extra: str | None) -> None:
    pinned = pins(ROOT / lock)
    env = {"python_full_version": "3.11.7", "python_version": "3.11"}
    for req in requirements(extra):
        versions = pinned.get(canonicalize_name(req.name))
        assert versions, f"{lock} does not pin {req.name}: run `make lock`"
        usable = [v for v, marker in versions if not marker or Marker(marker).evaluate(env)]
        assert usable and all(v in req.specifier for v in usable), (
            f"{lock} pins {req.name} at {usable}, outside {req.specifier}: run `make lock`"
        )


def test_every_dependency_has_a_major_version_bound() -> None:
    for req in requirements("dev"):
        assert any(s.operator in ("<", "<=", "==", "~=") for s in req.specifier), (
            f"{req.name} has no upper bound in pyproject.toml"
        )
