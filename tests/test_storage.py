"""SQLite storage: studies and trials survive reopening the file."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

import fairbo
from fairbo.constraints import Constraint
from fairbo.exceptions import StorageError, StudyMismatchError
from fairbo.space import SearchSpace
from fairbo.storage import SQLiteStorage
from fairbo.study import StudyDefinition
from fairbo.trial import TrialStatus


def make_definition(name="s", metric="loss", bound=0.5):
    space = SearchSpace(
        {
            "x": fairbo.Float(0.0, 1.0),
            "kind": fairbo.Categorical(["a", "b"]),
            "fixed": 3,
        }
    )
    return StudyDefinition(
        name=name,
        space=space,
        metric=metric,
        mode="min",
        constraints=[Constraint("cost", upper=bound)],
        searcher="cbo",
        seed=1,
    )


def test_trials_survive_reopening(tmp_path):
    path = tmp_path / "runs.db"
    with SQLiteStorage(path) as storage:
        assert storage.get_or_create_study(make_definition()) is False
        first = storage.create_trial("s", {"x": 0.2, "kind": "a", "fixed": 3})
        second = storage.create_trial("s", {"x": np.float64(0.7), "kind": "b"})
        first.status = TrialStatus.COMPLETED
        first.metrics = {"loss": 0.01, "cost": float("nan")}
        first.feasible = False
        first.finished_at = first.started_at
        storage.finish_trial("s", first)

    with SQLiteStorage(f"sqlite:///{path}") as storage:
        assert storage.get_or_create_study(make_definition()) is True
        trials = storage.load_trials("s")
    assert [t.number for t in trials] == [0, 1]
    assert trials[0].status is TrialStatus.COMPLETED
    assert trials[0].metrics["loss"] == 0.01
    assert np.isnan(trials[0].metrics["cost"])
    assert trials[0].feasible is False
    assert trials[0].duration == 0.0
    assert trials[1].status is TrialStatus.RUNNING
    assert trials[1].config == {"x": 0.7, "kind": "b"}
    assert second.number == 1


def test_database_uses_wal_journal(tmp_path):
    path = tmp_path / "runs.db"
    SQLiteStorage(path).close()
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_definition_round_trip(tmp_path):
    with SQLiteStorage(tmp_path / "runs.db") as storage:
        storage.get_or_create_study(make_definition())
        loaded = storage.load_definition("s")
    assert loaded.space == make_definition().space
    assert loaded.constraints[0].to_json() == Constraint("cost", upper=0.5).to_json()
    assert loaded.seed == 1


@pytest.mark.parametrize(
    ("changed", "fragment"),
    [
        (make_definition(metric="accuracy"), "metric='loss'"),
        (make_definition(bound=0.1), "constraints="),
    ],
)
def test_mismatched_study_is_rejected(tmp_path, changed, fragment):
    with SQLiteStorage(tmp_path / "runs.db") as storage:
        storage.get_or_create_study(make_definition())
        with pytest.raises(StudyMismatchError, match=fragment):
            storage.get_or_create_study(changed)


def test_changed_space_is_rejected(tmp_path):
    definition = make_definition()
    other = make_definition()
    other.space = SearchSpace({"x": fairbo.Float(0.0, 2.0)})
    with SQLiteStorage(tmp_path / "runs.db") as storage:
        storage.get_or_create_study(definition)
        with pytest.raises(StudyMismatchError, match="space"):
            storage.get_or_create_study(other)


def test_list_studies_counts_trials(tmp_path):
    with SQLiteStorage(tmp_path / "runs.db") as storage:
        storage.get_or_create_study(make_definition("a"))
        storage.get_or_create_study(make_definition("b"))
        trial = storage.create_trial("a", {"x": 0.1})
        trial.status = TrialStatus.FAILED
        trial.error = "ValueError: bad"
        storage.finish_trial("a", trial)
        storage.create_trial("a", {"x": 0.2})
        summaries = storage.list_studies()
    assert [s.name for s in summaries] == ["a", "b"]
    assert summaries[0].n_trials == 2
    assert summaries[0].n_failed == 1
    assert summaries[0].n_completed == 0
    assert summaries[1].n_trials == 0


def test_unknown_study_names_the_stored_ones(tmp_path):
    with SQLiteStorage(tmp_path / "runs.db") as storage:
        storage.get_or_create_study(make_definition("a"))
        with pytest.raises(fairbo.exceptions.InvalidArgumentError, match="'a'"):
            storage.load_trials("missing")


def test_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("these are not SQLite pages\n" * 100)
    with pytest.raises(StorageError, match="notes.txt"):
        SQLiteStorage(path)


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(StorageError, match="does not exist"):
        SQLiteStorage(tmp_path / "missing" / "runs.db")


def test_other_url_scheme_is_rejected():
    with pytest.raises(fairbo.exceptions.InvalidArgumentError, match="sqlite:///"):
        SQLiteStorage("postgresql://localhost/runs")


def test_newer_schema_is_rejected(tmp_path):
    path = tmp_path / "runs.db"
    SQLiteStorage(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StorageError, match="schema version 99"):
        SQLiteStorage(path)


def test_running_trial_cannot_be_finished(tmp_path):
    with SQLiteStorage(tmp_path / "runs.db") as storage:
        storage.get_or_create_study(make_definition())
        trial = storage.create_trial("s", {"x": 0.1})
        with pytest.raises(fairbo.exceptions.InvalidArgumentError, match="running"):
            storage.finish_trial("s", trial)
        assert storage.load_trials("s")[0].status is TrialStatus.RUNNING


def test_other_programs_database_is_left_alone(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    with pytest.raises(StorageError, match="another program"):
        SQLiteStorage(path)
    with sqlite3.connect(path) as connection:
        tables = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        ).fetchall()
    assert tables == [("customers",)]
