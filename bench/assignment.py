"""Benchmark of the panel draw (prints, never asserts).

    .venv/bin/python bench/assignment.py            # 2,000 x 400 and 10,000 x 2,000
    .venv/bin/python bench/assignment.py --quick    # 2,000 x 400 only

Instances: 3 experts per case, load <= 16, 2% conflicts, seeded; uniform affinities and a
clustered variant where a fifth of the industries have very few experts. For each it
prints time, total fit and weakest panel for the deterministic draw (cap 1), the randomised
draw (cap 0.5), the floor model, and a baseline: the raw solver on the bare problem
(HiGHS on the full LP without employer/specialist rows; OR-tools min-cost flow too when
it happens to be installed, it is not a dependency). Ratios are against the baseline
measured in the same run. Peak memory is the process high-water mark (ru_maxrss) so far.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.stats import binom

from services.assignment.solver import InfeasibleError, Instance, SolverOptions, draw
from services.assignment.solver.draw import prepare
from services.assignment.solver.synthetic import synthetic


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bare_highs(inst: Instance) -> float:
    """Full LP with panel and load rows only, every pair a column (the raw-solver baseline)."""
    p = inst.n_pairs
    a_eq = sp.csr_matrix((np.ones(p), (inst.pair_case, np.arange(p))), shape=(inst.n_cases, p))
    a_ub = sp.csr_matrix((np.ones(p), (inst.pair_expert, np.arange(p))), shape=(inst.n_experts, p))
    res = linprog(
        -inst.fit,
        A_ub=a_ub,
        b_ub=inst.load_cap.astype(float),
        A_eq=a_eq,
        b_eq=inst.panel_size.astype(float),
        bounds=(0, 1),
        method="highs-ds",
    )
    return -float(res.fun)


def bare_ortools(inst: Instance) -> float | None:
    """The same bare problem as a min-cost flow on OR-tools, if installed (arcs in one call)."""
    try:
        from ortools.graph.python import min_cost_flow
    except ImportError:
        return None
    n, m, p = inst.n_cases, inst.n_experts, inst.n_pairs
    src, dst = n + m, n + m + 1
    scale = 1e6
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([np.full(n, src), inst.pair_case, n + np.arange(m)])
    heads = np.concatenate([np.arange(n), n + inst.pair_expert, np.full(m, dst)])
    caps = np.concatenate([inst.panel_size, np.ones(p, dtype=np.int64), inst.load_cap])
    costs = np.concatenate([np.zeros(n), -np.round(inst.fit * scale), np.zeros(m)]).astype(np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supply = np.zeros(n + m + 2, dtype=np.int64)
    supply[src], supply[dst] = inst.panel_size.sum(), -inst.panel_size.sum()
    flow.set_nodes_supplies(np.arange(n + m + 2), supply)
    if flow.solve() != flow.OPTIMAL:
        return None
    return -flow.optimal_cost() / scale


def relative(result: Any) -> float:
    """Weakest panel relative to its case's best possible panel (what the floor bounds)."""
    best = result.best_panel_fit
    return float(np.nanmin(result.panel_fit / best)) if best is not None else float("nan")


def run(n: int, m: int, clustered: bool, tau: float, highs_baseline: bool) -> None:
    label = f"{n}x{m} {'clustered' if clustered else 'uniform'}"
    kw: dict[str, Any] = {"seed": 2026, "clustered": clustered}
    det, t_build = timed(lambda: synthetic(n, m, **kw))
    print(f"\n== {label}: {det.n_pairs:,} eligible pairs, built in {t_build:.1f}s, peak {peak_mb():.0f} MB")
    baselines: dict[str, float] = {}
    if highs_baseline:
        obj, t = timed(lambda: bare_highs(det))
        baselines["HiGHS bare LP"] = t
        print(f"  baseline HiGHS bare LP      {t:7.2f}s  total {obj:12.3f}")
    ort, t = timed(lambda: bare_ortools(det))
    if ort is not None:
        baselines["OR-tools bare flow"] = t
        print(f"  baseline OR-tools bare flow {t:7.2f}s  total {ort:12.3f}")

    def ratios(seconds: float) -> str:
        return "  ".join(f"{seconds / b:6.2f}x {name}" for name, b in baselines.items())

    d, t_det = timed(lambda: draw(det, 1, report_best=True))
    exact_gap = "0 (LP bound reached)" if d.method == "lp-integral-vertex" else d.stats.get("milp_gap")
    print(
        f"  deterministic (cap 1)       {t_det:7.2f}s  total {d.realised_objective:12.3f}  "
        f"weakest {d.weakest_panel_fit:6.3f}  [{d.method}; gap to exact optimum {exact_gap}]  "
        f"peak {peak_mb():.0f} MB  {ratios(t_det)}"
    )
    rnd_inst = synthetic(n, m, prob_cap=0.5, **kw)
    r, t_rnd = timed(lambda: draw(rnd_inst, 1))
    print(
        f"  randomised (cap 0.5)        {t_rnd:7.2f}s  total {r.realised_objective:12.3f}  "
        f"weakest {r.weakest_panel_fit:6.3f}  expected {r.expected_objective:.3f}  "
        f"realised/fractional {r.realised_objective / r.expected_objective:.4%}  "
        f"vs deterministic {r.realised_objective / d.realised_objective:.4%}  "
        f"[{r.method}]  peak {peak_mb():.0f} MB  {ratios(t_rnd)}"
    )
    floor_inst = synthetic(n, m, floor_tau=tau, **kw)
    try:
        f, t_floor = timed(lambda: draw(floor_inst, 1))
    except InfeasibleError as err:
        print(
            f"  floor model (tau {tau}, cap 1) infeasible: {len(err.diagnoses)} cases, "
            f"e.g. {err.diagnoses[0]}"
        )
        return
    print(
        f"  floor model (tau {tau}, cap 1) {t_floor:6.2f}s  total {f.realised_objective:12.3f}  "
        f"weakest {f.weakest_panel_fit:6.3f}  [{f.method} {f.stats.get('milp_status', '')}]  "
        f"total vs unconstrained {f.realised_objective / d.realised_objective:.4%}  "
        f"weakest {d.weakest_panel_fit:.3f} -> {f.weakest_panel_fit:.3f}  "
        f"weakest fit/best {relative(d):.3f} -> {relative(f):.3f}  peak {peak_mb():.0f} MB  "
        f"{ratios(t_floor)}"
    )


def realised_cap(draws: int = 200) -> None:
    """The issue's lot: 300 cases x 75 experts in employer groups of 3, 8 industries, one
    specialist per case where supply allows, load <= 12, cap 0.5. Realised frequency of every
    pair over seeded draws against the cap's 3-sigma bound (60.6 % for 200 draws)."""
    inst = synthetic(300, 75, seed=1, prob_cap=0.5, load_cap=12, n_employers=25, n_industries=8)
    plan, t_prep = timed(lambda: prepare(inst))
    counts = np.zeros(inst.n_pairs)
    t0 = time.perf_counter()
    for seed in range(draws):
        counts[plan.sample(seed).pairs] += 1
    t_samp = (time.perf_counter() - t0) / draws
    freq = counts / draws
    bound = 0.5 + 3 * np.sqrt(0.25 / draws)
    expected = float(plan.marginal_values @ inst.fit[plan.marginal_pairs])
    # how many pairs a perfectly exact sampler puts above the bound by chance alone
    by_chance = float(binom.sf(np.floor(bound * draws), draws, plan.marginal_values).sum())
    print(
        f"\n== realised cap, 300x75 groups of 3, cap 0.5, {draws} draws: method {plan.method}, "
        f"prepare {t_prep:.2f}s, sample {t_samp * 1000:.1f} ms/draw; pairs above {bound:.1%}: "
        f"{int((freq > bound).sum())} (expected by chance from the published marginals: "
        f"{by_chance:.1f}); largest frequency {freq.max():.1%}; largest published "
        f"marginal {plan.marginal_values.max():.6f}; expected fit {expected:.3f}"
        f" = {expected / plan.expected_objective:.4%} of the capped LP"
    )


def lottery_fallback(n: int = 2000, m: int = 400) -> None:
    """The exact lottery forced on a lot with mixed employer groups (groups of 2-4 experts,
    8 industries), next to the flow draw of the same lot measured in the same run."""
    inst = synthetic(n, m, seed=2026, prob_cap=0.5, n_employers=m // 3, n_industries=8)
    flow, t_flow = timed(lambda: draw(inst, 1))
    print(f"\n== exact fallback, {n}x{m} mixed groups, cap 0.5: default draw {t_flow:.2f}s [{flow.method}]")
    lot, t_lot = timed(lambda: draw(inst, 1, options=SolverOptions(separated_min_ratio=1.01)))
    print(
        f"  lottery (forced)            {t_lot:7.2f}s  [{lot.method}] {lot.stats.get('lottery_failed', '')}  "
        f"columns {lot.stats.get('lottery_columns')}  "
        f"rounds {lot.stats.get('lottery_rounds')}  status {lot.stats.get('lottery_status')}  "
        f"expected {lot.expected_objective:.3f} = "
        f"{lot.expected_objective / float(lot.stats['capped_lp_bound']):.4%} of the capped LP  "
        f"largest marginal {lot.max_marginal:.6f}  {t_lot / t_flow:.1f}x the default draw  "
        f"peak {peak_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="only 2,000 x 400")
    parser.add_argument(
        "--tau", type=float, default=0.75, help="floor as a fraction of each case's best panel"
    )
    parser.add_argument(
        "--large-highs-baseline",
        action="store_true",
        help="also run the bare HiGHS LP on 10,000 x 2,000 (minutes, many GB)",
    )
    parser.add_argument("--realised", action="store_true", help="only the realised-cap check (300 x 75)")
    parser.add_argument("--lottery", action="store_true", help="only the exact-fallback timing (2,000 x 400)")
    args = parser.parse_args()
    if args.realised or args.lottery:
        if args.realised:
            realised_cap()
        if args.lottery:
            lottery_fallback()
        return
    realised_cap()
    sizes = [(2000, 400)] if args.quick else [(2000, 400), (10000, 2000)]
    for n, m in sizes:
        for clustered in (False, True):
            run(n, m, clustered, args.tau, highs_baseline=(n * m <= 1_000_000 or args.large_highs_baseline))


if __name__ == "__main__":
    main()
