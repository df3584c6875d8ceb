"""Tests of fairbo.acquisition against mpmath, scipy.stats and finite differences."""

from __future__ import annotations

import re
import warnings

import mpmath
import numpy as np
import pytest
from scipy.stats import norm

from fairbo.acquisition import (
    MIN_STD,
    constrained_log_ei,
    constrained_log_ei_with_gradient,
    log_expected_improvement,
    log_expected_improvement_with_gradient,
    log_h,
    log_probability_of_feasibility,
    log_probability_of_feasibility_with_gradient,
    std_from_variance,
)
from fairbo.exceptions import InvalidArgumentError
from fairbo.gp import GaussianProcess


def reference_log_h(z: float) -> float:
    """log(phi(z) + z Phi(z)) with 100 significant digits."""
    with mpmath.workdps(100):
        z = mpmath.mpf(z)
        return float(mpmath.log(mpmath.npdf(z) + z * mpmath.ncdf(z)))


def reference_log_interval(mean, std, lower, upper) -> float:
    """log P(lower <= g <= upper) for g ~ N(mean, std^2), with enough digits
    (1000) that 1 - Phi(40) does not cancel."""
    with mpmath.workdps(1000):
        a = (
            (mpmath.mpf(lower) - mean) / std
            if lower is not None
            else mpmath.mpf("-inf")
        )
        b = (mpmath.mpf(upper) - mean) / std if upper is not None else mpmath.mpf("inf")
        return float(mpmath.log(mpmath.ncdf(b) - mpmath.ncdf(a)))


def central_difference(f, x, step):
    return (f(x + step) - f(x - step)) / (2 * step)


# -------------------------------------------------------------------- log h
def test_log_h_matches_high_precision_reference():
    z = np.concatenate(
        [np.linspace(-40, 10, 1001), [-1.0, -1 - 1e-9, -1 + 1e-9, -40 - 1e-9, 0.0]]
    )
    expected = np.array([reference_log_h(value) for value in z])
    error = np.abs(log_h(z) - expected)
    # An absolute error in log h is the relative error of h (and of EI).
    assert error.max() < 1e-11


@pytest.mark.parametrize("z", [-41.0, -60.0, -300.0, -1e4, -1e6])
def test_log_h_accurate_below_asymptotic_threshold(z):
    assert log_h(np.array(z)) == pytest.approx(reference_log_h(z), rel=1e-14, abs=1e-11)


def test_log_h_where_naive_formula_underflows():
    z = -40.0
    with np.errstate(divide="ignore"):
        naive = np.log(norm.pdf(z) + z * norm.cdf(z))
    assert naive == -np.inf
    assert log_h(np.array(z)) == pytest.approx(reference_log_h(z), rel=1e-14)


def test_log_h_finite_for_extreme_inputs():
    z = np.array([-1e50, -1e20, 1e20, 1e50])
    value = log_h(z)
    assert np.all(np.isfinite(value))
    assert np.all(np.diff(value) > 0)


def test_log_h_derivative_finite_differences():
    z = np.array([-80.0, -41.0, -39.0, -10.0, -1.5, -0.5, 0.0, 2.0, 8.0])
    _, slope, _ = log_expected_improvement_with_gradient(z, np.ones_like(z), 0.0)
    numeric = central_difference(log_h, z, 1e-6)
    np.testing.assert_allclose(slope, numeric, rtol=1e-6)


# ------------------------------------------------------ expected improvement
def test_log_ei_matches_closed_form_for_moderate_values():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=50)
    std = rng.uniform(0.1, 2.0, size=50)
    best = 0.3
    z = (mean - best) / std
    expected = np.log(std * (norm.pdf(z) + z * norm.cdf(z)))
    np.testing.assert_allclose(
        log_expected_improvement(mean, std, best), expected, rtol=1e-10
    )


def test_log_ei_zero_std_has_no_nan():
    mean = np.array([2.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, d_mean, d_std = log_expected_improvement_with_gradient(
            mean, np.zeros(3), 1.0
        )
    for array in (value, d_mean, d_std):
        assert not np.any(np.isnan(array))
    # With no uncertainty EI is the plain improvement when there is one.
    assert value[0] == pytest.approx(0.0, abs=1e-12)
    assert value[1] == pytest.approx(np.log(MIN_STD) + reference_log_h(0.0))
    assert np.isfinite(value[2])
    assert value[2] < value[1]


def test_log_ei_gradient_finite_differences():
    mean = np.array([-30.0, -3.0, -0.2, 0.4, 5.0])
    std = np.array([0.5, 1.0, 0.3, 2.0, 1.5])
    best = 0.1
    _, d_mean, d_std = log_expected_improvement_with_gradient(mean, std, best)
    numeric_mean = central_difference(
        lambda m: log_expected_improvement(m, std, best), mean, 1e-6
    )
    numeric_std = central_difference(
        lambda s: log_expected_improvement(mean, s, best), std, 1e-6
    )
    np.testing.assert_allclose(d_mean, numeric_mean, rtol=1e-6)
    np.testing.assert_allclose(d_std, numeric_std, rtol=1e-6)


# ------------------------------------------------ probability of feasibility
@pytest.mark.parametrize(
    ("lower", "upper"),
    [(None, 0.5), (-0.2, None), (-0.7, 0.9), (0.4, 1.2), (-1.5, -0.3)],
)
def test_log_pof_matches_scipy_stats(lower, upper):
    rng = np.random.default_rng(1)
    mean = rng.normal(scale=0.5, size=40)
    std = rng.uniform(0.1, 1.5, size=40)
    upper_cdf = norm.cdf(upper, mean, std) if upper is not None else 1.0
    lower_cdf = norm.cdf(lower, mean, std) if lower is not None else 0.0
    expected = np.log(upper_cdf - lower_cdf)
    value = log_probability_of_feasibility(mean, std, lower, upper)
    # Where P is within 1e-10 of 1 the reference itself has an absolute
    # error of about 1e-16, hence atol.
    np.testing.assert_allclose(value, expected, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(
    ("mean", "lower", "upper"),
    [
        (40.0, None, 0.0),  # far above an upper bound
        (-40.0, 0.0, None),  # far below a lower bound
        (-40.0, 0.0, 1.0),  # far below an interval
        (40.0, 0.0, 1.0),  # far above an interval
        (0.5, 0.5 - 1e-4, 0.5 + 1e-4),  # narrow interval around the mean
        (0.0, -7.0, 9.0),  # P within 2e-12 of 1, where log(P) needs log1p care
        (-20.0, None, None),  # no bound at all
    ],
)
def test_log_pof_stable_in_tails(mean, lower, upper):
    expected = reference_log_interval(mean, 1.0, lower, upper)
    value = log_probability_of_feasibility(np.array(mean), np.array(1.0), lower, upper)
    assert value == pytest.approx(expected, rel=1e-10, abs=1e-12)
    with np.errstate(divide="ignore", under="ignore"):
        naive_upper = norm.cdf(upper, mean, 1.0) if upper is not None else 1.0
        naive_lower = norm.cdf(lower, mean, 1.0) if lower is not None else 0.0
    if abs(mean) >= 40:
        # The probability underflows to 0 in the naive computation.
        assert naive_upper - naive_lower == 0.0


def test_log_pof_nan_bound_means_absent():
    mean = np.array([0.3, -0.2])
    std = np.array([1.0, 0.5])
    with_nan = log_probability_of_feasibility(mean, std, np.nan, 0.4)
    without = log_probability_of_feasibility(mean, std, None, 0.4)
    np.testing.assert_array_equal(with_nan, without)


def test_log_pof_zero_std_is_step():
    mean = np.array([0.2, 0.8])
    value = log_probability_of_feasibility(mean, np.zeros(2), None, 0.5)
    assert value[0] == 0.0
    assert np.isfinite(value[1])
    assert value[1] < -1e90


@pytest.mark.parametrize(("lower", "upper"), [(None, 0.5), (-0.4, None), (-0.4, 0.5)])
def test_log_pof_gradient_finite_differences(lower, upper):
    mean = np.array([-6.0, -0.3, 0.1, 0.6, 7.0])
    std = np.array([0.7, 0.4, 1.2, 0.2, 0.9])
    _, d_mean, d_std = log_probability_of_feasibility_with_gradient(
        mean, std, lower, upper
    )

    def at_mean(m):
        return log_probability_of_feasibility(m, std, lower, upper)

    def at_std(s):
        return log_probability_of_feasibility(mean, s, lower, upper)

    np.testing.assert_allclose(
        d_mean, central_difference(at_mean, mean, 1e-6), rtol=1e-5
    )
    np.testing.assert_allclose(d_std, central_difference(at_std, std, 1e-6), rtol=1e-5)


# -------------------------------------------------- constrained acquisition
def constrained_inputs():
    rng = np.random.default_rng(3)
    obj_mean = rng.normal(size=6)
    obj_std = rng.uniform(0.2, 1.0, size=6)
    con_means = rng.normal(size=(6, 2))
    con_stds = rng.uniform(0.2, 1.0, size=(6, 2))
    lowers = np.array([np.nan, -0.5])
    uppers = np.array([0.3, 0.8])
    return obj_mean, obj_std, con_means, con_stds, lowers, uppers


def test_constrained_log_ei_is_sum_of_parts():
    obj_mean, obj_std, con_means, con_stds, lowers, uppers = constrained_inputs()
    value = constrained_log_ei(
        obj_mean, obj_std, 0.2, con_means, con_stds, lowers, uppers
    )
    expected = (
        log_expected_improvement(obj_mean, obj_std, 0.2)
        + log_probability_of_feasibility(con_means[:, 0], con_stds[:, 0], None, 0.3)
        + log_probability_of_feasibility(con_means[:, 1], con_stds[:, 1], -0.5, 0.8)
    )
    np.testing.assert_allclose(value, expected, rtol=1e-12)


def test_constrained_log_ei_without_incumbent_is_feasibility():
    obj_mean, obj_std, con_means, con_stds, lowers, uppers = constrained_inputs()
    result = constrained_log_ei_with_gradient(
        obj_mean, obj_std, None, con_means, con_stds, lowers, uppers
    )
    expected = log_probability_of_feasibility(con_means, con_stds, lowers, uppers).sum(
        axis=1
    )
    np.testing.assert_allclose(result.value, expected, rtol=1e-12)
    np.testing.assert_array_equal(result.d_obj_mean, 0.0)
    np.testing.assert_array_equal(result.d_obj_std, 0.0)


def test_constrained_log_ei_without_constraints_is_log_ei():
    obj_mean, obj_std, *_ = constrained_inputs()
    empty = np.empty((6, 0))
    value = constrained_log_ei(obj_mean, obj_std, 0.1, empty, empty, None, None)
    np.testing.assert_allclose(value, log_expected_improvement(obj_mean, obj_std, 0.1))


def test_constrained_log_ei_gradient_finite_differences():
    obj_mean, obj_std, con_means, con_stds, lowers, uppers = constrained_inputs()
    result = constrained_log_ei_with_gradient(
        obj_mean, obj_std, 0.2, con_means, con_stds, lowers, uppers
    )
    step = 1e-6

    def value(om=obj_mean, os=obj_std, cm=con_means, cs=con_stds):
        return constrained_log_ei(om, os, 0.2, cm, cs, lowers, uppers)

    numeric_obj_mean = (value(om=obj_mean + step) - value(om=obj_mean - step)) / (
        2 * step
    )
    numeric_obj_std = (value(os=obj_std + step) - value(os=obj_std - step)) / (2 * step)
    np.testing.assert_allclose(result.d_obj_mean, numeric_obj_mean, rtol=1e-5)
    np.testing.assert_allclose(result.d_obj_std, numeric_obj_std, rtol=1e-5)
    for column in range(2):
        shift = np.zeros_like(con_means)
        shift[:, column] = step
        numeric_mean = (value(cm=con_means + shift) - value(cm=con_means - shift)) / (
            2 * step
        )
        numeric_std = (value(cs=con_stds + shift) - value(cs=con_stds - shift)) / (
            2 * step
        )
        np.testing.assert_allclose(
            result.d_con_means[:, column], numeric_mean, rtol=1e-5
        )
        np.testing.assert_allclose(result.d_con_stds[:, column], numeric_std, rtol=1e-5)


def test_acquisition_chained_with_gp_gradient():
    rng = np.random.default_rng(4)
    X = rng.random((15, 2))
    objective = GaussianProcess(seed=0).fit(X, np.sin(4 * X[:, 0]) + X[:, 1])
    constraint = GaussianProcess(seed=1).fit(X, X[:, 0] - X[:, 1])
    best = 0.8

    def acquisition_and_gradient(x):
        mean, var, dmean, dvar = objective.predict_with_gradient(x)
        std, dstd = std_from_variance(var, dvar)
        c_mean, c_var, c_dmean, c_dvar = constraint.predict_with_gradient(x)
        c_std, c_dstd = std_from_variance(c_var, c_dvar)
        result = constrained_log_ei_with_gradient(
            mean, std, best, c_mean[:, None], c_std[:, None], None, np.array([0.1])
        )
        gradient = (
            result.d_obj_mean[:, None] * dmean
            + result.d_obj_std[:, None] * dstd
            + result.d_con_means[:, :1] * c_dmean
            + result.d_con_stds[:, :1] * c_dstd
        )
        return result.value, gradient

    x = np.array([[0.35, 0.6]])
    _, gradient = acquisition_and_gradient(x)
    for j in range(2):
        e = np.zeros((1, 2))
        e[0, j] = 1e-6
        numeric = (
            acquisition_and_gradient(x + e)[0] - acquisition_and_gradient(x - e)[0]
        ) / 2e-6
        assert gradient[0, j] == pytest.approx(numeric[0], rel=1e-5, abs=1e-8)


def test_std_from_variance_zero_variance():
    std, dstd = std_from_variance(np.array([0.0, 4.0]), np.array([[1.0], [2.0]]))
    np.testing.assert_array_equal(std, [MIN_STD, 2.0])
    np.testing.assert_array_equal(dstd, [[0.0], [0.5]])


def test_functions_are_deterministic():
    obj_mean, obj_std, con_means, con_stds, lowers, uppers = constrained_inputs()
    first = constrained_log_ei(
        obj_mean, obj_std, 0.2, con_means, con_stds, lowers, uppers
    )
    second = constrained_log_ei(
        obj_mean, obj_std, 0.2, con_means, con_stds, lowers, uppers
    )
    np.testing.assert_array_equal(first, second)


# ------------------------------------------------------------ input checks
@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"obj_std": np.ones(3)}, "obj_mean and obj_std must both have shape (m,)"),
        (
            {"con_means": np.zeros(2)},
            "con_means and con_stds must both have shape (2, k)",
        ),
        (
            {"con_stds": np.ones((2, 2))},
            "con_means and con_stds must both have shape (2, k)",
        ),
        ({"uppers": np.array([1.0, 2.0])}, "uppers must have shape (1,)"),
        ({"lowers": np.array([2.0])}, "each lower bound must be < its upper bound"),
    ],
)
def test_constrained_log_ei_rejects_invalid_inputs(kwargs, fragment):
    arguments = {
        "obj_mean": np.zeros(2),
        "obj_std": np.ones(2),
        "best_feasible": 0.0,
        "con_means": np.zeros((2, 1)),
        "con_stds": np.ones((2, 1)),
        "lowers": None,
        "uppers": np.array([1.0]),
    }
    arguments.update(kwargs)
    with pytest.raises(InvalidArgumentError, match=re.escape(fragment)):
        constrained_log_ei(**arguments)
