"""The README documents every setting the code reads, and the commands it gives exist."""

from __future__ import annotations

from pathlib import Path

from gateway.settings import ENV_DOCS as GATEWAY
from runtime.config import ENV_DOCS as RUNTIME
from runtime.notify.settings import ENV_DOCS as NOTIFY
from services.scoring.api import ENV_DOCS as SCORING
from services.scoring.bulletin.official import ENV_DOCS as BULLETIN
from services.surveys.policy import ENV_DOCS as SURVEYS

ROOT = Path(__file__).resolve().parents[2]


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        key
        for docs in (RUNTIME, GATEWAY, SCORING, SURVEYS, BULLETIN, NOTIFY)
        for key in docs
        if f"`{key}`" not in readme
    ]
    assert not missing, f"settings missing from README.md's configuration table: {missing}"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "```\nmake test\n```" in readme and "\nmake test\n" in ci
    assert "```\nmake run\n```" in readme
