"""Tests of fairbo.metrics: values against fairlearn and scikit-learn, the
registry, group_summary and the input errors."""

from __future__ import annotations

import functools
import pickle
import warnings

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from fairbo import metrics
from fairbo.exceptions import (
    InvalidArgumentError,
    InvalidTypeError,
    MetricInputError,
    UndefinedMetricWarning,
)

# Label encodings as (negative, positive): the metrics must treat them alike.
LABEL_KINDS = [(0, 1), (1, 0), (1, 2), ("bad", "good"), (False, True)]
N_CASES = 50


def _random_case(seed: int) -> dict:
    """Build random inputs where every group has both true classes.

    The cases cycle through 2 to 5 groups, int, str, bool and intersectional
    (DataFrame) group labels, the label kinds above, and weights on or off.
    """
    rng = np.random.default_rng(seed)
    n_groups = 2 + seed % 4
    negative, positive = LABEL_KINDS[seed % len(LABEL_KINDS)]
    n = int(rng.integers(2 * n_groups, 300))
    group_index = rng.integers(0, n_groups, n)
    truth = rng.random(n) < rng.uniform(0.2, 0.8)
    # The first rows cover every (group, class) pair so that TPR and FPR
    # are defined in every group.
    group_index[: 2 * n_groups] = np.repeat(np.arange(n_groups), 2)
    truth[: 2 * n_groups] = np.tile([True, False], n_groups)
    prediction = np.where(rng.random(n) < 0.8, truth, ~truth)
    labels = np.array([negative, positive], dtype=object)
    case = {
        "y_true": labels[truth.astype(int)].tolist(),
        "y_pred": labels[prediction.astype(int)].tolist(),
        "pos_label": positive,
        "sensitive_features": _group_labels(seed, group_index, n_groups),
        "sample_weight": rng.uniform(0.1, 3.0, n) if seed % 2 else None,
    }
    return case


def _group_labels(seed: int, group_index: np.ndarray, n_groups: int):
    style = seed % 3
    if n_groups == 2 and seed % 5 == 0:
        return group_index.astype(bool)
    if style == 0:
        return group_index * 10
    if style == 1:
        return pd.Series(np.array(list("abcde"))[group_index], name="group")
    # Intersectional: n_groups distinct combinations of two columns.
    return pd.DataFrame(
        {"first": group_index % 2 == 0, "second": np.array(list("vwxyz"))[group_index]}
    )


def _fairlearn_difference(rate, case, aggregate="difference") -> float:
    frame = flm.MetricFrame(
        metrics={"rate": functools.partial(rate, pos_label=case["pos_label"])},
        y_true=np.asarray(case["y_true"], dtype=object),
        y_pred=np.asarray(case["y_pred"], dtype=object),
        sensitive_features=case["sensitive_features"],
        sample_params={"rate": {"sample_weight": _weights(case)}},
    )
    return float(getattr(frame, aggregate)()["rate"])


def _weights(case) -> np.ndarray:
    weights = case["sample_weight"]
    return np.ones(len(case["y_true"])) if weights is None else weights


def _as_binary(case) -> dict:
    """Return the case with labels mapped to 0/1, for fairlearn functions
    that have no pos_label argument."""
    binary = dict(case)
    for key in ("y_true", "y_pred"):
        binary[key] = [int(v == case["pos_label"]) for v in case[key]]
    binary["pos_label"] = 1
    return binary


def _ours(name: str, case) -> float:
    return metrics.get(name)(
        case["y_true"],
        case["y_pred"],
        sensitive_features=case["sensitive_features"],
        sample_weight=case["sample_weight"],
        pos_label=case["pos_label"],
    )


@pytest.mark.parametrize("seed", range(N_CASES))
def test_dsp_matches_fairlearn(seed):
    case = _random_case(seed)
    expected = _fairlearn_difference(flm.selection_rate, case)
    assert _ours("dsp", case) == pytest.approx(expected, abs=1e-12)
    binary = _as_binary(case)
    direct = flm.demographic_parity_difference(
        binary["y_true"],
        binary["y_pred"],
        sensitive_features=case["sensitive_features"],
        sample_weight=case["sample_weight"],
    )
    assert _ours("statistical_parity_difference", case) == pytest.approx(direct)


@pytest.mark.parametrize("seed", range(N_CASES))
def test_deo_matches_fairlearn_tpr_gap(seed):
    case = _random_case(seed)
    expected = _fairlearn_difference(flm.true_positive_rate, case)
    assert _ours("deo", case) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(N_CASES))
def test_dfp_matches_fairlearn_fpr_gap(seed):
    case = _random_case(seed)
    expected = _fairlearn_difference(flm.false_positive_rate, case)
    assert _ours("dfp", case) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(N_CASES))
def test_eod_matches_fairlearn(seed):
    case = _random_case(seed)
    binary = _as_binary(case)
    expected = flm.equalized_odds_difference(
        binary["y_true"],
        binary["y_pred"],
        sensitive_features=case["sensitive_features"],
        sample_weight=case["sample_weight"],
    )
    assert _ours("eod", case) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(N_CASES))
def test_di_matches_fairlearn_ratio(seed):
    case = _random_case(seed)
    expected = _fairlearn_difference(flm.selection_rate, case, aggregate="ratio")
    assert _ours("di", case) == pytest.approx(expected, abs=1e-12)
    binary = _as_binary(case)
    direct = flm.demographic_parity_ratio(
        binary["y_true"],
        binary["y_pred"],
        sensitive_features=case["sensitive_features"],
        sample_weight=case["sample_weight"],
    )
    assert _ours("disparate_impact_ratio", case) == pytest.approx(direct)


@pytest.mark.parametrize("seed", range(N_CASES))
def test_accuracy_matches_sklearn(seed):
    case = _random_case(seed)
    expected = accuracy_score(
        case["y_true"], case["y_pred"], sample_weight=case["sample_weight"]
    )
    assert _ours("accuracy", case) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(N_CASES))
def test_balanced_accuracy_matches_sklearn(seed):
    case = _random_case(seed)
    expected = balanced_accuracy_score(
        case["y_true"], case["y_pred"], sample_weight=case["sample_weight"]
    )
    assert _ours("balanced_accuracy", case) == pytest.approx(expected, abs=1e-12)


def test_balanced_accuracy_one_true_class_matches_sklearn():
    y_true, y_pred = [0, 0, 0, 0], [0, 1, 0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = balanced_accuracy_score(y_true, y_pred)
    assert metrics.balanced_accuracy(y_true, y_pred) == pytest.approx(expected)


def test_dsp_hand_computed_three_groups():
    # Selection rates: a = 2/3, b = 1/2, c = 0 -> DSP 2/3, DI 0.
    y_pred = [1, 1, 0, 1, 0, 0, 0]
    y_true = [1, 0, 1, 0, 1, 0, 1]
    groups = ["a", "a", "a", "b", "b", "c", "c"]
    dsp = metrics.statistical_parity_difference(
        y_true, y_pred, sensitive_features=groups
    )
    di = metrics.disparate_impact_ratio(y_true, y_pred, sensitive_features=groups)
    assert dsp == pytest.approx(2 / 3)
    assert di == 0.0


def test_intersectional_groups_use_joined_labels():
    features = pd.DataFrame(
        {"foreign": ["yes", "yes", "no", "no"], "sex": ["female", "male"] * 2}
    )
    table = metrics.group_summary(
        [1, 0, 1, 0], [1, 0, 0, 0], sensitive_features=features
    )
    assert list(table.index) == ["no|female", "no|male", "yes|female", "yes|male"]
    assert table.loc["yes|female", "selection_rate"] == 1.0


def test_pandas_inputs_with_same_index_are_accepted():
    index = [10, 11, 12, 13]
    value = metrics.statistical_parity_difference(
        pd.Series([1, 0, 1, 0], index=index),
        pd.Series([1, 1, 0, 0], index=index),
        sensitive_features=pd.Series(["a", "a", "b", "b"], index=index),
    )
    assert value == 1.0


def test_mixed_pandas_and_numpy_align_by_position():
    value = metrics.statistical_parity_difference(
        pd.Series([1, 0, 1, 0], index=[7, 5, 3, 1]),
        np.array([1, 1, 0, 0]),
        sensitive_features=["a", "a", "b", "b"],
    )
    assert value == 1.0


def test_metric_is_zero_for_identical_groups():
    value = metrics.equalized_odds_difference(
        [1, 0, 1, 0], [1, 0, 1, 0], sensitive_features=[1, 1, 2, 2]
    )
    assert value == 0.0


# --- undefined metrics -------------------------------------------------------

UNDEFINED_CASES = [
    ("deo", [1, 0, 0, 0], [1, 0, 1, 0], "group 'b' has no rows with y_true == "),
    ("dfp", [1, 0, 1, 1], [1, 0, 1, 0], "group 'b' has no rows with y_true != "),
    ("eod", [1, 0, 0, 0], [1, 0, 1, 0], "group 'b'"),
    ("di", [1, 0, 1, 0], [0, 0, 0, 0], "no group has a positive prediction"),
]


@pytest.mark.parametrize(("name", "y_true", "y_pred", "fragment"), UNDEFINED_CASES)
def test_undefined_metric_warns_and_returns_nan(name, y_true, y_pred, fragment):
    with pytest.warns(UndefinedMetricWarning, match=fragment):
        value = metrics.get(name)(
            y_true, y_pred, sensitive_features=["a", "a", "b", "b"]
        )
    assert np.isnan(value)


def test_defined_metric_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.equalized_odds_difference(
            [1, 0, 1, 0], [1, 1, 0, 0], sensitive_features=["a", "a", "b", "b"]
        )


def test_zero_weight_group_is_undefined():
    with pytest.warns(UndefinedMetricWarning, match="group 'b' has zero total"):
        value = metrics.statistical_parity_difference(
            [1, 0, 1, 0],
            [1, 0, 1, 0],
            sensitive_features=["a", "a", "b", "b"],
            sample_weight=[1.0, 1.0, 0.0, 0.0],
        )
    assert np.isnan(value)


# --- input errors ------------------------------------------------------------

GOOD = {
    "y_true": [1, 0, 1, 0],
    "y_pred": [1, 1, 0, 0],
    "sensitive_features": ["a", "a", "b", "b"],
}

BAD_INPUTS = [
    ({"y_pred": [1, 0, 1]}, "len(y_true)=4, len(y_pred)=3"),
    (
        {"sample_weight": [1.0, 1.0]},
        "len(sensitive_features)=4, len(sample_weight)=2",
    ),
    ({"y_pred": [0.1, 0.7, 0.4, 0.9]}, "threshold them first"),
    ({"y_pred": [0.1, 0.7, 0.4, 0.9]}, "(proba >= 0.5).astype(int)"),
    ({"y_pred": [1, 2, 3, 0]}, "y_pred must contain at most 2 distinct labels"),
    ({"y_true": [0, 1, 2, 1]}, "y_true must contain at most 2 distinct labels"),
    ({"y_pred": [1, 2, 1, 2]}, "together contain 3 distinct labels"),
    ({"y_pred": [1.0, np.nan, 0.0, 0.0]}, "y_pred contains 1 missing values"),
    ({"sensitive_features": ["a", None, "b", "b"]}, "missing group labels"),
    ({"sensitive_features": ["a", "b", np.nan, "b"]}, "first at position 2"),
    ({"sensitive_features": ["a", "a", "a", "a"]}, "at least 2 distinct groups"),
    (
        {"y_true": ["x", "y", "x", "y"], "y_pred": ["x", "x", "y", "y"]},
        "pos_label=1 is in neither y_true nor y_pred, which contain ['x', 'y']",
    ),
    ({"pos_label": 5}, "pos_label=5 is in neither"),
    ({"sample_weight": [1.0, -2.0, 1.0, 1.0]}, "must be non-negative"),
    ({"sample_weight": [1.0, np.inf, 1.0, 1.0]}, "sample_weight must be finite"),
    ({"sample_weight": [0.0, 0.0, 0.0, 0.0]}, "sample_weight sums to 0"),
    ({"sample_weight": ["x", "y", "z", "w"]}, "sample_weight must be numeric"),
    ({"y_true": [], "y_pred": [], "sensitive_features": []}, "y_true is empty"),
    ({"y_true": 3}, "y_true must be a list, numpy array or pandas object"),
    ({"sensitive_features": np.zeros((4, 2, 2))}, "must be 1-D or 2-D"),
    ({"y_pred": np.zeros((4, 2))}, "y_pred must be 1-D, got shape (4, 2)"),
    (
        {"sensitive_features": pd.Series(["a", "a", "b", "b"], index=[9, 8, 7, 6])},
        "y_true and sensitive_features are pandas objects with different indices",
    ),
]


@pytest.mark.parametrize(("change", "fragment"), BAD_INPUTS)
def test_bad_input_raises(change, fragment):
    arguments = {**GOOD, "y_true": pd.Series(GOOD["y_true"]), **change}
    with pytest.raises(MetricInputError) as raised:
        metrics.statistical_parity_difference(
            arguments["y_true"],
            arguments["y_pred"],
            sensitive_features=arguments["sensitive_features"],
            sample_weight=arguments.get("sample_weight"),
            pos_label=arguments.get("pos_label", 1),
        )
    assert fragment in str(raised.value)
    assert str(raised.value).startswith("statistical_parity_difference: ")


def test_metric_input_error_is_value_error():
    with pytest.raises(ValueError, match="at least 2 distinct groups"):
        metrics.get("deo")([1, 0], [1, 0], sensitive_features=["a", "a"])


def test_index_mismatch_names_first_difference():
    with pytest.raises(MetricInputError, match=r"position 0: 0 vs 9"):
        metrics.accuracy(
            pd.Series([1, 0]),
            pd.Series([1, 0], index=[9, 8]),
        )


def test_accuracy_allows_no_or_one_group():
    assert metrics.accuracy([1, 0, 1], [1, 0, 0]) == pytest.approx(2 / 3)
    value = metrics.accuracy([1, 0, 1], [1, 0, 0], sensitive_features=["a"] * 3)
    assert value == pytest.approx(2 / 3)


def test_gap_metric_requires_sensitive_features():
    with pytest.raises(MetricInputError, match="sensitive_features is required"):
        metrics.statistical_parity_difference([1, 0], [1, 0], sensitive_features=None)


# --- registry ----------------------------------------------------------------

REGISTERED = [
    ("statistical_parity_difference", "dsp", False),
    ("equal_opportunity_difference", "deo", False),
    ("false_positive_rate_difference", "dfp", False),
    ("equalized_odds_difference", "eod", False),
    ("disparate_impact_ratio", "di", True),
    ("accuracy", None, True),
    ("balanced_accuracy", None, True),
]


@pytest.mark.parametrize(("long_name", "short_name", "higher_better"), REGISTERED)
def test_registry_resolves_names(long_name, short_name, higher_better):
    function = metrics.get(long_name)
    assert function is getattr(metrics, long_name)
    assert long_name in metrics.names()
    info = metrics.get_info(long_name)
    assert info.greater_is_better is higher_better
    assert info.mode == ("max" if higher_better else "min")
    assert metrics.get_info(function) is info
    if short_name is not None:
        assert metrics.get(short_name) is function
        assert short_name in metrics.names()


def test_get_is_case_insensitive():
    assert metrics.get(" DSP ") is metrics.statistical_parity_difference


def test_get_passes_user_callable_through():
    def my_metric(
        y_true, y_pred, *, sensitive_features, sample_weight=None, pos_label=1
    ):
        return 0.0

    assert metrics.get(my_metric) is my_metric


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(InvalidArgumentError) as raised:
        metrics.get("parity")
    message = str(raised.value)
    assert "unknown metric name 'parity'" in message
    for name in ("dsp", "deo", "dfp", "eod", "di", "balanced_accuracy"):
        assert name in message


def test_get_rejects_non_string():
    with pytest.raises(InvalidTypeError, match="must be a str or a callable"):
        metrics.get(3)


def test_get_info_rejects_user_callable():
    with pytest.raises(InvalidArgumentError, match="direction is unknown"):
        metrics.get_info(lambda *args, **kwargs: 0.0)


def test_metric_functions_pickle_by_reference():
    for name in ("dsp", "accuracy"):
        function = metrics.get(name)
        assert pickle.loads(pickle.dumps(function)) is function


# --- group_summary -----------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_group_summary_matches_fairlearn_by_group(seed):
    case = _random_case(seed)
    table = metrics.group_summary(
        case["y_true"],
        case["y_pred"],
        sensitive_features=case["sensitive_features"],
        sample_weight=case["sample_weight"],
        pos_label=case["pos_label"],
    )
    pos = case["pos_label"]
    frame = flm.MetricFrame(
        metrics={
            "selection_rate": functools.partial(flm.selection_rate, pos_label=pos),
            "true_positive_rate": functools.partial(
                flm.true_positive_rate, pos_label=pos
            ),
            "false_positive_rate": functools.partial(
                flm.false_positive_rate, pos_label=pos
            ),
            "accuracy": accuracy_score,
        },
        y_true=np.asarray(case["y_true"], dtype=object),
        y_pred=np.asarray(case["y_pred"], dtype=object),
        sensitive_features=case["sensitive_features"],
        sample_params={
            key: {"sample_weight": _weights(case)}
            for key in (
                "selection_rate",
                "true_positive_rate",
                "false_positive_rate",
                "accuracy",
            )
        },
    )
    # fairlearn lists every combination of intersectional columns, even empty
    # ones (all NaN); the summary lists only groups present in the data.
    expected = frame.by_group.dropna(how="all")
    assert len(table) == len(expected)
    assert table["count"].sum() == len(case["y_true"])
    assert table["weight"].sum() == pytest.approx(_weights(case).sum())
    for column in expected.columns:
        np.testing.assert_allclose(
            table[column].to_numpy(float), expected[column].to_numpy(float)
        )


def test_group_summary_hand_computed():
    table = metrics.group_summary(
        [1, 1, 0, 0, 1],
        [1, 0, 1, 0, 0],
        sensitive_features=["a", "a", "a", "b", "b"],
        sample_weight=[1.0, 1.0, 2.0, 1.0, 3.0],
    )
    row = table.loc["a"]
    assert row["count"] == 3
    assert row["weight"] == 4.0
    assert row["base_rate"] == 0.5
    assert row["selection_rate"] == 0.75
    assert row["true_positive_rate"] == 0.5
    assert row["false_positive_rate"] == 1.0
    assert row["accuracy"] == 0.25
    assert table.loc["b", "true_positive_rate"] == 0.0


def test_group_summary_nan_for_group_without_positives():
    table = metrics.group_summary(
        [1, 0, 0, 0], [1, 0, 1, 0], sensitive_features=["a", "a", "b", "b"]
    )
    assert np.isnan(table.loc["b", "true_positive_rate"])
    assert table.loc["b", "base_rate"] == 0.0
