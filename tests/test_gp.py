"""Tests of fairbo.gp against closed forms and finite differences."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import fairbo.gp as gp_module
from fairbo.exceptions import InvalidArgumentError, ModelFitWarning
from fairbo.gp import (
    GaussianProcess,
    Hyperparameters,
    default_hyperparameters,
    log_marginal_likelihood,
    matern52,
)


def reference_matern52(X1, X2, lengthscales, signal_variance):
    """Matérn-5/2 written out entry by entry, independent of the module."""
    K = np.empty((len(X1), len(X2)))
    for a, x in enumerate(X1):
        for b, x2 in enumerate(X2):
            r = np.sqrt(np.sum(((x - x2) / lengthscales) ** 2))
            K[a, b] = (
                signal_variance
                * (1 + np.sqrt(5) * r + 5 * r**2 / 3)
                * np.exp(-np.sqrt(5) * r)
            )
    return K


def toy_data(n, d=3, seed=0, noise=0.05):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    y = np.sin(5 * X[:, 0]) + X[:, 1] ** 2 + noise * rng.normal(size=n)
    return X, y


def fixed_hyperparameters(d=3):
    return Hyperparameters(
        lengthscales=np.linspace(0.3, 0.8, d), signal_variance=1.3, noise_variance=0.01
    )


def central_difference(f, x, step=1e-6):
    x = np.asarray(x, dtype=float)
    grad = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = step
        grad[i] = (f(x + e) - f(x - e)) / (2 * step)
    return grad


# ------------------------------------------------------------ kernel algebra
def test_matern52_matches_reference():
    X1, _ = toy_data(5, seed=1)
    X2, _ = toy_data(4, seed=2)
    lengthscales = np.array([0.2, 0.5, 1.5])
    expected = reference_matern52(X1, X2, lengthscales, 0.7)
    np.testing.assert_allclose(
        matern52(X1, X2, lengthscales, 0.7), expected, rtol=1e-12
    )


def test_log_marginal_likelihood_closed_form():
    X, y = toy_data(7)
    hyper = fixed_hyperparameters()
    K = reference_matern52(X, X, hyper.lengthscales, hyper.signal_variance)
    K += hyper.noise_variance * np.eye(7)
    _, logdet = np.linalg.slogdet(K)
    expected = -0.5 * y @ np.linalg.solve(K, y) - 0.5 * logdet - 3.5 * np.log(2 * np.pi)
    value, _ = log_marginal_likelihood(hyper.to_log_vector(), X, y)
    assert value == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_marginal_likelihood_gradient_finite_differences(seed):
    X, y = toy_data(12, d=4, seed=seed)
    rng = np.random.default_rng(seed)
    theta = np.concatenate([rng.uniform(-1.5, 0.5, 4), [rng.uniform(-1, 1), -3.0]])
    _, gradient = log_marginal_likelihood(theta, X, y)
    numeric = central_difference(lambda t: log_marginal_likelihood(t, X, y)[0], theta)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-6)


def test_predict_with_gradient_finite_differences():
    X, y = toy_data(15)
    gp = GaussianProcess(seed=0).fit(X, y)
    points = np.random.default_rng(3).random((4, 3))
    _, _, dmean, dvar = gp.predict_with_gradient(points)
    for row, point in enumerate(points):

        def mean_at(x):
            return gp.predict(x[None, :])[0][0]

        def var_at(x):
            return gp.predict(x[None, :])[1][0]

        np.testing.assert_allclose(
            dmean[row], central_difference(mean_at, point), atol=1e-6
        )
        np.testing.assert_allclose(
            dvar[row], central_difference(var_at, point), atol=1e-6
        )


# ---------------------------------------------------------------- prediction
def test_predict_matches_closed_form_with_fixed_hyperparameters():
    X, y = toy_data(6)
    y = 40.0 + 3.0 * y  # away from zero mean and unit scale
    hyper = fixed_hyperparameters()
    gp = GaussianProcess()
    gp.hyperparameters = hyper
    gp.fit(X, y, optimize=False)
    Xs = np.random.default_rng(5).random((4, 3))

    y_mean, y_std = y.mean(), y.std()
    K = reference_matern52(X, X, hyper.lengthscales, hyper.signal_variance)
    K += hyper.noise_variance * np.eye(len(X))
    K_star = reference_matern52(Xs, X, hyper.lengthscales, hyper.signal_variance)
    expected_mean = y_mean + y_std * K_star @ np.linalg.solve(K, (y - y_mean) / y_std)
    expected_var = y_std**2 * (
        hyper.signal_variance - np.sum(K_star * np.linalg.solve(K, K_star.T).T, axis=1)
    )

    mean, var = gp.predict(Xs)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-10)
    np.testing.assert_allclose(var, expected_var, rtol=1e-8)
    assert gp.hyperparameters is hyper


def test_fit_recovers_smooth_function():
    X, y = toy_data(40, noise=0.0)
    gp = GaussianProcess(seed=0).fit(X, y)
    Xs = np.random.default_rng(9).random((200, 3))
    truth = np.sin(5 * Xs[:, 0]) + Xs[:, 1] ** 2
    mean, var = gp.predict(Xs)
    assert np.sqrt(np.mean((mean - truth) ** 2)) < 0.05
    assert np.all(var >= 0)
    # The third input does not enter the function, so its lengthscale is
    # the longest one.
    assert np.argmax(gp.hyperparameters.lengthscales) == 2


# ---------------------------------------------------------- degenerate cases
def test_fit_duplicate_inputs():
    X, y = toy_data(10)
    X = np.vstack([X, X, X])
    y = np.concatenate([y, y + 0.01, y - 0.01])
    mean, var = GaussianProcess(seed=0).fit(X, y).predict(X[:3])
    assert np.all(np.isfinite(mean))
    assert np.all(np.isfinite(var))
    np.testing.assert_allclose(mean, y[:3], atol=0.05)


def test_fit_identical_inputs_and_outputs():
    X = np.full((5, 2), 0.5)
    y = np.full(5, 3.0)
    mean, var = GaussianProcess(seed=0).fit(X, y).predict(np.array([[0.5, 0.5]]))
    assert mean[0] == pytest.approx(3.0)
    assert np.isfinite(var[0])


def test_fit_constant_outputs():
    X, _ = toy_data(8)
    gp = GaussianProcess(seed=0).fit(X, np.full(8, -2.5))
    mean, var = gp.predict(np.random.default_rng(1).random((5, 3)))
    np.testing.assert_allclose(mean, -2.5, rtol=1e-12)
    assert np.all(np.isfinite(var))


def test_fit_single_observation():
    gp = GaussianProcess(seed=0).fit(np.array([[0.2, 0.4]]), np.array([7.0]))
    mean, var = gp.predict(np.array([[0.2, 0.4], [0.9, 0.9]]))
    assert mean[0] == pytest.approx(7.0)
    assert var[0] < var[1]


@pytest.mark.parametrize("scale", [1e-8, 1e6])
def test_fit_extreme_output_scales(scale):
    X, y = toy_data(20)
    Xs = np.random.default_rng(4).random((10, 3))
    mean_unit, var_unit = GaussianProcess(seed=0).fit(X, y).predict(Xs)
    mean, var = GaussianProcess(seed=0).fit(X, scale * y).predict(Xs)
    np.testing.assert_allclose(mean, scale * mean_unit, rtol=1e-6)
    np.testing.assert_allclose(var, scale**2 * var_unit, rtol=1e-5)


def test_predict_without_observations_returns_prior():
    gp = GaussianProcess(seed=0).fit(np.empty((0, 4)), np.empty(0))
    mean, var, dmean, dvar = gp.predict_with_gradient(
        np.random.default_rng(0).random((3, 4))
    )
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_allclose(var, default_hyperparameters(4).signal_variance)
    np.testing.assert_array_equal(dmean, 0.0)
    np.testing.assert_array_equal(dvar, 0.0)


# ------------------------------------------------- refit, fantasies, seeding
def count_likelihood_calls(monkeypatch):
    calls = []
    original = gp_module.log_marginal_likelihood

    def counting(*args, **kwargs):
        calls.append(kwargs.get("with_gradient", True))
        return original(*args, **kwargs)

    monkeypatch.setattr(gp_module, "log_marginal_likelihood", counting)
    return calls


def test_refit_warm_starts_from_previous_fit(monkeypatch):
    X, y = toy_data(30)
    calls = count_likelihood_calls(monkeypatch)
    gp = GaussianProcess(n_restarts=0, seed=0).fit(X, y)
    cold_calls = len(calls)
    first = gp.hyperparameters.to_log_vector()
    calls.clear()
    gp.fit(X, y)
    np.testing.assert_allclose(gp.hyperparameters.to_log_vector(), first, atol=1e-3)
    assert len(calls) < cold_calls / 2


def test_fantasize_keeps_mean_and_collapses_variance():
    X, y = toy_data(12)
    gp = GaussianProcess(seed=0).fit(X, y)
    pending = np.array([[0.5, 0.5, 0.5], [0.1, 0.9, 0.3]])
    grid = np.random.default_rng(2).random((50, 3))
    mean_before, var_before = gp.predict(np.vstack([pending, grid]))

    fantasy = gp.fantasize(pending)
    mean_after, var_after = fantasy.predict(np.vstack([pending, grid]))

    np.testing.assert_allclose(mean_after, mean_before, rtol=1e-7, atol=1e-9)
    # One observation with noise variance s2 at x leaves a posterior
    # variance below s2 there, whatever the variance before.
    noise_in_y_units = gp.hyperparameters.noise_variance * y.std() ** 2
    assert np.all(var_after[:2] < noise_in_y_units)
    assert np.all(var_after[:2] < 0.1 * var_before[:2])
    assert np.all(var_after <= var_before + 1e-12)
    assert fantasy.hyperparameters is gp.hyperparameters
    assert fantasy.n_observations == 14
    assert gp.n_observations == 12
    np.testing.assert_array_equal(gp.predict(pending)[1], var_before[:2])


def test_fit_is_deterministic_for_a_seed():
    X, y = toy_data(25)
    fits = [GaussianProcess(n_restarts=4, seed=11).fit(X, y) for _ in range(2)]
    np.testing.assert_array_equal(
        fits[0].hyperparameters.to_log_vector(), fits[1].hyperparameters.to_log_vector()
    )


def test_failed_optimisation_keeps_previous_hyperparameters(monkeypatch):
    X, y = toy_data(10)
    gp = GaussianProcess(seed=0).fit(X, y)
    previous = gp.hyperparameters

    def failing_minimize(*args, **kwargs):
        raise ValueError("forced failure")

    monkeypatch.setattr(gp_module, "minimize", failing_minimize)
    with pytest.warns(ModelFitWarning, match="every hyperparameter optimisation start"):
        gp.fit(X, y + 1.0)
    assert gp.hyperparameters is previous
    mean, _ = gp.predict(X)
    assert np.all(np.isfinite(mean))


def test_fit_emits_no_warning_on_ordinary_data():
    X, y = toy_data(20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GaussianProcess(seed=0).fit(X, y)


# ------------------------------------------------------------ input checks
@pytest.mark.parametrize(
    ("X", "y", "fragment"),
    [
        (np.zeros(3), np.zeros(3), "X must be a 2-d array"),
        (np.zeros((3, 2)), np.zeros(2), "y must have shape (3,)"),
        (np.array([[0.1], [np.nan]]), np.zeros(2), "X contains NaN"),
        (np.zeros((2, 1)), np.array([1.0, np.inf]), "y contains NaN or infinite"),
    ],
)
def test_fit_rejects_invalid_data(X, y, fragment):
    with pytest.raises(InvalidArgumentError, match=re.escape(fragment)):
        GaussianProcess().fit(X, y)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"noise_floor": 0.0}, "'noise_floor' must be a finite float > 0"),
        ({"n_restarts": -1}, "'n_restarts' must be an int >= 0"),
        ({"max_iterations": 0}, "'max_iterations' must be an int >= 1"),
    ],
)
def test_constructor_rejects_invalid_arguments(kwargs, fragment):
    with pytest.raises(InvalidArgumentError, match=fragment):
        GaussianProcess(**kwargs)


def test_predict_rejects_unfitted_model_and_wrong_width():
    with pytest.raises(InvalidArgumentError, match="not fitted"):
        GaussianProcess().predict(np.zeros((1, 2)))
    gp = GaussianProcess(seed=0).fit(*toy_data(5))
    with pytest.raises(InvalidArgumentError, match=r"X must have shape \(m, 3\)"):
        gp.predict(np.zeros((1, 2)))
