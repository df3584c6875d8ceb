"""Tests of FairnessObjective: alignment, splits, guards and metrics."""

from __future__ import annotations

import logging
import pickle
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference
from sklearn.metrics import accuracy_score

import fairbo
from fairbo.datasets import load_german_credit
from fairbo.exceptions import (
    InvalidArgumentError,
    InvalidTypeError,
    SmallGroupWarning,
)
from fairbo.objective import FairnessObjective

# Few shallow trees keep each objective call in these tests well under 0.1 s.
FAST_FOREST = {
    "min_samples_split": 0.05,
    "max_depth": 4,
    "criterion": "gini",
    "n_estimators": 5,
}
# A split needs every row, so each tree is a leaf that predicts the majority.
CONSTANT_FOREST = {**FAST_FOREST, "min_samples_split": 1.0}


def make_data(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Build data whose group is a function of the column region_code."""
    rng = np.random.default_rng(seed)
    region_code = rng.integers(0, 10, n)
    X = pd.DataFrame(
        {
            "income": rng.normal(50, 10, n),
            "region_code": region_code,
            "housing": rng.choice(["rent", "own", "free"], n),
        }
    )
    score = (X["income"] - 50) / 10 + 0.5 * (region_code < 4) + rng.normal(0, 0.5, n)
    y = pd.Series((score > 0).astype(int), name="label")
    groups = pd.Series(np.where(region_code < 4, "a", "b"), name="group")
    return X, y, groups


def objective_for(X, y, groups, **kwargs) -> FairnessObjective:
    kwargs.setdefault("small_group_threshold", 5)
    return FairnessObjective("random_forest", X, y, groups, **kwargs)


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def objective(data):
    return objective_for(*data, cv=3)


def test_call_returns_float_metrics(objective):
    result = objective(FAST_FOREST)
    expected = {"accuracy", "dsp", "positive_rate", "constant_predictor"}
    assert set(result) == expected | {"min_group_size"}
    assert all(isinstance(value, float) for value in result.values())
    assert 0.5 < result["accuracy"] <= 1.0
    assert result["constant_predictor"] == 0.0


def test_fold_metrics_match_fairlearn(objective):
    evaluation = objective.evaluate(FAST_FOREST)
    start = 0
    for fold, (_, valid) in enumerate(objective.splits):
        predicted = evaluation.predictions[start : start + len(valid)]
        start += len(valid)
        np.testing.assert_array_equal(
            evaluation.validation_rows[start - len(valid) : start], valid
        )
        y_true, groups = objective.y[valid], objective.groups[valid]
        fold_metrics = evaluation.fold_metrics[fold]
        assert fold_metrics["accuracy"] == pytest.approx(
            accuracy_score(y_true, predicted)
        )
        reference = demographic_parity_difference(
            y_true, predicted, sensitive_features=groups
        )
        assert fold_metrics["dsp"] == pytest.approx(reference)
        assert fold_metrics["positive_rate"] == pytest.approx(predicted.mean())


def test_means_over_folds(objective):
    evaluation = objective.evaluate(FAST_FOREST)
    for key in ("accuracy", "dsp", "positive_rate"):
        values = [fold[key] for fold in evaluation.fold_metrics]
        assert evaluation.metrics[key] == pytest.approx(np.mean(values))


def test_same_config_same_result(data):
    first = objective_for(*data, cv=3)(FAST_FOREST)
    second = objective_for(*data, cv=3)(FAST_FOREST)
    assert first == second


def test_seed_changes_splits(data):
    first = objective_for(*data, cv=3, seed=0)
    second = objective_for(*data, cv=3, seed=1)
    assert not np.array_equal(first.splits[0][1], second.splits[0][1])


def test_pickled_objective_same_result(objective):
    copy = pickle.loads(pickle.dumps(objective))
    assert copy(FAST_FOREST) == objective(FAST_FOREST)


def test_folds_partition_rows(objective):
    validated = np.sort(np.concatenate([valid for _, valid in objective.splits]))
    np.testing.assert_array_equal(validated, np.arange(len(objective.y)))
    for train, valid in objective.splits:
        assert not set(train) & set(valid)


def test_shuffled_rows_keep_their_group():
    X, y, groups = make_data()
    shuffled = np.random.default_rng(5).permutation(len(X))
    X = X.iloc[shuffled]
    # y and the groups arrive in the original order; only labels pair them.
    objective = objective_for(X, y, groups, cv=4)
    assert list(objective.index) == list(X.index)
    for _, valid in objective.splits:
        region = objective.X["region_code"].to_numpy()[valid]
        expected_groups = np.where(region < 4, "a", "b")
        np.testing.assert_array_equal(objective.groups[valid], expected_groups)
        original_rows = objective.index[valid]
        np.testing.assert_array_equal(objective.y[valid], y.loc[original_rows])


def test_arrays_pair_by_position(data):
    X, y, groups = data
    objective = objective_for(X.to_numpy(), y.to_numpy(), groups.to_numpy(), cv=3)
    np.testing.assert_array_equal(objective.groups, groups.to_numpy())
    assert list(objective.X.columns) == ["x0", "x1", "x2"]


@pytest.mark.parametrize(
    ("make_inputs", "fragment"),
    [
        (
            lambda X, y, g: (X, y, g.set_axis(g.index + 1000)),
            "400 labels of X missing from sensitive_features "
            "(e.g. [0, 1, 2, 3, 4, ...]",
        ),
        (
            lambda X, y, g: (X, y.drop(index=[7, 9]), g),
            "2 labels of X missing from y (e.g. [7, 9])",
        ),
        (
            lambda X, y, g: (X, y.to_numpy()[:-1], g),
            "y must have one entry per row of X (400 rows), got 399",
        ),
        (
            lambda X, y, g: (X.to_numpy(), y, g.to_numpy()[:10]),
            "sensitive_features must have one entry per row of X (400 rows), got 10",
        ),
        (
            lambda X, y, g: (X.set_axis([0] * 400), y, g),
            "index of X must be unique",
        ),
        (
            lambda X, y, g: (X, y, g.where(g.index != 3)),
            "missing value at row 3",
        ),
        (
            lambda X, y, g: (X, y.where(y.index != 8), g),
            "y must have a label for every row, got a missing value at row 8",
        ),
        (
            lambda X, y, g: (X, y + X["region_code"], g),
            "y must contain exactly two classes including pos_label=1",
        ),
        (
            lambda X, y, g: (X, y.map({0: "bad", 1: "good"}), g),
            "including pos_label=1, got classes ['bad', 'good']",
        ),
        (
            lambda X, y, g: (X, y, "region"),
            "must name a column of X, got 'region'",
        ),
    ],
)
def test_alignment_errors(data, make_inputs, fragment):
    X, y, groups = make_inputs(*data)
    with pytest.raises(InvalidArgumentError) as info:
        objective_for(X, y, groups, cv=3)
    assert fragment in str(info.value)


def test_one_dimensional_x_raises(data):
    _, y, groups = data
    with pytest.raises(InvalidTypeError, match="X must be two-dimensional"):
        objective_for(np.zeros(400), y, groups)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"cv": 1}, "cv must be an integer >= 2, got 1"),
        ({"validation_size": 1.5}, "validation_size must be a float in (0, 1)"),
        ({"test_size": 0}, "test_size must be a float in (0, 1) or None, got 0"),
        ({"upper_confidence": 95}, "upper_confidence must be a float in (0, 1)"),
        ({"n_bootstrap": 0}, "n_bootstrap must be a positive integer, got 0"),
        ({"metrics": ("accuracy", "dpd")}, "unknown metric name 'dpd'"),
        ({"metrics": ("dsp", "dsp")}, "got 'dsp' twice or reserved"),
        ({"metrics": ()}, "metrics must name at least one metric"),
        ({"metrics": {"positive_rate": "dsp"}}, "got 'positive_rate' twice"),
    ],
)
def test_parameter_errors(data, kwargs, fragment):
    with pytest.raises(InvalidArgumentError) as info:
        objective_for(*data, **kwargs)
    assert fragment in str(info.value)


def test_pos_label_selects_positive(data):
    X, y, groups = data
    text_labels = y.map({0: "bad", 1: "good"})
    objective = objective_for(X, text_labels, groups, cv=3, pos_label="good")
    np.testing.assert_array_equal(objective.y, y.to_numpy())


def test_sensitive_column_dropped_by_default(data):
    X, y, groups = data
    X = X.assign(group=groups)
    by_name = objective_for(X, y, "group", cv=3)
    assert "group" not in by_name.X.columns
    by_series = objective_for(X, y, groups, cv=3)
    assert "group" not in by_series.X.columns
    np.testing.assert_array_equal(by_name.groups, groups.to_numpy())


def test_include_sensitive_keeps_column(data):
    X, y, groups = data
    kept = objective_for(X.assign(group=groups), y, "group", include_sensitive=True)
    assert "group" in kept.X.columns
    added = objective_for(X, y, groups, include_sensitive=True, cv=3)
    assert list(added.X["sensitive_group"].astype(str)) == list(groups)
    assert added(FAST_FOREST)["accuracy"] > 0.5


def test_intersectional_groups(data):
    X, y, groups = data
    table = pd.DataFrame({"group": groups, "housing": X["housing"]})
    objective = objective_for(X, y, table, cv=3)
    assert "group=a, housing=own" in objective.group_sizes["all"]
    assert len(objective.group_sizes["all"]) == 6
    # housing equals a column of X, so it is not a model input by default.
    assert "housing" not in objective.X.columns


def test_constant_predictor_flagged(objective, caplog):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.INFO, logger="fairbo.objective"):
            result = objective(CONSTANT_FOREST)
    assert result["constant_predictor"] == 1.0
    assert result["positive_rate"] in (0.0, 1.0)
    assert result["dsp"] == 0.0
    assert "predicts class" in caplog.text


def test_small_group_warns_once(data):
    X, y, groups = data
    with pytest.warns(SmallGroupWarning, match="group 'a' has only") as record:
        objective = FairnessObjective("random_forest", X, y, groups, cv=5)
    assert len(record) == 1
    assert "threshold 30" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallGroupWarning)
        for _ in range(3):
            objective(FAST_FOREST)


def test_group_sizes_reported(data):
    X, y, groups = data
    objective = objective_for(X, y, groups, cv=4, test_size=0.25)
    sizes = objective.group_sizes
    expected_all = groups.value_counts().to_dict()
    assert sizes["all"] == expected_all
    for group in expected_all:
        part_total = sizes["train_validation"][group] + sizes["test"][group]
        assert part_total == expected_all[group]
    smallest = min(sizes["smallest_validation_fold"].values())
    assert objective(FAST_FOREST)["min_group_size"] == smallest


def test_group_absent_from_fold_raises(data):
    X, y, groups = data
    tiny = groups.copy()
    tiny.iloc[:2] = "c"
    with pytest.raises(InvalidArgumentError, match=r"no rows of groups \['c'\]"):
        objective_for(X, y, tiny, cv=5)


def test_holdout_validation(data):
    objective = objective_for(*data, validation_size=0.25)
    assert len(objective.splits) == 1
    train, valid = objective.splits[0]
    assert len(valid) == 100
    assert len(train) == 300
    assert objective.evaluate(FAST_FOREST).fold_metrics[0]["accuracy"] > 0.5


def test_stratified_by_label_and_group(data):
    X, y, groups = data
    objective = objective_for(X, y, groups, cv=4)
    cells = pd.Series(list(zip(objective.y, objective.groups, strict=True)))
    overall = cells.value_counts(normalize=True)
    for _, valid in objective.splits:
        share = cells.iloc[valid].value_counts(normalize=True)
        for cell, expected in overall.items():
            assert share[cell] == pytest.approx(expected, abs=0.02)


def test_test_part_kept_apart(data):
    objective = objective_for(*data, cv=3, test_size=0.2)
    test_rows = set(objective.test_rows)
    assert len(test_rows) == 80
    for train, valid in objective.splits:
        assert not test_rows & set(train)
        assert not test_rows & set(valid)
    result = objective.evaluate_test(FAST_FOREST)
    assert set(result) == set(objective(FAST_FOREST))
    assert result["min_group_size"] == min(objective.group_sizes["test"].values())


def test_evaluate_test_needs_test_size(objective):
    with pytest.raises(InvalidArgumentError, match="test_size is None"):
        objective.evaluate_test(FAST_FOREST)


def test_upper_confidence_bound(data):
    objective = objective_for(*data, cv=3, upper_confidence=0.95, n_bootstrap=200)
    result = objective(FAST_FOREST)
    assert "dsp_ucb" in result
    assert "accuracy_ucb" not in result
    evaluation = objective.evaluate(FAST_FOREST)
    rows = evaluation.validation_rows
    pooled = demographic_parity_difference(
        objective.y[rows],
        evaluation.predictions,
        sensitive_features=objective.groups[rows],
    )
    assert result["dsp_ucb"] > pooled


def test_metric_keys_as_given(data):
    def positive_share(y_true, y_pred, *, sensitive_features, **_):
        return float(np.mean(y_pred))

    objective = objective_for(
        *data, cv=3, metrics=["statistical_parity_difference", positive_share]
    )
    result = objective(FAST_FOREST)
    assert "statistical_parity_difference" in result
    assert result["positive_share"] == pytest.approx(result["positive_rate"])


def test_missing_and_unseen_categories():
    X, y, groups = make_data()
    X = X.astype({"housing": "object"})
    X.loc[X.index[:20], "housing"] = np.nan
    X.loc[X.index[:20], "income"] = np.nan
    # A category that only a few rows have, so some training folds lack it.
    X.loc[X.index[20:22], "housing"] = "boat"
    objective = objective_for(X, y, groups, cv=3)
    assert 0.5 < objective(FAST_FOREST)["accuracy"] <= 1.0


@pytest.mark.parametrize("name", ["logistic_regression", "mlp", "xgboost"])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_other_models_run(data, name):
    configs = {
        "logistic_regression": {"C": 1.0, "class_weight": "balanced"},
        "mlp": {"hidden_layer_width": 8, "max_iter": 50},
        "xgboost": {"n_estimators": 10, "max_depth": 3},
    }
    objective = FairnessObjective(name, *data, cv=3, small_group_threshold=5)
    assert objective(configs[name])["accuracy"] > 0.5


def test_search_space_is_model_default(objective):
    space = objective.search_space
    assert space["n_estimators"] == 100
    space["n_estimators"] = 1
    assert objective.search_space["n_estimators"] == 100


@pytest.mark.slow
def test_german_credit_five_fold():
    bunch = load_german_credit()
    with pytest.warns(SmallGroupWarning, match="group 'no'"):
        objective = FairnessObjective(
            "random_forest", bunch.data, bunch.target, bunch.sensitive_features
        )
    assert "foreign_worker" not in objective.X.columns
    assert objective.group_sizes["all"] == {"no": 37, "yes": 963}
    assert objective.group_sizes["smallest_validation_fold"]["no"] == 7

    configs = [
        {
            "min_samples_split": 0.02,
            "max_depth": 10,
            "criterion": "gini",
            "n_estimators": 100,
        },
        {
            "min_samples_split": 0.9,
            "max_depth": 3,
            "criterion": "entropy",
            "n_estimators": 100,
        },
    ]
    started = time.perf_counter()
    learned = objective(configs[0])
    elapsed = time.perf_counter() - started
    constant = objective(configs[1])

    # Predicting "good" for everyone gives the 70 % base rate.
    assert 0.72 < learned["accuracy"] < 0.80
    assert learned["constant_predictor"] == 0.0
    assert constant["constant_predictor"] == 1.0
    assert constant["accuracy"] == pytest.approx(0.7)
    assert constant["dsp"] == 0.0
    assert elapsed < 10.0


@pytest.mark.filterwarnings("ignore::fairbo.exceptions.SmallGroupWarning")
def test_disparate_impact_gets_lower_bound():
    bunch = fairbo.datasets.load_german_credit()
    objective = fairbo.FairnessObjective(
        "logistic_regression",
        bunch.data,
        bunch.target,
        bunch.sensitive_features,
        metrics=("accuracy", "di", "dsp"),
        cv=2,
        upper_confidence=0.9,
        n_bootstrap=200,
    )
    result = objective({"C": 1.0, "class_weight": None})
    assert "di_lcb" in result
    assert "di_ucb" not in result
    assert result["di_lcb"] <= result["di"] + 0.05
    assert "dsp_ucb" in result
    assert set(result) == set(objective.metric_names)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"cv": 1000}, "use cv <= 300"),
        ({"test_size": 0.001}, "cannot hold out test_size=0.001"),
    ],
)
def test_impossible_splits_are_explained(kwargs, fragment):
    bunch = fairbo.datasets.load_german_credit()
    with pytest.raises(fairbo.exceptions.InvalidArgumentError, match=fragment):
        fairbo.FairnessObjective(
            "logistic_regression",
            bunch.data,
            bunch.target,
            bunch.sensitive_features,
            **kwargs,
        )


def test_single_group_is_rejected():
    bunch = fairbo.datasets.load_german_credit()
    one_group = pd.Series("everyone", index=bunch.data.index)
    with pytest.raises(fairbo.exceptions.InvalidArgumentError, match="at least 2"):
        fairbo.FairnessObjective(
            "logistic_regression", bunch.data, bunch.target, one_group
        )


def test_fingerprint_follows_data_and_settings():
    bunch = fairbo.datasets.load_german_credit()

    def build(target, **kwargs):
        return fairbo.FairnessObjective(
            "random_forest", bunch.data, target, bunch.sensitive_features, **kwargs
        ).fingerprint

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fairbo.exceptions.SmallGroupWarning)
        first = build(bunch.target, cv=3)
        assert build(bunch.target, cv=3) == first
        assert build(bunch.target, cv=4) != first
        flipped = bunch.target.copy()
        flipped.iloc[0] = 1 - flipped.iloc[0]
        assert build(flipped, cv=3) != first
