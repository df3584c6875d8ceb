"""Ask/tell searchers: RandomSearch, BayesOpt and ConstrainedBayesOpt.

Every searcher has ``suggest() -> dict`` and ``observe(config, metrics)``;
:func:`make_searcher` builds one from its registered name.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fairbo.constraints import Constraint
from fairbo.exceptions import InvalidArgumentError, InvalidTypeError
from fairbo.searchers.base import Mode, Observation, Searcher
from fairbo.searchers.bayesopt import BayesOpt, ConstrainedBayesOpt
from fairbo.searchers.random_search import RandomSearch
from fairbo.space import SearchSpace, as_search_space

logger = logging.getLogger(__name__)

__all__ = [
    "BayesOpt",
    "ConstrainedBayesOpt",
    "Mode",
    "Observation",
    "RandomSearch",
    "Searcher",
    "make_searcher",
    "searcher_name",
    "searcher_names",
]

_REGISTRY: dict[str, type[Searcher]] = {
    "random": RandomSearch,
    "bo": BayesOpt,
    "cbo": ConstrainedBayesOpt,
}


def searcher_names() -> list[str]:
    """Return the names :func:`make_searcher` accepts."""
    return list(_REGISTRY)


def make_searcher(
    name_or_searcher: str | Searcher | type[Searcher],
    space: Mapping[str, Any] | SearchSpace,
    metric: str,
    mode: str | Mode = "max",
    constraints: Mapping[str, float] | Sequence[Constraint] | None = None,
    seed: int | np.random.Generator | None = None,
) -> Searcher:
    """Return a searcher for a study, built from its name if needed.

    Parameters
    ----------
    name_or_searcher : str, Searcher or Searcher subclass
        A registered name (see :func:`searcher_names`), a class to
        instantiate, or a ready searcher, which is returned unchanged after
        checking that it optimises the same space, metric and mode.
    space, metric, mode, constraints, seed
        See :class:`Searcher`.

    Returns
    -------
    Searcher

    Raises
    ------
    InvalidArgumentError
        Unknown name, or a ready searcher built for another study.
    InvalidTypeError
        ``name_or_searcher`` has another type.
    """
    if isinstance(name_or_searcher, Searcher):
        _check_same_study(name_or_searcher, space, metric, mode)
        return name_or_searcher
    if isinstance(name_or_searcher, type) and issubclass(name_or_searcher, Searcher):
        return name_or_searcher(space, metric, mode, constraints, seed)
    if not isinstance(name_or_searcher, str):
        raise InvalidTypeError(
            f"searcher must be one of {searcher_names()}, a Searcher or a Searcher "
            f"subclass, got {type(name_or_searcher).__name__} {name_or_searcher!r}."
        )
    cls = _REGISTRY.get(name_or_searcher.lower())
    if cls is None:
        raise InvalidArgumentError(
            f"searcher must be one of {searcher_names()}, got {name_or_searcher!r}; "
            "use 'cbo' to tune under constraints."
        )
    return cls(space, metric, mode, constraints, seed)


def _check_same_study(
    searcher: Searcher,
    space: Mapping[str, Any] | SearchSpace,
    metric: str,
    mode: str | Mode,
) -> None:
    expected = (as_search_space(space), metric, Mode.parse(mode))
    actual = (searcher.space, searcher.metric, searcher.mode)
    if actual != expected:
        raise InvalidArgumentError(
            f"searcher {type(searcher).__name__} was built for metric "
            f"{searcher.metric!r}, mode {searcher.mode.value!r} and its own space, "
            f"but the study uses metric {metric!r}, mode {Mode.parse(mode).value!r}"
            " and the given space; build the searcher with the study's arguments."
        )


def searcher_name(searcher: Searcher) -> str:
    """Return the registered name of ``searcher``'s class (``"cbo"`` for a
    ConstrainedBayesOpt), or the class name for a user subclass."""
    for name, cls in _REGISTRY.items():
        if type(searcher) is cls:
            return name
    return type(searcher).__name__
