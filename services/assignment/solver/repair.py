"""Specialist-minimum repair of a sampled assignment.

The specialist set of a case crosses its employer groups, so no single flow network carries
both rules (they do not form a bihierarchy, Budish et al. 2013). The sampler guarantees the
employer rule; the LP guarantees the specialist minimum in expectation; this module makes it
hold on every sample. A case short of specialists swaps a non-specialist for the eligible
specialist with load left that keeps the employer rule and loses the least fit; if no single
swap exists, a small MILP over the sample, the LP support and the short cases' pairs finds
the assignment closest to the sample that meets every rule.

The price: on a repaired case the realised seat differs from what the marginals promised.
Every repair is returned (case, expert out, expert in) so the draw record shows it; with
``specialist_min = 0`` nothing is ever repaired and the marginals are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from .instance import Instance, IntArray, SolverOptions
from .lp import build_rows


@dataclass(frozen=True)
class Repair:
    """One seat changed after sampling to meet the specialist minimum."""

    case: int
    removed_expert: int
    added_expert: int
    method: str


class RepairFailed(Exception):
    """No assignment near the sample meets every rule (never seen on feasible instances)."""


def short_cases(inst: Instance, chosen: IntArray) -> IntArray:
    spec = np.bincount(inst.pair_case[chosen], weights=inst.specialist[chosen], minlength=inst.n_cases)
    return np.flatnonzero(spec < inst.specialist_min)


def repair_specialists(
    inst: Instance, chosen: IntArray, support: IntArray, options: SolverOptions
) -> tuple[IntArray, list[Repair]]:
    """Make every panel meet its specialist minimum; return the assignment and the repairs."""
    short = short_cases(inst, chosen)
    if short.size == 0:
        return chosen, []
    in_panel = np.zeros(inst.n_pairs, dtype=bool)
    in_panel[chosen] = True
    load = np.bincount(inst.pair_expert[chosen], minlength=inst.n_experts)
    repairs: list[Repair] = []
    for c in short.tolist():
        while _spec_count(inst, in_panel, c) < inst.specialist_min[c]:
            swap = _best_swap(inst, in_panel, load, c)
            if swap is None:
                break
            out_p, in_p = swap
            in_panel[out_p] = False
            in_panel[in_p] = True
            load[inst.pair_expert[out_p]] -= 1
            load[inst.pair_expert[in_p]] += 1
            repairs.append(Repair(c, int(inst.pair_expert[out_p]), int(inst.pair_expert[in_p]), "swap"))
    result = np.flatnonzero(in_panel)
    still = short_cases(inst, result)
    if still.size == 0:
        return result, repairs
    return _milp_repair(inst, result, support, still, repairs, options)


def _spec_count(inst: Instance, in_panel: np.ndarray, c: int) -> int:
    s, e = int(inst.case_start[c]), int(inst.case_start[c + 1])
    return int(np.count_nonzero(in_panel[s:e] & inst.specialist[s:e]))


def _best_swap(inst: Instance, in_panel: np.ndarray, load: np.ndarray, c: int) -> tuple[int, int] | None:
    s, e = int(inst.case_start[c]), int(inst.case_start[c + 1])
    idx = np.arange(s, e)
    members = idx[in_panel[s:e]]
    keys = inst.group_key(idx)
    member_keys = inst.group_key(members)
    spare = load[inst.pair_expert[idx]] < inst.load_cap[inst.pair_expert[idx]]
    cand = idx[~in_panel[s:e] & inst.specialist[s:e] & spare]
    best: tuple[float, int, int] | None = None
    for out_p in members[~inst.specialist[members]].tolist():
        others = member_keys[members != out_p]
        ok = cand[~np.isin(keys[cand - s], others)]
        if ok.size == 0:
            continue
        j = int(ok[np.argmax(inst.fit[ok])])
        loss = float(inst.fit[out_p] - inst.fit[j])
        if best is None or loss < best[0]:
            best = (loss, out_p, j)
    return None if best is None else (best[1], best[2])


def _milp_repair(
    inst: Instance,
    chosen: IntArray,
    support: IntArray,
    short: IntArray,
    repairs: list[Repair],
    options: SolverOptions,
) -> tuple[IntArray, list[Repair]]:
    """Closest rule-abiding assignment to the sample over a neighbourhood of columns."""
    short_pairs = np.concatenate(
        [np.arange(inst.case_start[c], inst.case_start[c + 1]) for c in short.tolist()]
    )
    cols = np.unique(np.concatenate([chosen, support, short_pairs]))
    rows = build_rows(inst, cols, None)
    a = sp.vstack([rows.a_eq, rows.a_ub]).tocsr()
    lb = np.concatenate([rows.b_eq, np.full(rows.b_ub.size, -np.inf)])
    ub = np.concatenate([rows.b_eq, rows.b_ub])
    keep = np.isin(cols, chosen).astype(np.float64)
    spread = float(np.ptp(inst.fit[cols])) + 1.0
    # keeping a sampled seat outweighs any fit difference among the replacements
    cost = -(keep * spread * (inst.panel_size.sum() + 1) + inst.fit[cols])
    res = milp(
        cost,
        constraints=LinearConstraint(a, lb, ub),
        bounds=Bounds(np.zeros(cols.size), np.ones(cols.size)),
        integrality=np.ones(cols.size),
        options={"time_limit": options.milp_time_limit},
    )
    if res.x is None:
        raise RepairFailed(f"specialist repair failed for cases {short.tolist()[:20]}: {res.message}")
    result = cols[res.x > 0.5]
    removed = np.setdiff1d(chosen, result)
    added = np.setdiff1d(result, chosen)
    for c in np.unique(inst.pair_case[np.concatenate([removed, added])]).tolist():
        outs = removed[inst.pair_case[removed] == c].tolist()
        ins = added[inst.pair_case[added] == c].tolist()
        for p_out, p_in in zip(outs, ins, strict=True):
            repairs.append(Repair(c, int(inst.pair_expert[p_out]), int(inst.pair_expert[p_in]), "milp"))
    return result, repairs
