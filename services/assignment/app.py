"""The assignment service as the runtime sees it."""

from pathlib import Path

from runtime.server import ServiceApp
from services.assignment import api
from services.assignment.models import metadata, outbox

APP = ServiceApp(
    name="assignment",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    access=api.ACCESS,
    register=api.register,
    outbox=outbox,
)
