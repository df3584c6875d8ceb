"""Domains of a hyperparameter: Float, Int and Categorical.

Each domain encodes its values as columns of the unit cube, for the Gaussian
process:

* ``Float``: one column, the position between the bounds (on the log scale
  when ``log=True``).
* ``Int``: one column, a continuous relaxation of the interval
  ``[low - 0.5, high + 0.5]`` (log scale when ``log=True``), so every integer
  owns a cell of equal width (equal width in log space when ``log=True``).
  Decoding rounds to the nearest integer, so an encoded integer decodes back
  exactly and any point of the cube decodes to a valid integer.
* ``Categorical``: one one-hot column per choice. Decoding takes the argmax
  (the first column on ties).

Every domain also maps a single uniform number ``u`` in ``[0, 1]`` to a
value (``from_unit``). Sampling and the quasi-random initial design draw one
``u`` per parameter, which gives uniform floats (log-uniform with
``log=True``), uniform integers (log-uniform over the relaxed interval with
``log=True``) and uniform choices.

Each constructor validates its arguments and raises at once, naming the
domain by its call, as in ``Float(low=1, high=0): low must be < high``.
Building a :class:`~fairbo.space.SearchSpace` validates every domain again,
because the attributes may have been changed since, and those messages name
the parameter, as in ``Float 'lr': ...``.
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import reprlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from fairbo.exceptions import InvalidConfigError, InvalidTypeError, SearchSpaceError

logger = logging.getLogger(__name__)

__all__ = ["Domain", "Float", "Int", "Categorical"]

# Shortens long lists and strings in messages, such as many choices.
_SHORT = reprlib.Repr()
_SHORT.maxlist = 10
_SHORT.maxstring = 40
_SHORT.maxother = 40


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_integral(value: Any) -> bool:
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    ):
        return True
    return _is_real(value) and math.isfinite(value) and float(value).is_integer()


class Domain(ABC):
    """Base class of the domains a hyperparameter can take values from.

    Subclasses validate and normalise their definition in the constructor,
    and :meth:`check` validates it again under the parameter's name.
    """

    kind: str = ""
    default: Any

    @property
    @abstractmethod
    def n_columns(self) -> int:
        """Number of columns of the domain in the encoded unit cube."""

    @property
    @abstractmethod
    def cardinality(self) -> int | None:
        """Number of distinct values, ``None`` for a continuous domain."""

    @abstractmethod
    def _validate(self, owner: str) -> None:
        """Validate and normalise the definition; ``owner`` starts messages."""

    @abstractmethod
    def _coerce(self, owner: str, value: Any, label: str) -> Any:
        """Return ``value`` as the domain's Python type or raise
        :class:`~fairbo.exceptions.InvalidConfigError` naming ``label``."""

    def check(self, name: str) -> None:
        """Validate the definition again as parameter ``name``.

        The attributes are public and may have changed since construction,
        so the search space calls this and errors then name the parameter.

        Raises
        ------
        SearchSpaceError
            The definition is invalid (bounds, choices, default).
        InvalidTypeError
            A bound, ``log`` or the choices have the wrong type.
        """
        self._validate(f"{self.kind} {name!r}")

    def validate_value(self, name: str, value: Any) -> Any:
        """Return ``value`` of parameter ``name`` as the domain's Python type.

        Raises
        ------
        InvalidConfigError
            ``value`` has the wrong type or lies outside the domain.
        """
        return self._coerce(f"{self.kind} {name!r}", value, "value")

    def _check_default(self, owner: str) -> None:
        if self.default is None:
            return
        try:
            self.default = self._coerce(owner, self.default, "default")
        except InvalidConfigError as err:
            raise SearchSpaceError(str(err)) from None

    @abstractmethod
    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map uniform numbers ``u`` (n,) in [0, 1] to encoded columns (n, k)."""

    @abstractmethod
    def encode(self, values: Sequence[Any]) -> np.ndarray:
        """Encode valid values to columns (n, k) in [0, 1]."""

    @abstractmethod
    def decode(self, columns: np.ndarray) -> list[Any]:
        """Decode columns (n, k) of any point of the cube to valid values."""

    @abstractmethod
    def snap(self, columns: np.ndarray) -> np.ndarray:
        """Move columns (n, k) to the encoding of the value they decode to."""

    @abstractmethod
    def to_json(self) -> dict[str, Any]:
        """Return the definition as a JSON-compatible dict."""

    @abstractmethod
    def key(self, value: Any) -> Any:
        """Return a hashable key of a valid value (used to compare configs)."""

    def values(self) -> list[Any]:
        """Return every value of a finite domain in order."""
        raise SearchSpaceError(f"{self.kind} domain is continuous; it has no grid.")

    def _canonical_json(self) -> str:
        # Comparing strings distinguishes 1, 1.0 and True, which == would not.
        return json.dumps(self.to_json(), sort_keys=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Domain):
            return NotImplemented
        return self._canonical_json() == other._canonical_json()

    def __hash__(self) -> int:
        return hash(self._canonical_json())


def _call_label(kind: str, arguments: dict[str, Any]) -> str:
    """Return a short ``Kind(arg=value, ...)`` label of a constructor call."""
    argument_text = ", ".join(
        f"{key}={_SHORT.repr(value)}" for key, value in arguments.items()
    )
    return f"{kind}({argument_text})"


class _Numeric(Domain):
    """Shared logic of Float and Int: bounds, log scale, default."""

    def __init__(self, low: Any, high: Any, *, log: bool = False, default: Any = None):
        self.low = low
        self.high = high
        self.log = log
        self.default = default
        arguments = {"low": low, "high": high}
        if log is not False:
            arguments["log"] = log
        if default is not None:
            arguments["default"] = default
        self._validate(_call_label(self.kind, arguments))

    def __repr__(self) -> str:
        parts = [repr(self.low), repr(self.high)]
        if self.log:
            parts.append("log=True")
        if self.default is not None:
            parts.append(f"default={self.default!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    @property
    def n_columns(self) -> int:
        return 1

    def _check_bounds(self, owner: str, integral: bool) -> None:
        for label, bound in (("low", self.low), ("high", self.high)):
            if not _is_real(bound):
                raise InvalidTypeError(
                    f"{owner}: {label} must be a real number, got "
                    f"{type(bound).__name__} {bound!r}; pass a number."
                )
            if not math.isfinite(bound):
                raise SearchSpaceError(
                    f"{owner}: {label} must be finite, got {label}={bound!r}; "
                    "give finite bounds."
                )
            if integral and not _is_integral(bound):
                raise SearchSpaceError(
                    f"{owner}: {label} must be an integer, got {label}={bound!r}; "
                    "round the bound or use Float."
                )
        if not isinstance(self.log, (bool, np.bool_)):
            raise InvalidTypeError(
                f"{owner}: log must be True or False, got "
                f"{type(self.log).__name__} {self.log!r}; pass a bool."
            )
        if self.low >= self.high:
            fix = "swap the bounds" if self.low > self.high else "use a constant"
            raise SearchSpaceError(
                f"{owner}: low must be < high, got low={self.low!r}, "
                f"high={self.high!r}; {fix}."
            )
        if self.log and self.low <= 0:
            raise SearchSpaceError(
                f"{owner}: log=True needs low > 0, got low={self.low!r}; "
                "raise low above 0 or set log=False."
            )

    def _range_error(self, owner: str, value: Any, label: str) -> InvalidConfigError:
        return InvalidConfigError(
            f"{owner}: {label} must be in [{self.low}, {self.high}], "
            f"got {value!r}; pass a value inside the bounds."
        )

    # Transform between the parameter's scale and the unit interval.
    def _forward(self, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
        if self.log:
            return (np.log(x) - math.log(lo)) / (math.log(hi) - math.log(lo))
        return (x - lo) / (hi - lo)

    def _backward(self, u: np.ndarray, lo: float, hi: float) -> np.ndarray:
        u = np.clip(u, 0.0, 1.0)
        if self.log:
            return np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        return lo + u * (hi - lo)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.kind.lower(),
            "low": self.low,
            "high": self.high,
            "log": bool(self.log),
            "default": self.default,
        }

    def snap(self, columns: np.ndarray) -> np.ndarray:
        return self.encode(self.decode(columns))


class Float(_Numeric):
    """A real-valued hyperparameter in ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Finite bounds with ``low < high``; both are included.
    log : bool, default False
        Sample and model on the log scale (needs ``low > 0``).
    default : float, optional
        A value tried first when every parameter of the space has a default.

    Raises
    ------
    SearchSpaceError
        A bound is not finite, ``low >= high``, ``log=True`` with
        ``low <= 0``, or the default lies outside the bounds.
    InvalidTypeError
        A bound is not a real number or ``log`` is not a bool.

    Examples
    --------
    >>> Float(1e-4, 1e-1, log=True)
    Float(0.0001, 0.1, log=True)
    >>> Float(1, 0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fairbo.exceptions.SearchSpaceError: Float(low=1, high=0): low must be < high, ...
    """

    kind = "Float"

    @property
    def cardinality(self) -> int | None:
        return None

    def _validate(self, owner: str) -> None:
        self._check_bounds(owner, integral=False)
        self.low = float(self.low)
        self.high = float(self.high)
        self.log = bool(self.log)
        self._check_default(owner)

    def _coerce(self, owner: str, value: Any, label: str) -> float:
        if not _is_real(value):
            raise InvalidConfigError(
                f"{owner}: {label} must be a real number, got "
                f"{type(value).__name__} {value!r}; pass a float."
            )
        if not (self.low <= value <= self.high):
            raise self._range_error(owner, value, label)
        return float(value)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(u, dtype=float), 0.0, 1.0)[:, None]

    def encode(self, values: Sequence[Any]) -> np.ndarray:
        x = np.asarray(values, dtype=float)
        u = np.clip(self._forward(x, self.low, self.high), 0.0, 1.0)
        # The bounds map to 0 and 1 exactly, whatever the rounding of the log.
        u[x <= self.low] = 0.0
        u[x >= self.high] = 1.0
        return u[:, None]

    def decode(self, columns: np.ndarray) -> list[float]:
        u = np.asarray(columns, dtype=float)[:, 0]
        x = np.clip(self._backward(u, self.low, self.high), self.low, self.high)
        x[u <= 0.0] = self.low
        x[u >= 1.0] = self.high
        return [float(v) for v in x]

    def key(self, value: Any) -> float:
        return float(value)


class Int(_Numeric):
    """An integer hyperparameter in ``[low, high]`` (both included).

    Parameters
    ----------
    low, high : int
        Integer bounds with ``low < high`` (floats with an integer value are
        accepted).
    log : bool, default False
        Sample and model on the log scale (needs ``low >= 1``). Sampling is
        then log-uniform over ``[low - 0.5, high + 0.5]`` rounded to the
        nearest integer.
    default : int, optional
        A value tried first when every parameter of the space has a default.

    Raises
    ------
    SearchSpaceError
        A bound is not a finite integer, ``low >= high``, ``log=True`` with
        ``low <= 0``, or the default is not an integer inside the bounds.
    InvalidTypeError
        A bound is not a real number or ``log`` is not a bool.

    Examples
    --------
    >>> Int(1, 50)
    Int(1, 50)
    >>> Int(8, 1024.0, log=True)
    Int(8, 1024, log=True)
    """

    kind = "Int"

    @property
    def cardinality(self) -> int | None:
        return int(self.high) - int(self.low) + 1

    def _validate(self, owner: str) -> None:
        self._check_bounds(owner, integral=True)
        self.low = int(self.low)
        self.high = int(self.high)
        self.log = bool(self.log)
        self._check_default(owner)

    def _coerce(self, owner: str, value: Any, label: str) -> int:
        if not _is_integral(value):
            raise InvalidConfigError(
                f"{owner}: {label} must be an integer, got "
                f"{type(value).__name__} {value!r}; pass an int."
            )
        if not (self.low <= value <= self.high):
            raise self._range_error(owner, value, label)
        return int(value)

    @property
    def _relaxed(self) -> tuple[float, float]:
        return self.low - 0.5, self.high + 0.5

    def _round(self, x: np.ndarray) -> np.ndarray:
        return np.clip(np.floor(x + 0.5), self.low, self.high).astype(np.int64)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        x = self._backward(np.asarray(u, dtype=float), *self._relaxed)
        return self.encode(self._round(x))

    def encode(self, values: Sequence[Any]) -> np.ndarray:
        x = np.asarray(values, dtype=float)
        return np.clip(self._forward(x, *self._relaxed), 0.0, 1.0)[:, None]

    def decode(self, columns: np.ndarray) -> list[int]:
        u = np.asarray(columns, dtype=float)[:, 0]
        return [int(v) for v in self._round(self._backward(u, *self._relaxed))]

    def key(self, value: Any) -> int:
        return int(value)

    def values(self) -> list[int]:
        return list(range(self.low, self.high + 1))


def _choice_key(value: Any) -> tuple[str, Any]:
    """Key under which two choices count as the same: ``1`` and ``1.0`` do,
    ``1`` and ``True`` do not."""
    if value is None:
        return ("none", None)
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if _is_real(value):
        return ("number", float(value))
    return ("str", value)


class Categorical(Domain):
    """A hyperparameter taking one of a list of choices.

    Parameters
    ----------
    choices : sequence of str, int, float, bool or None
        The distinct choices, in order. ``1`` and ``1.0`` count as the same
        choice, ``1`` and ``True`` do not.
    default : optional
        A choice tried first when every parameter of the space has a default.
        None means no default, so a ``None`` choice cannot be the default.

    Raises
    ------
    SearchSpaceError
        ``choices`` is empty, has duplicates or a non-finite float, or the
        default is not one of them.
    InvalidTypeError
        ``choices`` is not a list or tuple, or a choice has another type.

    Examples
    --------
    >>> Categorical(["gini", "entropy"])
    Categorical(['gini', 'entropy'])
    """

    kind = "Categorical"

    def __init__(self, choices: Sequence[Any], *, default: Any = None):
        self.choices = choices
        self.default = default
        self._index: dict[tuple[str, Any], int] = {}
        arguments = {"choices": choices}
        if default is not None:
            arguments["default"] = default
        self._validate(_call_label(self.kind, arguments))

    def __repr__(self) -> str:
        default = "" if self.default is None else f", default={self.default!r}"
        return f"Categorical({list(self.choices)!r}{default})"

    @property
    def n_columns(self) -> int:
        return len(self.choices)

    @property
    def cardinality(self) -> int | None:
        return len(self.choices)

    def _validate(self, owner: str) -> None:
        if isinstance(self.choices, (str, bytes)) or not isinstance(
            self.choices, Sequence
        ):
            raise InvalidTypeError(
                f"{owner}: choices must be a list or tuple, got "
                f"{type(self.choices).__name__} {_SHORT.repr(self.choices)}; "
                "pass a list such as ['a', 'b']."
            )
        if len(self.choices) == 0:
            raise SearchSpaceError(
                f"{owner}: choices must not be empty, got []; give at least one."
            )
        choices = [_check_choice(owner, choice) for choice in self.choices]
        index: dict[tuple[str, Any], int] = {}
        for i, choice in enumerate(choices):
            key = _choice_key(choice)
            if key in index:
                raise SearchSpaceError(
                    f"{owner}: choices must be distinct, got {choice!r} at "
                    f"positions {index[key]} and {i}; remove the duplicate."
                )
            index[key] = i
        self.choices = choices
        self._index = index
        self._check_default(owner)

    def _coerce(self, owner: str, value: Any, label: str) -> Any:
        try:
            position = self._index[_choice_key(value)]
        except (KeyError, TypeError):
            raise InvalidConfigError(
                f"{owner}: {label} must be one of {_SHORT.repr(self.choices)}, "
                f"got {value!r}; pass one of the choices."
            ) from None
        return self.choices[position]

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        k = len(self.choices)
        idx = np.minimum(np.floor(np.asarray(u, dtype=float) * k), k - 1)
        return self._one_hot(np.maximum(idx, 0).astype(np.int64))

    def _one_hot(self, idx: np.ndarray) -> np.ndarray:
        out = np.zeros((len(idx), len(self.choices)))
        out[np.arange(len(idx)), idx] = 1.0
        return out

    def encode(self, values: Sequence[Any]) -> np.ndarray:
        idx = np.array([self._index[_choice_key(v)] for v in values], dtype=np.int64)
        return self._one_hot(idx)

    def decode(self, columns: np.ndarray) -> list[Any]:
        idx = np.argmax(np.asarray(columns, dtype=float), axis=1)
        return [self.choices[i] for i in idx]

    def snap(self, columns: np.ndarray) -> np.ndarray:
        return self._one_hot(np.argmax(np.asarray(columns, dtype=float), axis=1))

    def key(self, value: Any) -> int:
        return self._index[_choice_key(value)]

    def values(self) -> list[Any]:
        return list(self.choices)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "categorical",
            "choices": list(self.choices),
            "default": self.default,
        }


def _check_choice(owner: str, choice: Any) -> Any:
    if isinstance(choice, np.generic):
        choice = choice.item()
    if choice is not None and not isinstance(choice, (str, int, float, bool)):
        raise InvalidTypeError(
            f"{owner}: each choice must be a str, int, float, bool or None, got "
            f"{type(choice).__name__} {choice!r}; map it to one of these types "
            "and build the object inside the objective."
        )
    if isinstance(choice, float) and not math.isfinite(choice):
        raise SearchSpaceError(
            f"{owner}: choices must be finite, got {choice!r}; remove it."
        )
    return choice
