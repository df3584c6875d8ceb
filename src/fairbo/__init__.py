"""fairbo: tune hyperparameters for accuracy under fairness constraints.

The public names are loaded on first use, so that ``import fairbo`` stays
cheap in worker processes that only need one module.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC_NAMES = {
    "Float": "fairbo.space",
    "Int": "fairbo.space",
    "Categorical": "fairbo.space",
    "SearchSpace": "fairbo.space",
    "Constraint": "fairbo.constraints",
    "FairnessObjective": "fairbo.objective",
    "FairSearchCV": "fairbo.search_cv",
    "tune": "fairbo.tuner",
    "TuneResult": "fairbo.result",
    "Trial": "fairbo.trial",
    "TrialStatus": "fairbo.trial",
}
_SUBMODULES = {
    "searchers",
    "metrics",
    "datasets",
    "models",
    "exceptions",
    "storage",
    "plot",
    "gp",
    "acquisition",
}

__all__ = sorted(_PUBLIC_NAMES) + sorted(_SUBMODULES)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC_NAMES:
        module = importlib.import_module(_PUBLIC_NAMES[name])
        return getattr(module, name)
    if name in _SUBMODULES:
        return importlib.import_module(f"fairbo.{name}")
    raise AttributeError(f"module 'fairbo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
