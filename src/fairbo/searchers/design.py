"""Initial design of the model-based searchers: quasi-random Sobol points."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import qmc

from fairbo.space import SearchSpace

logger = logging.getLogger(__name__)

__all__ = ["SobolDesign", "initial_design_size"]

# Draws skipped because they decode to a used configuration before the
# design gives up and lets the caller fall back to random search.
_MAX_SKIPPED = 256
_BLOCK_LOG2 = 5


def initial_design_size(n_parameters: int) -> int:
    """Return the number of quasi-random points before the model takes over.

    ``n_parameters + 1`` points, at least 3 and at most 10. A Gaussian process
    with one lengthscale per dimension needs about ``d + 1`` points before
    its lengthscales mean anything. Beyond 10, quasi-random points spend a
    50-trial budget that the model uses better.
    """
    return int(min(max(3, n_parameters + 1), 10))


class SobolDesign:
    """A scrambled Sobol sequence over the parameters of a space.

    Each point has one coordinate per parameter, mapped through
    :meth:`SearchSpace.from_unit`, so the design follows every domain's
    sampling distribution (log-uniform where ``log=True``).

    Parameters
    ----------
    space : SearchSpace
    rng : numpy.random.Generator
        Seeds the scrambling.
    """

    def __init__(self, space: SearchSpace, rng: np.random.Generator):
        self.space = space
        self._sobol = qmc.Sobol(d=max(len(space.names), 1), scramble=True, rng=rng)
        self._buffer = np.empty((0, max(len(space.names), 1)))

    def next_unused(self, is_used: Callable[[dict[str, Any]], bool]) -> dict | None:
        """Return the next design configuration for which ``is_used`` is false,
        or None after many used ones in a row."""
        for _ in range(_MAX_SKIPPED):
            if len(self._buffer) == 0:
                # Doubling the points drawn so far keeps their total a power
                # of two, which Sobol's balance properties need.
                drawn = self._sobol.num_generated
                m = _BLOCK_LOG2 if drawn == 0 else max(_BLOCK_LOG2, int(np.log2(drawn)))
                self._buffer = self._sobol.random_base2(m)
            u, self._buffer = self._buffer[:1], self._buffer[1:]
            config = self.space.decode(
                self.space.from_unit(u[:, : len(self.space.names)])
            )[0]
            if not is_used(config):
                return config
        logger.debug("Sobol design: %d used draws in a row", _MAX_SKIPPED)
        return None
