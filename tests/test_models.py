"""Tests of the model registry and its default search spaces."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest

import fairbo
from fairbo import models
from fairbo.exceptions import InvalidArgumentError, InvalidConfigError
from fairbo.space import Categorical, Float, Int, SearchSpace


@pytest.fixture(scope="module")
def small_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + 0.3 * rng.normal(size=120) > 0).astype(int)
    return X, y


# Settings that keep each fit in the tests fast.
FAST_OVERRIDES = {
    "random_forest": {"n_estimators": 5},
    "xgboost": {"n_estimators": 5},
    "mlp": {"max_iter": 20},
    "logistic_regression": {},
}


def test_registry_names():
    assert models.names() == ["logistic_regression", "mlp", "random_forest", "xgboost"]


def test_unknown_name_lists_valid():
    with pytest.raises(InvalidArgumentError) as info:
        models.get("svm")
    message = str(info.value)
    assert "got 'svm'" in message
    assert "'random_forest'" in message
    assert "'xgboost'" in message


def test_random_forest_canonical_space():
    space = models.get("random_forest").search_space
    split = space["min_samples_split"]
    assert isinstance(split, Float)
    assert (split.low, split.high, split.log) == (0.01, 1.0, True)
    depth = space["max_depth"]
    assert isinstance(depth, Int)
    assert (depth.low, depth.high) == (1, 50)
    assert isinstance(space["criterion"], Categorical)
    assert list(space["criterion"].choices) == ["gini", "entropy"]
    assert space["n_estimators"] == models.RANDOM_FOREST_TREES == 100


# max_iter=20 keeps the MLP fast but leaves it unconverged.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", models.names())
def test_sampled_config_fits(name, small_data):
    spec = models.get(name)
    config = SearchSpace(spec.search_space).sample(np.random.default_rng(1), 1)[0]
    config.update(FAST_OVERRIDES[name])
    estimator = spec.build(config, seed=3)
    X, y = small_data
    predictions = estimator.fit(X, y).predict(X)
    assert set(np.unique(predictions)) <= {0, 1}
    assert estimator.get_params()["random_state"] == 3


@pytest.mark.parametrize("name", ["random_forest", "xgboost"])
def test_single_threaded(name):
    spec = models.get(name)
    config = {"n_estimators": 5}
    assert spec.build(config).get_params()["n_jobs"] == 1


def test_random_forest_fraction_split(small_data):
    estimator = models.get("random_forest").build(
        {"min_samples_split": 1.0, "n_estimators": 3}, seed=0
    )
    X, y = small_data
    # A split needs every training row, so each tree is a single leaf.
    estimator.fit(X, y)
    assert all(tree.get_depth() == 0 for tree in estimator.estimators_)


def test_same_seed_same_model(small_data):
    spec = models.get("random_forest")
    X, y = small_data
    first = spec.build({"n_estimators": 5}, seed=7).fit(X, y).predict_proba(X)
    second = spec.build({"n_estimators": 5}, seed=7).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_mlp_width_and_depth():
    estimator = models.get("mlp").build(
        {"n_hidden_layers": 3, "hidden_layer_width": 16}
    )
    assert estimator.hidden_layer_sizes == (16, 16, 16)


def test_logistic_class_weight_choices():
    choices = models.get("logistic_regression").search_space["class_weight"].choices
    assert list(choices) == [None, "balanced"]
    estimator = models.get("logistic_regression").build({"class_weight": "balanced"})
    assert estimator.class_weight == "balanced"


def test_scaling_flags():
    flags = {name: models.get(name).needs_scaling for name in models.names()}
    assert flags == {
        "logistic_regression": True,
        "mlp": True,
        "random_forest": False,
        "xgboost": False,
    }


def test_unknown_config_key_raises():
    with pytest.raises(InvalidConfigError) as info:
        models.get("random_forest").build({"max_dept": 3})
    message = str(info.value)
    assert "got unknown ['max_dept']" in message
    assert "'max_depth'" in message


def test_get_returns_fresh_space():
    models.get("random_forest").search_space["n_estimators"] = 5
    assert models.get("random_forest").search_space["n_estimators"] == 100


def test_get_passes_spec_through():
    spec = models.get("mlp")
    assert models.get(spec) is spec


@pytest.mark.parametrize("name", models.names())
def test_spec_pickles(name):
    spec = pickle.loads(pickle.dumps(models.get(name)))
    assert spec.name == name
    assert spec.build({}).get_params() is not None


def test_missing_xgboost_message(monkeypatch):
    # A None entry in sys.modules makes `import xgboost` raise ImportError.
    monkeypatch.setitem(sys.modules, "xgboost", None)
    with pytest.raises(ImportError, match=r"pip install 'fairbo\[xgboost\]'"):
        models.get("xgboost").build({})


def test_missing_xgboost_fails_when_objective_is_built(monkeypatch):
    monkeypatch.setitem(sys.modules, "xgboost", None)
    bunch = fairbo.datasets.load_german_credit()
    with pytest.raises(ImportError, match="xgboost"):
        fairbo.FairnessObjective(
            "xgboost", bunch.data, bunch.target, bunch.sensitive_features, cv=2
        )
