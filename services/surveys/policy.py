"""Every number of the surveys service that is policy, with its default and its variable."""

from __future__ import annotations

from dataclasses import dataclass

from runtime import config

ENV_DOCS: dict[str, str] = {
    "DGCP_SURVEY_MIN_RESPONSES": "Aggregates over fewer responses are suppressed (default 3).",
    "DGCP_SURVEY_TOO_FAST_SECONDS": "Completion faster than this is flagged `too_fast` (default 60).",
}


@dataclass(frozen=True)
class SurveyPolicy:
    """Thresholds and defaults; read once from the environment when the service starts."""

    public_base_url: str = "http://127.0.0.1:8080"  # from_env: runtime.config.public_base_url()
    link_path: str = "/s/"
    token_bytes: int = 32  # secrets.token_urlsafe(32): 256 bits, 43 characters
    min_responses: int = 3  # suppression: publish aggregates over at least this many
    confidence: float = 0.95  # level of every interval
    too_fast_seconds: float = 60.0  # open → submit faster than this is a signal
    straight_line_min_items: int = 5  # at least this many scale items, all equal, is a signal
    max_cases_per_request: int = 5000  # one lot at a time stays far below this
    comment_max_length: int = 2000
    consultancy_template: str = "servqual-consultancy"
    review_agency_template: str = "servqual-review-agency"

    @classmethod
    def from_env(cls) -> SurveyPolicy:
        return cls(
            public_base_url=config.public_base_url(),
            min_responses=int(
                config.env_number(
                    "DGCP_SURVEY_MIN_RESPONSES", cls.min_responses, unit="responses", integer=True
                )
            ),
            too_fast_seconds=config.env_seconds("DGCP_SURVEY_TOO_FAST_SECONDS", cls.too_fast_seconds),
        )

    def link(self, token: str) -> str:
        return f"{self.public_base_url}{self.link_path}{token}"
