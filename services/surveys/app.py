"""The surveys service as the runtime sees it."""

from pathlib import Path

from runtime.limits import Limits
from runtime.server import ServiceApp
from services.surveys import api
from services.surveys.models import metadata, outbox
from services.surveys.policy import SurveyPolicy

#: Request limits beyond the runtime's defaults (see README, "Request limits").
LIMITS = Limits(
    fields={"dgcp.surveys.v1.IssueInvitationsRequest.cases": SurveyPolicy().max_cases_per_request},
    methods={"IssueInvitations": 4 * 1024 * 1024},  # 5,000 cases of a few hundred bytes each
)

APP = ServiceApp(
    name="surveys",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    access=api.ACCESS,
    register=api.register,
    outbox=outbox,
    on_start=api.on_start,
    limits=LIMITS,
)
