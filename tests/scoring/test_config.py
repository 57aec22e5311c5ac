"""Scoring policy read from the environment at start: values applied, bad ones refused by name."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.scoring.api import ScoringConfig
from services.surveys.policy import SurveyPolicy


def test_defaults_without_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DGCP_MEMBERSHIP_TTL_SECONDS",
        "DGCP_SCORE_SPREAD_POINTS",
        "DGCP_RATING_WINDOW_DAYS",
        "DGCP_CALIBRATION_WINDOW_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)
    assert ScoringConfig.from_env() == ScoringConfig()


def test_settings_reach_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DGCP_MEMBERSHIP_TTL_SECONDS", "2.5")
    monkeypatch.setenv("DGCP_SCORE_SPREAD_POINTS", "12")
    monkeypatch.setenv("DGCP_RATING_WINDOW_DAYS", "7")
    monkeypatch.setenv("DGCP_CALIBRATION_WINDOW_DAYS", "365")
    cfg = ScoringConfig.from_env()
    assert cfg.membership_cache.positive_ttl_seconds == 2.5
    assert cfg.calibration.spread_threshold == 12
    assert cfg.ratings.window == timedelta(days=7)
    assert cfg.calibration_window == timedelta(days=365)
    assert cfg.calibration.method == ScoringConfig().calibration.method  # the rest stays as it was


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DGCP_SCORE_SPREAD_POINTS", "-1"),
        ("DGCP_SCORE_SPREAD_POINTS", "fifteen"),
        ("DGCP_RATING_WINDOW_DAYS", "nan"),
        ("DGCP_CALIBRATION_WINDOW_DAYS", "inf"),
        ("DGCP_MEMBERSHIP_TTL_SECONDS", "-0.5"),
    ],
)
def test_a_bad_value_stops_the_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        ScoringConfig.from_env()


def test_survey_settings_are_checked_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DGCP_SURVEY_MIN_RESPONSES", "5")
    monkeypatch.setenv("DGCP_SURVEY_TOO_FAST_SECONDS", "30")
    policy = SurveyPolicy.from_env()
    assert (policy.min_responses, policy.too_fast_seconds) == (5, 30)
    monkeypatch.setenv("DGCP_SURVEY_MIN_RESPONSES", "2.5")
    with pytest.raises(ValueError, match="DGCP_SURVEY_MIN_RESPONSES"):
        SurveyPolicy.from_env()
