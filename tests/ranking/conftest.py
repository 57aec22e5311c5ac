"""Each test's scoring service publishes into its own folder (the published bulletins on disk)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _bulletin_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DGCP_BULLETIN_DIR", str(tmp_path / "published-bulletins"))
