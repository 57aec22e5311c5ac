"""The lot's cap policy: a case that cannot meet the probability cap on its own.

A case whose only eligible specialist has cap 0.5 cannot fill its specialist seat with
probability 1 unless that specialist's cap is 1. Under the ``raise`` policy (the default)
such a case's cap is raised to the least value that lets the case alone be served: for
its specialists when the specialist minimum is what binds, for all its experts when the
panel size is. Every raise is returned (case, scope, old and new cap, reason) so the draw
record and the result show it. Under ``strict`` nothing is raised and the draw is refused
with ``PROBABILITY_CAP_TOO_TIGHT``, as before.

The least value is exact for the two conditions the precheck tests (sum over employer
groups of min(1, cap x group size) reaches the seats, for all experts and for the
specialists); it is then confirmed by the case's own LP, and raised further by bisection
in the rare case the two conditions are not enough together.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .instance import Instance
from .lp import LP_METHOD

CAP_POLICIES = ("raise", "strict")


@dataclass(frozen=True)
class CapRaise:
    """One case's cap raised so that the case can be served at all."""

    case: int
    scope: str  # "specialists" or "all"
    old_cap: float
    new_cap: float
    reason: str


def least_uniform_cap(group_sizes: np.ndarray, need: float) -> float:
    """Least t with sum_G min(1, t * n_G) >= need (1 when even t = 1 does not reach it)."""
    sizes = np.sort(np.asarray(group_sizes, dtype=np.float64))[::-1]
    if sizes.size < need:
        return 1.0
    total = float(sizes.sum())
    for i in range(sizes.size + 1):  # i: the i largest groups are saturated
        rest = total - float(sizes[:i].sum())
        if rest <= 0:
            break
        t = (need - i) / rest
        lo = 1.0 / sizes[i - 1] if i > 0 else 0.0
        hi = 1.0 / sizes[i] if i < sizes.size else np.inf
        if lo - 1e-15 <= t <= hi + 1e-15:
            return float(min(1.0, max(t, 0.0)))
    return 1.0


def raise_caps(inst: Instance) -> tuple[Instance, list[CapRaise]]:
    """The instance with each cap-bound case's caps raised to the least feasible value."""
    keys = inst.group_key()
    live = inst.load_cap[inst.pair_expert] > 0
    caps = inst.prob_cap.copy()
    raises: list[CapRaise] = []
    for c in range(inst.n_cases):
        s, e = int(inst.case_start[c]), int(inst.case_start[c + 1])
        idx = np.arange(s, e)[live[s:e]]
        if idx.size == 0:
            continue
        k, smin = int(inst.panel_size[c]), int(inst.specialist_min[c])
        cap_now = float(inst.prob_cap[idx].min())
        _, sizes = np.unique(keys[idx], return_counts=True)
        if sizes.size < k:
            continue  # too few employers: no cap helps
        t_all = least_uniform_cap(sizes, k)
        spec = idx[inst.specialist[idx]]
        t_spec = 0.0
        if smin > 0 and spec.size:
            _, spec_sizes = np.unique(keys[spec], return_counts=True)
            if spec_sizes.size < smin:
                continue  # too few specialists: no cap helps
            t_spec = least_uniform_cap(spec_sizes, smin)
        new_all = max(cap_now, t_all)
        new_spec = max(new_all, t_spec)
        if new_all <= cap_now + 1e-12 and new_spec <= cap_now + 1e-12:
            continue
        case_caps = np.maximum(caps[idx], new_all)
        case_caps[inst.specialist[idx]] = np.maximum(case_caps[inst.specialist[idx]], new_spec)
        case_caps = _confirm(inst, idx, case_caps)
        caps[idx] = case_caps
        if new_all > cap_now + 1e-12:
            raises.append(
                CapRaise(
                    c,
                    "all",
                    cap_now,
                    float(case_caps.min()),
                    f"the eligible experts' caps add up to fewer than {k} seats",
                )
            )
        if new_spec > new_all + 1e-12:
            raises.append(
                CapRaise(
                    c,
                    "specialists",
                    cap_now,
                    float(case_caps[inst.specialist[idx]].min()),
                    f"the eligible specialists' caps add up to fewer than {smin} specialist seats",
                )
            )
    if not raises:
        return inst, []
    return replace(inst, prob_cap=caps), raises


def _confirm(inst: Instance, idx: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Raise ``caps`` (of the case's pairs ``idx``) until the case alone is feasible."""
    if _case_feasible(inst, idx, caps):
        return caps
    lo, hi = 0.0, 1.0  # blend factor towards cap 1
    for _ in range(40):
        mid = (lo + hi) / 2
        if _case_feasible(inst, idx, caps + mid * (1 - caps)):
            hi = mid
        else:
            lo = mid
    return caps + hi * (1 - caps)


def _case_feasible(inst: Instance, idx: np.ndarray, caps: np.ndarray) -> bool:
    keys = inst.group_key(idx)
    uniq, inv = np.unique(keys, return_inverse=True)
    n = idx.size
    rows = [np.ones(n)[None, :]]
    group = sp.csr_matrix((np.ones(n), (inv, np.arange(n))), shape=(uniq.size, n)).toarray()
    spec = -inst.specialist[idx].astype(np.float64)[None, :]
    c = inst.case_start.searchsorted(idx[0], side="right") - 1
    res = linprog(
        np.zeros(n),
        A_ub=np.vstack([group, spec]),
        b_ub=np.concatenate([np.ones(uniq.size), [-float(inst.specialist_min[c])]]),
        A_eq=rows[0],
        b_eq=[float(inst.panel_size[c])],
        bounds=np.column_stack([np.zeros(n), caps]),
        method=LP_METHOD,
    )
    return bool(res.status == 0)
