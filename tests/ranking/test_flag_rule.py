"""The publication rule, hard rules, model escalation, and the reasons' wording."""

from __future__ import annotations

import numpy as np

from services.scoring.ranking.flagmodel import FEATURES, feature_matrix
from services.scoring.ranking.flags import FlagConfig, FlagLevel, ModelEvidence, decide_flags
from services.scoring.ranking.standing import REPORT_QUALITY, Observations, compute_standings


def _standings(groups: dict[str, tuple[float, int]]):
    """Firms with a given mean and number of reports (scores spread +-3 around the mean)."""
    ids = list(groups)
    idx, vals = [], []
    for i, (mean, n) in enumerate(groups.values()):
        idx += [i] * n
        vals += list(mean + np.linspace(-3, 3, n)) if n > 1 else [mean]
    # a background of ordinary firms so the population is realistic
    rng = np.random.default_rng(0)
    for j in range(30):
        ids.append(f"bg{j}")
        k = len(ids) - 1
        m = rng.normal(80, 5)
        idx += [k] * 8
        vals += list(m + rng.normal(0, 5, 8))
    return compute_standings(ids, {REPORT_QUALITY: Observations.of(idx, vals)})


def _by_id(flags):
    return {f.firm_id: f for f in flags}


def test_rule_levels() -> None:
    st = _standings({"bad": (50.0, 12), "bad_but_two": (45.0, 2), "line": (70.0, 10), "good": (90.0, 12)})
    flags = _by_id(decide_flags(st))
    assert flags["bad"].level is FlagLevel.PROPOSE_NOTICE
    assert flags["bad_but_two"].level is FlagLevel.WATCH  # never a notice on fewer than 3 reports
    assert flags["line"].level is FlagLevel.WATCH
    assert flags["good"].level is FlagLevel.OK
    assert flags["bad"].p_below_pass > 0.9 and flags["bad"].n_reports == 12


def test_hard_rule_proposes_regardless() -> None:
    st = _standings({"liar": (92.0, 1)})
    flag = _by_id(decide_flags(st, falsified={"liar"}))["liar"]
    assert flag.level is FlagLevel.PROPOSE_NOTICE and flag.hard_rule
    assert flag.reasons[0].code == "VERIFIED_FALSIFICATION"


def test_reasons_name_evidence_distance_and_certainty_in_both_languages() -> None:
    st = _standings({"bad": (55.0, 12)})
    reason = _by_id(decide_flags(st))["bad"].reasons[0]
    assert "12 份" in reason.zh and "合格线 70 分" in reason.zh and "概率" in reason.zh
    assert "12 calibrated reports" in reason.en and "below the pass line of 70" in reason.en
    assert "%" in reason.en


def test_model_escalates_only_with_minimum_evidence_and_supporting_statistics() -> None:
    st = _standings({"few": (66.0, 2), "lean": (67.0, 6), "fine": (85.0, 10)})
    x = feature_matrix(st)
    risk = np.zeros(len(st.firm_ids))
    for fid in ("few", "lean", "fine"):
        risk[st.index_of(fid)] = 0.99
    contributions = np.zeros_like(x)
    contributions[:, 0] = 0.3
    ev = ModelEvidence("fm-test", risk, contributions, FEATURES, x)
    cfg = FlagConfig(model_min_probability=0.75, min_reports=3)  # the mechanism, at looser numbers
    flags = _by_id(decide_flags(st, cfg, ev))
    assert flags["few"].level is FlagLevel.WATCH  # model alone never beats the 3-report minimum
    assert flags["fine"].level is FlagLevel.WATCH  # high risk but own reports say otherwise
    lean = flags["lean"]
    if lean.p_below_pass >= cfg.model_min_probability:
        assert lean.level is FlagLevel.PROPOSE_NOTICE
    assert any(r.code == "MODEL_RISK" and "fm-test" in r.zh for r in lean.reasons)
    assert "calibrated report quality estimate" in next(r.en for r in lean.reasons if r.code == "MODEL_RISK")
