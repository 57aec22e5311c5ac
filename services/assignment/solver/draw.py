"""The panel draw: capped LP, then dependent rounding (or the exact optimum at cap 1).

Which guarantee holds for which rule, on EVERY returned assignment:

================================  ====================================================
rule                              guarantee
================================  ====================================================
eligibility (conflicts, rotation  exact: only pairs of the instance exist
bans, availability)
panel size                        exact: flow conservation at the case node
load cap per expert               exact: the load edge rounds to floor/ceil of a value
                                  <= cap
one expert per employer per case  exact: the (case, employer) edge stays in [0, 1]
specialist minimum                exact after repair (``repair``); the marginals are
                                  exact on cases that needed no repair, and every
                                  repair is listed in the result
probability cap per pair          exact for the sampler (marginal = LP value <= cap);
                                  a repair may move a seat
fairness floor tau                exact per panel at cap 1 (MILP); in expectation only
                                  under a cap < 1 (the realised weakest panel is
                                  reported)
================================  ====================================================

Same instance + same seed -> same assignment: the LP is solved by HiGHS dual simplex
(deterministic), all arrays are in canonical order, and the only random numbers come from
``numpy.random.Generator(PCG64(seed))``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

from .diagnose import CaseDiagnosis, InfeasibleError, elastic, from_slacks, precheck
from .instance import FloatArray, Instance, IntArray, SolverOptions
from .lp import LPSolution, MILPTimeout, RestrictedInfeasible, solve_lp, solve_milp
from .repair import Repair, repair_specialists
from .rounding import dependent_round

#: Bump when a change to the algorithm would change the panels drawn from the same seed.
ALGORITHM = "dgcp-capped-lp-dependent-rounding/2"  # /2: first-round columns scale with cap**1.5


def solver_versions() -> dict[str, str]:
    """Name and versions of everything that decides the draw (recorded for replay)."""
    from scipy.optimize._highspy import _core  # scipy's bundled HiGHS

    highs = f"{_core.HIGHS_VERSION_MAJOR}.{_core.HIGHS_VERSION_MINOR}.{_core.HIGHS_VERSION_PATCH}"
    return {
        "algorithm": ALGORITHM,
        "lp": "HiGHS dual simplex via scipy.optimize.linprog",
        "highs": highs,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "rng": "numpy.random.Generator(PCG64)",
    }


@dataclass(frozen=True)
class DrawResult:
    """One drawn assignment and everything the draw record needs."""

    seed: int
    pairs: IntArray  # chosen pair indices, sorted
    marginal_pairs: IntArray  # LP support (pair indices) ...
    marginal_values: FloatArray  # ... and each pair's probability
    expected_objective: float
    realised_objective: float
    panel_fit: FloatArray  # realised fit per case
    weakest_panel_fit: float
    weakest_case: int
    expected_weakest_panel_fit: float
    method: str
    repairs: tuple[Repair, ...]
    versions: dict[str, str]
    stats: dict[str, float | int | str] = field(default_factory=dict)
    best_panel_fit: FloatArray | None = None

    def panels(self, inst: Instance) -> list[list[int]]:
        """Expert indices per case."""
        out: list[list[int]] = [[] for _ in range(inst.n_cases)]
        for c, r in zip(
            inst.pair_case[self.pairs].tolist(), inst.pair_expert[self.pairs].tolist(), strict=True
        ):
            out[c].append(r)
        return out

    def digest(self, inst: Instance) -> str:
        """SHA-256 of the (case, expert) index pairs drawn."""
        arr = np.column_stack([inst.pair_case[self.pairs], inst.pair_expert[self.pairs]])
        return hashlib.sha256(np.ascontiguousarray(arr, dtype=np.int64).tobytes()).hexdigest()


def draw(
    inst: Instance,
    seed: int,
    *,
    options: SolverOptions | None = None,
    report_best: bool = False,
) -> DrawResult:
    """Draw panels for every case or raise :class:`InfeasibleError` naming the cases."""
    opts = options or SolverOptions()
    t0 = time.perf_counter()
    problems = precheck(inst)
    if problems:
        raise InfeasibleError(problems)
    use_floor = bool(np.any(inst.floor_tau > 0))
    best = best_panel_fit(inst) if (use_floor or report_best) else None
    floor_rhs = inst.floor_tau * best if (use_floor and best is not None) else None
    try:
        lp = solve_lp(inst, floor_rhs, opts)
    except RestrictedInfeasible as err:
        found = from_slacks(inst, floor_rhs, err.slacks) if err.slacks is not None else None
        raise InfeasibleError(found or _elastic_or_generic(inst, floor_rhs)) from None
    t_lp = time.perf_counter()
    rng = np.random.Generator(np.random.PCG64(seed))
    stats: dict[str, float | int | str] = {
        "lp_columns": lp.columns,
        "lp_rounds": lp.rounds,
        "lp_status": lp.status,
    }
    vals = lp.values
    integral = bool(np.all(np.abs(vals - np.round(vals)) <= opts.integrality_tol))
    if inst.deterministic and integral:
        chosen, method = np.sort(lp.pairs[vals > 0.5]), "lp-integral-vertex"
    elif inst.deterministic:
        cols = _milp_columns(inst, lp, opts)
        try:
            sol = solve_milp(inst, cols, floor_rhs, opts)
            chosen, method = np.sort(sol.pairs), "milp"
            stats["milp_gap"] = sol.gap
            stats["milp_status"] = sol.status
        except (RestrictedInfeasible, MILPTimeout) as err:
            if isinstance(err, RestrictedInfeasible) and cols.size == inst.n_pairs:
                raise InfeasibleError(_elastic_or_generic(inst, floor_rhs)) from None
            # no verdict (time limit, or only a subset of the columns): round the LP
            # instead; every hard rule still holds, the floor in expectation only
            chosen = dependent_round(inst, lp.pairs, vals, rng, opts.integrality_tol)
            method = "lp-dependent-rounding-after-milp"
            stats["milp_status"] = (
                "time_limit" if isinstance(err, MILPTimeout) else "infeasible_on_column_subset"
            )
    else:
        chosen, method = (
            dependent_round(inst, lp.pairs, vals, rng, opts.integrality_tol),
            "dependent-rounding",
        )
    t_round = time.perf_counter()
    chosen, repairs = repair_specialists(inst, chosen, lp.pairs, opts)
    violations = check_assignment(inst, chosen)
    if violations:  # a bug, not an infeasible lot: never hand out a rule-breaking panel
        raise AssertionError(f"draw broke its own rules: {violations[:5]}")
    panel_fit = np.bincount(inst.pair_case[chosen], weights=inst.fit[chosen], minlength=inst.n_cases).astype(
        np.float64
    )
    expected_fit = np.bincount(
        inst.pair_case[lp.pairs], weights=inst.fit[lp.pairs] * vals, minlength=inst.n_cases
    )
    weakest = int(np.argmin(panel_fit)) if inst.n_cases else -1
    stats.update(
        seconds_lp=t_lp - t0,
        seconds_round=t_round - t_lp,
        seconds_total=time.perf_counter() - t0,
    )
    return DrawResult(
        seed=seed,
        pairs=chosen,
        marginal_pairs=lp.pairs,
        marginal_values=vals,
        expected_objective=lp.objective,
        realised_objective=float(inst.fit[chosen].sum()),
        panel_fit=panel_fit,
        weakest_panel_fit=float(panel_fit[weakest]) if weakest >= 0 else 0.0,
        weakest_case=weakest,
        expected_weakest_panel_fit=float(expected_fit.min()) if inst.n_cases else 0.0,
        method=method,
        repairs=tuple(repairs),
        versions=solver_versions(),
        stats=stats,
        best_panel_fit=best,
    )


def _milp_columns(inst: Instance, lp: LPSolution, opts: SolverOptions) -> IntArray:
    """All pairs when small enough (exact); else the columns column generation kept (the
    integer optimum lies near the LP's in practice; the MILP's status is reported)."""
    if inst.n_pairs <= opts.column_generation_threshold:
        return np.arange(inst.n_pairs, dtype=np.int64)
    return lp.column_set


def _elastic_or_generic(inst: Instance, floor_rhs: FloatArray | None) -> list[CaseDiagnosis]:
    found = elastic(inst, floor_rhs)
    if found:
        return found
    return [
        CaseDiagnosis(
            -1,
            "NO_INTEGRAL_ASSIGNMENT",
            0.0,
            0.0,
            "a fractional assignment exists but no integral one meets the specialist and "
            "employer rules together",
        )
    ]


def check_assignment(inst: Instance, chosen: IntArray) -> list[str]:
    """Every hard rule, checked on an assignment (pair indices); empty list when all hold."""
    out: list[str] = []
    pc, pe = inst.pair_case[chosen], inst.pair_expert[chosen]
    if np.unique(chosen).size != chosen.size:
        out.append("a pair is used twice")
    size = np.bincount(pc, minlength=inst.n_cases)
    for c in np.flatnonzero(size != inst.panel_size).tolist():
        out.append(f"case {c}: panel of {size[c]}, needs {inst.panel_size[c]}")
    load = np.bincount(pe, minlength=inst.n_experts)
    for r in np.flatnonzero(load > inst.load_cap).tolist():
        out.append(f"expert {r}: load {load[r]} above cap {inst.load_cap[r]}")
    keys = inst.group_key(chosen)
    uniq, counts = np.unique(keys, return_counts=True)
    for key in uniq[counts > 1].tolist():
        out.append(f"two experts of one employer on one panel (group key {key})")
    spec = np.bincount(pc, weights=inst.specialist[chosen], minlength=inst.n_cases)
    for c in np.flatnonzero(spec < inst.specialist_min).tolist():
        out.append(f"case {c}: {int(spec[c])} specialists, needs {inst.specialist_min[c]}")
    return out


def best_panel_fit(inst: Instance) -> FloatArray:
    """Each case's best possible panel fit alone (loads ignored), exactly.

    The panel takes at most one expert per employer and at least ``specialist_min``
    specialists. Per employer only two candidates matter: its best specialist and its best
    expert; and only the top ``panel_size`` employers by each can be in an optimal panel
    (exchange argument), so a tiny assignment problem per case is exact.
    """
    out = np.zeros(inst.n_cases)
    keys = inst.group_key()
    for c in range(inst.n_cases):
        s, e = int(inst.case_start[c]), int(inst.case_start[c + 1])
        out[c] = _best_one(
            keys[s:e],
            inst.fit[s:e],
            inst.specialist[s:e],
            int(inst.panel_size[c]),
            int(inst.specialist_min[c]),
        )
    return out


def _best_one(keys: IntArray, fit: FloatArray, spec: np.ndarray, k: int, s: int) -> float:
    if keys.size == 0:
        return 0.0
    uniq, inv = np.unique(keys, return_inverse=True)
    best_any = np.full(uniq.size, -np.inf)
    np.maximum.at(best_any, inv, fit)
    best_spec = np.full(uniq.size, -np.inf)
    if s > 0 and spec.any():
        np.maximum.at(best_spec, inv[spec], fit[spec])
    if s == 0:
        return float(np.sort(best_any)[::-1][:k].sum())
    top = np.union1d(np.argsort(-best_any, kind="stable")[:k], np.argsort(-best_spec, kind="stable")[:k])
    big = 1e9
    cost = np.empty((k, top.size))
    cost[:s] = np.where(np.isfinite(best_spec[top]), -best_spec[top], big)
    cost[s:] = -best_any[top]
    rows, cols = linear_sum_assignment(cost)
    total = cost[rows, cols]
    if np.any(total >= big) or cols.size < k:
        return float("nan")
    return float(-total.sum())
