"""The assignment service as the runtime sees it."""

from pathlib import Path

from runtime.limits import Limits
from runtime.server import ServiceApp
from services.assignment import api, notices
from services.assignment.models import metadata, outbox

#: Request limits beyond the runtime's defaults (see README, "Request limits").
LIMITS = Limits(
    fields={
        # a filter is an industry code; a long pattern would only make SQLite's LIKE work hard
        "dgcp.assignment.v1.ListExpertsRequest.specialty": 200,
    },
    # a draw record of a large lot (marginals, amendments) can be several MiB
    max_send_message_bytes=32 * 1024 * 1024,
)

APP = ServiceApp(
    name="assignment",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    access=api.ACCESS,
    register=api.register,
    limits=LIMITS,
    outbox=outbox,
    notify_tick=notices.reminder_round,
)
