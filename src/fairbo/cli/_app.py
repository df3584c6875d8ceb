"""Typer application: the ``demo``, ``run``, ``show`` and ``plot`` commands.

Commands print tables on standard output, and the progress bar, log
records and errors on standard error. Bad input ends the process with a
one-line error and exit code 2, a failed study with code 1, and Ctrl-C with
code 130 after saying how to resume.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairbo import models, searchers
from fairbo.cli import _demo
from fairbo.cli._data import EMBEDDED_DATASETS, load_csv, load_embedded
from fairbo.cli._errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliError,
    require_parent_folder,
)
from fairbo.cli._figures import write_study_figure
from fairbo.cli._logging import logging_to, verbosity_level
from fairbo.cli._parse import check_metric, metric_mode, parse_constraints
from fairbo.cli._study import StudyRequest, run_study
from fairbo.cli._tables import (
    describe_best,
    format_constraints,
    studies_table,
    trial_detail_table,
    trials_table,
)
from fairbo.exceptions import (
    FairboError,
    StorageError,
    StudyMismatchError,
    TooManyFailuresError,
)
from fairbo.objective import FairnessObjective
from fairbo.result import TuneResult
from fairbo.storage import SQLiteStorage
from fairbo.trial import TrialStatus

app = typer.Typer(
    name="fairbo",
    help=(
        "Tune hyperparameters for accuracy under fairness constraints, by "
        "constrained Bayesian optimisation."
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

DEFAULT_TRIALS = 50
DEFAULT_CONSTRAINT = "dsp<=0.05"

Verbose = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="Log one INFO line per trial."),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="Hide the progress bar and everything but errors."
    ),
]


def main() -> None:
    """Entry point of the ``fairbo`` console script."""
    app()


@contextlib.contextmanager
def _handle_errors(resume_hint: str | None = None) -> Iterator[None]:
    """Turn errors into a one-line message and an exit code.

    Input errors (fairbo's ValueError and TypeError subclasses, unreadable
    databases) exit with 2, a study stopped by failures with 1, and Ctrl-C
    with 130 after printing ``resume_hint``.
    """
    try:
        yield
    except CliError as err:
        _fail(str(err), err.exit_code)
    except TooManyFailuresError as err:
        _fail(str(err), EXIT_FAILURE)
    except FairboError as err:
        # A StorageError here means a path that is not a usable database.
        usage = (ValueError, TypeError, StorageError)
        code = EXIT_USAGE if isinstance(err, usage) else EXIT_FAILURE
        _fail(" ".join(str(err).split()), code)
    except KeyboardInterrupt:
        typer.echo("\nInterrupted; finished trials are stored.", err=True)
        if resume_hint:
            typer.echo(f"To resume, run: {resume_hint}", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _fail(message: str, code: int) -> None:
    # typer.echo, not rich: rich would wrap a long message over several lines.
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


# Width of tables written to a file or pipe, where rich would otherwise use
# 80 columns and cut the cells of wide tables.
_PIPE_WIDTH = 160


def _consoles() -> tuple[Console, Console]:
    """Create consoles for standard output and standard error. Plain text is
    neither wrapped nor parsed for markup, so paths and names print unchanged.
    """
    options = {"soft_wrap": True, "markup": False, "highlight": False}
    out = Console(**options)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out.width = _PIPE_WIDTH
    return out, Console(stderr=True, **options)


# demo


@app.command()
def demo(
    trials: Annotated[
        int, typer.Option(min=1, help="Trials per searcher (both get the same).")
    ] = DEFAULT_TRIALS,
    epsilon: Annotated[
        float,
        typer.Option(
            min=0.0, help="Largest allowed DSP between foreign and local workers."
        ),
    ] = 0.01,
    seed: Annotated[int, typer.Option(help="Seed of searchers and data splits.")] = 0,
    out: Annotated[
        Path, typer.Option(help="Folder for fairbo.db, trials.csv and demo.png.")
    ] = Path("fairbo-demo"),
    workers: Annotated[
        int, typer.Option(min=1, help="Trials evaluated at once (processes).")
    ] = 1,
    verbose: Verbose = False,
    quiet: Quiet = False,
) -> None:
    """Compare plain and constrained BO on UCI German Credit.

    A random forest (100 trees) is tuned over min_samples_split, max_depth
    and criterion for validation accuracy, under DSP(foreign vs local
    workers) <= epsilon. 20 % of the rows, stratified by label and group,
    are held out as a test part that the optimiser never uses; validation
    uses 5-fold stratified cross-validation on the rest. Both searchers use
    the same budget, seed and splits. Running the same command again
    resumes (or reuses) the stored studies.
    """
    out_console, err_console = _consoles()
    settings = _demo.DemoSettings(
        trials=trials,
        epsilon=epsilon,
        seed=seed,
        out=out,
        workers=workers,
        show_progress=not quiet,
    )
    with (
        logging_to(err_console, verbosity_level(verbose, quiet)),
        _handle_errors(_demo.resume_command(settings)),
    ):
        try:
            _demo.run_demo(settings, out_console, err_console)
        except StudyMismatchError as err:
            raise CliError(
                f"{out / _demo.DATABASE_NAME} contains demo studies run with other "
                f"settings ({' '.join(str(err).split())}); pass another --out "
                "folder or delete that file."
            ) from err


# run


@app.command()
def run(
    dataset: Annotated[
        str,
        typer.Option(
            help=f"Embedded data set: {', '.join(EMBEDDED_DATASETS)}. "
            "Unused with --data."
        ),
    ] = "german_credit",
    data: Annotated[
        Path | None,
        typer.Option(help="Your own CSV file (header row, comma-separated)."),
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="Label column of the CSV file.")
    ] = None,
    sensitive: Annotated[
        str | None,
        typer.Option(
            help="Sensitive column of the CSV file (not a model input), or the "
            "attribute of an embedded data set (default: its loader's)."
        ),
    ] = None,
    positive_label: Annotated[
        str | None,
        typer.Option(
            help="Target value of the favourable outcome; the other values are "
            "negative. Needed unless the target is 0/1 or False/True."
        ),
    ] = None,
    model: Annotated[
        str, typer.Option(help=f"Model: {', '.join(models.names())}.")
    ] = "random_forest",
    metric: Annotated[
        str, typer.Option(help="Objective metric, computed on validation folds.")
    ] = "accuracy",
    constraint: Annotated[
        list[str] | None,
        typer.Option(
            help="METRIC<=BOUND or METRIC>=BOUND; repeat for several "
            f"(default: {DEFAULT_CONSTRAINT})."
        ),
    ] = None,
    searcher: Annotated[
        str, typer.Option(help="cbo (constrained BO), bo (plain BO) or random.")
    ] = "cbo",
    trials: Annotated[
        int | None,
        typer.Option(
            min=0,
            help=f"Total trials of the study, earlier sessions included "
            f"(default: {DEFAULT_TRIALS}, or no limit with --timeout).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(min=0.0, help="Seconds after which no new trial starts."),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Trials evaluated at once (processes).")
    ] = 1,
    storage: Annotated[Path, typer.Option(help="SQLite file of the results.")] = Path(
        "fairbo.db"
    ),
    study: Annotated[
        str | None,
        typer.Option(
            help="Study name (default: DATASET-MODEL-SEARCHER). An existing "
            "study of that name is resumed.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of searcher and splits.")] = 0,
    cv: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    test_size: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=0.9,
            help="Fraction held out as a test part (stratified by label and "
            "group) for the chosen model; 0 for none.",
        ),
    ] = 0.2,
    verbose: Verbose = False,
    quiet: Quiet = False,
) -> None:
    """Tune a model zoo entry on an embedded data set or your CSV file.

    Running the same command again resumes the study (same --storage and
    --study); --trials counts the study's total.
    """
    out_console, err_console = _consoles()
    with logging_to(err_console, verbosity_level(verbose, quiet)), _handle_errors():
        constraints = parse_constraints(constraint or [DEFAULT_CONSTRAINT])
        _check_choice(model, models.names(), "--model")
        _check_choice(searcher, searchers.searcher_names(), "--searcher")
        check_metric(metric, "--metric")
        require_parent_folder(storage, "--storage")
        if data is not None:
            loaded = load_csv(data, target, sensitive, positive_label)
        else:
            loaded = load_embedded(dataset, sensitive)
        metric_names = list(dict.fromkeys([metric, *(c.metric for c in constraints)]))
        objective = FairnessObjective(
            model,
            loaded.X,
            loaded.y,
            loaded.sensitive,
            metrics=metric_names,
            cv=cv,
            test_size=test_size or None,
            seed=seed,
        )
        study_name = study or f"{loaded.name}-{model}-{searcher}"
        request = StudyRequest(
            objective=objective,
            space=objective.search_space,
            metric=metric,
            mode=metric_mode(metric),
            constraints=constraints,
            searcher=searcher,
            n_trials=DEFAULT_TRIALS if trials is None and timeout is None else trials,
            timeout=timeout,
            n_workers=workers,
            seed=seed,
            storage=storage,
            study_name=study_name,
        )
    hint = _run_resume_hint(storage, study_name)
    with logging_to(err_console, verbosity_level(verbose, quiet)), _handle_errors(hint):
        result = run_study(
            request, err_console, label=study_name, show_progress=not quiet
        )
        _print_run_summary(out_console, result, objective)
        out_console.print(
            f"Study {study_name!r} is stored in {storage}. To resume or extend "
            f"it, run the same command again (--storage {storage} "
            f"--study {study_name})."
        )


def _check_choice(value: str, choices: list[str], option: str) -> None:
    if value not in choices:
        raise CliError(f"{option} must be one of {choices}, got {value!r}.")


def _run_resume_hint(storage: Path, study_name: str) -> str:
    """Build the command line that resumes an interrupted ``fairbo run``."""
    args = sys.argv[1:]
    for option, value in (("--storage", str(storage)), ("--study", study_name)):
        if not any(a == option or a.startswith(f"{option}=") for a in args):
            args += [option, value]
    return shlex.join(["fairbo", *args])


def _print_run_summary(
    console: Console, result: TuneResult, objective: FairnessObjective
) -> None:
    finished = [t for t in result.trials if t.is_finished]
    failed = sum(1 for t in finished if t.status is TrialStatus.FAILED)
    console.print(
        f"{len(finished)} trials finished: {result.n_feasible} feasible, "
        f"{failed} failed. Best feasible: {describe_best(result)}."
    )
    best = result.best_trial
    if best is None:
        console.print(
            f"No trial met the constraints ({format_constraints(result)}); "
            "relax them or run more trials."
        )
        return
    test = objective.evaluate_test(best.config) if objective.test_size else None
    console.print(trial_detail_table(best, f"Best feasible trial {best.number}", test))


# show and plot


Database = Annotated[Path, typer.Argument(help="SQLite file written by fairbo.")]


def _open_existing(database: Path) -> SQLiteStorage:
    # SQLiteStorage creates missing files, which a read-only command must not.
    if not database.is_file():
        raise CliError(f"database {str(database)!r} not found; pass a fairbo .db file.")
    return SQLiteStorage(database)


@app.command()
def show(
    database: Database,
    study: Annotated[str | None, typer.Option(help="Show this study's trials.")] = None,
) -> None:
    """List the studies of DATABASE, or one study's trials and best trial."""
    out_console, _ = _consoles()
    with _handle_errors():
        with _open_existing(database) as storage:
            if study is None:
                summaries = storage.list_studies()
                results = [
                    TuneResult(s.definition, storage.load_trials(s.name))
                    for s in summaries
                ]
            else:
                result = TuneResult(
                    storage.load_definition(study), storage.load_trials(study)
                )
        if study is None:
            if not summaries:
                out_console.print(f"{database} contains no study.")
                return
            out_console.print(studies_table(summaries, results))
            return
        out_console.print(trials_table(result))
        best = result.best_trial
        if best is None:
            out_console.print(f"Study {study!r} has no feasible trial.")
        else:
            out_console.print(
                trial_detail_table(best, f"Best feasible trial {best.number}")
            )


@app.command()
def plot(
    database: Database,
    study: Annotated[str, typer.Option(help="Study to draw.")],
    out: Annotated[
        Path, typer.Option(help="Image file; the suffix sets the format (.png).")
    ],
    constraint: Annotated[
        str | None,
        typer.Option(
            help="Metric on the trade-off panel's y axis (default: the "
            "study's first constraint).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Draw a study's accuracy/fairness trade-off and its history."""
    out_console, _ = _consoles()
    with _handle_errors():
        with _open_existing(database) as storage:
            result = TuneResult(
                storage.load_definition(study), storage.load_trials(study)
            )
        path = write_study_figure(result, out, constraint)
        out_console.print(f"Figure: {path}")
