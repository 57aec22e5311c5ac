"""Pure parts of the standings package: evidence building, the stored-run codec, the merge rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest

from services.scoring.calibration import calibrate
from services.scoring.ranking.dueprocess import NoticeState, NoticeWrite, merge_notice
from services.scoring.ranking.flagmodel import feature_matrix
from services.scoring.ranking.pipeline import flag_period, run_period
from services.scoring.ranking.standing import FIRST_PASS, NO_REWORK, NO_VETO, PANEL_RATING, REPORT_QUALITY
from services.scoring.ranking.synthetic import consultancy_observations
from services.scoring.ratings import EXPERT_TO_CONSULTANCY
from services.scoring.standings.config import StandingsConfig
from services.scoring.standings.evidence import gather_evidence
from services.scoring.standings.reads import RatingEvidence, ScoreEvidence
from services.scoring.standings.runs import (
    CONSULTANCY,
    StoredStanding,
    features_of,
    standings_of,
    stored_rows,
)
from tests.ranking._world import world

T0 = datetime(2026, 10, 5, tzinfo=UTC)


def score(case: str, expert: str, total: float, firm: str, vetoed: bool = False) -> ScoreEvidence:
    return ScoreEvidence(case, expert, total, firm, "reviewAgencies/a", T0, vetoed)


def counts(obs: object, firms: int) -> list[int]:
    return np.bincount(obs.firm_index, minlength=firms).tolist()  # type: ignore[attr-defined]


def sums(obs: object, firms: int) -> list[float]:
    return np.bincount(obs.firm_index, weights=obs.values, minlength=firms).tolist()  # type: ignore[attr-defined]


def quality_of(firms: object) -> list[float]:
    """Quality values in firm order (f1's cases, then f2's)."""
    _, obs = firms.build()  # type: ignore[attr-defined]
    q = obs[REPORT_QUALITY]
    return [float(v) for _, v in sorted(zip(q.firm_index.tolist(), q.values.tolist(), strict=True))]


def test_evidence_counts_calibrated_quality_rates_and_ratings() -> None:
    scores = [
        score("c1", "e1", 80, "f1"),
        score("c1", "e2", 84, "f1"),
        score("c2", "e1", 60, "f2"),
        score("c2", "e2", 64, "f2", vetoed=True),
        score("c3", "e2", 90, "f1"),
        score("c3", "e3", 88, "f1"),
    ]
    ratings = [RatingEvidence("c1", EXPERT_TO_CONSULTANCY, "f1", 4.0)]
    fit = calibrate([s.case_name for s in scores], [s.expert for s in scores], [s.total for s in scores])
    calibrated = dict(zip(map(str, fit.case_ids), fit.calibrated.tolist(), strict=True))
    rounds = {"c1": False, "c3": True}
    cfg = StandingsConfig()
    firms, agencies, notes = gather_evidence(scores, ratings, cfg, rounds, calibrated, "calibrations/x")
    assert quality_of(firms) == pytest.approx([calibrated["c1"], calibrated["c3"], calibrated["c2"]])
    ids, obs = firms.build()
    assert ids == ["f1", "f2"] and agencies.entities == {"reviewAgencies/a"}
    quality = obs[REPORT_QUALITY]
    assert counts(quality, 2) == [2, 1]  # one calibrated score per case
    assert sums(obs[NO_VETO], 2) == [200.0, 0.0]  # c2 is vetoed
    assert sums(obs[FIRST_PASS], 2)[1] == 0.0  # a vetoed case never passes first time
    assert counts(obs[NO_REWORK], 2) == [2, 0]  # only cases with a known enterprise
    assert sums(obs[NO_REWORK], 2) == [100.0, 0.0]  # c1 a first round, c3 another round
    assert sums(obs[PANEL_RATING], 2)[0] == pytest.approx(75.0)  # 4 on 1..5 → 75
    assert notes[0] == "3 locked cases, 6 scores, calibration calibrations/x"
    assert "1 of them another round" in notes[1]


def test_no_scores_no_case_evidence() -> None:
    firms, _, notes = gather_evidence([], [], StandingsConfig(), {}, {})
    assert firms.build() == ([], {}) and notes == ["no locked case in the window"]


def test_stored_run_round_trips_what_was_computed() -> None:
    w = world()
    obs = consultancy_observations(w, 11)
    ids = list(w.firm_ids)
    st = run_period(ids, obs).standings
    rows = stored_rows(st, CONSULTANCY)
    back = [StoredStanding.from_json(json.loads(json.dumps(r.to_json()))) for r in rows]
    assert back == rows
    rebuilt = standings_of(back, st.config)
    order = [st.firm_ids.index(r.entity) for r in rows]
    assert rebuilt.firm_ids == tuple(st.firm_ids[i] for i in order)
    np.testing.assert_array_equal(rebuilt.composite, st.composite[order])
    np.testing.assert_array_equal(rebuilt.p_below_pass, st.p_below_pass[order])
    np.testing.assert_array_equal(features_of(back), feature_matrix(st)[order])
    # the servicer's flags from the stored run are the simulation's flags
    fresh = {f.firm_id: f.level for f in run_period(ids, obs).flags}
    stored = {f.firm_id: f.level for f in flag_period(rebuilt, features_of(back)).flags}
    assert stored == fresh


def prior(state: str = "", statement: str = "", proposed: datetime | None = None) -> SimpleNamespace:
    return SimpleNamespace(notice_state=state, statement=statement, proposed_time=proposed)


def test_merge_notice_keeps_due_process() -> None:
    now, earlier = T0, T0 - timedelta(days=3)
    assert merge_notice(None, proposed=True, now=now) == NoticeWrite(NoticeState.PROPOSED.value, now)
    assert merge_notice(None, proposed=False, now=now) == NoticeWrite("", None)
    # an undecided proposal keeps its first time: the statement window does not restart
    assert merge_notice(prior("PROPOSED", proposed=earlier), proposed=True, now=now) == NoticeWrite(
        "PROPOSED", earlier
    )
    assert merge_notice(prior("PROPOSED", proposed=earlier), proposed=False, now=now) == NoticeWrite("", None)
    for decided in (prior("APPROVED", proposed=earlier), prior("REJECTED"), prior("PROPOSED", "我方说明")):
        assert merge_notice(decided, proposed=False, now=now) is None
        assert merge_notice(decided, proposed=True, now=now) is None
