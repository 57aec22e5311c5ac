"""Tracing costs nothing when it is off: no OpenTelemetry module is even imported."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.deploy.conftest import REPO


def test_no_opentelemetry_import_unless_configured() -> None:
    code = (
        "import sys; import runtime.server, gateway.app, runtime.tracing as t; "
        "t.setup('x'); print(any(m.startswith('opentelemetry') for m in sys.modules), t.enabled())"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:1"  # configured: on (nothing is sent here)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "True"]
