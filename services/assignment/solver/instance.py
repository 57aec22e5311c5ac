"""The solver's input: a sparse instance of cases x experts over eligible pairs.

Only eligible pairs exist (conflicts, unavailability and rotation bans are removed by the
service before it builds the instance), so a 10,000 x 2,000 lot with 2% conflicts is
19.6 M pairs held as flat numpy arrays rather than a dense matrix. Pairs are kept sorted
by (case, expert) so that every derived quantity is independent of the order the caller
supplied them in: same instance, same bytes, same draw.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Employer code meaning "no employer declared": such an expert forms a group of one.
NO_EMPLOYER = -1


@dataclass(frozen=True)
class SolverOptions:
    """Tuning that is not policy: it changes speed, never the optimum (except where noted)."""

    #: Above this many eligible pairs the LP is solved by column generation over a
    #: candidate set (exact: columns are priced against the duals until none improves).
    column_generation_threshold: int = 400_000
    #: Candidates per case in the first round: max(min, factor * panel_size / cap**1.5).
    #: A tighter cap spreads each seat over more experts, so the first round needs more
    #: columns than panel/cap; with cap**1.5 a capped lot prices out in one round (measured:
    #: 2,000x400 clustered at cap 0.5 went from 3 rounds, 2.5 s, to 1 round, 0.9 s).
    candidates_factor: float = 4.0
    min_candidates_per_case: int = 16
    #: Columns added per case per pricing round (the most improving ones).
    columns_per_round: int = 8
    max_pricing_rounds: int = 50
    #: Cost of one unit of slack in the restricted LP, in units of the fit spread (times
    #: the largest floor): large enough that slack is used only when no columns can help.
    slack_penalty: float = 1000.0
    #: Factor applied once to the penalty before slack is taken to mean infeasible.
    slack_escalation: float = 1000.0
    #: Reduced-cost tolerance for pricing and value tolerance for integrality.
    pricing_tol: float = 1e-9
    integrality_tol: float = 1e-7
    #: Time limit for the exact MILP (deterministic draws whose LP is fractional, floor
    #: model with cap 1); when it is hit the result reports the MIP gap.
    milp_time_limit: float = 60.0
    #: Exact lottery (``lottery``): first columns sampled from the fractional optimum, the
    #: stopping gap against the upper bound (0.004: within 99.6 % of the best capped
    #: lottery), and limits on pricing rounds and seconds.
    #: Where a case mixes specialists and others inside one employer group, first try the
    #: LP with the lighter side of each such group left out (at most this many rounds):
    #: the flow then carries every rule exactly. It is used when it keeps at least
    #: ``separated_min_ratio`` of the capped optimum; otherwise the exact lottery runs.
    separation_rounds: int = 6
    separated_min_ratio: float = 0.995
    lottery_initial_samples: int = 16
    lottery_gap: float = 4e-3
    lottery_max_rounds: int = 300
    lottery_time_limit: float = 120.0


@dataclass(frozen=True, eq=False)
class Instance:
    """Cases x experts over eligible pairs; build it with :meth:`build`.

    ``prob_cap`` is per pair (a scalar is broadcast): no pair gets probability above it;
    1 everywhere means the deterministic optimum. ``floor_tau`` is per case: the panel's
    fit must reach ``tau`` times the case's best possible panel fit (0 disables it; a case
    whose best panel fit is not positive, e.g. after rotation penalties, has no floor).
    """

    n_cases: int
    n_experts: int
    pair_case: IntArray
    pair_expert: IntArray
    fit: FloatArray
    specialist: BoolArray
    prob_cap: FloatArray
    panel_size: IntArray
    specialist_min: IntArray
    floor_tau: FloatArray
    load_cap: IntArray
    employer: IntArray
    case_start: IntArray = field(repr=False)

    @classmethod
    def build(
        cls,
        *,
        n_cases: int,
        n_experts: int,
        pair_case: NDArray[np.integer],
        pair_expert: NDArray[np.integer],
        fit: NDArray[np.floating],
        specialist: NDArray[np.bool_] | None = None,
        prob_cap: float | NDArray[np.floating] = 1.0,
        panel_size: int | NDArray[np.integer] = 3,
        specialist_min: int | NDArray[np.integer] = 0,
        floor_tau: float | NDArray[np.floating] = 0.0,
        load_cap: int | NDArray[np.integer] = 16,
        employer: NDArray[np.integer] | None = None,
    ) -> Instance:
        """Validate, broadcast and sort the inputs into canonical order."""
        pc = np.asarray(pair_case, dtype=np.int64)
        pe = np.asarray(pair_expert, dtype=np.int64)
        n_pairs = pc.size
        if pe.size != n_pairs:
            raise ValueError("pair_case and pair_expert differ in length")
        fit_a = np.broadcast_to(np.asarray(fit, dtype=np.float64), (n_pairs,))
        spec_a = (
            np.zeros(n_pairs, dtype=bool)
            if specialist is None
            else np.broadcast_to(np.asarray(specialist, dtype=bool), (n_pairs,))
        )
        cap_a = np.broadcast_to(np.asarray(prob_cap, dtype=np.float64), (n_pairs,))
        if n_pairs and (pc.min() < 0 or pc.max() >= n_cases or pe.min() < 0 or pe.max() >= n_experts):
            raise ValueError("pair index out of range")
        if not np.all(np.isfinite(fit_a)):
            raise ValueError("fit must be finite")
        if np.any(cap_a <= 0) or np.any(cap_a > 1):
            raise ValueError("probability caps must lie in (0, 1]")
        order = np.lexsort((pe, pc))
        pc, pe = pc[order], pe[order]
        if n_pairs > 1 and np.any((np.diff(pc) == 0) & (np.diff(pe) == 0)):
            raise ValueError("duplicate (case, expert) pair")
        size = _per(panel_size, n_cases, np.int64, "panel_size")
        smin = _per(specialist_min, n_cases, np.int64, "specialist_min")
        tau = _per(floor_tau, n_cases, np.float64, "floor_tau")
        load = _per(load_cap, n_experts, np.int64, "load_cap")
        emp = (
            np.full(n_experts, NO_EMPLOYER, dtype=np.int64)
            if employer is None
            else _per(employer, n_experts, np.int64, "employer")
        )
        if np.any(size < 1) or np.any(smin < 0) or np.any(smin > size):
            raise ValueError("need panel_size >= 1 and 0 <= specialist_min <= panel_size")
        if np.any(load < 0) or np.any(tau < 0) or np.any(tau > 1):
            raise ValueError("need load_cap >= 0 and 0 <= floor_tau <= 1")
        case_start = np.searchsorted(pc, np.arange(n_cases + 1)).astype(np.int64)
        return cls(
            n_cases=n_cases,
            n_experts=n_experts,
            pair_case=pc,
            pair_expert=pe,
            fit=np.ascontiguousarray(fit_a[order]),
            specialist=np.ascontiguousarray(spec_a[order]),
            prob_cap=np.ascontiguousarray(cap_a[order]),
            panel_size=size,
            specialist_min=smin,
            floor_tau=tau,
            load_cap=load,
            employer=emp,
            case_start=case_start,
        )

    @property
    def n_pairs(self) -> int:
        return int(self.pair_case.size)

    @property
    def deterministic(self) -> bool:
        """Cap 1 on every pair: the draw is the deterministic optimum."""
        return bool(np.all(self.prob_cap >= 1.0))

    def group_key(self, pairs: IntArray | None = None) -> IntArray:
        """(case, employer) key per pair; an expert without employer is a group of one."""
        pe = self.pair_expert if pairs is None else self.pair_expert[pairs]
        pc = self.pair_case if pairs is None else self.pair_case[pairs]
        emp = self.employer[pe]
        top = int(self.employer.max(initial=0)) + 1
        emp = np.where(emp == NO_EMPLOYER, top + pe, emp)
        return pc * (top + self.n_experts) + emp

    def digest(self) -> str:
        """SHA-256 of the canonical arrays (the solver-level input hash)."""
        h = hashlib.sha256()
        for name in (
            "pair_case",
            "pair_expert",
            "fit",
            "specialist",
            "prob_cap",
            "panel_size",
            "specialist_min",
            "floor_tau",
            "load_cap",
            "employer",
        ):
            arr = np.ascontiguousarray(getattr(self, name))
            h.update(name.encode())
            h.update(str(arr.dtype).encode())
            h.update(arr.tobytes())
        return h.hexdigest()


def _per(value: object, n: int, dtype: type, name: str) -> NDArray:  # type: ignore[type-arg]
    arr: NDArray = np.asarray(value, dtype=dtype)  # type: ignore[type-arg]
    if arr.ndim == 0:
        return np.full(n, arr, dtype=dtype)
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have length {n}")
    return np.ascontiguousarray(arr)
