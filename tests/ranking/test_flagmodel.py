"""The flag model: monotone in the evidence, calibrated, time-split metrics, versioned, reproducible."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.ranking.flagmodel import (
    FEATURES,
    FlagModel,
    FlagModelConfig,
    InsufficientLabelsError,
    train_flag_model,
    training_sha256,
)
from tests.ranking._world import labelled, model


def test_training_records_hash_features_params_and_holdout_metrics() -> None:
    m, data = model(), labelled()
    assert m.training_sha256 == training_sha256(data.x, data.y, data.periods, [f.name for f in FEATURES])
    assert [f.name for f in m.features] == [f.name for f in FEATURES]
    assert m.params["random_state"] == 0 and "sklearn" in m.params
    assert m.metrics["holdout_periods"] == 3
    assert m.metrics["holdout_n"] > 0
    assert m.metrics["holdout_auc"] is not None and m.metrics["holdout_auc"] > 0.8
    assert m.version.startswith("fm-")


def test_same_data_gives_same_model_and_bytes_round_trip() -> None:
    data = labelled()
    again = train_flag_model(data.x, data.y, data.periods, FlagModelConfig())
    m = model()
    assert again.version == m.version
    np.testing.assert_array_equal(again.risk(data.x), m.risk(data.x))
    loaded = FlagModel.from_bytes(m.to_bytes())
    np.testing.assert_array_equal(loaded.risk(data.x), m.risk(data.x))
    assert loaded.metrics == m.metrics


def test_changed_data_changes_the_version() -> None:
    data = labelled()
    y = data.y.copy()
    y[0] = 1 - y[0]
    assert training_sha256(data.x, y, data.periods, ["a"]) != training_sha256(
        data.x, data.y, data.periods, ["a"]
    )


def test_too_few_labels_refuses_so_the_statistical_rule_decides() -> None:
    data = labelled()
    with pytest.raises(InsufficientLabelsError):
        train_flag_model(data.x[:10], data.y[:10], data.periods[:10])
    with pytest.raises(InsufficientLabelsError):
        train_flag_model(data.x, np.zeros_like(data.y), data.periods)


def test_a_feature_without_data_is_left_out_and_scoring_still_takes_the_full_matrix() -> None:
    data = labelled()
    x = data.x.copy()
    x[:, 5] = np.nan  # e.g. no source records rework
    m = train_flag_model(x, data.y, data.periods, FlagModelConfig())
    assert FEATURES[5].name not in [f.name for f in m.features]
    assert len(m.feature_index) == len(FEATURES) - 1
    risk = m.risk(x)
    assert risk.shape == (len(x),) and np.all((risk >= 0) & (risk <= 1))
    assert m.contributions(x[:3], np.nan_to_num(x[0])).shape == (3, len(FEATURES) - 1)


def test_from_bytes_rejects_other_objects() -> None:
    import pickle

    with pytest.raises(TypeError):
        FlagModel.from_bytes(pickle.dumps({"not": "a model"}))


def test_risk_is_calibrated_on_the_training_range() -> None:
    m, data = model(), labelled()
    risk = m.risk(data.x)
    # mean predicted risk close to the base rate, and substandard firms ranked above the rest
    assert abs(risk.mean() - data.y.mean()) < 0.05
    assert risk[data.y == 1].mean() > risk[data.y == 0].mean() + 0.4


@settings(max_examples=40, deadline=None)
@given(row=st.integers(0, 10_000), feature=st.integers(0, len(FEATURES) - 1), step=st.floats(0.01, 50.0))
def test_better_evidence_never_raises_the_risk(row: int, feature: int, step: float) -> None:
    """Move one feature of one firm in the 'better' direction: the calibrated risk must not rise."""
    spec = FEATURES[feature]
    if spec.direction == 0:
        return
    m, data = model(), labelled()
    x = data.x[row % len(data.x)].copy()[None, :]
    better = x.copy()
    better[0, feature] -= spec.direction * step
    if spec.name == "p_below_pass":
        better[0, feature] = np.clip(better[0, feature], 0.0, 1.0)
    assert m.risk(better)[0] <= m.risk(x)[0] + 1e-12
