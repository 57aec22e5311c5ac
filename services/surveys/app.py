"""The surveys service as the runtime sees it."""

from pathlib import Path

from runtime.server import ServiceApp
from services.surveys import api
from services.surveys.models import metadata, outbox

APP = ServiceApp(
    name="surveys",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    access=api.ACCESS,
    register=api.register,
    outbox=outbox,
    on_start=api.on_start,
)
