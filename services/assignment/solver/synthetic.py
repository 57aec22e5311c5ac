"""Seeded synthetic lots for the solver's tests and benchmark (not used by the service).

``uniform``: every fit uniform on [0, 1), industries uniform. ``clustered``: cases and
experts have industries, fit is higher for a matching specialty, and a few industries have
almost no experts, which is where maximising the total leaves a case with a weak panel.
"""

from __future__ import annotations

import numpy as np

from .instance import Instance


def synthetic(
    n_cases: int,
    n_experts: int,
    *,
    seed: int = 0,
    panel_size: int = 3,
    load_cap: int = 16,
    conflict_rate: float = 0.02,
    n_employers: int | None = None,
    n_industries: int = 20,
    specialist_min: int = 1,
    clustered: bool = False,
    prob_cap: float = 1.0,
    floor_tau: float = 0.0,
) -> Instance:
    """A lot with ``n_cases`` x ``n_experts`` minus conflicts, reproducible from ``seed``."""
    rng = np.random.Generator(np.random.PCG64(seed))
    emp_count = n_employers if n_employers is not None else max(1, n_experts // 4)
    employer = rng.integers(0, emp_count, n_experts)
    if clustered:
        weights = np.ones(n_industries)
        scarce = max(1, n_industries // 5)
        weights[:scarce] = 0.05  # a fifth of the industries have very few experts
        expert_ind = rng.choice(n_industries, n_experts, p=weights / weights.sum())
    else:
        expert_ind = rng.integers(0, n_industries, n_experts)
    case_ind = rng.integers(0, n_industries, n_cases)
    pc = np.repeat(np.arange(n_cases, dtype=np.int64), n_experts)
    pe = np.tile(np.arange(n_experts, dtype=np.int64), n_cases)
    keep = rng.random(pc.size) >= conflict_rate
    pc, pe = pc[keep], pe[keep]
    spec = expert_ind[pe] == case_ind[pc]
    base = rng.random(pc.size)
    # clustered: a specialist fits 0.6-1.0, anyone else 0-0.6, so a case its industry
    # cannot serve is left with a weak panel
    fit = np.where(spec, 0.6 + 0.4 * base, 0.6 * base) if clustered else base
    # the minimum applies only where the industry's specialists can carry it (1.5x demand):
    # a lot whose scarce industries are short of specialists would be infeasible
    supply = np.bincount(expert_ind, minlength=n_industries) * load_cap
    demand = np.bincount(case_ind, minlength=n_industries) * specialist_min
    smin = np.where(supply[case_ind] >= 1.5 * demand[case_ind], specialist_min, 0)
    return Instance.build(
        n_cases=n_cases,
        n_experts=n_experts,
        pair_case=pc,
        pair_expert=pe,
        fit=fit,
        specialist=spec,
        prob_cap=prob_cap,
        panel_size=panel_size,
        specialist_min=smin,
        floor_tau=floor_tau,
        load_cap=load_cap,
        employer=employer,
    )
