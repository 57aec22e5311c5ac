"""Calibration against a simulation with known truth, plus the graph and flag rules.

Run with ``-s`` to see the figures (raw vs calibrated RMSE and pass/fail error at 70).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.calibration import CalibrationConfig, Method, calibrate

N_CASES = 240
N_EXPERTS = 48
PANEL = 3
NOISE_SD = 6.0
SEEDS = range(5)
PASS_LINE = 70.0


@dataclass(frozen=True)
class Sim:
    truth: np.ndarray
    cases: np.ndarray
    experts: np.ndarray
    scores: np.ndarray


def simulate(seed: int, bias_sd: float, n_cases: int = N_CASES, n_experts: int = N_EXPERTS) -> Sim:
    """True quality ~ N(75, 10); each case gets 3 distinct random experts; noise SD 6."""
    rng = np.random.default_rng(seed)
    truth = rng.normal(75.0, 10.0, n_cases)
    bias = rng.normal(0.0, bias_sd, n_experts)
    cases = np.repeat(np.arange(n_cases), PANEL)
    # argsort of uniforms gives a random permutation per row; its first PANEL are distinct experts.
    experts = np.argsort(rng.random((n_cases, n_experts)), axis=1)[:, :PANEL].ravel()
    scores = truth[cases] + bias[experts] + rng.normal(0.0, NOISE_SD, len(cases))
    return Sim(truth, cases, experts, scores)


def rmse(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.mean((estimate - truth) ** 2)))


def pass_fail_error(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean((estimate >= PASS_LINE) != (truth >= PASS_LINE)))


def figures(bias_sd: float, method: Method) -> dict[str, float]:
    raw_rmse, cal_rmse, raw_pf, cal_pf = [], [], [], []
    for seed in SEEDS:
        sim = simulate(seed, bias_sd)
        result = calibrate(sim.cases, sim.experts, sim.scores, CalibrationConfig(method=method))
        truth = sim.truth[np.asarray(result.case_ids)]
        raw_rmse.append(rmse(result.raw_mean, truth))
        cal_rmse.append(rmse(result.calibrated, truth))
        raw_pf.append(pass_fail_error(result.raw_mean, truth))
        cal_pf.append(pass_fail_error(result.calibrated, truth))
    out = {
        "raw_rmse": float(np.mean(raw_rmse)),
        "cal_rmse": float(np.mean(cal_rmse)),
        "raw_pf": float(np.mean(raw_pf)),
        "cal_pf": float(np.mean(cal_pf)),
    }
    print(
        f"\nbias SD {bias_sd:>4} [{method:7}] RMSE raw {out['raw_rmse']:.2f} -> calibrated "
        f"{out['cal_rmse']:.2f}; pass/fail error at 70 raw {out['raw_pf']:.3f} -> "
        f"calibrated {out['cal_pf']:.3f}  ({len(SEEDS)} seeds, {N_CASES} cases, {N_EXPERTS} experts)"
    )
    return out


@pytest.mark.parametrize("method", ["reml", "moments"])
@pytest.mark.parametrize("bias_sd", [5.0, 10.0])
def test_calibration_beats_raw_mean_when_experts_are_biased(bias_sd: float, method: Method) -> None:
    out = figures(bias_sd, method)
    assert out["cal_rmse"] < out["raw_rmse"]
    # The gain should be substantial, not noise: at least 10% at SD 5, 30% at SD 10.
    assert out["cal_rmse"] < out["raw_rmse"] * (0.9 if bias_sd == 5.0 else 0.7)


@pytest.mark.parametrize("method", ["reml", "moments"])
@pytest.mark.parametrize("bias_sd", [0.0, 0.5])
def test_calibration_not_worse_without_bias(bias_sd: float, method: Method) -> None:
    out = figures(bias_sd, method)
    assert out["cal_rmse"] <= out["raw_rmse"] * 1.02


def test_shrinkage_comes_from_the_data() -> None:
    """tau2 tracks the simulated bias variance; with no bias it collapses to (about) zero."""
    big = calibrate(*_triple(simulate(1, 10.0)))
    none = calibrate(*_triple(simulate(1, 0.0)))
    assert 40.0 < big.tau2 < 250.0
    assert abs(big.sigma2 - NOISE_SD**2) < 12.0
    assert none.tau2 < 5.0
    assert big.shrinkage < none.shrinkage


def test_few_scores_are_shrunk_harder() -> None:
    """Two experts with the same apparent leniency: the one with one score moves less."""
    sim = simulate(3, 5.0)
    cases = list(sim.cases)
    experts = list(sim.experts)
    scores = list(sim.scores)
    # Expert 100 scores one case, expert 101 scores ten cases; both +10 above their co-panel.
    for expert, n in ((100, 1), (101, 10)):
        for k in range(n):
            case = 1000 + expert * 100 + k
            for other in (0, 1):
                cases.append(case)
                experts.append(other)
                scores.append(70.0)
            cases.append(case)
            experts.append(expert)
            scores.append(80.0)
    result = calibrate(cases, experts, scores)
    offset = dict(zip(result.expert_ids, result.expert_offset, strict=True))
    assert 0 < offset[100] < offset[101]


def test_single_expert_panels_are_left_alone() -> None:
    """Fast-track panels of one carry no within-case information: calibrated == raw."""
    result = calibrate(["a", "b", "c"], ["x", "y", "x"], [60.0, 90.0, 70.0])
    assert np.allclose(result.calibrated, result.raw_mean)
    assert np.allclose(result.expert_offset, 0.0)


def test_disconnected_graph_is_reported() -> None:
    """Two pools that never share a panel: offsets are not comparable across them."""
    a = simulate(4, 5.0, n_cases=30, n_experts=6)
    b = simulate(5, 5.0, n_cases=20, n_experts=5)
    cases = np.concatenate([a.cases, b.cases + 1000])
    experts = np.concatenate([a.experts, b.experts + 1000])
    scores = np.concatenate([a.scores, b.scores])
    result = calibrate(cases, experts, scores)
    assert not result.connected
    assert [(c.n_cases, c.n_experts) for c in result.components] == [(30, 6), (20, 5)]
    in_b = np.asarray(result.case_ids) >= 1000
    assert set(result.case_component[in_b]) == {1}
    assert set(result.case_component[~in_b]) == {0}
    connected = calibrate(a.cases, a.experts, a.scores)
    assert connected.connected


def test_spread_flag_uses_configured_threshold() -> None:
    cases = ["a"] * 3 + ["b"] * 3
    experts = ["x", "y", "z"] * 2
    scores = [70.0, 80.0, 86.0, 70.0, 80.0, 85.0]
    default = calibrate(cases, experts, scores)
    assert list(default.spread) == [16.0, 15.0]
    assert list(default.spread_flag) == [True, False]
    strict = calibrate(cases, experts, scores, CalibrationConfig(spread_threshold=10.0))
    assert list(strict.spread_flag) == [True, True]


def test_row_order_does_not_matter() -> None:
    sim = simulate(6, 5.0)
    perm = np.random.default_rng(0).permutation(len(sim.scores))
    one = calibrate(*_triple(sim))
    two = calibrate(sim.cases[perm], sim.experts[perm], sim.scores[perm])
    assert np.allclose(one.calibrated, two.calibrated)
    assert np.allclose(one.expert_offset, two.expert_offset)


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError):
        calibrate(["a", "b"], ["x"], [1.0, 2.0])


def _triple(sim: Sim) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return sim.cases, sim.experts, sim.scores


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    shift=st.floats(-30, 30, allow_nan=False),
    method=st.sampled_from(["reml", "moments"]),
)
def test_a_common_shift_moves_every_case_and_no_offset(seed: int, shift: float, method: Method) -> None:
    """Scores all higher by c: calibrated scores move by c, offsets and variances stay."""
    sim = simulate(seed, 5.0, n_cases=60, n_experts=12)
    cfg = CalibrationConfig(method=method)
    base = calibrate(sim.cases, sim.experts, sim.scores, cfg)
    moved = calibrate(sim.cases, sim.experts, sim.scores + shift, cfg)
    assert np.allclose(moved.calibrated, base.calibrated + shift, atol=1e-6)
    assert np.allclose(moved.expert_offset, base.expert_offset, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), lift=st.floats(1, 20, allow_nan=False))
def test_a_more_lenient_expert_gets_a_larger_offset(seed: int, lift: float) -> None:
    """Raising every score of one expert raises that expert's offset; offsets always sum to 0."""
    sim = simulate(seed, 5.0, n_cases=60, n_experts=12)
    base = calibrate(sim.cases, sim.experts, sim.scores, CalibrationConfig(method="reml"))
    lifted_scores = sim.scores + lift * (sim.experts == 0)
    lifted = calibrate(sim.cases, sim.experts, lifted_scores, CalibrationConfig(method="reml"))
    assert lifted.expert_offset[0] > base.expert_offset[0]
    # Offsets stay centred within the (connected) design.
    assert abs(float(np.mean(lifted.expert_offset))) < 1e-6
