"""Tests of the ``fairbo`` command line on real SQLite files and CSV data."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import fairbo
from fairbo.cli import app
from fairbo.storage import SQLiteStorage

# Wide enough that rich never wraps a table cell.
runner = CliRunner(env={"COLUMNS": "200"})

DSP_BOUND = 0.3
TOY_TRIALS = 12


def toy_objective(config: dict) -> dict:
    """Accuracy peaks at x = 0.7 but dsp grows with x; fails above 0.85."""
    x = config["x"]
    if x > 0.85:
        raise ValueError(f"x={x} is out of the toy model's range")
    bonus = 0.05 if config["kind"] == "a" else 0.0
    return {"accuracy": 0.9 - (x - 0.7) ** 2 + bonus, "dsp": 0.5 * x}


TOY_SPACE = {
    "x": fairbo.Float(0.0, 1.0),
    "kind": fairbo.Categorical(["a", "b"]),
}


@pytest.fixture(scope="module")
def toy_db(tmp_path_factory) -> Path:
    """A database with a constrained study ("toy") and an unconstrained one."""
    path = tmp_path_factory.mktemp("db") / "toy.db"
    for name, constraints in (("toy", {"dsp": DSP_BOUND}), ("free", None)):
        fairbo.tune(
            toy_objective,
            TOY_SPACE,
            metric="accuracy",
            mode="max",
            constraints=constraints,
            searcher="random",
            n_trials=TOY_TRIALS,
            seed=0,
            storage=path,
            study_name=name,
        )
    return path


def load(path: Path, study: str) -> fairbo.TuneResult:
    with SQLiteStorage(path) as storage:
        return fairbo.TuneResult(
            storage.load_definition(study), storage.load_trials(study)
        )


def write_toy_csv(path: Path, rows: int = 240, seed: int = 1) -> Path:
    rng = random.Random(seed)
    lines = ["age,income,group,label"]
    for _ in range(rows):
        group = rng.choice(["a", "b"])
        age = rng.randint(18, 70)
        income = rng.gauss(50, 10)
        label = int(income + (5 if group == "a" else 0) + rng.gauss(0, 5) > 52)
        lines.append(f"{age},{income:.2f},{group},{label}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def toy_csv(tmp_path) -> Path:
    return write_toy_csv(tmp_path / "toy.csv")


# show


def test_show_lists_studies(toy_db):
    outcome = runner.invoke(app, ["show", str(toy_db)])
    assert outcome.exit_code == 0, outcome.output
    result = load(toy_db, "toy")
    failed = sum(1 for t in result.trials if t.status.value == "failed")
    assert failed > 0
    table_row = next(line for line in outcome.stdout.splitlines() if "│ toy " in line)
    cells = [cell.strip() for cell in table_row.split("│")[1:-1]]
    assert cells[1] == "accuracy (max)"
    assert cells[2] == f"dsp <= {DSP_BOUND}"
    assert cells[3] == "random"
    assert cells[4] == str(TOY_TRIALS)
    assert cells[5] == str(TOY_TRIALS - failed)
    assert cells[6] == str(failed)
    assert cells[7] == str(result.n_feasible)
    best = result.best_trial
    assert cells[8] == f"{best.metrics['accuracy']:.4f} (trial {best.number})"
    assert "│ free " in outcome.stdout


def test_show_study_trials(toy_db):
    outcome = runner.invoke(app, ["show", str(toy_db), "--study", "toy"])
    assert outcome.exit_code == 0, outcome.output
    result = load(toy_db, "toy")
    rows = [line for line in outcome.stdout.splitlines() if line.startswith("│")]
    trial_rows = [r for r in rows if r.split("│")[1].strip().isdigit()]
    numbers = [int(r.split("│")[1]) for r in trial_rows]
    assert numbers == list(range(TOY_TRIALS))
    assert f"Best feasible trial {result.best_trial.number}" in outcome.stdout
    statuses = [r.split("│")[2].strip() for r in trial_rows]
    assert statuses == [t.status.value for t in result.trials]


def test_show_error_column(toy_db):
    from fairbo.cli._tables import ERROR_CELL_WIDTH, one_line

    outcome = runner.invoke(app, ["show", str(toy_db), "--study", "toy"])
    assert outcome.exit_code == 0, outcome.output
    result = load(toy_db, "toy")
    header = next(line for line in outcome.stdout.splitlines() if "status" in line)
    assert header.split("┃")[-2].strip() == "error"
    rows = [line for line in outcome.stdout.splitlines() if line.startswith("│")]
    trial_rows = [r for r in rows if r.split("│")[1].strip().isdigit()]
    for trial, row in zip(result.trials, trial_rows, strict=True):
        cell = row.split("│")[-2].strip()
        if trial.status.value == "failed":
            assert cell == one_line(trial.error, ERROR_CELL_WIDTH)
            assert cell.startswith("ValueError: x=")
        else:
            assert cell == ""


def test_show_error_column_absent(toy_csv, tmp_path):
    db = tmp_path / "ok.db"
    args = csv_run_args(toy_csv, db, "--study", "ok", "--trials", "1")
    assert runner.invoke(app, args).exit_code == 0
    outcome = runner.invoke(app, ["show", str(db), "--study", "ok"])
    assert outcome.exit_code == 0, outcome.output
    header = next(line for line in outcome.stdout.splitlines() if "status" in line)
    assert "error" not in header


ONE_LINE_CASES = [
    # (text, width, expected)
    ("ValueError: bad value.", None, "ValueError: bad value"),
    ("first line\n  second line.\n", None, "first line second line"),
    ("abcdefghij", 6, "abcde…"),
    ("abc", 6, "abc"),
    ("", None, ""),
]


@pytest.mark.parametrize(("text", "width", "expected"), ONE_LINE_CASES)
def test_one_line_text(text, width, expected):
    from fairbo.cli._tables import one_line

    assert one_line(text, width) == expected


def test_show_study_without_feasible(tmp_path):
    path = tmp_path / "none.db"
    fairbo.tune(
        toy_objective,
        TOY_SPACE,
        metric="accuracy",
        constraints={"dsp": -1.0},
        searcher="random",
        n_trials=3,
        seed=0,
        storage=path,
        study_name="hard",
    )
    outcome = runner.invoke(app, ["show", str(path), "--study", "hard"])
    assert outcome.exit_code == 0, outcome.output
    assert "has no feasible trial" in outcome.stdout


# plot


def test_plot_writes_png(toy_db, tmp_path):
    out = tmp_path / "toy.png"
    outcome = runner.invoke(
        app, ["plot", str(toy_db), "--study", "toy", "--out", str(out)]
    )
    assert outcome.exit_code == 0, outcome.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(out) in outcome.stdout


def test_plot_unconstrained_with_metric(toy_db, tmp_path):
    out = tmp_path / "free.png"
    outcome = runner.invoke(
        app,
        [
            "plot",
            str(toy_db),
            "--study",
            "free",
            "--out",
            str(out),
            "--constraint",
            "dsp",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    assert out.stat().st_size > 1000


# run


def csv_run_args(csv: Path, db: Path, *extra: str) -> list[str]:
    """Arguments of a quick ``fairbo run``: logistic regression, random
    search, 2 folds."""
    return [
        "run",
        "--data",
        str(csv),
        "--target",
        "label",
        "--sensitive",
        "group",
        "--model",
        "logistic_regression",
        "--searcher",
        "random",
        "--cv",
        "2",
        "--storage",
        str(db),
        *extra,
    ]


def test_run_csv_and_resume(toy_csv, tmp_path):
    db = tmp_path / "run.db"
    args = csv_run_args(toy_csv, db, "--constraint", "dsp<=0.2", "--study", "csv")
    outcome = runner.invoke(app, [*args, "--trials", "3"])
    assert outcome.exit_code == 0, outcome.output
    first = load(db, "csv")
    assert len(first.trials) == 3
    assert all(t.status.value == "completed" for t in first.trials)
    assert "group" not in first.trials[0].config
    assert "3 trials finished" in outcome.stdout
    assert "run the same command with --resume" in outcome.stdout

    outcome = runner.invoke(app, [*args, "--trials", "5", "--resume"])
    assert outcome.exit_code == 0, outcome.output
    assert "Resuming study 'csv'" in outcome.stderr
    second = load(db, "csv")
    assert [t.number for t in second.trials] == [0, 1, 2, 3, 4]
    assert [t.config for t in second.trials[:3]] == [t.config for t in first.trials]


def test_run_existing_study_needs_resume(toy_csv, tmp_path):
    db = tmp_path / "run.db"
    args = csv_run_args(toy_csv, db, "--study", "csv", "--trials", "2")
    assert runner.invoke(app, args).exit_code == 0
    outcome = runner.invoke(app, [*args[:-1], "4"])
    assert outcome.exit_code == 2, outcome.output
    assert outcome.stderr.strip() == (
        f"Error: study 'csv' already has 2 trials in {db}; add --resume to "
        "continue it, or pass another --study."
    )
    assert len(load(db, "csv").trials) == 2


def test_run_resume_missing_study(toy_csv, toy_db, tmp_path):
    args = csv_run_args(toy_csv, toy_db, "--study", "nope", "--resume")
    outcome = runner.invoke(app, [*args, "--trials", "1"])
    assert outcome.exit_code == 2, outcome.output
    assert "--resume: study 'nope' not found in" in outcome.stderr
    assert "stored studies: toy, free." in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1
    with SQLiteStorage(toy_db) as storage:
        assert storage.study_names() == ["toy", "free"]


def test_run_resume_other_constraint(toy_csv, tmp_path):
    db = tmp_path / "run.db"
    args = csv_run_args(toy_csv, db, "--study", "csv", "--trials", "2")
    assert runner.invoke(app, [*args, "--constraint", "dsp<=0.2"]).exit_code == 0
    outcome = runner.invoke(app, [*args, "--constraint", "dsp<=0.3", "--resume"])
    assert outcome.exit_code == 2, outcome.output
    assert "Resuming" not in outcome.stderr
    assert outcome.stderr.strip().splitlines()[-1] == (
        f"Error: study 'csv' in {db} was created with constraints dsp <= 0.2 "
        "instead of dsp <= 0.3, so these options cannot resume it; pass another "
        "--study, or the options it was created with."
    )


def write_infinite_csv(path: Path) -> Path:
    """The toy CSV with one infinite income: every model fit raises."""
    frame = pd.read_csv(write_toy_csv(path))
    frame.loc[3, "income"] = float("inf")
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("flag", ["--quiet", "--verbose"])
def test_run_all_trials_failed(flag, tmp_path):
    csv = write_infinite_csv(tmp_path / "inf.csv")
    args = csv_run_args(csv, tmp_path / "f.db", "--trials", "2", "--study", "inf")
    outcome = runner.invoke(app, [*args, flag])
    assert outcome.exit_code == 1, outcome.output
    last = outcome.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: all 2 trials of study 'inf' failed; ")
    assert "last error (trial 1): ValueError: Input X contains infinity" in last
    assert "No trial met" not in outcome.output
    assert "2 trials finished: 0 feasible, 2 failed." in outcome.stdout


def test_plot_study_without_completed_trial(tmp_path):
    csv = write_infinite_csv(tmp_path / "inf.csv")
    db = tmp_path / "f.db"
    args = csv_run_args(csv, db, "--trials", "2", "--study", "inf", "--quiet")
    assert runner.invoke(app, args).exit_code == 1
    out = tmp_path / "inf.png"
    outcome = runner.invoke(app, ["plot", str(db), "--study", "inf", "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    outcome = runner.invoke(app, ["show", str(db), "--study", "inf"])
    assert "Study 'inf' has no completed trial." in outcome.stdout


def csv_objective(tmp_path: Path) -> fairbo.FairnessObjective:
    """A real objective without a test part, so that the summary does not
    score the toy studies' configurations on it."""
    frame = pd.read_csv(write_toy_csv(tmp_path / "objective.csv"))
    return fairbo.FairnessObjective(
        "logistic_regression", frame.drop(columns="label"), frame["label"], "group"
    )


@pytest.mark.filterwarnings("ignore::fairbo.exceptions.SmallGroupWarning")
def test_run_summary_counts_failures(toy_db, tmp_path):
    from rich.console import Console

    from fairbo.cli._run import print_run_summary
    from fairbo.cli._tables import one_line

    result = load(toy_db, "toy")
    failed = [t for t in result.trials if t.status.value == "failed"]
    console = Console(record=True, width=300)
    print_run_summary(console, result, csv_objective(tmp_path))
    text = console.export_text()
    assert f"{len(failed)} of {TOY_TRIALS} trials failed; " in text
    assert (
        f"last error (trial {failed[-1].number}): {one_line(failed[-1].error)}\n"
        in text
    )
    assert ".;" not in text
    assert f"Best feasible trial {result.best_trial.number}" in text


@pytest.mark.filterwarnings("ignore::fairbo.exceptions.SmallGroupWarning")
def test_run_summary_no_feasible(tmp_path):
    from rich.console import Console

    from fairbo.cli._run import print_run_summary

    path = tmp_path / "hard.db"
    result = fairbo.tune(
        lambda config: {"accuracy": config["x"], "dsp": 0.5},
        {"x": fairbo.Float(0.0, 1.0)},
        metric="accuracy",
        constraints={"dsp": 0.1},
        searcher="random",
        n_trials=3,
        storage=path,
        study_name="hard",
    )
    console = Console(record=True, width=300)
    print_run_summary(console, result, csv_objective(tmp_path))
    text = console.export_text()
    assert "None of the 3 completed trials met the constraints (dsp <= 0.1)" in text
    assert "failed;" not in text


RESUME_COMMANDS = [
    # (arguments of fairbo run, expected resume command)
    (
        ["run", "--trials", "9"],
        "fairbo run --trials 9 --storage s.db --study st --resume",
    ),
    (
        ["run", "--storage=s.db", "--study", "st", "--resume"],
        "fairbo run --storage=s.db --study st --resume",
    ),
    (
        ["run", "--data", "my file.csv"],
        "fairbo run --data 'my file.csv' --storage s.db --study st --resume",
    ),
]


@pytest.mark.parametrize(("argv", "expected"), RESUME_COMMANDS)
def test_resume_command_text(argv, expected):
    from fairbo.cli._run import resume_command

    assert resume_command(argv, Path("s.db"), "st") == expected


def test_interrupt_message_texts(toy_db, tmp_path):
    from fairbo.cli._run import interrupt_message

    missing = interrupt_message(["run"], tmp_path / "absent.db", "toy")
    assert missing == "Interrupted before the study started; nothing was stored."
    assert not (tmp_path / "absent.db").exists()
    stored = interrupt_message(["run"], toy_db, "toy")
    assert stored.splitlines()[0] == "Interrupted; finished trials are stored."
    assert stored.splitlines()[1].endswith("--study toy --resume")


def test_run_best_trial_has_test_column(toy_csv, tmp_path):
    db = tmp_path / "t.db"
    args = csv_run_args(toy_csv, db, "--trials", "2", "--constraint", "dsp<=1.0")
    outcome = runner.invoke(app, args)
    assert outcome.exit_code == 0, outcome.output
    header = next(line for line in outcome.stdout.splitlines() if "validation" in line)
    assert "test" in header
    result = load(db, "toy-logistic_regression-random")
    assert result.n_feasible == 2
    # The constant-predictor flag reads yes/no, as in the demo's table.
    assert "constant_predictor" not in outcome.stdout
    row = next(line for line in outcome.stdout.splitlines() if "constant" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    flag = result.best_trial.metrics["constant_predictor"]
    assert cells[0] == "constant predictor"
    assert cells[1] == ("yes" if flag == 1.0 else "no")
    assert cells[2] in ("yes", "no")


def test_run_positive_label_text(tmp_path):
    frame = pd.read_csv(write_toy_csv(tmp_path / "raw.csv"))
    frame["label"] = frame["label"].map({1: "good", 0: "bad"})
    path = tmp_path / "text.csv"
    frame.to_csv(path, index=False)
    args = csv_run_args(path, tmp_path / "p.db", "--trials", "1")
    outcome = runner.invoke(app, args)
    assert outcome.exit_code == 2
    assert "--positive-label" in outcome.stderr
    outcome = runner.invoke(app, [*args, "--positive-label", "good"])
    assert outcome.exit_code == 0, outcome.output


@pytest.mark.parametrize(
    ("flag", "shown", "hidden"),
    [
        ("--verbose", ["trial 0 completed", "best feasible"], []),
        (None, ["best feasible", "SmallGroupWarning"], ["trial 0 completed"]),
        ("--quiet", [], ["trial 0 completed", "best feasible", "SmallGroupWarning"]),
    ],
)
def test_run_log_levels(flag, shown, hidden, toy_csv, tmp_path):
    args = csv_run_args(toy_csv, tmp_path / "v.db", "--trials", "1")
    outcome = runner.invoke(app, args + ([flag] if flag else []))
    assert outcome.exit_code == 0, outcome.output
    for fragment in shown:
        assert fragment in outcome.stderr
    for fragment in hidden:
        assert fragment not in outcome.stderr


def test_module_entry_point(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "fairbo.cli", "show", str(tmp_path / "none.db")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert "not found" in completed.stderr


# start-up and Ctrl-C


def test_help_skips_heavy_imports():
    code = (
        "import sys; from fairbo.cli import main; "
        "sys.argv = ['fairbo', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('matplotlib', 'sklearn', 'pandas', 'scipy') "
        "if m in sys.modules]\n"
        "print('heavy:', heavy, file=sys.stderr)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert "Usage" in completed.stdout
    assert "heavy: []" in completed.stderr


def test_help_names_match_registries():
    from fairbo import models
    from fairbo.cli._app import DATASET_NAMES, MODEL_NAMES
    from fairbo.cli._data import EMBEDDED_DATASETS

    assert sorted(MODEL_NAMES) == sorted(models.names())
    assert sorted(DATASET_NAMES) == sorted(EMBEDDED_DATASETS)


def test_interrupt_before_study_in_process(monkeypatch, tmp_path):
    import fairbo.cli._data

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fairbo.cli._data, "load_embedded", interrupted)
    db = tmp_path / "k.db"
    outcome = runner.invoke(app, ["run", "--trials", "1", "--storage", str(db)])
    assert outcome.exit_code == 130
    assert outcome.stderr.strip() == (
        "Interrupted before the study started; nothing was stored."
    )
    assert not db.exists()


def test_interrupt_during_startup(tmp_path):
    db = tmp_path / "k.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "fairbo.cli", "run", "--dataset", "adult"]
        + ["--trials", "1", "--storage", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Early enough to land in an import or in the data loading.
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert stderr.strip().startswith("Interrupted")
    assert not db.exists()


def _bytes_file(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


RUN_ERRORS = [
    # (extra arguments, expected fragment of the one-line error)
    (["--data", "{tmp}/missing.csv"], "not found"),
    (["--target", "nope"], "column 'nope' not found"),
    (["--target", "nope"], "available columns: age, income, group, label"),
    (["--sensitive", "nope"], "--sensitive: column 'nope' not found"),
    (["--target", "group", "--sensitive", "group"], "same column"),
    (["--target", "age"], "--positive-label VALUE"),
    (["--positive-label", "7"], "is not a value of column 'label'"),
    (["--constraint", "dsp<0.05"], "cannot parse 'dsp<0.05'"),
    (["--constraint", "dsp<=abc"], "must be a finite number"),
    (["--constraint", "dsp<=inf"], "must be a finite number"),
    (["--constraint", "fairness<=0.1"], "unknown metric 'fairness'"),
    (["--constraint", "dsp<=0.1", "--constraint", "dsp<=0.2"], "two upper"),
    (["--constraint", "di>=0.9", "--constraint", "di<=0.8"], "lower"),
    (["--metric", "auc"], "--metric: unknown metric 'auc'"),
    (["--model", "svm"], "--model must be one of"),
    (["--searcher", "grid"], "--searcher must be one of"),
    (["--storage", "{tmp}/no/such/dir/x.db"], "does not exist"),
    (["--data", "{binary}"], "cannot read"),
    (["--data", "{empty}"], "is empty"),
    (["--data", "{header}"], "no data rows"),
]


@pytest.mark.parametrize(("extra", "fragment"), RUN_ERRORS)
def test_run_errors(extra, fragment, toy_csv, tmp_path):
    files = {
        "tmp": str(tmp_path),
        "binary": _bytes_file(tmp_path, "bin.csv", b"a,b\n\xff\xfe\xfa,\x80\n"),
        "empty": _bytes_file(tmp_path, "empty.csv", b""),
        "header": _bytes_file(tmp_path, "header.csv", b"a,b,c\n"),
    }
    base = {
        "--data": str(toy_csv),
        "--target": "label",
        "--sensitive": "group",
        "--model": "logistic_regression",
        "--trials": "1",
        "--cv": "2",
        "--storage": str(tmp_path / "e.db"),
    }
    extra = [item.format(**files) for item in extra]
    args = ["run"]
    for option, value in base.items():
        if option not in extra:
            args += [option, value]
    outcome = runner.invoke(app, args + extra)
    assert outcome.exit_code == 2, outcome.output
    assert fragment in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1
    assert "Traceback" not in outcome.output
    # Every input error is reported before the database is created.
    assert not (tmp_path / "e.db").exists()


def test_run_without_target_for_csv(toy_csv):
    outcome = runner.invoke(app, ["run", "--data", str(toy_csv)])
    assert outcome.exit_code == 2
    assert "--data needs --target COLUMN and --sensitive COLUMN" in outcome.stderr


def test_run_unknown_embedded_dataset():
    outcome = runner.invoke(app, ["run", "--dataset", "mnist", "--trials", "1"])
    assert outcome.exit_code == 2
    assert "--dataset must be one of ['adult', 'german_credit']" in outcome.stderr


SHOW_PLOT_ERRORS = [
    (["show", "{tmp}/missing.db"], "not found"),
    (["show", "{text}"], "is not a fairbo results file"),
    (["show", "{notes}"], "is not a fairbo results file"),
    (["show", "{empty}"], "is not a fairbo results file"),
    (["plot", "{notes}", "--study", "x", "--out", "{tmp}/x.png"], "not a fairbo"),
    (["show", "{db}", "--study", "nope"], "study 'nope' not found"),
    (["show", "{db}", "--study", "nope"], "stored studies: ['toy', 'free']"),
    (["plot", "{db}", "--study", "nope", "--out", "{tmp}/x.png"], "not found"),
    (
        [
            "plot",
            "{db}",
            "--study",
            "toy",
            "--out",
            "{tmp}/x.png",
            "--constraint",
            "deo",
        ],
        "metric 'deo' is not in the trials",
    ),
    (["plot", "{db}", "--study", "toy", "--out", "{tmp}/no/x.png"], "does not exist"),
    (["plot", "{db}", "--study", "toy", "--out", "{tmp}/x.nope"], "cannot write"),
]


@pytest.mark.parametrize(("args", "fragment"), SHOW_PLOT_ERRORS)
def test_show_plot_errors(args, fragment, toy_db, tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("this is not a database, only text " * 40)
    notes = tmp_path / "notes.py"
    notes.write_text("print('hello')\n")
    empty = tmp_path / "empty.db"
    empty.touch()
    names = {
        "tmp": str(tmp_path),
        "db": str(toy_db),
        "text": str(text),
        "notes": str(notes),
        "empty": str(empty),
    }
    outcome = runner.invoke(app, [item.format(**names) for item in args])
    assert outcome.exit_code == 2, outcome.output
    assert fragment in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1
    assert "new file" not in outcome.stderr
    # Neither command writes to a file that is not a fairbo database.
    assert notes.read_text() == "print('hello')\n"
    assert empty.stat().st_size == 0


def test_show_missing_file_not_created(tmp_path):
    runner.invoke(app, ["show", str(tmp_path / "absent.db")])
    assert not (tmp_path / "absent.db").exists()


# demo


def test_demo_rejects_other_settings(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    fairbo.tune(
        toy_objective,
        TOY_SPACE,
        metric="accuracy",
        constraints={"dsp": DSP_BOUND},
        searcher="random",
        n_trials=1,
        storage=out / "fairbo.db",
        study_name="plain-bo",
    )
    outcome = runner.invoke(app, ["demo", "--trials", "1", "--out", str(out)])
    assert outcome.exit_code == 2, outcome.output
    expected = (
        f"Error: {out / 'fairbo.db'} contains the demo study 'plain-bo' with a "
        f"different search space and constraints dsp <= {DSP_BOUND} instead of "
        "dsp <= 0.01; pass another --out folder or delete that file."
    )
    # Data warnings may come first; the error is the last line.
    assert outcome.stderr.strip().splitlines()[-1] == expected
    assert outcome.stderr.count("Error:") == 1
    # The check runs before any table or progress bar is printed.
    assert outcome.stdout == ""
    assert len(load(out / "fairbo.db", "plain-bo").trials) == 1


# demo, end to end (slow)


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    out = tmp_path / "demo"
    outcome = runner.invoke(
        app, ["demo", "--trials", "6", "--out", str(out), "--epsilon", "0.05"]
    )
    assert outcome.exit_code == 0, outcome.output

    assert (out / "fairbo.db").is_file()
    assert (out / "demo.png").read_bytes()[:4] == b"\x89PNG"
    trials = pd.read_csv(out / "trials.csv")
    assert trials["study"].value_counts().to_dict() == {
        "plain-bo": 6,
        "constrained-bo": 6,
    }

    text = outcome.stdout
    for fragment in (
        "Group sizes",
        "whole data",
        "37",
        "plain BO",
        "constrained BO",
        "validation accuracy",
        "test dsp",
        "found at trial",
        "feasible trials",
        "constant predictor",
        "test positive rate",
    ):
        assert fragment in text

    # Each searcher's feasible count in the table matches its study.
    row = next(line for line in text.splitlines() if "feasible trials" in line)
    for study in ("plain-bo", "constrained-bo"):
        result = load(out / "fairbo.db", study)
        assert f"{result.n_feasible} of 6" in row

    # The same command with a larger budget extends both studies, no
    # --resume needed for the demo.
    outcome = runner.invoke(
        app, ["demo", "--trials", "7", "--out", str(out), "--epsilon", "0.05"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert "Resuming study 'plain-bo'" in outcome.stderr
    for study in ("plain-bo", "constrained-bo"):
        assert len(load(out / "fairbo.db", study).trials) == 7


# Ctrl-C on a real process (slow)


def _fairbo_script() -> str:
    script = shutil.which("fairbo", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the fairbo console script is not installed")
    return script


def _finished_trials(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM trials WHERE status != 'running'"
            ).fetchone()
    except sqlite3.OperationalError:
        return 0
    return row[0]


def _run_command(db: Path, trials: int, workers: int) -> list[str]:
    return [
        _fairbo_script(),
        "run",
        "--dataset",
        "german_credit",
        "--searcher",
        "random",
        "--trials",
        str(trials),
        "--cv",
        "2",
        "--storage",
        str(db),
        "--study",
        "sigint",
        "--workers",
        str(workers),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_run_interrupt_and_resume(workers, tmp_path):
    db = tmp_path / "int.db"
    process = subprocess.Popen(
        _run_command(db, 500, workers),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    deadline = time.monotonic() + 120
    while _finished_trials(db) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "To resume, run: fairbo run" in stderr
    hint = stderr.split("To resume, run:")[1]
    assert "--study sigint" in hint
    assert hint.strip().endswith("--resume")
    assert "Traceback" not in stderr

    result = load(db, "sigint")
    statuses = {t.status.value for t in result.trials}
    assert statuses <= {"completed", "failed", "running"}
    finished = {t.number: t for t in result.trials if t.is_finished}
    assert len(finished) >= 3
    assert all(t.metrics and t.finished_at is not None for t in finished.values())
    running = [t for t in result.trials if not t.is_finished]
    assert all(t.finished_at is None for t in running)

    # Resuming reaches the study's total and re-runs the interrupted trial.
    total = len(result.trials) + 1
    completed = subprocess.run(
        [*_run_command(db, total, workers), "--resume"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    resumed = load(db, "sigint")
    assert len(resumed.trials) == total
    assert all(t.is_finished for t in resumed.trials)
    for trial in resumed.trials:
        if trial.number in finished:
            assert trial.config == finished[trial.number].config
            assert trial.metrics == finished[trial.number].metrics


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.70125, "0.7013"),
        (1.0, "1.0"),
        (0.0, "0.0"),
        (0.00012345, "0.000123"),
        (float("nan"), "nan"),
        (5, "5"),
        ("gini", "gini"),
        (None, "None"),
        (True, "True"),
    ],
)
def test_format_value_cells(value, text):
    from fairbo.cli._tables import format_value

    assert format_value(value) == text
