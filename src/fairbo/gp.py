"""Gaussian process regression for the Bayesian optimization searchers.

Notation: ``X`` is the (n, d) matrix of encoded inputs in [0, 1]^d and ``y`` the
(n,) vector of observed outputs, standardised to zero mean and unit variance
before fitting. ``K`` is the (n, n) covariance matrix of the noisy outputs,
``K = K_f + noise_variance * I`` with ``K_f`` the Matérn-5/2 kernel matrix,
``L`` its lower Cholesky factor (``K = L L^T``) and ``alpha = K^{-1} y`` (n,).
Prediction and the log marginal likelihood follow Rasmussen & Williams,
*Gaussian Processes for Machine Learning* (MIT Press, 2006), Algorithm 2.1;
the hyperparameter gradient is their eq. 5.9,
``d log p(y) / d theta = 0.5 tr((alpha alpha^T - K^{-1}) dK / d theta)``.

The module is written for this job instead of using scikit-learn's
``GaussianProcessRegressor``, because the searchers need three things that
class does not provide. Priors on the hyperparameters keep the marginal
likelihood from overfitting a handful of observations. A refit warm-started
from the previous hyperparameters keeps each new observation cheap. Fantasy
conditioning on pending points needs no refit.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import warnings

import numpy as np
from scipy.linalg import cho_solve, lapack, solve_triangular
from scipy.optimize import minimize
from scipy.spatial.distance import cdist
from threadpoolctl import ThreadpoolController

from fairbo.exceptions import InvalidArgumentError, ModelFitError, ModelFitWarning

logger = logging.getLogger(__name__)

__all__ = ["GaussianProcess", "Hyperparameters", "matern52"]

_SQRT5 = np.sqrt(5.0)

# Box bounds of the hyperparameters (standardised outputs, inputs in [0, 1]).
# A lengthscale of 100 already makes a dimension irrelevant on [0, 1].
_LENGTHSCALE_BOUNDS = (1e-2, 1e2)
_SIGNAL_VARIANCE_BOUNDS = (1e-4, 1e2)
_MAX_NOISE_VARIANCE = 10.0

# Normal priors on the log hyperparameters (log-normal priors on the values).
# The mean squared distance between uniform random points of [0, 1]^d is d/6,
# so a lengthscale prior median of sqrt(d)/2 puts typical pairs at about 0.8
# lengthscales apart whatever the dimension. Its standard deviation of 1 in
# log space puts two standard deviations at a factor e^2 = 7.4 either side of
# the median, wide enough for the data to decide.
_LOG_LENGTHSCALE_STD = 1.0
_LOG_SIGNAL_VARIANCE_MEAN, _LOG_SIGNAL_VARIANCE_STD = 0.0, 1.0
# The noise prior median is 1e-3 of the output variance. The objectives are
# evaluated with fixed seeds, so the model should explain the data by the
# latent function unless the data call for noise.
_LOG_NOISE_VARIANCE_MEAN, _LOG_NOISE_VARIANCE_STD = np.log(1e-3), 2.0

# Jitter added to the diagonal when the Cholesky factorisation fails, relative
# to the mean of the diagonal, tried in this order.
_JITTERS = (0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2)

_threadpool_controller: ThreadpoolController | None = None


def _single_threaded_blas():
    """Return a context manager that limits BLAS to one thread.

    The matrices here have at most a few hundred rows, where BLAS threads
    cost more in start-up and synchronisation than they save, and far more
    when other processes share the cores.
    """
    global _threadpool_controller
    if _threadpool_controller is None:
        _threadpool_controller = ThreadpoolController()
    return _threadpool_controller.limit(limits=1, user_api="blas")


@dataclasses.dataclass(frozen=True, eq=False)
class Hyperparameters:
    """Kernel and noise hyperparameters, in standardised output units.

    Attributes
    ----------
    lengthscales : numpy.ndarray
        One Matérn lengthscale per input dimension, shape (d,).
    signal_variance : float
        Prior variance of the latent function.
    noise_variance : float
        Variance of the Gaussian observation noise.

    Instances compare by identity because the lengthscales are an array.
    """

    lengthscales: np.ndarray
    signal_variance: float
    noise_variance: float

    def to_log_vector(self) -> np.ndarray:
        """Return ``[log lengthscales..., log signal_variance, log noise_variance]``."""
        return np.concatenate(
            [
                np.log(self.lengthscales),
                [np.log(self.signal_variance), np.log(self.noise_variance)],
            ]
        )

    @classmethod
    def from_log_vector(cls, theta: np.ndarray) -> Hyperparameters:
        """Build hyperparameters from the vector of :meth:`to_log_vector`."""
        theta = np.asarray(theta, dtype=float)
        return cls(
            lengthscales=np.exp(theta[:-2]),
            signal_variance=float(np.exp(theta[-2])),
            noise_variance=float(np.exp(theta[-1])),
        )


def matern52(
    X1: np.ndarray, X2: np.ndarray, lengthscales: np.ndarray, signal_variance: float
) -> np.ndarray:
    """Compute the Matérn-5/2 ARD kernel matrix between two sets of inputs.

    ``k(x, x') = s (1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r)`` with
    ``r = ||(x - x') / lengthscales||`` and ``s`` the signal variance.

    Parameters
    ----------
    X1 : numpy.ndarray
        Inputs of shape (n1, d).
    X2 : numpy.ndarray
        Inputs of shape (n2, d).
    lengthscales : numpy.ndarray
        Positive lengthscales, shape (d,).
    signal_variance : float
        Positive kernel amplitude.

    Returns
    -------
    numpy.ndarray
        Kernel matrix of shape (n1, n2).
    """
    r = _scaled_distance(X1, X2, lengthscales)
    return _matern52_of_distance(r, signal_variance)[0]


def _scaled_distance(
    X1: np.ndarray, X2: np.ndarray, lengthscales: np.ndarray
) -> np.ndarray:
    return cdist(X1 / lengthscales, X2 / lengthscales, metric="euclidean")


def _matern52_of_distance(
    r: np.ndarray, signal_variance: float, *, with_slope: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the kernel values at scaled distances r and, optionally, G(r).

    ``G(r) = -(dk/dr) / r = s (5/3) (1 + sqrt(5) r) exp(-sqrt(5) r)`` serves
    both the lengthscale gradient (``dk/dlog l_j = G (dx_j / l_j)^2``) and
    the input gradient (``dk/dx_j = -G dx_j / l_j^2``), and it has no
    singularity at r = 0.
    """
    decay = signal_variance * np.exp(-_SQRT5 * r)
    linear = 1.0 + _SQRT5 * r
    kernel = decay * (linear + (5.0 / 3.0) * r**2)
    if not with_slope:
        return kernel, None
    return kernel, (5.0 / 3.0) * decay * linear


def _weighted_squared_differences(M: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Return ``sum_ab M_ab (X_aj - X_bj)^2`` for each column j of X.

    M must be symmetric (n, n). Expanding the square turns the (n, n, d)
    computation into two matrix products.
    """
    row_sums = M.sum(axis=1)
    return 2.0 * (row_sums @ X**2) - 2.0 * np.einsum("aj,aj->j", X, M @ X)


def _cholesky_with_jitter(K: np.ndarray) -> tuple[np.ndarray, float]:
    """Factorise K, adding escalating jitter to the diagonal when it fails.

    Returns the lower factor and the jitter added. Raises
    ``numpy.linalg.LinAlgError`` when even the largest jitter fails.
    """
    scale = float(np.mean(np.diag(K))) if K.size else 1.0
    for relative_jitter in _JITTERS:
        jitter = relative_jitter * scale
        try:
            K_jittered = K + jitter * np.eye(K.shape[0]) if jitter else K
            return np.linalg.cholesky(K_jittered), jitter
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError(
        f"Cholesky factorisation failed even with a jitter of {_JITTERS[-1]:g} "
        "times the mean diagonal"
    )


def _inverse_from_cholesky(L: np.ndarray) -> np.ndarray:
    """Return K^{-1} from the lower Cholesky factor of K (LAPACK potri)."""
    inverse, info = lapack.dpotri(L, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"LAPACK dpotri failed with info={info}")
    # potri fills only the lower triangle.
    lower = np.tril(inverse)
    full = lower + lower.T
    full[np.diag_indices_from(full)] -= np.diag(lower)
    return full


def _log_prior_mean_and_std(d: int) -> tuple[np.ndarray, np.ndarray]:
    mean = np.concatenate(
        [
            np.full(d, np.log(0.5 * np.sqrt(d))),
            [_LOG_SIGNAL_VARIANCE_MEAN, _LOG_NOISE_VARIANCE_MEAN],
        ]
    )
    std = np.concatenate(
        [
            np.full(d, _LOG_LENGTHSCALE_STD),
            [_LOG_SIGNAL_VARIANCE_STD, _LOG_NOISE_VARIANCE_STD],
        ]
    )
    return mean, std


def _log_bounds(d: int, noise_floor: float) -> np.ndarray:
    low = [np.log(_LENGTHSCALE_BOUNDS[0])] * d
    high = [np.log(_LENGTHSCALE_BOUNDS[1])] * d
    low += [np.log(_SIGNAL_VARIANCE_BOUNDS[0]), np.log(noise_floor)]
    high += [np.log(_SIGNAL_VARIANCE_BOUNDS[1]), np.log(_MAX_NOISE_VARIANCE)]
    return np.column_stack([low, high])


def default_hyperparameters(d: int, noise_floor: float = 1e-6) -> Hyperparameters:
    """Return the prior medians (clipped to the bounds) for d input dimensions."""
    mean, _ = _log_prior_mean_and_std(d)
    bounds = _log_bounds(d, noise_floor)
    return Hyperparameters.from_log_vector(np.clip(mean, bounds[:, 0], bounds[:, 1]))


def log_marginal_likelihood(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, *, with_gradient: bool = True
) -> tuple[float, np.ndarray | None]:
    """Compute the log marginal likelihood and its gradient in log space.

    Parameters
    ----------
    theta : numpy.ndarray
        Log hyperparameters, as :meth:`Hyperparameters.to_log_vector`.
    X : numpy.ndarray
        Inputs of shape (n, d).
    y : numpy.ndarray
        Standardised outputs of shape (n,).
    with_gradient : bool, default=True
        Also compute the gradient with respect to ``theta``.

    Returns
    -------
    value : float
        ``log p(y | X, theta)``.
    gradient : numpy.ndarray or None
        Its gradient with respect to ``theta`` (shape (d + 2,)), or None.

    Raises
    ------
    numpy.linalg.LinAlgError
        When K cannot be factorised even with jitter.
    """
    hyper = Hyperparameters.from_log_vector(theta)
    n = X.shape[0]
    r = _scaled_distance(X, X, hyper.lengthscales)
    K_f, G = _matern52_of_distance(r, hyper.signal_variance, with_slope=with_gradient)
    K = K_f + hyper.noise_variance * np.eye(n)
    L, _ = _cholesky_with_jitter(K)
    alpha = cho_solve((L, True), y)
    value = -0.5 * y @ alpha - np.log(np.diag(L)).sum() - 0.5 * n * np.log(2.0 * np.pi)
    if not with_gradient:
        return float(value), None

    W = np.outer(alpha, alpha) - _inverse_from_cholesky(L)
    X_scaled = X / hyper.lengthscales
    grad_lengthscales = 0.5 * _weighted_squared_differences(W * G, X_scaled)
    grad_signal = 0.5 * np.sum(W * K_f)
    grad_noise = 0.5 * hyper.noise_variance * np.trace(W)
    gradient = np.concatenate([grad_lengthscales, [grad_signal, grad_noise]])
    return float(value), gradient


# L-BFGS-B stops once an iteration improves the log posterior by less than
# this fraction of its value: about 1e-3 nats at a few hundred observations,
# far less than separates plausible hyperparameters. The scipy default
# (2.2e-9) costs about twice the evaluations on a warm refit at n=300.
_RELATIVE_TOLERANCE = 1e-6

# Returned by the objective where K cannot be factorised: a large finite value
# makes the L-BFGS-B line search step back instead of stopping.
_FAILED_VALUE = 1e25


def _negative_log_posterior(
    theta: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    prior_mean: np.ndarray,
    prior_std: np.ndarray,
    *,
    with_gradient: bool = True,
) -> tuple[float, np.ndarray]:
    """Return -(log marginal likelihood + log prior) and its gradient in theta."""
    try:
        value, gradient = log_marginal_likelihood(
            theta, X, y, with_gradient=with_gradient
        )
    except np.linalg.LinAlgError:
        return _FAILED_VALUE, np.zeros_like(theta)
    z = (theta - prior_mean) / prior_std
    value -= 0.5 * np.sum(z**2)
    if gradient is None:
        return -value, np.zeros_like(theta)
    return -value, -(gradient - z / prior_std)


class GaussianProcess:
    """Gaussian process regression with a Matérn-5/2 ARD kernel.

    Each likelihood evaluation costs O(n^3) time (a Cholesky factorisation
    and K^{-1}), so the model suits the few hundred observations of a tuning
    study rather than large data sets.

    Parameters
    ----------
    noise_floor : float, default=1e-6
        Smallest noise variance, in standardised output units. It keeps K
        well conditioned when inputs repeat.
    n_restarts : int, default=2
        Random restarts of the hyperparameter optimisation, drawn from the
        priors, on top of the start at the previous (or default) hyperparameters.
    seed : int, numpy.random.Generator or None
        Seed of the restart draws.
    max_iterations : int, default=50
        L-BFGS-B iterations per start. A warm start from the previous fit
        usually converges well within this budget.

    Attributes
    ----------
    hyperparameters : Hyperparameters or None
        Fitted hyperparameters (standardised units). Set it before
        ``fit(X, y, optimize=False)`` to condition with fixed values.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(0, 1, 8)[:, None]
    >>> gp = GaussianProcess(seed=0).fit(X, np.sin(6 * X[:, 0]))
    >>> mean, var = gp.predict(np.array([[0.5]]))
    >>> bool(abs(mean[0] - np.sin(3.0)) < 0.05)
    True
    """

    def __init__(
        self,
        *,
        noise_floor: float = 1e-6,
        n_restarts: int = 2,
        seed: int | np.random.Generator | None = None,
        max_iterations: int = 50,
    ) -> None:
        if not (np.isfinite(noise_floor) and noise_floor > 0):
            raise InvalidArgumentError(
                f"GaussianProcess 'noise_floor' must be a finite float > 0, got "
                f"{noise_floor!r}; pass a small positive value such as 1e-6."
            )
        if int(n_restarts) != n_restarts or n_restarts < 0:
            raise InvalidArgumentError(
                "GaussianProcess 'n_restarts' must be an int >= 0, got "
                f"{n_restarts!r}; pass 0 to optimise from the warm start only."
            )
        if int(max_iterations) != max_iterations or max_iterations < 1:
            raise InvalidArgumentError(
                f"GaussianProcess 'max_iterations' must be an int >= 1, got "
                f"{max_iterations!r}; pass a value such as 50."
            )
        self.noise_floor = float(noise_floor)
        self.n_restarts = int(n_restarts)
        self.max_iterations = int(max_iterations)
        self._rng = np.random.default_rng(seed)
        self.hyperparameters: Hyperparameters | None = None
        self._X = np.empty((0, 0))
        self._y_standardised = np.empty(0)
        self._y_mean = 0.0
        self._y_std = 1.0
        self._L = np.empty((0, 0))
        self._alpha = np.empty(0)

    # ------------------------------------------------------------------ fit
    def fit(
        self, X: np.ndarray, y: np.ndarray, *, optimize: bool = True
    ) -> GaussianProcess:
        """Fit the hyperparameters by maximum a posteriori and condition on the data.

        Parameters
        ----------
        X : numpy.ndarray
            Encoded inputs of shape (n, d), expected in [0, 1]^d.
        y : numpy.ndarray
            Finite outputs of shape (n,).
        optimize : bool, default=True
            Maximise log marginal likelihood + log prior over the
            hyperparameters, starting from the previous fit (or the prior
            medians) and ``n_restarts`` random starts. With False, keep
            :attr:`hyperparameters` (or the prior medians when unset).

        Returns
        -------
        GaussianProcess
            self.

        Raises
        ------
        InvalidArgumentError
            When X or y has the wrong shape or non-finite values.

        Warns
        -----
        ModelFitWarning
            When every optimisation start failed and the previous or default
            hyperparameters were kept.
        """
        X, y = _check_training_data(X, y)
        n, d = X.shape
        previous = self.hyperparameters
        if previous is None or previous.lengthscales.shape != (d,):
            previous = default_hyperparameters(d, self.noise_floor)

        self._X = X
        self._y_mean = float(np.mean(y)) if n else 0.0
        y_std = float(np.std(y)) if n else 0.0
        # Constant outputs (including a single observation) have std 0, and
        # dividing by 1 keeps them as they are.
        self._y_std = y_std if y_std > 0 else 1.0
        self._y_standardised = (y - self._y_mean) / self._y_std

        hyper = previous
        with _single_threaded_blas():
            if optimize and n > 0:
                hyper = self._optimize_hyperparameters(previous)
            self._condition(hyper)
        return self

    def _optimize_hyperparameters(self, start: Hyperparameters) -> Hyperparameters:
        """Maximise log marginal likelihood + log prior with L-BFGS-B.

        L-BFGS-B always runs from ``start`` (the previous fit). The
        ``n_restarts`` random draws from the prior are screened by their log
        posterior, at one Cholesky factorisation each. Only the draws that beat
        ``start`` are optimised too. After a warm start that is rare, so a
        refit usually costs a single short optimisation.
        """
        X, y = self._X, self._y_standardised
        d = X.shape[1]
        bounds = _log_bounds(d, self.noise_floor)
        prior_mean, prior_std = _log_prior_mean_and_std(d)
        warm = np.clip(start.to_log_vector(), bounds[:, 0], bounds[:, 1])
        draws = self._rng.normal(prior_mean, prior_std, size=(self.n_restarts, d + 2))
        draws = np.clip(draws, bounds[:, 0], bounds[:, 1])

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return _negative_log_posterior(theta, X, y, prior_mean, prior_std)

        warm_value = _negative_log_posterior(
            warm, X, y, prior_mean, prior_std, with_gradient=False
        )[0]
        starts = [warm]
        for draw in draws:
            value = _negative_log_posterior(
                draw, X, y, prior_mean, prior_std, with_gradient=False
            )[0]
            if value < warm_value:
                starts.append(draw)

        best_theta, best_value = None, np.inf
        for theta0 in starts:
            try:
                result = minimize(
                    objective,
                    theta0,
                    jac=True,
                    method="L-BFGS-B",
                    bounds=bounds,
                    options={
                        "maxiter": self.max_iterations,
                        "ftol": _RELATIVE_TOLERANCE,
                    },
                )
            except (ValueError, FloatingPointError) as error:
                logger.debug("GP hyperparameter start %s failed: %s", theta0, error)
                continue
            if np.isfinite(result.fun) and result.fun < best_value:
                best_theta, best_value = result.x, float(result.fun)

        if best_theta is None or best_value >= _FAILED_VALUE:
            message = (
                "GaussianProcess fit: every hyperparameter optimisation start failed "
                f"on n={X.shape[0]} observations; kept the previous or default "
                "hyperparameters."
            )
            logger.warning(message)
            warnings.warn(message, ModelFitWarning, stacklevel=3)
            return start
        logger.debug(
            "GP fit on n=%d: log posterior %.6g, %d of %d starts optimised",
            X.shape[0],
            -best_value,
            len(starts),
            1 + self.n_restarts,
        )
        return Hyperparameters.from_log_vector(best_theta)

    def _condition(self, hyper: Hyperparameters) -> None:
        """Compute L and alpha for the stored data under ``hyper``."""
        n = self._X.shape[0]
        self.hyperparameters = hyper
        if n == 0:
            self._L = np.empty((0, 0))
            self._alpha = np.empty(0)
            return
        K = matern52(self._X, self._X, hyper.lengthscales, hyper.signal_variance)
        K[np.diag_indices(n)] += hyper.noise_variance
        try:
            self._L, jitter = _cholesky_with_jitter(K)
        except np.linalg.LinAlgError as error:
            raise ModelFitError(
                f"GaussianProcess: the covariance matrix of n={n} observations cannot "
                f"be factorised ({error}); check X and y for extreme values."
            ) from error
        if jitter:
            logger.debug("GP Cholesky needed jitter %.3g", jitter)
        self._alpha = cho_solve((self._L, True), self._y_standardised)

    # -------------------------------------------------------------- predict
    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predict the posterior mean and variance of the latent function.

        Parameters
        ----------
        X : numpy.ndarray
            Inputs of shape (m, d).

        Returns
        -------
        mean : numpy.ndarray
            Posterior mean, shape (m,), in the units of y.
        variance : numpy.ndarray
            Posterior variance of the latent function (no observation
            noise), shape (m,), in squared units of y, clipped at 0.

        Raises
        ------
        InvalidArgumentError
            When the model has not been fitted or X has the wrong shape.
        """
        with _single_threaded_blas():
            mean, variance, _, _ = self._predict(X, with_gradient=False)
        return mean, variance

    def predict_with_gradient(
        self, X: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Predict mean and variance with their gradients with respect to X.

        Parameters
        ----------
        X : numpy.ndarray
            Inputs of shape (m, d).

        Returns
        -------
        mean, variance : numpy.ndarray
            As :meth:`predict`, shape (m,).
        dmean_dX, dvar_dX : numpy.ndarray
            Gradients of each row's mean and variance with respect to that
            row, shape (m, d), in units of y (squared for the variance).
            Where the variance is clipped at 0 its gradient is still the
            unclipped one.
        """
        with _single_threaded_blas():
            return self._predict(X, with_gradient=True)

    def _predict(
        self, X: np.ndarray, *, with_gradient: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        X = self._check_prediction_inputs(X)
        hyper = self.hyperparameters
        m, d = X.shape
        scale2 = self._y_std**2
        if self._X.shape[0] == 0:
            mean = np.full(m, self._y_mean)
            variance = np.full(m, hyper.signal_variance * scale2)
            zeros = np.zeros((m, d))
            return (
                mean,
                variance,
                (zeros if with_gradient else None),
                (zeros.copy() if with_gradient else None),
            )

        r = _scaled_distance(X, self._X, hyper.lengthscales)
        K_star, G = _matern52_of_distance(
            r, hyper.signal_variance, with_slope=with_gradient
        )
        V = solve_triangular(self._L, K_star.T, lower=True)
        mean_std = K_star @ self._alpha
        var_std = hyper.signal_variance - np.sum(V**2, axis=0)
        mean = self._y_mean + self._y_std * mean_std
        variance = np.maximum(var_std, 0.0) * scale2
        if not with_gradient:
            return mean, variance, None, None

        # dk(x, x_b)/dx_j = -G(r) (x_j - x_bj) / l_j^2, summed against the
        # weights alpha (mean) and -2 K^{-1} k(x) (variance).
        C = solve_triangular(self._L, V, lower=True, trans="T").T
        inverse_l2 = 1.0 / hyper.lengthscales**2
        dmean = _weighted_input_gradient(G * self._alpha, X, self._X) * inverse_l2
        dvar = -2.0 * _weighted_input_gradient(G * C, X, self._X) * inverse_l2
        return mean, variance, dmean * self._y_std, dvar * scale2

    def _check_prediction_inputs(self, X: np.ndarray) -> np.ndarray:
        if self.hyperparameters is None:
            raise InvalidArgumentError(
                "GaussianProcess.predict: the model is not fitted; call fit(X, y) "
                "first (fit with an empty X to predict from the prior)."
            )
        X = np.asarray(X, dtype=float)
        d = self.hyperparameters.lengthscales.shape[0]
        if X.ndim != 2 or X.shape[1] != d:
            raise InvalidArgumentError(
                f"GaussianProcess.predict: X must have shape (m, {d}), got shape "
                f"{X.shape}; pass a 2-d array with one column per encoded dimension."
            )
        return X

    # ------------------------------------------------------------ fantasize
    def fantasize(self, X_pending: np.ndarray) -> GaussianProcess:
        """Return a copy conditioned on pending inputs at their posterior mean.

        The hyperparameters and the output standardisation stay as they are
        (no refit), so the posterior mean is unchanged everywhere while the
        variance at and near the pending inputs shrinks to about the noise
        level.

        Parameters
        ----------
        X_pending : numpy.ndarray
            Inputs of shape (p, d); p may be 0.

        Returns
        -------
        GaussianProcess
            A new, conditioned model; self is not modified.
        """
        X_pending = self._check_prediction_inputs(X_pending)
        fantasy = copy.copy(self)
        if X_pending.shape[0] == 0:
            return fantasy
        mean, _ = self.predict(X_pending)
        fantasy._X = np.vstack([self._X, X_pending])
        fantasy._y_standardised = np.concatenate(
            [self._y_standardised, (mean - self._y_mean) / self._y_std]
        )
        with _single_threaded_blas():
            fantasy._condition(self.hyperparameters)
        return fantasy

    @property
    def n_observations(self) -> int:
        """Number of conditioning points (observations plus fantasies)."""
        return int(self._X.shape[0])


def _weighted_input_gradient(
    weights: np.ndarray, X: np.ndarray, X_train: np.ndarray
) -> np.ndarray:
    """Return ``-sum_b weights_ab (X_aj - X_train_bj)`` as an (m, d) array."""
    return -(X * weights.sum(axis=1)[:, None] - weights @ X_train)


def _check_training_data(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2:
        raise InvalidArgumentError(
            f"GaussianProcess.fit: X must be a 2-d array (n, d), got shape {X.shape}; "
            "reshape a single input dimension with X[:, None]."
        )
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise InvalidArgumentError(
            f"GaussianProcess.fit: y must have shape ({X.shape[0]},) to match X, got "
            f"shape {y.shape}; pass one output per row of X."
        )
    if not np.all(np.isfinite(X)):
        raise InvalidArgumentError(
            "GaussianProcess.fit: X contains NaN or infinite values; encode the "
            "inputs into [0, 1] before fitting."
        )
    if not np.all(np.isfinite(y)):
        raise InvalidArgumentError(
            "GaussianProcess.fit: y contains NaN or infinite values; drop failed "
            "evaluations before fitting."
        )
    return X, y
