"""On-disk memo of objective evaluations.

A model fit is deterministic given its configuration and seed, so a result
computed once can be reused by every optimizer and seed that proposes the
same configuration. Entries live in one SQLite file, keyed by the objective's
name and a canonical JSON form of the configuration, so several worker
processes can share it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# Seconds a writer waits for another process's lock before failing.
_LOCK_TIMEOUT_S = 60.0


def canonical_key(config: Mapping[str, Any]) -> str:
    """Return a stable text key for a configuration (sorted keys, JSON)."""
    return json.dumps(dict(config), sort_keys=True, default=str)


class EvaluationCache:
    """Persistent mapping (objective name, configuration key) -> metrics.

    Parameters
    ----------
    path : str or Path, optional
        SQLite file; None keeps nothing and evaluates every call.
    """

    def __init__(self, path: str | Path | None) -> None:
        self.path = None if path is None else Path(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as connection:
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS evaluations ("
                    "objective TEXT, config TEXT, metrics TEXT, seconds REAL, "
                    "PRIMARY KEY (objective, config))"
                )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=_LOCK_TIMEOUT_S)

    def get(self, objective: str, key: str) -> tuple[dict[str, float], float] | None:
        """Return stored (metrics, evaluation seconds), or None when absent."""
        if self.path is None:
            return None
        with self._connect() as connection:
            row = connection.execute(
                "SELECT metrics, seconds FROM evaluations "
                "WHERE objective = ? AND config = ?",
                (objective, key),
            ).fetchone()
        if row is None:
            return None
        return json.loads(row[0]), float(row[1])

    def put(
        self, objective: str, key: str, metrics: Mapping[str, float], seconds: float
    ) -> None:
        """Store one result; an existing entry for the key is kept."""
        if self.path is None:
            return
        with self._connect() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO evaluations VALUES (?, ?, ?, ?)",
                (objective, key, json.dumps(dict(metrics)), seconds),
            )

    def all_results(self, objective: str) -> list[dict[str, float]]:
        """Return the metrics of every stored evaluation of one objective."""
        if self.path is None:
            return []
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT metrics FROM evaluations WHERE objective = ?", (objective,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def evaluate(
        self,
        objective: str,
        key: str,
        compute: Callable[[], dict[str, float]],
        clock: Callable[[], float],
    ) -> tuple[dict[str, float], float, bool]:
        """Return (metrics, seconds, was_cached), computing on a miss."""
        stored = self.get(objective, key)
        if stored is not None:
            return stored[0], stored[1], True
        start = clock()
        metrics = compute()
        seconds = clock() - start
        self.put(objective, key, metrics, seconds)
        return metrics, seconds, False
