"""Random samples of the fairness objectives for the best-achievable estimate.

The constrained optimum of a real model's validation accuracy is unknown.
The report estimates it as the best feasible value among every evaluation in
the cache: all optimizer runs plus the random sample drawn here. The
estimate can only be too low, so regrets computed from it are lower bounds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
from benchmarks.peers.cache import EvaluationCache
from benchmarks.peers.tasks import get_task

logger = logging.getLogger(__name__)

#: Seed of the reference sample, distinct from the run seeds 0, 1, 2, ...
REFERENCE_SEED = 2**20


def sample_objectives(
    task_names: Iterable[str], n: int, cache_path: str | None
) -> None:
    """Evaluate ``n`` uniform random configurations of each fairness objective."""
    from benchmarks.peers.runner import evaluate_config

    from fairbo.space import SearchSpace

    cache = EvaluationCache(cache_path)
    seen = set()
    for name in task_names:
        task = get_task(name)
        if task.kind != "fairness" or task.objective_name in seen:
            continue
        seen.add(task.objective_name)
        rng = np.random.default_rng(REFERENCE_SEED)
        configs = SearchSpace(task.space).sample(rng, n)
        for index, config in enumerate(configs):
            evaluate_config(task, config, cache)
            if (index + 1) % 50 == 0:
                logger.info("reference %s: %d of %d", task.objective_name, index + 1, n)
