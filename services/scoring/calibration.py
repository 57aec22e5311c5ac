"""Reviewer calibration: an additive bias model fitted over locked panel scores.

Model, for score ``y`` given by expert ``j`` on case ``i``::

    y_ij = mu + a_i + b_j + e_ij,   b_j ~ N(0, tau2),   e_ij ~ N(0, sigma2)

Case quality ``mu + a_i`` is a *fixed* effect: an enterprise's result must not be pulled toward the
average enterprise because its panel was small, so only the experts are shrunk.  Expert offsets
``b_j`` are a random effect, which is a ridge penalty ``lambda = sigma2 / tau2`` on the offsets with
``lambda`` estimated from the data rather than chosen: an expert with few scores is pulled strongly
toward 0, one with many keeps most of their apparent leniency or severity.

The case effects are absorbed by centring every score on its case mean (the projector ``P``); what
remains is the expert co-panel graph Laplacian ``L = Z'PZ`` and the right-hand side ``r = Z'Py``.
The offsets are the BLUP ``(L + lambda I)^-1 r`` and the calibrated case score is the panel's raw
mean minus the mean offset of that panel.

Variance components come from REML (exact, via one eigen-decomposition of ``L``) while the number
of experts is moderate, and from Henderson's method III (unbiased moment estimator that needs only
sparse conjugate-gradient solves) beyond that, so 100,000 scores over tens of thousands of experts
stay cheap.  Offsets are identified only within a connected component of the expert-case graph;
the components are reported so the caller can say which results are not comparable.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse
from scipy.sparse import csgraph
from scipy.sparse import linalg as splinalg

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Method = Literal["auto", "reml", "moments", "none"]


@dataclass(frozen=True)
class CalibrationConfig:
    """Policy and numerical knobs for calibration.

    ``spread_threshold``: a panel whose max - min raw score exceeds this is flagged for
    reconciliation.  ``method``: ``auto`` uses REML up to ``max_dense_experts`` experts and the
    moment estimator beyond; ``none`` switches calibration off (offsets 0).  ``log_ratio_bounds``
    bound the REML search over log(tau2 / sigma2); the boundary tau2 = 0 is always compared too.
    """

    spread_threshold: float = 15.0
    method: Method = "auto"
    max_dense_experts: int = 1000
    log_ratio_bounds: tuple[float, float] = (-12.0, 8.0)
    cg_rtol: float = 1e-8
    cg_maxiter: int = 5000


@dataclass(frozen=True)
class Component:
    """One connected component of the expert-case graph."""

    index: int
    n_cases: int
    n_experts: int
    n_scores: int


@dataclass(frozen=True)
class CalibrationResult:
    """Everything a caller needs to publish calibrated scores and explain them.

    Per-case arrays are aligned with ``case_ids``, per-expert arrays with ``expert_ids``.
    ``case_component`` / ``expert_component`` index into ``components`` (largest first).
    """

    case_ids: list[Hashable]
    raw_mean: FloatArray
    calibrated: FloatArray
    case_n_scores: IntArray
    spread: FloatArray
    spread_flag: npt.NDArray[np.bool_]
    case_component: IntArray
    expert_ids: list[Hashable]
    expert_offset: FloatArray
    expert_n_scores: IntArray
    expert_component: IntArray
    components: list[Component]
    sigma2: float
    tau2: float
    method: str

    @property
    def connected(self) -> bool:
        """True when every offset is comparable with every other one."""
        return len(self.components) <= 1

    @property
    def shrinkage(self) -> float:
        """The ridge penalty sigma2 / tau2 (inf when no expert variance was found)."""
        return float("inf") if self.tau2 <= 0 else self.sigma2 / self.tau2


@dataclass(frozen=True)
class _Design:
    """Scores indexed by dense case/expert integers plus the absorbed normal equations."""

    case: IntArray
    expert: IntArray
    y: FloatArray
    n_cases: int
    n_experts: int
    case_n: IntArray
    case_mean: FloatArray
    laplacian: sparse.csr_matrix
    rhs: FloatArray
    within_ss: float


def calibrate(
    case_ids: Sequence[Hashable] | npt.ArrayLike,
    expert_ids: Sequence[Hashable] | npt.ArrayLike,
    scores: Sequence[float] | npt.ArrayLike,
    config: CalibrationConfig | None = None,
) -> CalibrationResult:
    """Fit the bias model to parallel sequences of (case, expert, total score)."""
    cfg = config or CalibrationConfig()
    y = np.asarray(scores, dtype=np.float64)
    case_keys, case_idx = np.unique(np.asarray(case_ids), return_inverse=True)
    expert_keys, expert_idx = np.unique(np.asarray(expert_ids), return_inverse=True)
    if not (len(case_idx) == len(expert_idx) == len(y)):
        raise ValueError("case_ids, expert_ids and scores must have the same length")
    if not np.all(np.isfinite(y)):
        raise ValueError("scores must be finite")
    design = _build_design(case_idx.astype(np.int64), expert_idx.astype(np.int64), y)
    method = _choose_method(cfg, design)
    sigma2, tau2 = _variance_components(design, method, cfg)
    offsets = _blup(design, sigma2, tau2, cfg)
    case_comp, expert_comp, components = _components(design)
    panel_offset = np.bincount(design.case, weights=offsets[design.expert], minlength=design.n_cases)
    spread = _panel_spread(design)
    return CalibrationResult(
        case_ids=case_keys.tolist(),
        raw_mean=design.case_mean,
        calibrated=design.case_mean - panel_offset / design.case_n,
        case_n_scores=design.case_n,
        spread=spread,
        spread_flag=spread > cfg.spread_threshold,
        case_component=case_comp,
        expert_ids=expert_keys.tolist(),
        expert_offset=offsets,
        expert_n_scores=np.bincount(design.expert, minlength=design.n_experts).astype(np.int64),
        expert_component=expert_comp,
        components=components,
        sigma2=sigma2,
        tau2=tau2,
        method=method,
    )


def _build_design(case: IntArray, expert: IntArray, y: FloatArray) -> _Design:
    """Absorb the case effects: centre scores per case and form L = Z'PZ, r = Z'Py."""
    n_cases = int(case.max()) + 1 if len(case) else 0
    n_experts = int(expert.max()) + 1 if len(expert) else 0
    case_n = np.bincount(case, minlength=n_cases).astype(np.int64)
    case_mean = np.bincount(case, weights=y, minlength=n_cases) / np.maximum(case_n, 1)
    within = y - case_mean[case]
    ones = np.ones(len(y))
    # A[i, j] = how often expert j scored case i (normally 0/1); duplicates are summed.
    a = sparse.csr_matrix((ones, (case, expert)), shape=(n_cases, n_experts))
    inv_n = sparse.diags(1.0 / np.maximum(case_n, 1))
    expert_n = np.asarray(a.sum(axis=0)).ravel()
    laplacian = (sparse.diags(expert_n) - a.T @ inv_n @ a).tocsr()
    rhs = np.bincount(expert, weights=within, minlength=n_experts).astype(np.float64)
    return _Design(
        case=case,
        expert=expert,
        y=y,
        n_cases=n_cases,
        n_experts=n_experts,
        case_n=case_n,
        case_mean=case_mean,
        laplacian=laplacian,
        rhs=rhs,
        within_ss=float(within @ within),
    )


def _choose_method(cfg: CalibrationConfig, design: _Design) -> str:
    if cfg.method != "auto":
        return cfg.method
    return "reml" if design.n_experts <= cfg.max_dense_experts else "moments"


def _residual_df(design: _Design) -> int:
    """Degrees of freedom of within-case variation: scores minus cases."""
    return len(design.y) - design.n_cases


def _variance_components(design: _Design, method: str, cfg: CalibrationConfig) -> tuple[float, float]:
    """Return (sigma2, tau2); tau2 = 0 means the data show no expert effect worth removing."""
    df = _residual_df(design)
    if method == "none" or df <= 0 or design.within_ss <= 0:
        return (design.within_ss / df if df > 0 else 0.0), 0.0
    if method == "reml":
        return _reml(design, cfg)
    if method == "moments":
        return _henderson3(design, cfg)
    raise ValueError(f"unknown calibration method {method!r}")


def _reml(design: _Design, cfg: CalibrationConfig) -> tuple[float, float]:
    """Profiled REML over rho = tau2 / sigma2 using the eigen-decomposition of L.

    With L = U diag(ev) U' and s = U'r, for any rho:
    -2 l_R = df * log(Q) + sum(log(1 + rho * ev)),  Q = y'Py - sum(s^2 rho / (1 + rho ev)),
    up to a constant, and sigma2 = Q / df.
    """
    ev, vecs = np.linalg.eigh(design.laplacian.toarray())
    ev = np.clip(ev, 0.0, None)
    s2 = (vecs.T @ design.rhs) ** 2
    df = _residual_df(design)

    def quad(rho: float) -> float:
        return design.within_ss - float(np.sum(s2 * rho / (1.0 + rho * ev)))

    def neg2loglik(log_rho: float) -> float:
        rho = float(np.exp(log_rho))
        q = max(quad(rho), 1e-300)
        return float(df * np.log(q) + np.sum(np.log1p(rho * ev)))

    lo, hi = cfg.log_ratio_bounds
    res = optimize.minimize_scalar(neg2loglik, bounds=(lo, hi), method="bounded")
    boundary = float(df * np.log(design.within_ss))  # rho = 0: no expert variance
    if boundary <= float(res.fun):
        return design.within_ss / df, 0.0
    rho = float(np.exp(res.x))
    sigma2 = quad(rho) / df
    return sigma2, rho * sigma2


def _henderson3(design: _Design, cfg: CalibrationConfig) -> tuple[float, float]:
    """Henderson's method III: unbiased moment estimates from the fixed-effects fit.

    R = r' L^+ r is the reduction in sum of squares due to experts after cases;
    E[R] = sigma2 * rank(L) + tau2 * trace(L), and the two-way residual gives sigma2.
    """
    rank = design.n_experts - _expert_graph_components(design.laplacian)
    df = _residual_df(design) - rank
    if rank <= 0 or df <= 0:
        return design.within_ss / max(_residual_df(design), 1), 0.0
    fixed = _solve_cg(design.laplacian, design.rhs, cfg)
    reduction = float(fixed @ design.rhs)
    sigma2 = max(design.within_ss - reduction, 0.0) / df
    trace = float(design.laplacian.diagonal().sum())
    tau2 = (reduction - sigma2 * rank) / trace
    return sigma2, max(tau2, 0.0)


def _blup(design: _Design, sigma2: float, tau2: float, cfg: CalibrationConfig) -> FloatArray:
    """Best linear unbiased predictor of the expert offsets: (L + sigma2/tau2 I) b = r."""
    if tau2 <= 0 or design.n_experts == 0:
        return np.zeros(design.n_experts)
    lam = sigma2 / tau2
    system = (design.laplacian + lam * sparse.identity(design.n_experts, format="csr")).tocsr()
    if design.n_experts <= cfg.max_dense_experts:
        return np.asarray(np.linalg.solve(system.toarray(), design.rhs), dtype=np.float64)
    return _solve_cg(system, design.rhs, cfg)


def _solve_cg(matrix: sparse.csr_matrix, rhs: FloatArray, cfg: CalibrationConfig) -> FloatArray:
    """Jacobi-preconditioned CG; also valid for the consistent singular Laplacian system."""
    diag = matrix.diagonal()
    precond = sparse.diags(np.where(diag > 0, 1.0 / np.where(diag > 0, diag, 1.0), 1.0))
    solution, info = splinalg.cg(matrix, rhs, rtol=cfg.cg_rtol, maxiter=cfg.cg_maxiter, M=precond)
    if info > 0:
        raise RuntimeError(f"conjugate gradient did not converge in {info} iterations")
    return np.asarray(solution, dtype=np.float64)


def _expert_graph_components(laplacian: sparse.csr_matrix) -> int:
    """Components of the expert co-panel graph; rank(L) = experts - components."""
    n, _ = csgraph.connected_components(laplacian, directed=False)
    return int(n)


def _components(design: _Design) -> tuple[IntArray, IntArray, list[Component]]:
    """Connected components of the bipartite expert-case graph, largest first."""
    n_nodes = design.n_cases + design.n_experts
    adjacency = sparse.csr_matrix(
        (np.ones(len(design.case)), (design.case, design.n_cases + design.expert)),
        shape=(n_nodes, n_nodes),
    )
    _, labels = csgraph.connected_components(adjacency, directed=False)
    case_label = labels[: design.n_cases]
    expert_label = labels[design.n_cases :]
    score_label = case_label[design.case]
    n_labels = int(labels.max()) + 1 if n_nodes else 0
    cases_per = np.bincount(case_label, minlength=n_labels)
    experts_per = np.bincount(expert_label, minlength=n_labels)
    scores_per = np.bincount(score_label, minlength=n_labels)
    order = np.lexsort((np.arange(n_labels), -scores_per))  # largest first, stable on ties
    rank_of = np.empty(n_labels, dtype=np.int64)
    rank_of[order] = np.arange(n_labels)
    components = [
        Component(
            index=int(rank_of[lab]),
            n_cases=int(cases_per[lab]),
            n_experts=int(experts_per[lab]),
            n_scores=int(scores_per[lab]),
        )
        for lab in order
    ]
    return rank_of[case_label], rank_of[expert_label], components


def _panel_spread(design: _Design) -> FloatArray:
    """max - min of the raw scores on each case's panel."""
    hi = np.full(design.n_cases, -np.inf)
    lo = np.full(design.n_cases, np.inf)
    np.maximum.at(hi, design.case, design.y)
    np.minimum.at(lo, design.case, design.y)
    return np.asarray(hi - lo, dtype=np.float64)
