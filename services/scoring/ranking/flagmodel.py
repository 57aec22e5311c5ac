"""The substandard-consultancy model: monotone, calibrated, versioned, reproducible.

It learns from the authority's determinations (spot checks, rejected reports) on per-firm-period
features taken from the standing. Monotone constraints encode the policy that worse evidence never
lowers the risk; isotonic calibration is a non-decreasing map, and CalibratedClassifierCV averages
such maps, so the calibrated risk stays monotone. Evaluation holds out the latest periods (the
model is always used on months it has not seen). The artefact carries the SHA-256 of its training
data, its features, parameters and metrics, and serialises to bytes for storage.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import sklearn
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from services.scoring.ranking.standing import (
    FIRST_PASS,
    NO_REWORK,
    NO_VETO,
    PANEL_RATING,
    SATISFACTION,
    Standings,
)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class FeatureSpec:
    """A model input. ``direction`` +1: risk may only rise with it; -1: only fall; 0: free."""

    name: str
    direction: int
    label_zh: str
    label_en: str


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("quality_mean", -1, "校准后报告质量估计", "calibrated report quality estimate"),
    FeatureSpec("p_below_pass", 1, "低于合格线的概率", "probability of being below the pass line"),
    FeatureSpec(PANEL_RATING, -1, "评审专家评价", "panels' rating"),
    FeatureSpec(SATISFACTION, -1, "企业满意度", "enterprise satisfaction"),
    FeatureSpec(FIRST_PASS, -1, "一次通过率", "first-pass rate"),
    FeatureSpec(NO_REWORK, -1, "无返工率", "share of cases without rework"),
    FeatureSpec(NO_VETO, -1, "无否决率", "share of cases without a veto item"),
    FeatureSpec("n_reports", 0, "报告数量", "number of reports"),
)


class InsufficientLabelsError(ValueError):
    """Too few determinations to train; the statistical rule alone decides until there are more."""


@dataclass(frozen=True)
class FlagModelConfig:
    """Training policy and hyperparameters (fixed random_state: the same data gives the same model)."""

    min_labels: int = 60
    min_positives: int = 8
    min_negatives: int = 8
    holdout_periods: int = 3
    calibration: str = "isotonic"
    calibration_folds: int = 5
    # Small trees, many rows per leaf: labels are few and boundary cases rarer still.
    max_iter: int = 100
    learning_rate: float = 0.05
    max_leaf_nodes: int = 4
    min_samples_leaf: int = 20
    l2_regularization: float = 1.0
    random_state: int = 0
    # A feature enters the model only if this many rows (and this share of them) have a value.
    min_feature_rows: int = 10
    min_feature_share: float = 0.2
    # OpenMP threads for fitting and scoring. Label sets are small: thread start-up costs more
    # than it saves (measured 12x slower with 2 threads on a 2-core machine under load).
    threads: int = 1


def feature_matrix(standings: Standings, features: Sequence[FeatureSpec] = FEATURES) -> FloatArray:
    """One row per firm of ``standings``; a component the period lacks becomes NaN (HGB copes)."""
    quality = standings.components.get(standings.config.quality_component)
    n_firms = len(standings.firm_ids)
    columns: dict[str, FloatArray] = {
        "quality_mean": quality.mean if quality is not None else np.full(n_firms, np.nan),
        "p_below_pass": standings.p_below_pass,
        "n_reports": standings.n_quality.astype(np.float64),
    }
    for name, post in standings.components.items():
        columns.setdefault(name, post.mean)
    return np.column_stack([columns.get(f.name, np.full(n_firms, np.nan)) for f in features])


def training_sha256(x: FloatArray, y: NDArray[Any], periods: Sequence[str], names: Sequence[str]) -> str:
    """Content hash of exactly what the model was fitted on (order-sensitive, dtype-normalised)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(list(names)).encode())
    digest.update(np.ascontiguousarray(x, dtype="<f8").tobytes())
    digest.update(np.ascontiguousarray(y, dtype="<i8").tobytes())
    digest.update(json.dumps(list(periods)).encode())
    return digest.hexdigest()


def _estimator(cfg: FlagModelConfig, features: Sequence[FeatureSpec], n_rows: int) -> CalibratedClassifierCV:
    base = HistGradientBoostingClassifier(
        monotonic_cst=[f.direction for f in features],
        max_iter=cfg.max_iter,
        learning_rate=cfg.learning_rate,
        max_leaf_nodes=cfg.max_leaf_nodes,
        min_samples_leaf=max(2, min(cfg.min_samples_leaf, n_rows // 10)),
        l2_regularization=cfg.l2_regularization,
        early_stopping=False,
        random_state=cfg.random_state,
    )
    return CalibratedClassifierCV(base, method=cfg.calibration, cv=cfg.calibration_folds)


def _metrics(y: NDArray[Any], p: FloatArray, prefix: str) -> dict[str, float | int | None]:
    both = len(np.unique(y)) == 2
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return {
        f"{prefix}_n": int(y.size),
        f"{prefix}_positives": int(y.sum()),
        f"{prefix}_auc": float(roc_auc_score(y, p)) if both else None,
        f"{prefix}_brier": float(brier_score_loss(y, p)) if y.size else None,
        f"{prefix}_log_loss": float(log_loss(y, clipped, labels=[0, 1])) if y.size else None,
    }


@dataclass
class FlagModel:
    """A trained, calibrated flag model with everything needed to audit or reproduce it."""

    version: str
    training_sha256: str
    features: tuple[FeatureSpec, ...]
    params: dict[str, Any]
    metrics: dict[str, float | int | None]
    estimator: CalibratedClassifierCV = field(repr=False)
    # Which columns of the full feature matrix (FEATURES order) the model uses: a feature the
    # training data hardly had (e.g. rework where no source records it) is left out.
    feature_index: tuple[int, ...] = ()

    def used(self, x: FloatArray) -> FloatArray:
        """The model's own columns of a full feature matrix."""
        return x[:, list(self.feature_index)] if self.feature_index else x

    def risk(self, x: FloatArray) -> FloatArray:
        """Calibrated probability that each row's firm is substandard (x: full feature matrix)."""
        return self._risk(self.used(x))

    def _risk(self, xu: FloatArray) -> FloatArray:
        with threadpool_limits(limits=int(self.params.get("threads", 1)), user_api="openmp"):
            return np.asarray(self.estimator.predict_proba(xu)[:, 1], dtype=np.float64)

    def contributions(self, x: FloatArray, reference: FloatArray) -> FloatArray:
        """How much of each row's risk each used feature carries (risk minus risk at the reference).

        Occlusion rather than SHAP: simple enough to state in a notice ("with an average veto rate
        the risk would be 12 points lower") and exact for the deployed, calibrated model. Columns
        follow ``features``; ``reference`` is a full-width row.
        """
        xu = self.used(x)
        ref = self.used(reference[None, :])[0]
        n, f = xu.shape
        base = self._risk(xu)
        probes = np.repeat(xu[:, None, :], f, axis=1)
        cols = np.arange(f)
        probes[:, cols, cols] = ref[None, :]
        moved = self._risk(probes.reshape(n * f, f)).reshape(n, f)
        return base[:, None] - moved

    def to_bytes(self) -> bytes:
        """Serialised artefact (pickle: only ever loaded from this service's own store)."""
        buf = io.BytesIO()
        pickle.dump(self, buf, protocol=5)
        return buf.getvalue()

    @staticmethod
    def from_bytes(data: bytes) -> FlagModel:
        model = pickle.loads(data)  # own artefact; the caller checks its SHA-256
        if not isinstance(model, FlagModel):
            raise TypeError("not a FlagModel artefact")
        return model


def train_flag_model(
    x: FloatArray,
    y: Sequence[int] | NDArray[Any],
    periods: Sequence[str],
    config: FlagModelConfig | None = None,
    features: Sequence[FeatureSpec] = FEATURES,
    progress: Callable[[str], None] | None = None,
) -> FlagModel:
    """Fit on earlier periods, report metrics on the held-out latest ones, then refit on all.

    The deployed model is the refit (it has seen the newest determinations); the metrics are those
    of the same recipe trained without the held-out months, which is what a user of next month's
    flags needs to know.
    """
    cfg = config or FlagModelConfig()
    with threadpool_limits(limits=cfg.threads, user_api="openmp"):
        return _train(x, y, periods, cfg, features, progress or (lambda _msg: None))


def _train(
    x: FloatArray,
    y: Sequence[int] | NDArray[Any],
    periods: Sequence[str],
    cfg: FlagModelConfig,
    features: Sequence[FeatureSpec],
    say: Callable[[str], None],
) -> FlagModel:
    labels = np.asarray(y, dtype=np.int64)
    if labels.size < cfg.min_labels:
        raise InsufficientLabelsError(f"{labels.size} determinations, need {cfg.min_labels}")
    positives = int(labels.sum())
    if positives < cfg.min_positives or labels.size - positives < cfg.min_negatives:
        raise InsufficientLabelsError(f"{positives} substandard of {labels.size}: too unbalanced")
    period_arr = np.asarray(periods)
    distinct = sorted(set(periods))
    held = set(distinct[-cfg.holdout_periods :]) if len(distinct) > cfg.holdout_periods else set()
    test = np.isin(period_arr, list(held))
    keep = [
        j
        for j in range(x.shape[1])
        if all(
            np.isfinite(x[rows, j]).sum() >= max(cfg.min_feature_rows, cfg.min_feature_share * rows.sum())
            for rows in (np.ones(labels.size, dtype=bool), ~test)
            if rows.any()
        )
    ]
    dropped = [features[j].name for j in range(x.shape[1]) if j not in keep]
    if dropped:
        say(f"left out for lack of data: {', '.join(dropped)}")
    full_x, x = x, x[:, keep]
    features = [features[j] for j in keep]
    metrics: dict[str, float | int | None] = {"periods": len(distinct), "holdout_periods": len(held)}
    train_y = labels[~test]
    if held and len(np.unique(train_y)) == 2 and int(train_y.sum()) >= cfg.calibration_folds:
        say(f"fitting on {int((~test).sum())} rows before {min(held)}")
        early = _estimator(cfg, features, int((~test).sum())).fit(x[~test], train_y)
        metrics.update(_metrics(labels[test], early.predict_proba(x[test])[:, 1], "holdout"))
        say(f"holdout metrics {metrics}")
    say(f"refitting on all {labels.size} rows")
    final = _estimator(cfg, features, labels.size).fit(x, labels)
    metrics.update(_metrics(labels, final.predict_proba(x)[:, 1], "train"))
    data_hash = training_sha256(full_x, labels, periods, [f.name for f in FEATURES[: full_x.shape[1]]])
    params = {**asdict(cfg), "sklearn": sklearn.__version__, "numpy": np.__version__}
    version_src = json.dumps({"data": data_hash, "params": params}, sort_keys=True).encode()
    version = "fm-" + hashlib.sha256(version_src).hexdigest()[:16]
    say(f"trained {version}")
    return FlagModel(version, data_hash, tuple(features), params, metrics, final, tuple(keep))
