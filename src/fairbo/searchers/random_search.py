"""Random search: the baseline every model-based searcher must beat."""

from __future__ import annotations

import logging
from typing import Any

from fairbo.searchers.base import Searcher

logger = logging.getLogger(__name__)

__all__ = ["RandomSearch"]


class RandomSearch(Searcher):
    """Draw configurations independently from the space's distribution.

    Floats are uniform (log-uniform with ``log=True``), ints and choices
    uniform. Constraints are accepted and ignored, and a configuration that
    is already observed or pending is drawn again.

    Parameters
    ----------
    search_space, metric, mode, constraints, seed
        See :class:`~fairbo.searchers.Searcher`.

    Examples
    --------
    >>> from fairbo import Int
    >>> searcher = RandomSearch({"depth": Int(1, 8)}, metric="accuracy", seed=0)
    >>> config = searcher.suggest()
    >>> searcher.observe(config, {"accuracy": 0.8})
    """

    def _propose(self) -> dict[str, Any]:
        return self._random_unused()
