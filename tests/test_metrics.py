"""Tests of fairbo.metrics: values against fairlearn, the registry and input
errors."""

from __future__ import annotations

import fairlearn.metrics as flm
import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from fairbo import metrics
from fairbo.exceptions import InvalidArgumentError


def _random_case(rng: np.random.Generator, n_groups: int, n: int = 200):
    y_true = rng.integers(0, 2, n)
    y_pred = rng.integers(0, 2, n)
    groups = rng.integers(0, n_groups, n)
    groups[:n_groups] = np.arange(n_groups)
    return y_true, y_pred, groups


@pytest.mark.parametrize("seed", range(50))
def test_dsp_matches_fairlearn(seed):
    rng = np.random.default_rng(seed)
    y_true, y_pred, groups = _random_case(rng, n_groups=2 + seed % 4)
    expected = flm.demographic_parity_difference(
        y_true, y_pred, sensitive_features=groups
    )
    actual = metrics.get("dsp")(y_true, y_pred, sensitive_features=groups)
    assert actual == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(50))
def test_accuracy_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    y_true, y_pred, groups = _random_case(rng, n_groups=2)
    weights = rng.uniform(0, 3, len(y_true))
    expected = accuracy_score(y_true, y_pred, sample_weight=weights)
    actual = metrics.get("accuracy")(
        y_true, y_pred, sensitive_features=groups, sample_weight=weights
    )
    assert actual == pytest.approx(expected, abs=1e-12)


def test_get_resolves_long_and_short_names():
    long_name = metrics.get("statistical_parity_difference")
    assert metrics.get("dsp") is long_name
    assert long_name is metrics.statistical_parity_difference


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(InvalidArgumentError, match="valid names are .*dsp"):
        metrics.get("parity")
