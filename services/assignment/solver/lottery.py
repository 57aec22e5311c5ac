"""The exact draw where no flow network carries every rule: an explicit lottery.

When a case's specialist minimum crosses its employer groups (an employer offers both a
specialist and another expert, both with fractional mass), the rules stop forming a
bihierarchy and dependent rounding cannot keep the specialist minimum and the marginals
together. Instead the draw is written as a lottery over integral assignments:

    maximise   sum_j  lambda_j * fit(A_j)
    subject to sum_j  lambda_j                    = 1
               sum_j  lambda_j * [p in A_j]      <= cap_p     for every pair p
               lambda >= 0

where every column ``A_j`` is an assignment that meets every rule (panel sizes, loads, one
expert per employer, specialist minimum, and the floor when the lot has one). The master LP
is solved by HiGHS; new columns are priced by a MILP over the dual-adjusted fits
``fit_p - pi_p`` (Lagrangian pricing), until no column improves or the master is within
``lottery_gap`` of an upper bound (the capped fractional LP, or the Lagrangian bound).
The first columns are samples of the fractional optimum made rule-abiding by
``repair.repair_specialists`` (deterministic seed 0, so the lottery does not depend on the
draw's seed), plus the deterministic optimum.

The draw then picks ONE column with the draw's seeded generator. Every pair's probability
of being seated is exactly ``sum_j lambda_j [p in A_j]`` <= its cap, every realised
assignment meets every rule, and the lottery itself (each assignment with its weight) is
published so anyone can check both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from .instance import FloatArray, Instance, IntArray, SolverOptions
from .lp import LP_METHOD, LPSolution, build_rows
from .repair import RepairFailed, repair_specialists
from .rounding import dependent_round

#: Lottery weights below this are dropped (and the rest renormalised).
_WEIGHT_EPS = 1e-12


@dataclass(frozen=True)
class Lottery:
    """Assignments (each a sorted array of pair indices) and their weights (sum 1)."""

    columns: tuple[IntArray, ...]
    weights: FloatArray
    objective: float
    upper_bound: float
    rounds: int
    status: str

    def marginals(self, n_pairs: int) -> FloatArray:
        """Exact probability of every pair under the lottery."""
        out = np.zeros(n_pairs)
        for col, w in zip(self.columns, self.weights.tolist(), strict=True):
            out[col] += w
        return out

    def pick(self, rng: np.random.Generator) -> int:
        """Index of the column drawn: one uniform number against the cumulative weights."""
        u = rng.random()
        cum = np.cumsum(self.weights)
        j = int(np.searchsorted(cum, u * cum[-1], side="right"))
        return min(j, len(self.columns) - 1)


class LotteryFailed(Exception):
    """No lottery over rule-abiding assignments meets every cap (the caps are tighter than
    any integral assignment allows, although the fractional LP met them)."""


def solve_lottery(
    inst: Instance,
    lp: LPSolution,
    floor_rhs: FloatArray | None,
    options: SolverOptions,
    separated: LPSolution | None = None,
) -> Lottery:
    """Column generation for the capped lottery; see the module docstring. ``separated``
    (the LP whose employer groups do not mix specialists and others) gives further first
    columns: flow samples of it meet every rule and, on average, every cap."""
    cols = np.arange(inst.n_pairs, dtype=np.int64) if lp.columns == inst.n_pairs else lp.column_set
    pricer = _Pricer(inst, cols, floor_rhs, options)
    bound = lp.objective
    columns: list[IntArray] = []
    seen: set[bytes] = set()

    def add(col: IntArray) -> bool:
        key = np.sort(col).astype(np.int64).tobytes()
        if key in seen:
            return False
        seen.add(key)
        columns.append(np.sort(col).astype(np.int64))
        return True

    best = pricer.solve(inst.fit[cols])
    if best is None:
        raise LotteryFailed("no rule-abiding assignment exists over the candidate pairs")
    add(best)
    rng = np.random.Generator(np.random.PCG64(0))
    for _ in range(options.lottery_initial_samples):
        sample = dependent_round(inst, lp.pairs, lp.values, rng, options.integrality_tol)
        try:
            sample, _ = repair_specialists(inst, sample, lp.pairs, options)
        except RepairFailed:
            continue
        if floor_rhs is not None and not _meets_floor(inst, sample, floor_rhs):
            continue
        add(sample)
    if separated is not None:
        for _ in range(options.lottery_initial_samples * 2):
            add(dependent_round(inst, separated.pairs, separated.values, rng, options.integrality_tol))
    t0 = time.perf_counter()
    rounds = 0
    status = "optimal"
    upper = bound
    phase1 = True  # first minimise the caps' total excess (slack), then maximise fit
    while True:
        rounds += 1
        lam, obj, slack, mu, pi_pairs, pi = _master(inst, columns, phase1)
        if phase1 and slack <= options.integrality_tol:
            phase1 = False
            continue
        weights_adj = np.zeros(inst.n_pairs) if phase1 else inst.fit.copy()
        weights_adj[pi_pairs] -= pi
        found = pricer.solve(weights_adj[cols])
        reduced = float(weights_adj[found].sum()) - mu if found is not None else 0.0
        if not phase1 and found is not None:
            # Lagrangian bound: max_A (fit - pi)(A) + sum_p pi_p cap_p
            upper = min(upper, float(weights_adj[found].sum()) + float(pi @ inst.prob_cap[pi_pairs]))
        tol = options.pricing_tol * max(1.0, abs(mu)) + 1e-9
        if phase1 and (found is None or reduced <= tol):
            raise LotteryFailed(f"caps need {slack:.3g} more probability than any lottery can give")
        if not phase1:
            close = obj >= upper - options.lottery_gap * max(abs(upper), 1.0)
            if close or found is None or reduced <= tol:
                break
        if rounds >= options.lottery_max_rounds or time.perf_counter() - t0 > options.lottery_time_limit:
            if phase1:
                raise LotteryFailed("the lottery found no cap-abiding mix within its limits")
            status = "round_limit"
            break
        assert found is not None
        if not add(found):
            if phase1:
                raise LotteryFailed("pricing repeated a column while the caps were still exceeded")
            break
    keep = lam > _WEIGHT_EPS
    weights = lam[keep] / lam[keep].sum()
    chosen_cols = tuple(c for c, k in zip(columns, keep.tolist(), strict=True) if k)
    objective = float(sum(w * float(inst.fit[c].sum()) for c, w in zip(chosen_cols, weights, strict=True)))
    return Lottery(
        columns=chosen_cols,
        weights=weights,
        objective=objective,
        upper_bound=upper,
        rounds=rounds,
        status=status,
    )


def _meets_floor(inst: Instance, chosen: IntArray, floor_rhs: FloatArray) -> bool:
    fit = np.bincount(inst.pair_case[chosen], weights=inst.fit[chosen], minlength=inst.n_cases)
    need = floor_rhs > 0
    return bool(np.all(fit[need] >= floor_rhs[need] - 1e-9))


def _master(
    inst: Instance, columns: list[IntArray], phase1: bool
) -> tuple[FloatArray, float, float, float, IntArray, FloatArray]:
    """Master LP over the columns. Phase 1 minimises the total excess over the caps
    (slack); phase 2 maximises fit with no excess. Returns weights, fit objective, total
    slack, the dual of the convexity row, and the pairs with their cap duals (as
    non-negative prices)."""
    k = len(columns)
    pairs = np.unique(np.concatenate(columns))
    row_of = np.searchsorted(pairs, np.concatenate(columns))
    col_ix = np.repeat(np.arange(k), [c.size for c in columns])
    a = sp.csr_matrix((np.ones(row_of.size), (row_of, col_ix)), shape=(pairs.size, k))
    slack = -sp.identity(pairs.size, format="csr")
    a_ub = sp.hstack([a, slack]).tocsr()
    fits = np.array([float(inst.fit[c].sum()) for c in columns])
    cost = (
        np.concatenate([np.zeros(k), np.ones(pairs.size)])
        if phase1
        else np.concatenate([-fits, np.zeros(pairs.size)])
    )
    bounds = np.column_stack(
        [
            np.zeros(k + pairs.size),
            np.concatenate([np.full(k, np.inf), np.full(pairs.size, np.inf if phase1 else 0.0)]),
        ]
    )
    a_eq = sp.csr_matrix(np.concatenate([np.ones(k), np.zeros(pairs.size)])[None, :])
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=inst.prob_cap[pairs],
        A_eq=a_eq,
        b_eq=np.ones(1),
        bounds=bounds,
        method=LP_METHOD,
    )
    if res.status != 0:
        raise LotteryFailed(f"master LP failed: {res.message}")
    lam = np.clip(res.x[:k], 0.0, None)
    total_slack = float(res.x[k:].sum())
    mu = -float(res.eqlin.marginals[0])
    pi = np.clip(-np.asarray(res.ineqlin.marginals), 0.0, None)
    return lam, float(fits @ lam), total_slack, mu, pairs, pi


class _Pricer:
    """The pricing MILP: the best rule-abiding assignment for given per-pair weights."""

    def __init__(
        self, inst: Instance, cols: IntArray, floor_rhs: FloatArray | None, options: SolverOptions
    ) -> None:
        rows = build_rows(inst, cols, floor_rhs)
        self.cols = cols
        self.a = sp.vstack([rows.a_eq, rows.a_ub]).tocsr()
        self.lb = np.concatenate([rows.b_eq, np.full(rows.b_ub.size, -np.inf)])
        self.ub = np.concatenate([rows.b_eq, rows.b_ub])
        self.options = options

    def solve(self, weights: FloatArray) -> IntArray | None:
        res = milp(
            -weights,
            constraints=LinearConstraint(self.a, self.lb, self.ub),
            bounds=Bounds(np.zeros(self.cols.size), np.ones(self.cols.size)),
            integrality=np.ones(self.cols.size),
            options={"time_limit": self.options.milp_time_limit},
        )
        if res.x is None:
            return None
        return np.sort(self.cols[res.x > 0.5])
