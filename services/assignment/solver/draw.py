"""The panel draw: capped LP, then an exact sampler (or the exact optimum at cap 1).

Which guarantee holds for which rule, on EVERY returned assignment:

================================  ====================================================
rule                              guarantee
================================  ====================================================
eligibility (conflicts, rotation  exact: only pairs of the instance exist
bans, availability)
panel size                        exact: flow conservation / every lottery column
load cap per expert               exact: floor/ceil of a value <= cap / every column
one expert per employer per case  exact: the (case, employer) edge stays in [0, 1]
specialist minimum                exact: a tier edge of the flow where no case mixes
                                  specialists and others inside one employer group;
                                  else every column of the exact lottery meets it
probability cap per pair          exact on the realised draw: the marginal of the
                                  published procedure is the LP value (flow path) or
                                  the lottery's sum (lottery path), both <= the cap
                                  (after the cap policy, ``caps``, raised it for a
                                  case that could not be served otherwise)
fairness floor tau                exact per panel at cap 1 (MILP) and on the lottery
                                  path; in expectation only on the flow path
================================  ====================================================

Same instance + same seed -> same assignment: the LP is solved by HiGHS dual simplex
(deterministic), all arrays are in canonical order, the lottery is computed without the
seed, and the only random numbers come from ``numpy.random.Generator(PCG64(seed))``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

from .caps import CAP_POLICIES, CapRaise, raise_caps
from .diagnose import CaseDiagnosis, InfeasibleError, elastic, from_slacks, precheck
from .instance import FloatArray, Instance, IntArray, SolverOptions
from .lottery import Lottery, LotteryFailed, solve_lottery
from .lp import LPSolution, MILPTimeout, RestrictedInfeasible, balance_lp, solve_lp, solve_milp
from .repair import Repair, repair_specialists
from .rounding import dependent_round, mixed_cases

#: Bump when a change to the algorithm would change the panels drawn from the same seed.
#: /2: first-round columns scale with cap**1.5. /3: no repair after sampling (exact
#: lottery where the flow cannot carry the specialist rule), cap policy, load balance.
ALGORITHM = "dgcp-capped-lp-dependent-rounding-or-lottery/3"


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
    cap_raises: tuple[CapRaise, ...] = ()
    lottery: Lottery | None = None
    #: Largest probability any pair has of being seated, and the largest excess of a
    #: pair's probability over its (possibly raised) cap (<= 0 up to rounding).
    max_marginal: float = 0.0
    max_cap_excess: float = 0.0
    prob_cap: FloatArray | None = None  # caps per pair after the cap policy
    loads: dict[str, float] = field(default_factory=dict)

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


@dataclass(frozen=True)
class Plan:
    """Everything a draw decides before its seed is used: the (cap-raised) instance, the
    probabilities, and the sampler that realises them. :meth:`sample` draws with a seed;
    the plan itself is the same for every seed, so its marginals are the published ones."""

    inst: Instance
    method: str  # "flow", "flow-separated", "lottery" or "deterministic"
    lp: LPSolution
    expected_objective: float  # capped fractional optimum (an upper bound)
    marginal_pairs: IntArray
    marginal_values: FloatArray
    floor_rhs: FloatArray | None
    best: FloatArray | None
    raises: tuple[CapRaise, ...]
    stats: dict[str, float | int | str]
    options: SolverOptions
    flow_pairs: IntArray | None = None  # support on the flow paths (original pair indices)
    flow_values: FloatArray | None = None
    lottery: Lottery | None = None
    deterministic: IntArray | None = None

    def sample(self, seed: int) -> DrawResult:
        t0 = time.perf_counter()
        inst, opts = self.inst, self.options
        rng = np.random.Generator(np.random.PCG64(seed))
        stats = dict(self.stats)
        repairs: list[Repair] = []
        marg_pairs, marg_vals = self.marginal_pairs, self.marginal_values
        if self.deterministic is not None:
            chosen, method = self.deterministic, str(stats.get("deterministic_method", "milp"))
            if method == "lp-dependent-rounding-after-milp":
                chosen = dependent_round(inst, self.lp.pairs, self.lp.values, rng, opts.integrality_tol)
                chosen, repairs = repair_specialists(inst, chosen, self.lp.pairs, opts)
                marg_pairs, marg_vals = chosen, np.ones(chosen.size)
        elif self.lottery is not None:
            chosen, method = self.lottery.columns[self.lottery.pick(rng)], "lottery"
        else:
            assert self.flow_pairs is not None and self.flow_values is not None
            chosen = dependent_round(inst, self.flow_pairs, self.flow_values, rng, opts.integrality_tol)
            method = "dependent-rounding" if self.method == "flow" else "dependent-rounding-separated-groups"
        violations = check_assignment(inst, chosen)
        if violations:  # a bug, not an infeasible lot: never hand out a rule-breaking panel
            raise AssertionError(f"draw broke its own rules: {violations[:5]}")
        panel_fit = np.bincount(
            inst.pair_case[chosen], weights=inst.fit[chosen], minlength=inst.n_cases
        ).astype(np.float64)
        expected_fit = np.bincount(
            inst.pair_case[marg_pairs], weights=inst.fit[marg_pairs] * marg_vals, minlength=inst.n_cases
        )
        weakest = int(np.argmin(panel_fit)) if inst.n_cases else -1
        load = np.bincount(inst.pair_expert[chosen], minlength=inst.n_experts)
        used = load[load > 0]
        stats["seconds_sample"] = time.perf_counter() - t0
        return DrawResult(
            seed=seed,
            pairs=chosen,
            marginal_pairs=marg_pairs,
            marginal_values=marg_vals,
            expected_objective=float(inst.fit[marg_pairs] @ marg_vals),
            realised_objective=float(inst.fit[chosen].sum()),
            panel_fit=panel_fit,
            weakest_panel_fit=float(panel_fit[weakest]) if weakest >= 0 else 0.0,
            weakest_case=weakest,
            expected_weakest_panel_fit=float(expected_fit.min()) if inst.n_cases else 0.0,
            method=method,
            repairs=tuple(repairs),
            versions=solver_versions(),
            stats=stats,
            best_panel_fit=self.best,
            cap_raises=self.raises,
            lottery=self.lottery,
            max_marginal=float(marg_vals.max(initial=0.0)),
            max_cap_excess=float((marg_vals - inst.prob_cap[marg_pairs]).max(initial=-1.0)),
            prob_cap=inst.prob_cap,
            loads={
                "largest": float(used.max(initial=0)),
                "mean": float(used.mean()) if used.size else 0.0,
                "experts_used": float(used.size),
                "capped_optimum": self.expected_objective,
            },
        )


def draw(
    inst: Instance,
    seed: int,
    *,
    options: SolverOptions | None = None,
    report_best: bool = False,
    cap_policy: str = "raise",
    balance_tolerance: float | None = 0.0,
) -> DrawResult:
    """Draw panels for every case or raise :class:`InfeasibleError` naming the cases.

    ``cap_policy``: ``raise`` lifts the cap of a case that cannot be served under it to the
    least value that can (each raise is returned); ``strict`` refuses such a lot.
    ``balance_tolerance``: among assignments within this relative distance of the best fit
    (0: exact ties only), the loads are spread as evenly as the rules allow; None turns
    balancing off (cap 1 draws are not balanced: the MILP keeps its optimum).
    """
    t0 = time.perf_counter()
    plan = prepare(
        inst,
        options=options,
        report_best=report_best,
        cap_policy=cap_policy,
        balance_tolerance=balance_tolerance,
    )
    result = plan.sample(seed)
    result.stats["seconds_total"] = time.perf_counter() - t0
    return result


def prepare(
    inst: Instance,
    *,
    options: SolverOptions | None = None,
    report_best: bool = False,
    cap_policy: str = "raise",
    balance_tolerance: float | None = 0.0,
) -> Plan:
    """Everything but the seed: see :func:`draw`."""
    if cap_policy not in CAP_POLICIES:
        raise ValueError(f"cap_policy must be one of {CAP_POLICIES}")
    opts = options or SolverOptions()
    t0 = time.perf_counter()
    raises: list[CapRaise] = []
    if cap_policy == "raise" and not inst.deterministic:
        inst, raises = raise_caps(inst)
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
    bound = lp.objective
    if balance_tolerance is not None and not inst.deterministic:
        lp = balance_lp(inst, lp, floor_rhs, balance_tolerance)
    stats: dict[str, float | int | str] = {
        "lp_columns": lp.columns,
        "lp_rounds": lp.rounds,
        "lp_status": lp.status,
        "capped_lp_bound": bound,
    }
    common = {
        "inst": inst,
        "lp": lp,
        "expected_objective": bound,
        "floor_rhs": floor_rhs,
        "best": best,
        "raises": tuple(raises),
        "stats": stats,
        "options": opts,
    }
    vals = lp.values
    integral = bool(np.all(np.abs(vals - np.round(vals)) <= opts.integrality_tol))
    if inst.deterministic:
        if integral:
            chosen, method = np.sort(lp.pairs[vals > 0.5]), "lp-integral-vertex"
        else:
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
                # instead (cap 1: no cap to keep); every hard rule holds after the repair
                chosen, method = lp.pairs, "lp-dependent-rounding-after-milp"
                stats["milp_status"] = (
                    "time_limit" if isinstance(err, MILPTimeout) else "infeasible_on_column_subset"
                )
        stats["deterministic_method"] = method
        stats["seconds_prepare"] = time.perf_counter() - t0
        return Plan(
            method="deterministic",
            marginal_pairs=chosen,
            marginal_values=np.ones(chosen.size),
            deterministic=chosen,
            **common,  # type: ignore[arg-type]
        )
    mixed = mixed_cases(inst, lp.pairs, vals, opts.integrality_tol)
    if mixed.size == 0:
        stats["seconds_prepare"] = time.perf_counter() - t0
        return Plan(
            method="flow",
            marginal_pairs=lp.pairs,
            marginal_values=vals,
            flow_pairs=lp.pairs,
            flow_values=vals,
            **common,  # type: ignore[arg-type]
        )
    stats["mixed_cases"] = int(mixed.size)
    separated = _separate_groups(inst, lp, floor_rhs, opts, balance_tolerance)
    good_enough = (
        separated is not None
        and separated.objective >= opts.separated_min_ratio * bound - 1e-9 * max(1.0, abs(bound))
    )
    lottery_error = ""
    if not good_enough:
        try:
            lottery = solve_lottery(inst, lp, floor_rhs, opts, separated)
        except LotteryFailed as err:
            if separated is None:
                raise InfeasibleError(
                    [CaseDiagnosis(-1, "NO_INTEGRAL_LOTTERY", 0.0, 0.0, str(err))]
                ) from None
            # the lottery found no answer within its limits: the separated flow is still
            # exact on every rule and every cap, only further below the capped optimum
            lottery_error = str(err)
        else:
            full = lottery.marginals(inst.n_pairs)
            support = np.flatnonzero(full > 0)
            stats.update(
                lottery_columns=len(lottery.columns),
                lottery_rounds=lottery.rounds,
                lottery_status=lottery.status,
                lottery_upper_bound=lottery.upper_bound,
                seconds_prepare=time.perf_counter() - t0,
            )
            return Plan(
                method="lottery",
                marginal_pairs=support,
                marginal_values=full[support],
                lottery=lottery,
                **common,  # type: ignore[arg-type]
            )
    if separated is not None:
        if lottery_error:
            stats["lottery_failed"] = lottery_error
        stats["separated_objective"] = separated.objective
        stats["seconds_prepare"] = time.perf_counter() - t0
        return Plan(
            method="flow-separated",
            marginal_pairs=separated.pairs,
            marginal_values=separated.values,
            flow_pairs=separated.pairs,
            flow_values=separated.values,
            **common,  # type: ignore[arg-type]
        )
    raise AssertionError("unreachable: the lottery either returned or raised")


def _separate_groups(
    inst: Instance,
    lp: LPSolution,
    floor_rhs: FloatArray | None,
    opts: SolverOptions,
    balance_tolerance: float | None,
) -> LPSolution | None:
    """The capped LP restricted so that no case mixes, inside one employer group,
    specialists and others with fractional mass: in each mixed group the side with less
    mass is left out, and the LP is solved again, until no group mixes. Its solution is
    then carried exactly by the flow network; None when that takes too many rounds or
    leaves no feasible LP. Pair indices of the result are those of ``inst``."""
    allowed = np.ones(inst.n_pairs, dtype=bool)
    current = lp
    for _ in range(opts.separation_rounds):
        fp_mask = (current.values > opts.integrality_tol) & (current.values < 1 - opts.integrality_tol)
        fp, fv = current.pairs[fp_mask], current.values[fp_mask]
        keys = inst.group_key(fp)
        uniq, inv = np.unique(keys, return_inverse=True)
        spec = inst.specialist[fp]
        n_spec = np.bincount(inv, weights=spec, minlength=uniq.size)
        n_all = np.bincount(inv, minlength=uniq.size)
        case_of = uniq // (int(inst.employer.max(initial=0)) + 1 + inst.n_experts)
        mixed = (n_spec > 0) & (n_spec < n_all) & (inst.specialist_min[case_of] > 0)
        if not mixed.any():
            if balance_tolerance is not None and current is not lp:
                sub = _subinstance(inst, np.flatnonzero(allowed))
                kept = np.flatnonzero(allowed)
                local = LPSolution(
                    pairs=np.searchsorted(kept, current.pairs),
                    values=current.values,
                    objective=current.objective,
                    columns=current.columns,
                    rounds=current.rounds,
                    status=current.status,
                    column_set=np.searchsorted(kept, current.column_set),
                    lower_reduced=current.lower_reduced,
                )
                sol = balance_lp(sub, local, floor_rhs, balance_tolerance)
                return replace(sol, pairs=kept[sol.pairs], column_set=kept[sol.column_set])
            return current
        spec_mass = np.bincount(inv, weights=fv * spec, minlength=uniq.size)
        other_mass = np.bincount(inv, weights=fv * ~spec, minlength=uniq.size)
        drop_spec = spec_mass < other_mass  # leave out the lighter side
        all_keys = inst.group_key()
        pos = np.searchsorted(uniq, all_keys)
        pos_c = np.minimum(pos, uniq.size - 1)
        hit = (uniq[pos_c] == all_keys) & mixed[pos_c]
        drop = hit & np.where(drop_spec[pos_c], inst.specialist, ~inst.specialist)
        allowed &= ~drop
        kept = np.flatnonzero(allowed)
        sub = _subinstance(inst, kept)
        if precheck(sub):
            return None
        try:
            sol = solve_lp(sub, floor_rhs, opts)
        except RestrictedInfeasible:
            return None
        current = LPSolution(
            pairs=kept[sol.pairs],
            values=sol.values,
            objective=sol.objective,
            columns=sol.columns,
            rounds=sol.rounds,
            status=sol.status,
            column_set=kept[sol.column_set],
            lower_reduced=sol.lower_reduced,
        )
    return None


def _subinstance(inst: Instance, kept: IntArray) -> Instance:
    """The instance over the pairs ``kept`` (sorted), which keep their relative order."""
    return Instance.build(
        n_cases=inst.n_cases,
        n_experts=inst.n_experts,
        pair_case=inst.pair_case[kept],
        pair_expert=inst.pair_expert[kept],
        fit=inst.fit[kept],
        specialist=inst.specialist[kept],
        prob_cap=inst.prob_cap[kept],
        panel_size=inst.panel_size,
        specialist_min=inst.specialist_min,
        floor_tau=inst.floor_tau,
        load_cap=inst.load_cap,
        employer=inst.employer,
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
