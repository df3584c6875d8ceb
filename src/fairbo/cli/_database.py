"""Opening fairbo results files (SQLite) from the command line."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from fairbo.cli._errors import CliError
from fairbo.storage import SQLiteStorage

# Tables that every file written by fairbo.storage.SQLiteStorage contains.
_FAIRBO_TABLES = {"meta", "studies", "trials"}


def open_results(path: Path) -> SQLiteStorage:
    """Open an existing fairbo results file for reading.

    ``SQLiteStorage`` creates a missing file and adds its tables to an empty
    one, which ``show`` and ``plot`` must not do, so the file is first
    inspected through a read-only connection.

    Raises
    ------
    CliError
        If ``path`` does not exist or is not a fairbo results file.
    """
    if not path.is_file():
        raise CliError(
            f"results file {str(path)!r} not found; pass a .db file written by "
            "fairbo run or fairbo demo."
        )
    if not _FAIRBO_TABLES <= _table_names(path):
        raise CliError(
            f"{str(path)!r} is not a fairbo results file; pass a .db file "
            "written by fairbo run or fairbo demo."
        )
    return SQLiteStorage(path)


def stored_trial_counts(path: Path) -> dict[str, int] | None:
    """Return the number of trials of each study in ``path``, or ``None`` when
    the file does not exist (it is not created)."""
    if not path.exists():
        return None
    with SQLiteStorage(path) as storage:
        return {summary.name: summary.n_trials for summary in storage.list_studies()}


def _table_names(path: Path) -> set[str]:
    """Return the tables of an SQLite file, or an empty set for a file that
    SQLite cannot read."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            rows = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            ).fetchall()
    except sqlite3.DatabaseError:
        return set()
    return {row[0] for row in rows}
