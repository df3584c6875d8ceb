"""Acquisition functions of constrained Bayesian optimization, in log space.

Every function works elementwise on numpy arrays and treats the objective as
*maximised* (the searchers negate a minimised metric first). The expected
improvement ``EI = std * h(z)`` with ``z = (mean - best) / std`` and
``h(z) = phi(z) + z Phi(z)`` computed naively in double precision is wrong
near z = -38 and 0 (log EI = -inf) below about -39, which leaves a flat
acquisition surface exactly where the searchers must still rank candidates.
The functions below therefore return ``log EI`` and ``log P(feasible)``
computed without forming the small numbers.

A standard deviation of 0 (a posterior variance clipped at 0) is replaced by
``MIN_STD`` so that no function returns NaN. The ``*_with_gradient``
variants also return the derivatives with respect to the means and standard
deviations, for chaining with ``GaussianProcess.predict_with_gradient``.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

from fairbo.exceptions import InvalidArgumentError

logger = logging.getLogger(__name__)

__all__ = [
    "MIN_STD",
    "ConstrainedLogEIGradient",
    "constrained_log_ei",
    "constrained_log_ei_with_gradient",
    "log_expected_improvement",
    "log_expected_improvement_with_gradient",
    "log_h",
    "log_probability_of_feasibility",
    "log_probability_of_feasibility_with_gradient",
    "std_from_variance",
]

MIN_STD = 1e-150
"""Smallest standard deviation used; smaller values (including 0) are raised
to it."""

# Standardised distances are clipped to +-1e50 so that z^2 / 2 and the
# derivatives (about z^2 / MIN_STD) stay below the float64 maximum.
_MAX_ABS_Z = 1e50
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_SQRT_HALF_PI = np.sqrt(0.5 * np.pi)
# Below this z, log h uses its asymptotic series, whose truncation error
# 10395 / z^10 is under 1.1e-12 here. Above it, the erfcx form loses about
# z^2 * 2.2e-16 to cancellation, at most 3.6e-13 at z = -40.
_ASYMPTOTIC_Z = -40.0


# ----------------------------------------------------------------- log h(z)
def log_h(z: np.ndarray) -> np.ndarray:
    """Compute ``log(phi(z) + z Phi(z))`` without underflow.

    ``phi`` and ``Phi`` are the standard normal density and distribution
    function, and ``exp(log_h(z))`` is the expected improvement of a standard
    normal over ``-z``.

    Parameters
    ----------
    z : numpy.ndarray
        Standardised improvements, any shape.

    Returns
    -------
    numpy.ndarray
        ``log h(z)``. The absolute error (the relative error of h) is below
        1e-11 for z in [-40, 10], below 2e-12 for z < -40 and about 1e-16
        times ``log z`` above 10. It is finite for every finite z with
        ``|z| < 1e154``; ``-inf`` gives ``-inf`` and ``+inf`` gives ``+inf``.

    Examples
    --------
    >>> round(float(log_h(np.array(-40.0))), 6)
    -808.298568
    """
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    upper = z > -1.0
    middle = (z <= -1.0) & (z >= _ASYMPTOTIC_Z)
    lower = z < _ASYMPTOTIC_Z

    zu = z[upper]
    # For z > -1 the terms cancel by at most a factor of 3.
    out[upper] = np.log(np.exp(-0.5 * zu**2 - _LOG_SQRT_2PI) + zu * ndtr(zu))

    # h(z) = phi(z) (1 + z M(z)), with the Mills ratio M(z) = Phi(z) / phi(z)
    # = sqrt(pi / 2) erfcx(-z / sqrt 2) computed without underflow.
    zm = z[middle]
    mills = _SQRT_HALF_PI * erfcx(-zm / np.sqrt(2.0))
    out[middle] = -0.5 * zm**2 - _LOG_SQRT_2PI + np.log1p(zm * mills)

    zl = z[lower]
    out[lower] = (
        -0.5 * zl**2
        - _LOG_SQRT_2PI
        - 2.0 * np.log(-zl)
        + np.log(_asymptotic_series(zl))
    )
    return out


def _asymptotic_series(z: np.ndarray) -> np.ndarray:
    """Return S(z) with ``h(z) = phi(z) S(z) / z^2`` as z -> -inf.

    From the asymptotic expansion of the Mills ratio,
    ``M(z) ~ -1/z + 1/z^3 - 3/z^5 + 15/z^7 - 105/z^9 + 945/z^11``.
    """
    w = 1.0 / z**2
    return 1.0 + w * (-3.0 + w * (15.0 + w * (-105.0 + w * 945.0)))


def _asymptotic_series_derivative(z: np.ndarray) -> np.ndarray:
    w = 1.0 / z**2
    dS_dw = -3.0 + w * (30.0 + w * (-315.0 + w * 3780.0))
    return dS_dw * (-2.0 / z**3)


def _dlog_h(z: np.ndarray, log_h_z: np.ndarray) -> np.ndarray:
    """Return ``d log h / dz = Phi(z) / h(z)``, stable over the same range."""
    out = np.empty_like(z)
    upper = z > -1.0
    middle = (z <= -1.0) & (z >= _ASYMPTOTIC_Z)
    lower = z < _ASYMPTOTIC_Z

    out[upper] = np.exp(log_ndtr(z[upper]) - log_h_z[upper])

    # Phi / h = M / (1 + z M) with the Mills ratio M.
    zm = z[middle]
    mills = _SQRT_HALF_PI * erfcx(-zm / np.sqrt(2.0))
    out[middle] = mills / (1.0 + zm * mills)

    zl = z[lower]
    out[lower] = (
        -zl - 2.0 / zl + _asymptotic_series_derivative(zl) / _asymptotic_series(zl)
    )
    return out


# ------------------------------------------------------ expected improvement
def log_expected_improvement(
    mean: np.ndarray, std: np.ndarray, best: float | np.ndarray
) -> np.ndarray:
    """Compute log EI of a maximised objective over the incumbent ``best``.

    ``EI = E[max(f - best, 0)]`` for ``f ~ N(mean, std^2)``.

    Parameters
    ----------
    mean, std : numpy.ndarray
        Posterior mean and standard deviation of the objective (broadcast
        together). A std below ``MIN_STD`` counts as ``MIN_STD``.
    best : float or numpy.ndarray
        The incumbent (best feasible observed value).

    Returns
    -------
    numpy.ndarray
        ``log EI``: accurate to about 1e-11 in absolute terms (relative error
        of EI) wherever ``(mean - best) / std`` is in [-40, 10], and finite
        far beyond (``z`` is clipped at -1e50).

    Examples
    --------
    >>> round(float(log_expected_improvement(np.array(0.0), np.array(1.0), 40.0)), 6)
    -808.298568
    """
    value, _, _ = log_expected_improvement_with_gradient(mean, std, best)
    return value


def log_expected_improvement_with_gradient(
    mean: np.ndarray, std: np.ndarray, best: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute log EI and its derivatives with respect to mean and std.

    Parameters
    ----------
    mean, std, best
        As :func:`log_expected_improvement`.

    Returns
    -------
    value : numpy.ndarray
        ``log EI``.
    d_mean : numpy.ndarray
        ``d log EI / d mean``.
    d_std : numpy.ndarray
        ``d log EI / d std``, evaluated at ``max(std, MIN_STD)``.
    """
    mean = np.asarray(mean, dtype=float)
    std = np.maximum(np.asarray(std, dtype=float), MIN_STD)
    improvement = mean - best
    with np.errstate(over="ignore"):
        z_unclipped = improvement / std
    z = np.clip(z_unclipped, -_MAX_ABS_Z, _MAX_ABS_Z)
    log_h_z = log_h(z)
    slope = _dlog_h(z, log_h_z)
    value = np.log(std) + log_h_z
    d_mean = slope / std
    d_std = (1.0 - z * slope) / std

    # Far above the incumbent EI equals the improvement to double precision
    # (h(z) = z (1 + O(phi(z) / z^3))), and this also covers clipped z.
    certain = z_unclipped > 1e8
    if np.any(certain):
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(certain, np.log(improvement), value)
            d_mean = np.where(certain, 1.0 / improvement, d_mean)
        d_std = np.where(certain, 0.0, d_std)
    return value, d_mean, d_std


# ------------------------------------------------- probability of feasibility
def log_probability_of_feasibility(
    mean: np.ndarray,
    std: np.ndarray,
    lower: float | np.ndarray | None = None,
    upper: float | np.ndarray | None = None,
) -> np.ndarray:
    """Compute ``log P(lower <= g <= upper)`` for ``g ~ N(mean, std^2)``.

    Parameters
    ----------
    mean, std : numpy.ndarray
        Posterior mean and standard deviation of the constraint metric. A std
        below ``MIN_STD`` counts as ``MIN_STD``.
    lower, upper : float, numpy.ndarray or None
        Bounds, broadcast against ``mean``. None, NaN or an infinity of the
        matching sign means no bound on that side.

    Returns
    -------
    numpy.ndarray
        The log probability, 0 where neither bound is set. Both tails use
        ``scipy.special.log_ndtr``, and standardised distances are clipped
        to +-1e50, so values stay finite (down to about -5e99). With both bounds
        set, the relative error grows like 1e-16 / (Phi(b) - Phi(a)) when the
        interval [a, b] in standard units is narrower than about 1e-6.

    Raises
    ------
    InvalidArgumentError
        When a lower bound is not below its upper bound.
    """
    value, _, _ = log_probability_of_feasibility_with_gradient(mean, std, lower, upper)
    return value


def log_probability_of_feasibility_with_gradient(
    mean: np.ndarray,
    std: np.ndarray,
    lower: float | np.ndarray | None = None,
    upper: float | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute log P(feasible) and its derivatives with respect to mean and std.

    Parameters
    ----------
    mean, std, lower, upper
        As :func:`log_probability_of_feasibility`.

    Returns
    -------
    value : numpy.ndarray
        ``log P(lower <= g <= upper)``.
    d_mean, d_std : numpy.ndarray
        Its derivatives with respect to ``mean`` and ``std``.
    """
    mean = np.asarray(mean, dtype=float)
    std = np.maximum(np.asarray(std, dtype=float), MIN_STD)
    lower_bound, upper_bound = _bounds_or_infinity(lower, upper)
    # Clipping keeps z^2 finite. The ranges are staggered (a at most 0.5e50,
    # b at least -0.5e50) so that a < b survives it, and an absent bound
    # lands at +-2e50, where Phi is 0 or 1 to double precision.
    with np.errstate(over="ignore"):
        a = np.clip((lower_bound - mean) / std, -2 * _MAX_ABS_Z, 0.5 * _MAX_ABS_Z)
        b = np.clip((upper_bound - mean) / std, -0.5 * _MAX_ABS_Z, 2 * _MAX_ABS_Z)
    a, b = np.broadcast_arrays(a, b)
    value = _log_normal_interval(a, b)

    # P = Phi(b) - Phi(a), so dP/dmean = (phi(a) - phi(b)) / std and
    # dP/dstd = (a phi(a) - b phi(b)) / std, with each phi / P formed in log
    # space.
    ratio_a = np.exp(_log_normal_pdf(a) - value)
    ratio_b = np.exp(_log_normal_pdf(b) - value)
    d_mean = (ratio_a - ratio_b) / std
    d_std = (a * ratio_a - b * ratio_b) / std
    return value, d_mean, d_std


def _bounds_or_infinity(
    lower: float | np.ndarray | None, upper: float | np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Turn absent bounds (None or NaN) into -inf / +inf and check lower < upper."""
    lower_bound = np.asarray(-np.inf if lower is None else lower, dtype=float)
    upper_bound = np.asarray(np.inf if upper is None else upper, dtype=float)
    lower_bound = np.where(np.isnan(lower_bound), -np.inf, lower_bound)
    upper_bound = np.where(np.isnan(upper_bound), np.inf, upper_bound)
    invalid = lower_bound >= upper_bound
    if np.any(invalid):
        lows, highs = np.broadcast_arrays(lower_bound, upper_bound)
        index = np.argwhere(np.broadcast_to(invalid, lows.shape))[0]
        raise InvalidArgumentError(
            "log_probability_of_feasibility: each lower bound must be < its upper "
            f"bound, got lower={lows[tuple(index)]!r}, upper={highs[tuple(index)]!r} "
            f"at index {tuple(int(i) for i in index)}; swap the bounds or drop one."
        )
    return lower_bound, upper_bound


def _log_normal_pdf(z: np.ndarray) -> np.ndarray:
    return -0.5 * z**2 - _LOG_SQRT_2PI


def _log_normal_interval(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return ``log(Phi(b) - Phi(a))`` for a < b, accurate in both tails."""
    # Phi(b) - Phi(a) = Phi(-a) - Phi(-b): reflect intervals in the upper
    # tail so the difference is taken between the smaller tail masses.
    reflect = a > 0
    low = np.where(reflect, -b, a)
    high = np.where(reflect, -a, b)
    log_high = log_ndtr(high)
    with np.errstate(divide="ignore"):
        return log_high + _log1mexp(log_ndtr(low) - log_high)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """Return ``log(1 - exp(x))`` for x <= 0.

    ``expm1`` is accurate for x near 0 and ``log1p`` for x far below it, so
    the branches split at x = -log 2.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(
            x > -np.log(2.0),
            np.log(-np.expm1(np.minimum(x, -0.0))),
            np.log1p(-np.exp(np.minimum(x, -np.log(2.0)))),
        )


# -------------------------------------------------- constrained acquisition
@dataclasses.dataclass(frozen=True)
class ConstrainedLogEIGradient:
    """Value and partial derivatives of :func:`constrained_log_ei`.

    Attributes
    ----------
    value : numpy.ndarray
        The acquisition, shape (m,).
    d_obj_mean, d_obj_std : numpy.ndarray
        Derivatives with respect to the objective mean and std, shape (m,),
        zero when there is no feasible incumbent.
    d_con_means, d_con_stds : numpy.ndarray
        Derivatives with respect to each constraint mean and std, shape (m, k).
    """

    value: np.ndarray
    d_obj_mean: np.ndarray
    d_obj_std: np.ndarray
    d_con_means: np.ndarray
    d_con_stds: np.ndarray


def constrained_log_ei(
    obj_mean: np.ndarray,
    obj_std: np.ndarray,
    best_feasible: float | None,
    con_means: np.ndarray,
    con_stds: np.ndarray,
    lowers: np.ndarray | None,
    uppers: np.ndarray | None,
) -> np.ndarray:
    """Compute log EI plus the sum of the constraints' log P(feasible).

    Parameters
    ----------
    obj_mean, obj_std : numpy.ndarray
        Objective posterior mean and std, shape (m,), maximised.
    best_feasible : float or None
        Best objective value among feasible observations. With None (no
        feasible point yet) the acquisition is the log probability that every
        constraint holds, which steers the search towards feasibility.
    con_means, con_stds : numpy.ndarray
        Constraint posterior means and stds, shape (m, k); k may be 0.
    lowers, uppers : numpy.ndarray or None
        Bounds of the k constraints, shape (k,). None, NaN or an infinity
        means no bound on that side.

    Returns
    -------
    numpy.ndarray
        The acquisition, shape (m,). The constraints are modelled as
        independent, so their log probabilities add.

    Raises
    ------
    InvalidArgumentError
        When the shapes do not match or a lower bound is not below its upper.
    """
    return constrained_log_ei_with_gradient(
        obj_mean, obj_std, best_feasible, con_means, con_stds, lowers, uppers
    ).value


def constrained_log_ei_with_gradient(
    obj_mean: np.ndarray,
    obj_std: np.ndarray,
    best_feasible: float | None,
    con_means: np.ndarray,
    con_stds: np.ndarray,
    lowers: np.ndarray | None,
    uppers: np.ndarray | None,
) -> ConstrainedLogEIGradient:
    """Compute :func:`constrained_log_ei` and its partial derivatives.

    Parameters
    ----------
    obj_mean, obj_std, best_feasible, con_means, con_stds, lowers, uppers
        As :func:`constrained_log_ei`.

    Returns
    -------
    ConstrainedLogEIGradient
        The value and its derivatives with respect to every input mean and std.
    """
    obj_mean = np.asarray(obj_mean, dtype=float)
    obj_std = np.asarray(obj_std, dtype=float)
    con_means = np.asarray(con_means, dtype=float)
    con_stds = np.asarray(con_stds, dtype=float)
    m = obj_mean.shape[0] if obj_mean.ndim == 1 else -1
    if obj_mean.ndim != 1 or obj_std.shape != obj_mean.shape:
        raise InvalidArgumentError(
            "constrained_log_ei: obj_mean and obj_std must both have shape (m,), got "
            f"{obj_mean.shape} and {obj_std.shape}; pass one value per candidate."
        )
    if (
        con_means.ndim != 2
        or con_means.shape[0] != m
        or con_stds.shape != con_means.shape
    ):
        raise InvalidArgumentError(
            "constrained_log_ei: con_means and con_stds must both have shape "
            f"({m}, k), got {con_means.shape} and {con_stds.shape}; pass one column "
            "per constraint."
        )
    k = con_means.shape[1]
    lowers = _bound_vector(lowers, k, "lowers")
    uppers = _bound_vector(uppers, k, "uppers")

    con_value, d_con_means, d_con_stds = log_probability_of_feasibility_with_gradient(
        con_means, con_stds, lowers, uppers
    )
    value = con_value.sum(axis=1)
    if best_feasible is None:
        d_obj_mean = np.zeros(m)
        d_obj_std = np.zeros(m)
    else:
        ei, d_obj_mean, d_obj_std = log_expected_improvement_with_gradient(
            obj_mean, obj_std, float(best_feasible)
        )
        value = value + ei
    return ConstrainedLogEIGradient(
        value, d_obj_mean, d_obj_std, d_con_means, d_con_stds
    )


def _bound_vector(bounds: np.ndarray | None, k: int, name: str) -> np.ndarray | None:
    if bounds is None:
        return None
    bounds = np.asarray(bounds, dtype=float)
    if bounds.shape != (k,):
        raise InvalidArgumentError(
            f"constrained_log_ei: {name} must have shape ({k},) to match the "
            f"constraint columns, got {bounds.shape}; pass one bound per constraint "
            "(NaN or None for no bound)."
        )
    return bounds


# ------------------------------------------------------------ chain helpers
def std_from_variance(
    variance: np.ndarray, dvar_dX: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Convert a posterior variance (and its X-gradient) to a standard deviation.

    Parameters
    ----------
    variance : numpy.ndarray
        Posterior variances, shape (m,), as ``GaussianProcess.predict``.
    dvar_dX : numpy.ndarray or None
        Their gradients, shape (m, d), as ``predict_with_gradient``.

    Returns
    -------
    std : numpy.ndarray
        ``sqrt(variance)``, at least ``MIN_STD``.
    dstd_dX : numpy.ndarray or None
        ``dvar_dX / (2 std)``, or None when no gradient was given. Where the
        std was raised to ``MIN_STD`` the gradient is 0.
    """
    variance = np.asarray(variance, dtype=float)
    raw_std = np.sqrt(np.maximum(variance, 0.0))
    std = np.maximum(raw_std, MIN_STD)
    if dvar_dX is None:
        return std, None
    floored = raw_std < MIN_STD
    dstd = np.where(floored[:, None], 0.0, dvar_dX / (2.0 * std[:, None]))
    return std, dstd
