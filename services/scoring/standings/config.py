"""Policy of standings, flags and bulletins, and the settings a deployment reads at start."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from runtime import config
from services.scoring.calibration import CalibrationConfig
from services.scoring.ranking.dueprocess import DueProcessConfig
from services.scoring.ranking.flagmodel import FlagModelConfig
from services.scoring.ranking.flags import FlagConfig
from services.scoring.ranking.standing import AGENCY_CONFIG, StandingConfig
from services.scoring.ratings import RatingPolicy


@dataclass(frozen=True)
class StandingsConfig:
    """Policy of standings, flags and bulletins; every number is a default a deployment may change.

    Months are civil months in China Standard Time (``runtime.calendar.Period``)."""

    window_months: int = 12
    max_window_months: int = 36
    # the calibration behind a month's case scores: the same setting as GetCaseResult's
    # (``ScoringConfig``, DGCP_CALIBRATION_WINDOW_DAYS), widened to the standing's window if shorter
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    calibration_window: timedelta = timedelta(days=730)
    consultancy: StandingConfig = field(default_factory=StandingConfig)
    agency: StandingConfig = AGENCY_CONFIG
    flags: FlagConfig = field(default_factory=FlagConfig)
    model: FlagModelConfig = field(default_factory=FlagModelConfig)
    due_process: DueProcessConfig = field(default_factory=DueProcessConfig)
    ratings: RatingPolicy = field(default_factory=RatingPolicy)
    # z of the surveys service's published intervals (95% normal), to recover a standard deviation
    survey_interval_z: float = 1.959964
    surveys_exclude_flagged: bool = True
    synthetic: bool = False
    region_zh: str = "东莞市"
    region_en: str = "Dongguan"
    max_text_chars: int = 5000

    @classmethod
    def from_env(cls) -> StandingsConfig:
        """The defaults; a deployment on synthetic data (``DGCP_SYNTHETIC_DATA``) labels what it
        publishes as such."""
        from services.scoring.api import ScoringConfig  # the scoring servicer's settings, read once

        scoring = ScoringConfig.from_env()
        return replace(
            cls(),
            calibration=scoring.calibration,
            calibration_window=scoring.calibration_window,
            synthetic=config.env_flag("DGCP_SYNTHETIC_DATA"),
        )
