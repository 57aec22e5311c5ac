"""The capped fractional problem (an LP) and its exact integer version (a MILP), on HiGHS.

maximise   sum_p fit_p x_p
subject to sum_{p in case c} x_p                  = panel_size_c      (every panel full)
           sum_{p of expert r} x_p               <= load_cap_r        (loads)
           sum_{p in case c, employer E} x_p     <= 1                 (one per employer)
           sum_{p in case c, specialist} x_p     >= specialist_min_c
           sum_{p in case c} fit_p x_p           >= tau_c * best_c    (floor model only)
           0 <= x_p <= cap_p

Why HiGHS and column generation rather than a min-cost-flow code: the specialist and floor
rows cross the employer rows, so the problem is not a pure network; an LP takes them exactly.
Solving the LP over all 19.6 M pairs of a 10,000 x 2,000 lot would take HiGHS minutes, so
large instances start from each case's best candidates and add every pair whose reduced cost
(against the restricted LP's duals) is positive, until none is: the result is the optimum of
the full LP, not an approximation. Group rows exist only for (case, employer) groups with two
or more columns; an absent row has dual 0, which is complementary-slack-valid because a
single column with cap <= 1 cannot violate it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, linprog, milp

from .instance import FloatArray, Instance, IntArray, SolverOptions

LP_METHOD = "highs-ds"


@dataclass(frozen=True)
class _Rows:
    """Constraint matrices for a column subset, and what each block of rows means."""

    a_eq: sp.csr_matrix
    b_eq: FloatArray
    a_ub: sp.csr_matrix
    b_ub: FloatArray
    group_keys: IntArray  # sorted keys of the group rows, in row order
    spec_cases: IntArray
    floor_cases: IntArray


@dataclass(frozen=True)
class LPSolution:
    """Support of an optimal LP solution: pair indices (sorted) and their values."""

    pairs: IntArray
    values: FloatArray
    objective: float
    columns: int
    rounds: int
    status: str
    column_set: IntArray  # every pair the LP had as a column (all pairs, or the CG set)
    #: Reduced cost of each column of ``column_set`` at its lower bound (>= 0; a pair with
    #: a positive one is 0 in every optimal solution): None when not known.
    lower_reduced: FloatArray | None = None


@dataclass(frozen=True)
class Slacks:
    """Slack left per rule by an elastic LP: seats per case, specialists and floor per row."""

    seats: FloatArray
    specialists: FloatArray
    spec_cases: IntArray
    floor: FloatArray
    floor_cases: IntArray


class RestrictedInfeasible(Exception):
    """The LP has no solution. ``slacks`` (from column generation's elastic LP, when it
    decided) says which rules of which cases could not be met; else the caller diagnoses."""

    def __init__(self, message: str, slacks: Slacks | None = None) -> None:
        super().__init__(message)
        self.slacks = slacks


def build_rows(inst: Instance, cols: IntArray, floor_rhs: FloatArray | None) -> _Rows:
    """Sparse rows for the columns ``cols`` (pair indices), built in one vectorised pass."""
    n, m, k = inst.n_cases, inst.n_experts, cols.size
    pc, pe = inst.pair_case[cols], inst.pair_expert[cols]
    col_ix = np.arange(k)
    a_eq = sp.csr_matrix((np.ones(k), (pc, col_ix)), shape=(n, k))

    keys = inst.group_key(cols)
    uniq, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
    multi = counts >= 2
    group_row = np.cumsum(multi) - 1  # row index of each unique group, if multi
    in_group = multi[inv]
    g_rows = m + group_row[inv[in_group]]
    n_groups = int(multi.sum())

    spec_cases = np.flatnonzero(inst.specialist_min > 0)
    spec_row_of_case = np.full(n, -1, dtype=np.int64)
    spec_row_of_case[spec_cases] = m + n_groups + np.arange(spec_cases.size)
    is_spec = inst.specialist[cols] & (spec_row_of_case[pc] >= 0)

    floor_cases = np.zeros(0, dtype=np.int64) if floor_rhs is None else np.flatnonzero(floor_rhs > 0)
    floor_row_of_case = np.full(n, -1, dtype=np.int64)
    base = m + n_groups + spec_cases.size
    floor_row_of_case[floor_cases] = base + np.arange(floor_cases.size)
    in_floor = floor_row_of_case[pc] >= 0

    rows = np.concatenate([pe, g_rows, spec_row_of_case[pc[is_spec]], floor_row_of_case[pc[in_floor]]])
    cix = np.concatenate([col_ix, col_ix[in_group], col_ix[is_spec], col_ix[in_floor]])
    vals = np.concatenate(
        [np.ones(k), np.ones(int(in_group.sum())), -np.ones(int(is_spec.sum())), -inst.fit[cols][in_floor]]
    )
    n_ub = base + floor_cases.size
    a_ub = sp.csr_matrix((vals, (rows, cix)), shape=(n_ub, k))
    b_ub = np.concatenate(
        [
            inst.load_cap.astype(np.float64),
            np.ones(n_groups),
            -inst.specialist_min[spec_cases].astype(np.float64),
            -(floor_rhs[floor_cases] if floor_rhs is not None else np.zeros(0)),
        ]
    )
    return _Rows(
        a_eq=a_eq,
        b_eq=inst.panel_size.astype(np.float64),
        a_ub=a_ub,
        b_ub=b_ub,
        group_keys=uniq[multi],
        spec_cases=spec_cases,
        floor_cases=floor_cases,
    )


def initial_candidates(inst: Instance, options: SolverOptions) -> IntArray:
    """Each case's best pairs by fit, and its best specialists, as the first columns."""
    picked: list[IntArray] = []
    starts = inst.case_start
    for c in range(inst.n_cases):
        s, e = int(starts[c]), int(starts[c + 1])
        if e == s:
            continue
        cap = float(inst.prob_cap[s:e].min())
        want = max(
            options.min_candidates_per_case,
            math.ceil(options.candidates_factor * int(inst.panel_size[c]) / cap**1.5),
        )
        picked.append(s + _top(inst.fit[s:e], want))
        if inst.specialist_min[c] > 0:
            spec = np.flatnonzero(inst.specialist[s:e])
            picked.append(s + spec[_top(inst.fit[s:e][spec], want)])
    if not picked:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(picked))


def _top(values: FloatArray, k: int) -> IntArray:
    if k >= values.size:
        return np.arange(values.size, dtype=np.int64)
    return np.argpartition(-values, k - 1)[:k].astype(np.int64)


def _solve_restricted(
    inst: Instance, cols: IntArray, floor_rhs: FloatArray | None, penalty: float | None = None
) -> tuple[OptimizeResult, _Rows, float]:
    """LP over ``cols``; with ``penalty`` every panel, specialist and floor row gets a
    slack column costing ``penalty`` per unit, so a small column set is never infeasible
    and its duals (bounded by the penalty) still price the missing columns. Returns the
    result, the rows and the total slack used."""
    rows = build_rows(inst, cols, floor_rhs)
    a_eq, a_ub, cost = rows.a_eq, rows.a_ub, -inst.fit[cols]
    bounds = np.column_stack([np.zeros(cols.size), inst.prob_cap[cols]])
    if penalty is not None:
        n, n_ub = inst.n_cases, rows.b_ub.size
        n_soft = rows.spec_cases.size + rows.floor_cases.size
        soft = sp.csr_matrix(
            (-np.ones(n_soft), (np.arange(n_ub - n_soft, n_ub), np.arange(n_soft))), shape=(n_ub, n_soft)
        )
        a_eq = sp.hstack([a_eq, sp.identity(n, format="csr"), sp.csr_matrix((n, n_soft))]).tocsr()
        a_ub = sp.hstack([a_ub, sp.csr_matrix((n_ub, n)), soft]).tocsr()
        cost = np.concatenate([cost, np.full(n + n_soft, penalty)])
        bounds = np.vstack([bounds, np.column_stack([np.zeros(n + n_soft), np.full(n + n_soft, np.inf)])])
    res = linprog(cost, A_ub=a_ub, b_ub=rows.b_ub, A_eq=a_eq, b_eq=rows.b_eq, bounds=bounds, method=LP_METHOD)
    slack = float(res.x[cols.size :].sum()) if res.status == 0 and penalty is not None else 0.0
    return res, rows, slack


def _price(
    inst: Instance,
    res: OptimizeResult,
    rows: _Rows,
    in_cols: np.ndarray,
    options: SolverOptions,  # type: ignore[no-untyped-def]
) -> IntArray:
    """Pairs outside the column set with an improving reduced cost, best few per case."""
    n, m = inst.n_cases, inst.n_experts
    u = res.eqlin.marginals
    y = res.ineqlin.marginals
    ng = rows.group_keys.size
    v = y[:m]
    g = y[m : m + ng]
    sigma = np.zeros(n)
    sigma[rows.spec_cases] = y[m + ng : m + ng + rows.spec_cases.size]
    phi = np.zeros(n)
    phi[rows.floor_cases] = y[m + ng + rows.spec_cases.size :]
    pc, pe, w = inst.pair_case, inst.pair_expert, inst.fit
    # reduced cost of the minimisation form (cost -w): negative means improving
    dual = u[pc] + v[pe] - sigma[pc] * inst.specialist - phi[pc] * w
    active = np.flatnonzero(g < -options.pricing_tol)
    if active.size:
        keys = inst.group_key()
        pos = np.searchsorted(rows.group_keys[active], keys)
        pos_c = np.minimum(pos, active.size - 1)
        hit = rows.group_keys[active][pos_c] == keys
        dual = dual + np.where(hit, g[active][pos_c], 0.0)
    rc = -w - dual
    cand = np.flatnonzero((rc < -options.pricing_tol) & ~in_cols)
    if cand.size == 0:
        return cand
    # keep the most improving few per case, deterministically
    order = np.lexsort((cand, rc[cand], pc[cand]))
    cand = cand[order]
    cc = pc[cand]
    first = np.searchsorted(cc, cc)
    rank = np.arange(cand.size) - first
    return np.sort(cand[rank < options.columns_per_round])


def solve_lp(inst: Instance, floor_rhs: FloatArray | None, options: SolverOptions) -> LPSolution:
    """Optimal LP solution over all pairs (column generation above the threshold)."""
    if inst.n_pairs <= options.column_generation_threshold:
        return _solve_full(inst, floor_rhs)
    spread = float(np.ptp(inst.fit)) + 1.0
    top_floor = 0.0 if floor_rhs is None else float(np.abs(floor_rhs).max(initial=0.0))
    penalty = options.slack_penalty * spread * (1.0 + top_floor)
    cols = initial_candidates(inst, options)
    rounds = 0
    escalated = False
    elastic: float | None = None  # plain LP first (faster); elastic once it is infeasible
    while True:
        rounds += 1
        res, rows, slack = _solve_restricted(inst, cols, floor_rhs, elastic)
        if res.status == 2 and elastic is None:
            elastic = penalty
            continue
        if res.status != 0:
            raise RestrictedInfeasible(res.message)
        in_cols = np.zeros(inst.n_pairs, dtype=bool)
        in_cols[cols] = True
        new = _price(inst, res, rows, in_cols, options)
        if new.size and rounds < options.max_pricing_rounds:
            cols = np.union1d(cols, new)
            continue
        if slack > options.integrality_tol:
            # slack left after pricing converged: the elastic optimum over ALL pairs uses
            # it. With a penalty this large that means infeasible; raise it once more to
            # rule out a penalty too small to tell, then report which rules gave way.
            if escalated:
                raise RestrictedInfeasible(
                    "no feasible fractional assignment", _slacks(inst, cols, res, rows)
                )
            elastic = penalty * options.slack_escalation
            escalated = True
            continue
        x = res.x[: cols.size]
        status = "optimal" if new.size == 0 else "pricing_round_limit"
        sol = _support(cols, x, float(inst.fit[cols] @ x), cols.size, rounds, status)
        return replace(sol, lower_reduced=np.asarray(res.lower.marginals[: cols.size]))


def _slacks(inst: Instance, cols: IntArray, res: OptimizeResult, rows: _Rows) -> Slacks:
    tail = res.x[cols.size :]
    n, n_spec = inst.n_cases, rows.spec_cases.size
    return Slacks(
        seats=tail[:n],
        specialists=tail[n : n + n_spec],
        spec_cases=rows.spec_cases,
        floor=tail[n + n_spec :],
        floor_cases=rows.floor_cases,
    )


def _solve_full(inst: Instance, floor_rhs: FloatArray | None) -> LPSolution:
    cols = np.arange(inst.n_pairs, dtype=np.int64)
    res, _, _ = _solve_restricted(inst, cols, floor_rhs)
    if res.status != 0:
        raise RestrictedInfeasible(res.message)
    sol = _support(cols, res.x, -float(res.fun), cols.size, 1)
    return replace(sol, lower_reduced=np.asarray(res.lower.marginals[: cols.size]))


def _support(
    cols: IntArray,
    x: FloatArray,
    objective: float,
    n_cols: int,
    rounds: int,
    status: str = "optimal",
) -> LPSolution:
    nz = x > 1e-12
    return LPSolution(
        pairs=cols[nz],
        values=x[nz],
        objective=objective,
        columns=n_cols,
        rounds=rounds,
        status=status,
        column_set=cols,
    )


class MILPTimeout(Exception):
    """The MILP found no integer solution within its time limit (which proves nothing)."""


@dataclass(frozen=True)
class MILPSolution:
    pairs: IntArray
    objective: float
    gap: float
    status: str


def solve_milp(
    inst: Instance, cols: IntArray, floor_rhs: FloatArray | None, options: SolverOptions
) -> MILPSolution:
    """Exact integer optimum over the columns ``cols`` (all pairs for an exact answer)."""
    rows = build_rows(inst, cols, floor_rhs)
    a = sp.vstack([rows.a_eq, rows.a_ub]).tocsr()
    lb = np.concatenate([rows.b_eq, np.full(rows.b_ub.size, -np.inf)])
    ub = np.concatenate([rows.b_eq, rows.b_ub])
    res = milp(
        -inst.fit[cols],
        constraints=LinearConstraint(a, lb, ub),
        bounds=Bounds(np.zeros(cols.size), np.ones(cols.size)),
        integrality=np.ones(cols.size),
        options={"time_limit": options.milp_time_limit},
    )
    if res.x is None:
        if res.status == 1:  # time limit before any integer solution: no verdict
            raise MILPTimeout(res.message)
        raise RestrictedInfeasible(res.message)
    chosen = cols[res.x > 0.5]
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    return MILPSolution(
        pairs=chosen,
        objective=float(inst.fit[chosen].sum()),
        gap=gap,
        status="optimal" if res.status == 0 else "time_limit",
    )


def balance_lp(
    inst: Instance,
    lp: LPSolution,
    floor_rhs: FloatArray | None,
    tolerance: float,
) -> LPSolution:
    """Among fractional assignments within ``tolerance`` (relative) of the optimum ``lp``,
    the one whose loads are most even: minimise sum_r sum_{j>=1} max(0, load_r - j), a
    convex penalty with a kink at every integer, so a load above another's by more than
    one always costs more. Realised loads are floor or ceil of these fractional loads.

    Solved over the column set the optimum used (all pairs below the column-generation
    threshold); the fit row keeps the total within the tolerance, so the objective never
    drops by more than that. Only columns whose reduced cost is within the tolerance take
    part: at tolerance 0 that is exact (a column with a positive reduced cost is zero in
    every optimal solution, by complementary slackness)."""
    cols = lp.column_set
    if lp.lower_reduced is not None:
        slack_rc = tolerance * abs(lp.objective) + 1e-9 * (float(np.ptp(inst.fit)) + 1.0)
        cols = cols[lp.lower_reduced <= slack_rc]
    rows = build_rows(inst, cols, floor_rhs)
    k = cols.size
    pe = inst.pair_expert[cols]
    experts = np.unique(pe)
    m_u = experts.size
    deg = np.bincount(pe, minlength=inst.n_experts)[experts]
    levels = np.maximum(0, np.minimum(inst.load_cap[experts], deg) - 1)
    n_e = int(levels.sum())
    e_expert = np.repeat(np.arange(m_u), levels)  # local expert index of each level var
    first = np.cumsum(levels) - levels
    e_level = np.arange(n_e) - np.repeat(first, levels) + 1  # j = 1..levels
    n_var = k + m_u + n_e
    # equalities: panels; load_r - sum x = 0
    load_rows = sp.csr_matrix(
        (
            np.concatenate([-np.ones(k), np.ones(m_u)]),
            (
                np.concatenate([np.searchsorted(experts, pe), np.arange(m_u)]),
                np.concatenate([np.arange(k), k + np.arange(m_u)]),
            ),
        ),
        shape=(m_u, n_var),
    )
    a_eq = sp.vstack([sp.hstack([rows.a_eq, sp.csr_matrix((inst.n_cases, m_u + n_e))]), load_rows]).tocsr()
    b_eq = np.concatenate([rows.b_eq, np.zeros(m_u)])
    span = max(abs(lp.objective), 1.0)
    need = lp.objective - tolerance * abs(lp.objective) - 1e-9 * span
    fit_row = sp.csr_matrix(np.concatenate([-inst.fit[cols], np.zeros(m_u + n_e)])[None, :])
    lvl = sp.csr_matrix(
        (
            np.concatenate([np.ones(n_e), -np.ones(n_e)]),
            (
                np.concatenate([np.arange(n_e), np.arange(n_e)]),
                np.concatenate([k + e_expert, k + m_u + np.arange(n_e)]),
            ),
        ),
        shape=(n_e, n_var),
    )
    a_ub = sp.vstack(
        [sp.hstack([rows.a_ub, sp.csr_matrix((rows.b_ub.size, m_u + n_e))]), fit_row, lvl]
    ).tocsr()
    b_ub = np.concatenate([rows.b_ub, [-need], e_level.astype(np.float64)])
    cost = np.concatenate([np.zeros(k + m_u), np.ones(n_e)])
    bounds = np.column_stack(
        [np.zeros(n_var), np.concatenate([inst.prob_cap[cols], np.full(m_u + n_e, np.inf)])]
    )
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method=LP_METHOD,
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if res.status != 0:  # numerically the optimum itself is feasible: keep it
        return lp
    x = res.x[:k]
    if np.any(x > inst.prob_cap[cols] + 1e-12):  # beyond HiGHS' tolerance: keep the vertex
        return lp
    sol = _support(cols, x, float(inst.fit[cols] @ x), lp.columns, lp.rounds, lp.status)
    return replace(sol, column_set=lp.column_set)
