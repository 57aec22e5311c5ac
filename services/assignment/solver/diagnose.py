"""Why a lot has no assignment: per-case reasons, never a partial result.

Two passes. The first is per case and needs no solver: too few eligible experts with load
left, too few distinct employers, too few specialists, or a probability cap so tight that
the eligible experts cannot fill the panel in expectation. The second runs only when every
case passes the first and the LP is still infeasible: an elastic LP (each panel, specialist
minimum and floor gets a slack, total slack minimised) finds the cases the shared loads
cannot serve together, which is the capacity shortfall a flow would find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .instance import FloatArray, Instance
from .lp import LP_METHOD, Slacks, build_rows


@dataclass(frozen=True)
class CaseDiagnosis:
    """One reason why one case cannot be served; ``case`` is the case index."""

    case: int
    reason: str
    required: float
    available: float
    detail: str


class InfeasibleError(Exception):
    """No assignment meets every rule; ``diagnoses`` says which cases and why."""

    def __init__(self, diagnoses: list[CaseDiagnosis]) -> None:
        self.diagnoses = tuple(diagnoses)
        cases = sorted({d.case for d in diagnoses})
        super().__init__(f"no feasible assignment; infeasible cases {cases[:20]}")


def precheck(inst: Instance) -> list[CaseDiagnosis]:
    """Reasons that make a case infeasible on its own, whatever the other cases do."""
    n = inst.n_cases
    live = inst.load_cap[inst.pair_expert] > 0
    eligible = np.bincount(inst.pair_case, weights=live, minlength=n)
    keys = inst.group_key()
    top = _key_base(inst)
    groups = _group_mass(keys[live], inst.prob_cap[live], top, n)
    spec_live = live & inst.specialist
    spec_groups = _group_mass(keys[spec_live], inst.prob_cap[spec_live], top, n)
    out: list[CaseDiagnosis] = []
    for c in range(n):
        k = int(inst.panel_size[c])
        s = int(inst.specialist_min[c])
        if eligible[c] < k:
            out.append(
                CaseDiagnosis(
                    c,
                    "TOO_FEW_ELIGIBLE_EXPERTS",
                    k,
                    float(eligible[c]),
                    f"panel of {k} but only {int(eligible[c])} experts are eligible with load left "
                    "(the others are conflicted, unavailable, rotated out or at their load cap)",
                )
            )
        elif groups[0][c] < k:
            out.append(
                CaseDiagnosis(
                    c,
                    "TOO_FEW_EMPLOYERS",
                    k,
                    float(groups[0][c]),
                    f"panel of {k} but the eligible experts come from only {int(groups[0][c])} "
                    "employers (no two of one employer may sit together)",
                )
            )
        elif groups[1][c] < k - 1e-9:
            out.append(
                CaseDiagnosis(
                    c,
                    "PROBABILITY_CAP_TOO_TIGHT",
                    k,
                    float(groups[1][c]),
                    f"panel of {k} but the probability caps of the eligible experts add up to "
                    f"{groups[1][c]:.3f} seats",
                )
            )
        if s > 0 and spec_groups[0][c] < s:
            out.append(
                CaseDiagnosis(
                    c,
                    "TOO_FEW_SPECIALISTS",
                    s,
                    float(spec_groups[0][c]),
                    f"needs {s} specialists but only {int(spec_groups[0][c])} employers have an "
                    "eligible specialist",
                )
            )
        elif s > 0 and spec_groups[1][c] < s - 1e-9:
            out.append(
                CaseDiagnosis(
                    c,
                    "PROBABILITY_CAP_TOO_TIGHT",
                    s,
                    float(spec_groups[1][c]),
                    f"needs {s} specialists but their probability caps add up to "
                    f"{spec_groups[1][c]:.3f} seats",
                )
            )
    return out


def _key_base(inst: Instance) -> int:
    return int(inst.employer.max(initial=0)) + 1 + inst.n_experts


def _group_mass(keys: np.ndarray, caps: np.ndarray, base: int, n: int) -> tuple[FloatArray, FloatArray]:
    """Per case: number of distinct employer groups, and sum over groups of min(1, caps)."""
    uniq, inv = np.unique(keys, return_inverse=True)
    mass = np.minimum(1.0, np.bincount(inv, weights=caps, minlength=uniq.size))
    case = uniq // base
    return (
        np.bincount(case, minlength=n).astype(np.float64),  # type: ignore[return-value]
        np.bincount(case, weights=mass, minlength=n),
    )


def elastic(inst: Instance, floor_rhs: FloatArray | None) -> list[CaseDiagnosis]:
    """Cases that cannot all be served together: slack per rule, total slack minimised."""
    cols = np.arange(inst.n_pairs, dtype=np.int64)
    rows = build_rows(inst, cols, floor_rhs)
    n = inst.n_cases
    n_spec, n_floor = rows.spec_cases.size, rows.floor_cases.size
    n_ub = rows.b_ub.size
    first_spec = n_ub - n_spec - n_floor
    slack_eq = sp.identity(n, format="csr")
    ub_slack = sp.csr_matrix(
        (
            -np.ones(n_spec + n_floor),
            (np.arange(first_spec, n_ub), np.arange(n_spec + n_floor)),
        ),
        shape=(n_ub, n_spec + n_floor),
    )
    a_eq = sp.hstack([rows.a_eq, slack_eq, sp.csr_matrix((n, n_spec + n_floor))]).tocsr()
    a_ub = sp.hstack([rows.a_ub, sp.csr_matrix((n_ub, n)), ub_slack]).tocsr()
    n_slack = n + n_spec + n_floor
    cost = np.concatenate([np.zeros(cols.size), np.ones(n_slack)])
    bounds = np.column_stack(
        [np.zeros(cols.size + n_slack), np.concatenate([inst.prob_cap, np.full(n_slack, np.inf)])]
    )
    res = linprog(cost, A_ub=a_ub, b_ub=rows.b_ub, A_eq=a_eq, b_eq=rows.b_eq, bounds=bounds, method=LP_METHOD)
    if res.status != 0:
        raise RuntimeError(f"elastic LP failed: {res.message}")
    x = res.x
    return from_slacks(
        inst,
        floor_rhs,
        Slacks(
            seats=x[cols.size : cols.size + n],
            specialists=x[cols.size + n : cols.size + n + n_spec],
            spec_cases=rows.spec_cases,
            floor=x[cols.size + n + n_spec :],
            floor_cases=rows.floor_cases,
        ),
    )


def from_slacks(inst: Instance, floor_rhs: FloatArray | None, slacks: Slacks) -> list[CaseDiagnosis]:
    """Diagnoses from the slack an elastic LP needed, per case and rule."""
    seat_slack, spec_slack, floor_slack = slacks.seats, slacks.specialists, slacks.floor
    out: list[CaseDiagnosis] = []
    for c in np.flatnonzero(seat_slack > 1e-7).tolist():
        k = float(inst.panel_size[c])
        out.append(
            CaseDiagnosis(
                c,
                "CAPACITY_SHORTFALL",
                k,
                k - float(seat_slack[c]),
                f"the eligible experts' remaining load, shared with other cases, fills only "
                f"{k - seat_slack[c]:.2f} of {int(k)} seats",
            )
        )
    for i in np.flatnonzero(spec_slack > 1e-7).tolist():
        c = int(slacks.spec_cases[i])
        s = float(inst.specialist_min[c])
        out.append(
            CaseDiagnosis(
                c,
                "SPECIALIST_CAPACITY_SHORTFALL",
                s,
                s - float(spec_slack[i]),
                "the eligible specialists' remaining load, shared with other cases, is too small",
            )
        )
    for i in np.flatnonzero(floor_slack > 1e-7).tolist():
        c = int(slacks.floor_cases[i])
        need = float(floor_rhs[c]) if floor_rhs is not None else 0.0
        out.append(
            CaseDiagnosis(
                c,
                "FLOOR_UNREACHABLE",
                need,
                need - float(floor_slack[i]),
                "the fairness floor cannot be met together with the other cases' panels",
            )
        )
    return out
