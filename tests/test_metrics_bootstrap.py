"""Tests of the bootstrap intervals in fairbo.metrics."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from fairbo import metrics
from fairbo.exceptions import (
    InvalidArgumentError,
    MetricInputError,
    UndefinedMetricWarning,
)

REGISTERED = ["dsp", "deo", "dfp", "eod", "di", "accuracy", "balanced_accuracy"]


def _sample(seed: int = 0, n: int = 400) -> dict:
    rng = np.random.default_rng(seed)
    groups = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])
    y_true = rng.integers(0, 2, n)
    y_pred = np.where(rng.random(n) < 0.75, y_true, 1 - y_true)
    return {
        "y_true": y_true,
        "y_pred": y_pred,
        "sensitive_features": groups,
        "sample_weight": rng.uniform(0.5, 2.0, n),
    }


def _as_user_callable(name: str):
    """Wrap a registered metric so the bootstrap takes its per-resample loop."""
    function = metrics.get(name)

    def wrapped(y_true, y_pred, *, sensitive_features, sample_weight=None, pos_label=1):
        return function(
            y_true,
            y_pred,
            sensitive_features=sensitive_features,
            sample_weight=sample_weight,
            pos_label=pos_label,
        )

    return wrapped


@pytest.mark.parametrize("name", REGISTERED)
def test_interval_contains_estimate(name):
    result = metrics.bootstrap_interval(
        name, **_sample(), n_resamples=300, seed=1, confidence=0.9
    )
    assert result.lower <= result.estimate <= result.upper
    assert result.lower < result.upper
    assert result.confidence == 0.9
    assert len(result.resamples) == 300
    assert result.n_dropped == 0


@pytest.mark.filterwarnings("ignore::fairbo.exceptions.UndefinedMetricWarning")
@pytest.mark.parametrize("name", REGISTERED)
@pytest.mark.parametrize("stratify", [True, False])
def test_vectorised_equals_loop(name, stratify):
    data = _sample(seed=2, n=120)
    options = {"n_resamples": 40, "seed": 5, "stratify_by_group": stratify}
    fast = metrics.bootstrap_interval(name, **data, **options)
    slow = metrics.bootstrap_interval(_as_user_callable(name), **data, **options)
    np.testing.assert_allclose(fast.resamples, slow.resamples, rtol=1e-12)
    assert fast.estimate == pytest.approx(slow.estimate)
    assert fast.metric == metrics.get_info(name).name
    assert slow.metric == "wrapped"


def test_estimate_equals_metric():
    data = _sample(seed=3)
    result = metrics.bootstrap_interval("eod", **data, n_resamples=10, seed=0)
    assert result.estimate == metrics.equalized_odds_difference(**data)


def test_same_seed_same_resamples():
    first = metrics.bootstrap_interval("dsp", **_sample(), n_resamples=50, seed=7)
    second = metrics.bootstrap_interval("dsp", **_sample(), n_resamples=50, seed=7)
    other = metrics.bootstrap_interval("dsp", **_sample(), n_resamples=50, seed=8)
    np.testing.assert_array_equal(first.resamples, second.resamples)
    assert not np.array_equal(first.resamples, other.resamples)


def test_generator_seed_is_accepted():
    data = _sample()
    from_int = metrics.bootstrap_interval("dsp", **data, n_resamples=20, seed=3)
    from_generator = metrics.bootstrap_interval(
        "dsp", **data, n_resamples=20, seed=np.random.default_rng(3)
    )
    np.testing.assert_array_equal(from_int.resamples, from_generator.resamples)


def _count_of_group_c(
    y_true, y_pred, *, sensitive_features, sample_weight=None, pos_label=1
):
    return float(np.sum(sensitive_features == "c"))


def test_stratified_resamples_keep_group_sizes():
    data = _sample()
    size = np.sum(data["sensitive_features"] == "c")
    result = metrics.bootstrap_interval(
        _count_of_group_c, **data, n_resamples=30, seed=0
    )
    assert np.all(result.resamples == size)


def test_unstratified_resamples_vary_group_sizes():
    result = metrics.bootstrap_interval(
        _count_of_group_c, **_sample(), n_resamples=30, seed=0, stratify_by_group=False
    )
    assert np.unique(result.resamples).size > 5


def test_chunked_draws_cover_all_resamples(monkeypatch):
    from fairbo.metrics import _bootstrap

    data = _sample(n=100)
    whole = metrics.bootstrap_interval("dsp", **data, n_resamples=25, seed=0)
    # Force chunks of 3 resamples: the count and the value range must hold.
    monkeypatch.setattr(_bootstrap, "_MAX_CHUNK_ELEMENTS", 300)
    chunked = metrics.bootstrap_interval("dsp", **data, n_resamples=25, seed=0)
    assert len(chunked.resamples) == 25
    assert chunked.estimate == whole.estimate
    assert np.all((chunked.resamples >= 0) & (chunked.resamples <= 1))


def test_coverage_near_nominal():
    # Selection rates 0.50 and 0.35 in an infinite population, so the true DSP
    # is 0.15; a 90% interval from 100 independent samples should cover it
    # about 90 times (binomial standard deviation 3).
    rng = np.random.default_rng(2024)
    groups = np.repeat(["a", "b"], [300, 200])
    rates = np.where(groups == "a", 0.50, 0.35)
    covered = 0
    for _ in range(100):
        y_pred = (rng.random(len(groups)) < rates).astype(int)
        result = metrics.bootstrap_interval(
            "dsp",
            y_pred,
            y_pred,
            sensitive_features=groups,
            n_resamples=200,
            confidence=0.9,
            seed=rng,
        )
        covered += result.lower <= 0.15 <= result.upper
    assert 80 <= covered <= 97


def test_upper_and_lower_bounds_are_quantiles():
    data = _sample()
    options = {"n_resamples": 200, "seed": 4, "confidence": 0.9}
    result = metrics.bootstrap_interval("dsp", **data, **options)
    upper = metrics.upper_confidence_bound("dsp", **data, **options)
    lower = metrics.lower_confidence_bound("dsp", **data, **options)
    assert upper == pytest.approx(np.quantile(result.resamples, 0.9))
    assert lower == pytest.approx(np.quantile(result.resamples, 0.1))
    assert result.lower <= lower <= upper <= result.upper


def test_undefined_resamples_are_dropped_and_counted():
    # Group "b" has a single positive row, so a plain bootstrap often leaves
    # it without positives, where the TPR gap is undefined.
    y_true = np.array([1, 0] * 20 + [1] + [0] * 9)
    y_pred = y_true.copy()
    groups = np.array(["a"] * 40 + ["b"] * 10)
    with pytest.warns(UndefinedMetricWarning, match=r"undefined on \d+ of 200"):
        result = metrics.bootstrap_interval(
            "deo",
            y_true,
            y_pred,
            sensitive_features=groups,
            n_resamples=200,
            seed=0,
            stratify_by_group=False,
        )
    assert 0 < result.n_dropped < 200
    assert len(result.resamples) == 200 - result.n_dropped
    assert not np.isnan(result.resamples).any()


def test_all_resamples_undefined_gives_nan_bounds():
    y_true = [1, 0, 0, 0]
    with pytest.warns(UndefinedMetricWarning) as caught:
        result = metrics.bootstrap_interval(
            "deo", y_true, y_true, sensitive_features=["a", "a", "b", "b"], seed=0
        )
    messages = [str(w.message) for w in caught]
    assert any("group 'b' has no rows with y_true" in m for m in messages)
    assert any("undefined on all 1000 bootstrap resamples" in m for m in messages)
    assert np.isnan(result.estimate)
    assert np.isnan(result.lower)
    assert np.isnan(result.upper)
    assert result.n_dropped == 1000


def test_no_warning_when_all_resamples_defined():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.bootstrap_interval("dsp", **_sample(), n_resamples=50, seed=0)


def test_user_callable_input_errors_count_as_undefined():
    # Unstratified resamples of 3 rows often contain one group only, where
    # the gap metric raises; those resamples are dropped, not fatal.
    with pytest.warns(UndefinedMetricWarning, match="undefined on"):
        result = metrics.bootstrap_interval(
            _as_user_callable("dsp"),
            [1, 0, 1],
            [1, 0, 0],
            sensitive_features=["a", "b", "b"],
            n_resamples=50,
            seed=0,
            stratify_by_group=False,
        )
    assert result.n_dropped > 0


BAD_SETTINGS = [
    ({"n_resamples": 0}, "n_resamples must be a positive integer, got 0"),
    ({"n_resamples": 2.5}, "n_resamples must be a positive integer, got 2.5"),
    ({"n_resamples": True}, "n_resamples must be a positive integer"),
    ({"confidence": 1.0}, "confidence must be a float in (0, 1), got 1.0"),
    ({"confidence": 0}, "confidence must be a float in (0, 1), got 0"),
    ({"confidence": "high"}, "confidence must be a float in (0, 1)"),
]


@pytest.mark.parametrize(("change", "fragment"), BAD_SETTINGS)
def test_bad_settings_raise(change, fragment):
    with pytest.raises(InvalidArgumentError) as raised:
        metrics.bootstrap_interval("dsp", **_sample(), **change)
    assert fragment in str(raised.value)


def test_bad_inputs_raise_metric_input_error():
    data = _sample()
    data["y_pred"] = data["y_pred"][:-1]
    with pytest.raises(MetricInputError, match="len"):
        metrics.bootstrap_interval("dsp", **data)


def test_user_callable_requires_sensitive_features():
    with pytest.raises(MetricInputError, match="sensitive_features is required"):
        metrics.bootstrap_interval(
            _as_user_callable("accuracy"), [1, 0], [1, 0], sensitive_features=None
        )


def test_accuracy_without_groups():
    result = metrics.bootstrap_interval(
        "accuracy",
        [1, 0, 1, 1] * 25,
        [1, 0, 0, 1] * 25,
        sensitive_features=None,
        n_resamples=100,
        seed=0,
    )
    assert result.estimate == 0.75
    assert 0.6 < result.lower < 0.75 < result.upper < 0.9
