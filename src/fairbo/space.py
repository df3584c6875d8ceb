"""Search spaces: the hyperparameters of a study and their encoding.

A search space is built from the user's dict of name -> domain or constant::

    {"lr": Float(1e-4, 1e-1, log=True), "depth": Int(1, 50),
     "criterion": Categorical(["gini", "entropy"]), "n_estimators": 100}

The Gaussian process works on the unit cube, so every configuration has an
encoding in ``[0, 1]^D``: the columns of each domain, side by side, in
definition order (see :mod:`fairbo.domains` for each domain's columns).
Constants are left out of the encoding and added back on decoding.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from fairbo.domains import Categorical, Domain, Float, Int
from fairbo.exceptions import InvalidConfigError, InvalidTypeError, SearchSpaceError

logger = logging.getLogger(__name__)

__all__ = ["Domain", "Float", "Int", "Categorical", "SearchSpace", "as_search_space"]

_JSON_FORMAT_VERSION = 1


def _check_constant(name: str, value: Any, path: str = "") -> Any:
    """Return ``value`` as a JSON-compatible constant or raise."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_check_constant(name, v, f"{path}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _check_constant(name, v, f"{path}[{k!r}]") for k, v in value.items()}
    raise InvalidTypeError(
        f"search space parameter {name!r}{path}: expected a domain (Float, Int, "
        "Categorical) or a constant (None, bool, int, float, str, or a list, "
        f"tuple or str-keyed dict of them), got {type(value).__name__} {value!r}; "
        "wrap it in a fairbo domain, or build the object inside the objective."
    )


def _constant_to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"__tuple__": [_constant_to_json(v) for v in value]}
    if isinstance(value, list):
        return [_constant_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _constant_to_json(v) for k, v in value.items()}
    return value


def _constant_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_constant_from_json(v) for v in value["__tuple__"])
        return {k: _constant_from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_constant_from_json(v) for v in value]
    return value


def _canonical(data: Any) -> str:
    """Return JSON data as a string for comparisons.

    Comparing strings distinguishes ``1``, ``1.0`` and ``True``, which ``==`` on
    the data would not, and makes a NaN constant equal to itself.
    """
    return json.dumps(data, sort_keys=True)


def _domain_from_json(name: str, data: Mapping[str, Any]) -> Domain:
    try:
        return _build_domain(data)
    except (SearchSpaceError, InvalidTypeError) as err:
        # The constructor's message names the call, so add the parameter.
        raise type(err)(f"search space parameter {name!r}: {err}") from None


def _build_domain(data: Mapping[str, Any]) -> Domain:
    kind = data.get("type")
    if kind == "float":
        return Float(
            data["low"], data["high"], log=data["log"], default=data["default"]
        )
    if kind == "int":
        return Int(data["low"], data["high"], log=data["log"], default=data["default"])
    if kind == "categorical":
        return Categorical(data["choices"], default=data["default"])
    raise SearchSpaceError(
        f"unknown type {kind!r} in the stored definition; expected 'float', "
        "'int', 'categorical' or 'constant'."
    )


class SearchSpace:
    """The hyperparameters of a study: domains to tune plus constants.

    Parameters
    ----------
    definition : mapping of str to Domain or constant, or SearchSpace
        Parameter name -> :class:`Float`, :class:`Int`, :class:`Categorical`
        or a constant passed unchanged in every configuration (None, bool,
        int, float, str, or a list, tuple or str-keyed dict of them).

    Attributes
    ----------
    names : list of str
        Names of the tuned parameters, in definition order.
    domains : dict of str to Domain
        The tuned parameters.
    constants : dict of str to object
        The constant parameters.
    dim : int
        Number of columns of the encoding.

    Raises
    ------
    InvalidTypeError
        A name is not a str, or a value is neither a domain nor a constant.
    SearchSpaceError
        A domain's definition is invalid (bounds, choices, default).

    Examples
    --------
    >>> space = SearchSpace({"depth": Int(1, 8), "criterion": "gini"})
    >>> space.decode(space.encode([{"depth": 3}]))
    [{'depth': 3, 'criterion': 'gini'}]
    """

    def __init__(self, definition: Mapping[str, Any] | SearchSpace):
        if isinstance(definition, SearchSpace):
            definition = definition.definition
        if not isinstance(definition, Mapping):
            raise InvalidTypeError(
                "search space must be a dict of name -> domain or constant, got "
                f"{type(definition).__name__} {definition!r}; pass a dict such as "
                "{'depth': fairbo.Int(1, 10)}."
            )
        self._order: list[str] = []
        self.domains: dict[str, Domain] = {}
        self.constants: dict[str, Any] = {}
        for name, value in definition.items():
            if not isinstance(name, str):
                raise InvalidTypeError(
                    f"search space names must be str, got {type(name).__name__} "
                    f"{name!r}; use a string key."
                )
            self._order.append(name)
            if isinstance(value, Domain):
                value.check(name)
                self.domains[name] = value
            else:
                self.constants[name] = _check_constant(name, value)
        self.names: list[str] = list(self.domains)
        self._slices: dict[str, slice] = {}
        start = 0
        for name, domain in self.domains.items():
            self._slices[name] = slice(start, start + domain.n_columns)
            start += domain.n_columns
        self.dim: int = start

    # ------------------------------------------------------------ description
    @property
    def definition(self) -> dict[str, Any]:
        """The name -> domain or constant dict, in definition order."""
        return {
            name: self.domains[name] if name in self.domains else self.constants[name]
            for name in self._order
        }

    def column_slice(self, name: str) -> slice:
        """Return the columns of parameter ``name`` in the encoding."""
        return self._slices[name]

    @property
    def is_finite(self) -> bool:
        """Whether the space has finitely many configurations (no Float)."""
        return all(d.cardinality is not None for d in self.domains.values())

    @property
    def cardinality(self) -> int | None:
        """Number of distinct configurations, ``None`` when a Float makes it
        infinite."""
        if not self.is_finite:
            return None
        return math.prod(d.cardinality for d in self.domains.values())  # type: ignore[misc]

    def default_config(self) -> dict[str, Any] | None:
        """Return the configuration of every domain's default, or ``None`` when
        a domain has no default."""
        if any(d.default is None for d in self.domains.values()):
            return None
        return self._assemble({n: d.default for n, d in self.domains.items()})

    def grid(self) -> Iterator[dict[str, Any]]:
        """Iterate over every configuration of a finite space."""
        if not self.is_finite:
            raise SearchSpaceError(
                "search space has a Float parameter, so it has no grid; "
                "use sample() instead."
            )
        value_lists = [d.values() for d in self.domains.values()]
        for combo in itertools.product(*value_lists):
            yield self._assemble(dict(zip(self.names, combo, strict=True)))

    def __repr__(self) -> str:
        return f"SearchSpace({self.definition!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SearchSpace):
            return NotImplemented
        return self._canonical_json() == other._canonical_json()

    def __hash__(self) -> int:
        return hash(self._canonical_json())

    def _canonical_json(self) -> str:
        return _canonical(self.to_json())

    def describe_differences(
        self, other: SearchSpace, *, labels: tuple[str, str] = ("stored", "requested")
    ) -> list[str]:
        """Describe how ``other`` differs from this space, one sentence each.

        Parameters
        ----------
        other : SearchSpace
            The space to compare with.
        labels : tuple of two str, default ("stored", "requested")
            Words naming this space and ``other`` in the sentences.

        Returns
        -------
        list of str
            One sentence per parameter that differs or exists in one space
            only (this space's order first, then parameters new in
            ``other``), plus one when the shared parameters come in another
            order. The list is empty exactly when the spaces are equal.

        Examples
        --------
        >>> stored = SearchSpace({"max_depth": Int(1, 50), "k": 1})
        >>> requested = SearchSpace({"max_depth": Int(1, 20), "lr": Float(0, 1)})
        >>> for line in stored.describe_differences(requested):
        ...     print(line)
        'max_depth': Int(1, 50) stored, Int(1, 20) requested
        'k' only in the stored space
        'lr' only in the requested space
        """
        mine, theirs = labels
        lines = []
        for name in self._order:
            if name not in other._order:
                lines.append(f"{name!r} only in the {mine} space")
            elif _canonical(self._parameter_json(name)) != _canonical(
                other._parameter_json(name)
            ):
                lines.append(
                    f"{name!r}: {self._describe_parameter(name)} {mine}, "
                    f"{other._describe_parameter(name)} {theirs}"
                )
        for name in other._order:
            if name not in self._order:
                lines.append(f"{name!r} only in the {theirs} space")
        shared_mine = [n for n in self._order if n in other._order]
        shared_theirs = [n for n in other._order if n in self._order]
        if shared_mine != shared_theirs:
            lines.append(
                f"parameter order differs: {shared_mine} {mine}, "
                f"{shared_theirs} {theirs}"
            )
        return lines

    def _describe_parameter(self, name: str) -> str:
        if name in self.domains:
            return repr(self.domains[name])
        return f"constant {self.constants[name]!r}"

    # ----------------------------------------------------- configs and arrays
    def _assemble(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: values[name] if name in self.domains else self.constants[name]
            for name in self._order
        }

    def validate_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Check a configuration and return it with Python types and constants.

        Constant keys may be left out; when present they must equal the
        constant.

        Raises
        ------
        InvalidConfigError
            A tuned parameter is missing, a key is unknown, a value is out of
            its domain or a constant has another value.
        """
        if not isinstance(config, Mapping):
            raise InvalidConfigError(
                f"config must be a dict of parameter name -> value, got "
                f"{type(config).__name__} {config!r}."
            )
        missing = [n for n in self.names if n not in config]
        if missing:
            raise InvalidConfigError(
                f"config is missing parameter(s) {missing}, got keys "
                f"{sorted(map(str, config))}; give a value for every one of "
                f"{self.names}."
            )
        extra = [k for k in config if k not in self.domains and k not in self.constants]
        if extra:
            raise InvalidConfigError(
                f"config has unknown parameter(s) {extra}; the search space "
                f"defines {self._order}. Remove them or add them to the space."
            )
        values = {n: d.validate_value(n, config[n]) for n, d in self.domains.items()}
        for name, constant in self.constants.items():
            if name in config and config[name] != constant:
                raise InvalidConfigError(
                    f"constant {name!r}: config value must equal the constant "
                    f"{constant!r}, got {config[name]!r}; drop the key or make "
                    "it a domain."
                )
        return self._assemble(values)

    def config_key(self, config: Mapping[str, Any]) -> tuple[Any, ...]:
        """Return a hashable key equal for equal configurations (validated)."""
        return tuple(d.key(config[n]) for n, d in self.domains.items())

    def encode(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Encode configurations to an array (n, dim) in [0, 1].

        Every configuration is validated first.
        """
        checked = [self.validate_config(c) for c in configs]
        out = np.zeros((len(checked), self.dim))
        for name, domain in self.domains.items():
            column_values = [c[name] for c in checked]
            out[:, self._slices[name]] = domain.encode(column_values)
        return out

    def decode(self, X: np.ndarray) -> list[dict[str, Any]]:
        """Decode points of the cube (n, dim) to valid configurations.

        Values outside [0, 1] are clipped; ints are rounded, categoricals take
        the argmax of their columns.
        """
        X = self._as_matrix(X)
        columns = {n: d.decode(X[:, self._slices[n]]) for n, d in self.domains.items()}
        return [
            self._assemble({n: columns[n][i] for n in self.names})
            for i in range(len(X))
        ]

    def snap(self, X: np.ndarray) -> np.ndarray:
        """Return the encoding of the configurations that ``X`` decodes to."""
        X = self._as_matrix(X)
        out = np.empty_like(X)
        for name, domain in self.domains.items():
            cols = self._slices[name]
            out[:, cols] = domain.snap(X[:, cols])
        return out

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Map uniform points (n, len(names)) to encoded valid points (n, dim).

        Column ``j`` of ``U`` drives parameter ``names[j]``, so a uniform or
        quasi-random ``U`` gives the sampling distribution of every domain.
        """
        U = np.atleast_2d(np.asarray(U, dtype=float))
        if U.shape[1] != len(self.names):
            raise InvalidConfigError(
                f"uniform points must have shape (n, {len(self.names)}), got {U.shape}."
            )
        out = np.zeros((len(U), self.dim))
        for j, (name, domain) in enumerate(self.domains.items()):
            out[:, self._slices[name]] = domain.from_unit(U[:, j])
        return out

    def sample(
        self, rng: np.random.Generator | int | None, n: int = 1
    ) -> list[dict[str, Any]]:
        """Draw ``n`` configurations (log-uniform where ``log=True``).

        Parameters
        ----------
        rng : numpy.random.Generator or int or None
            Source of randomness; an int is a seed.
        n : int
            Number of configurations.
        """
        generator = np.random.default_rng(rng)
        return self.decode(self.from_unit(generator.random((n, len(self.names)))))

    def _as_matrix(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise InvalidConfigError(
                f"encoded points must have shape (n, {self.dim}), got {X.shape}."
            )
        return X

    # --------------------------------------------------------------- storage
    def to_json(self) -> dict[str, Any]:
        """Return the definition as a JSON-compatible dict (see from_json)."""
        parameters = [self._parameter_json(name) for name in self._order]
        return {"format": _JSON_FORMAT_VERSION, "parameters": parameters}

    def _parameter_json(self, name: str) -> dict[str, Any]:
        if name in self.domains:
            return {"name": name, **self.domains[name].to_json()}
        return {
            "name": name,
            "type": "constant",
            "value": _constant_to_json(self.constants[name]),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> SearchSpace:
        """Rebuild a space from :meth:`to_json` output (a dict or its string).

        Raises
        ------
        SearchSpaceError
            The data has another format version or an unknown parameter type.
        """
        if isinstance(data, str):
            data = json.loads(data)
        version = data.get("format")
        if version != _JSON_FORMAT_VERSION:
            raise SearchSpaceError(
                f"stored search space has format {version!r}, this fairbo reads "
                f"format {_JSON_FORMAT_VERSION}; recreate the study."
            )
        definition: dict[str, Any] = {}
        for entry in data["parameters"]:
            name = entry["name"]
            if entry["type"] == "constant":
                definition[name] = _constant_from_json(entry["value"])
            else:
                definition[name] = _domain_from_json(name, entry)
        return cls(definition)


def as_search_space(space: Mapping[str, Any] | SearchSpace) -> SearchSpace:
    """Return ``space`` as a :class:`SearchSpace` (built from a dict if needed)."""
    if isinstance(space, SearchSpace):
        return space
    return SearchSpace(space)
