"""SQLite storage of studies and trials.

One database file contains many studies. Each write runs in its own transaction
and is committed before the tuner reports the trial, so a process killed at
any moment leaves every finished trial on disk. Trials that were running when
the process died stay ``running`` and are run again on resume.

The standard library's ``sqlite3`` is enough here: the writer is always the
tuner's main process, so there is no need for a server.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from fairbo.exceptions import InvalidArgumentError, StorageError
from fairbo.study import StudyDefinition
from fairbo.trial import Trial, TrialStatus

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_LOCK_RETRIES = 5
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS studies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    number INTEGER NOT NULL,
    config TEXT NOT NULL,
    status TEXT NOT NULL,
    metrics TEXT NOT NULL,
    feasible INTEGER,
    error TEXT,
    traceback TEXT,
    started_at TEXT,
    finished_at TEXT,
    worker TEXT,
    UNIQUE (study_id, number)
);
"""


@dataclass(frozen=True)
class StudySummary:
    """One row of :meth:`SQLiteStorage.list_studies`."""

    name: str
    definition: StudyDefinition
    created_at: datetime
    n_trials: int
    n_completed: int
    n_failed: int


def parse_storage_url(storage: str | Path) -> str:
    """Return the file path of ``storage`` (a path or ``sqlite:///path``)."""
    text = str(storage)
    if text.startswith("sqlite:///"):
        return text[len("sqlite:///") :]
    if "://" in text:
        raise InvalidArgumentError(
            f"storage={text!r} is not supported: pass a file path or "
            "'sqlite:///path/to/file.db'."
        )
    return text


class SQLiteStorage:
    """Studies and trials in one SQLite file (WAL journal mode).

    Parameters
    ----------
    path : str or Path
        A file path, ``"sqlite:///file.db"``, or ``":memory:"`` for a
        database that lives only as long as this object.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = parse_storage_url(path)
        if self.path != ":memory:":
            parent = Path(self.path).parent
            if not parent.exists():
                raise StorageError(
                    f"storage folder {str(parent)!r} does not exist; create it "
                    "or pass another path."
                )
        try:
            # isolation_level=None: transactions are opened explicitly by
            # _transaction, never implicitly by the sqlite3 module.
            self._connection = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None
            )
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA foreign_keys=ON")
            self._create_schema()
        except sqlite3.DatabaseError as err:
            raise StorageError(
                f"cannot open {self.path!r} as a fairbo database: {err}. "
                "Pass the path of a fairbo results file or of a new file."
            ) from err

    def close(self) -> None:
        """Close the connection; the object cannot be used afterwards."""
        self._connection.close()

    def __enter__(self) -> SQLiteStorage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """Run a block in one transaction: commit on success, roll back on
        error, and retry a few times while another process holds the lock."""
        for attempt in range(_LOCK_RETRIES):
            try:
                cursor = self._connection.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or attempt == _LOCK_RETRIES - 1:
                    raise StorageError(
                        f"cannot write to {self.path!r}: {err}. Another "
                        "process may hold the database; retry when it ends."
                    ) from err
                logger.warning("database %s is locked, retrying", self.path)
                time.sleep(0.5 * (attempt + 1))
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    def _create_schema(self) -> None:
        tables = {
            row[0]
            for row in self._connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
        if tables and "meta" not in tables:
            # Adding fairbo's tables would change another program's file.
            raise StorageError(
                f"{self.path!r} is an SQLite database of another program "
                f"(tables {sorted(tables)}), not a fairbo results file; pass "
                "the path of a fairbo results file or of a new file."
            )
        self._connection.executescript(_SCHEMA)
        row = self._connection.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone()
        if row is None:
            with self._transaction() as cursor:
                cursor.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
        elif int(row[0]) != SCHEMA_VERSION:
            raise StorageError(
                f"{self.path!r} has schema version {row[0]}, this fairbo "
                f"reads version {SCHEMA_VERSION}; install the fairbo release "
                "that wrote it to read it."
            )

    # Studies

    def _study_id(self, name: str) -> int | None:
        row = self._connection.execute(
            "SELECT id FROM studies WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else int(row[0])

    def get_or_create_study(self, definition: StudyDefinition) -> bool:
        """Store a new study, or check that a stored one matches.

        Returns
        -------
        bool
            True when the study already existed (a resume).

        Raises
        ------
        StudyMismatchError
            When a study of that name has another definition.
        """
        if self._study_id(definition.name) is not None:
            definition.check_compatible(self.load_definition(definition.name))
            return True
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO studies (name, definition, created_at) VALUES (?, ?, ?)",
                (definition.name, definition.to_json(), _now().isoformat()),
            )
        return False

    def delete_study(self, name: str) -> None:
        """Delete study ``name`` and all of its trials."""
        study_id = self._require_study(name)
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM trials WHERE study_id = ?", (study_id,))
            cursor.execute("DELETE FROM studies WHERE id = ?", (study_id,))

    def load_definition(self, name: str) -> StudyDefinition:
        """Return the stored definition of study ``name``."""
        row = self._connection.execute(
            "SELECT definition FROM studies WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise InvalidArgumentError(
                f"study {name!r} not found in {self.path!r}; stored studies: "
                f"{self.study_names()}."
            )
        return StudyDefinition.from_json(row[0])

    def study_names(self) -> list[str]:
        """Return the names of the stored studies, oldest first."""
        rows = self._connection.execute("SELECT name FROM studies ORDER BY id")
        return [row[0] for row in rows]

    def list_studies(self) -> list[StudySummary]:
        """Return summaries of the stored studies, oldest first."""
        rows = self._connection.execute(
            "SELECT s.name, s.definition, s.created_at, COUNT(t.id), "
            "SUM(t.status = 'completed'), SUM(t.status = 'failed') "
            "FROM studies s LEFT JOIN trials t ON t.study_id = s.id "
            "GROUP BY s.id ORDER BY s.id"
        ).fetchall()
        return [
            StudySummary(
                name=name,
                definition=StudyDefinition.from_json(definition),
                created_at=datetime.fromisoformat(created),
                n_trials=count,
                n_completed=completed or 0,
                n_failed=failed or 0,
            )
            for name, definition, created, count, completed, failed in rows
        ]

    # Trials

    def create_trial(self, study_name: str, config: dict) -> Trial:
        """Store a new running trial with the next free number."""
        study_id = self._require_study(study_name)
        started = _now()
        with self._transaction() as cursor:
            row = cursor.execute(
                "SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study_id = ?",
                (study_id,),
            ).fetchone()
            number = int(row[0])
            cursor.execute(
                "INSERT INTO trials (study_id, number, config, status, metrics, "
                "started_at) VALUES (?, ?, ?, ?, '{}', ?)",
                (
                    study_id,
                    number,
                    _dumps(config),
                    TrialStatus.RUNNING.value,
                    started.isoformat(),
                ),
            )
        return Trial(number=number, config=dict(config), started_at=started)

    def restart_trial(self, study_name: str, trial: Trial) -> None:
        """Mark a re-queued running trial as started now."""
        trial.started_at = _now()
        self._update(study_name, trial)

    def finish_trial(self, study_name: str, trial: Trial) -> None:
        """Store the outcome of a finished trial (committed on return)."""
        if not trial.is_finished:
            raise InvalidArgumentError(
                f"trial {trial.number} is still running; set its status to "
                "completed or failed before storing its outcome."
            )
        self._update(study_name, trial)

    def _update(self, study_name: str, trial: Trial) -> None:
        study_id = self._require_study(study_name)
        with self._transaction() as cursor:
            cursor.execute(
                "UPDATE trials SET status = ?, metrics = ?, feasible = ?, "
                "error = ?, traceback = ?, started_at = ?, finished_at = ?, "
                "worker = ? WHERE study_id = ? AND number = ?",
                (
                    trial.status.value,
                    _dumps(trial.metrics),
                    None if trial.feasible is None else int(trial.feasible),
                    trial.error,
                    trial.traceback,
                    _isoformat(trial.started_at),
                    _isoformat(trial.finished_at),
                    trial.worker,
                    study_id,
                    trial.number,
                ),
            )
            if cursor.rowcount != 1:
                raise StorageError(
                    f"trial {trial.number} of study {study_name!r} is not in "
                    f"{self.path!r}; create it with create_trial first."
                )

    def load_trials(self, study_name: str) -> list[Trial]:
        """Return every trial of a study, ordered by number."""
        study_id = self._require_study(study_name)
        rows = self._connection.execute(
            "SELECT number, config, status, metrics, feasible, error, traceback, "
            "started_at, finished_at, worker FROM trials WHERE study_id = ? "
            "ORDER BY number",
            (study_id,),
        ).fetchall()
        return [_trial_from_row(row) for row in rows]

    def _require_study(self, name: str) -> int:
        study_id = self._study_id(name)
        if study_id is None:
            raise InvalidArgumentError(
                f"study {name!r} not found in {self.path!r}; stored studies: "
                f"{self.study_names()}."
            )
        return study_id


def _trial_from_row(row: tuple) -> Trial:
    number, config, status, metrics, feasible, error, tb, started, finished, worker = (
        row
    )
    return Trial(
        number=number,
        config=json.loads(config),
        status=TrialStatus(status),
        metrics=json.loads(metrics),
        feasible=None if feasible is None else bool(feasible),
        error=error,
        traceback=tb,
        started_at=None if started is None else datetime.fromisoformat(started),
        finished_at=None if finished is None else datetime.fromisoformat(finished),
        worker=worker,
    )


def _dumps(value: dict) -> str:
    return json.dumps(value, default=_to_builtin)


def _to_builtin(value: object) -> object:
    """Convert numpy scalars, which ``json`` cannot encode, to Python ones."""
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"cannot store a value of type {type(value).__name__} as JSON")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _isoformat(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
