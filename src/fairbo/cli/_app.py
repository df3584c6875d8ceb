"""Typer application: the ``demo``, ``run``, ``show`` and ``plot`` commands.

Commands print tables on standard output, and the progress bar, log
records and errors on standard error. Bad input ends the process with a
one-line error and exit code 2, a failed study with code 1, and Ctrl-C with
code 130 after saying how to resume.

This module imports only Typer, rich and the standard library; each command
imports what it needs (scikit-learn, pandas, Matplotlib), so that ``fairbo
--help`` starts in a fraction of a second. The imports sit inside
``_handle_errors`` so that Ctrl-C during them ends with one line.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairbo.cli._errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliError,
    require_parent_folder,
)
from fairbo.cli._logging import logging_to, verbosity_level
from fairbo.exceptions import FairboError, StorageError, TooManyFailuresError

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
# Names for the help texts, written out because importing fairbo.models
# (scikit-learn) would slow down --help. A test keeps them equal to
# fairbo.models.names() and to the embedded data sets of fairbo.cli._data.
MODEL_NAMES = ("random_forest", "xgboost", "mlp", "logistic_regression")
DATASET_NAMES = ("german_credit", "adult")

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


_NOT_STARTED = "Interrupted before the study started; nothing was stored."


@contextlib.contextmanager
def _handle_errors(
    interrupt_message: Callable[[], str] = lambda: "Interrupted.",
) -> Iterator[None]:
    """Turn errors into a one-line message and an exit code.

    Input errors (fairbo's ValueError and TypeError subclasses, unreadable
    databases) exit with 2, a study stopped by failures with 1, and Ctrl-C
    with 130 after printing ``interrupt_message()``.
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
        # The leading newline ends the line on which the terminal echoed ^C.
        typer.echo(f"\n{interrupt_message()}", err=True)
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
    settings = None

    def interrupted() -> str:
        if settings is None or not (settings.out / _demo.DATABASE_NAME).exists():
            return _NOT_STARTED
        return (
            "Interrupted; finished trials are stored.\n"
            f"To resume, run: {_demo.resume_command(settings)}"
        )

    with (
        logging_to(err_console, verbosity_level(verbose, quiet)),
        _handle_errors(interrupted),
    ):
        from fairbo.cli import _demo

        settings = _demo.DemoSettings(
            trials=trials,
            epsilon=epsilon,
            seed=seed,
            out=out,
            workers=workers,
            show_progress=not quiet,
        )
        _demo.run_demo(settings, out_console, err_console)


# run


@app.command()
def run(
    dataset: Annotated[
        str,
        typer.Option(
            help=f"Embedded data set: {', '.join(DATASET_NAMES)}. Unused with --data."
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
        str, typer.Option(help=f"Model: {', '.join(MODEL_NAMES)}.")
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
            help="Study name (default: DATASET-MODEL-SEARCHER). A study that "
            "already has trials is only continued with --resume.",
            show_default=False,
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the stored study of that name (same --storage and "
            "--study) up to --trials in total; it must exist.",
        ),
    ] = False,
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

    To continue a stored study, run the same command with --resume and a
    larger --trials, which counts the study's total.
    """
    out_console, err_console = _consoles()
    level = verbosity_level(verbose, quiet)
    with logging_to(err_console, level), _handle_errors(lambda: _NOT_STARTED):
        from fairbo import models, searchers
        from fairbo.cli._data import load_csv, load_embedded
        from fairbo.cli._parse import check_metric, metric_mode, parse_constraints
        from fairbo.cli._run import check_resume, interrupt_message, print_run_summary
        from fairbo.cli._study import StudyRequest, run_study
        from fairbo.cli._tables import one_line
        from fairbo.objective import FairnessObjective

        constraints = parse_constraints(constraint or [DEFAULT_CONSTRAINT])
        _check_choice(model, models.names(), "--model")
        _check_choice(searcher, searchers.searcher_names(), "--searcher")
        check_metric(metric, "--metric")
        require_parent_folder(storage, "--storage")
        if data is not None:
            loaded = load_csv(data, target, sensitive, positive_label)
        else:
            loaded = load_embedded(dataset, sensitive)
        study_name = study or f"{loaded.name}-{model}-{searcher}"
        check_resume(storage, study_name, resume)
        metric_names = list(dict.fromkeys([metric, *(c.metric for c in constraints)]))
        try:
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
        except ImportError as err:
            # A model whose optional package is missing (xgboost).
            raise CliError(f"--model {model}: {one_line(str(err))}.") from err
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
    argv = sys.argv[1:]
    with (
        logging_to(err_console, level),
        _handle_errors(lambda: interrupt_message(argv, storage, study_name)),
    ):
        result = run_study(
            request, err_console, label=study_name, show_progress=not quiet
        )
        print_run_summary(out_console, result, objective)
        out_console.print(
            f"Study {study_name!r} is stored in {storage}. To extend it, run the "
            "same command with --resume and a larger --trials."
        )


def _check_choice(value: str, choices: list[str], option: str) -> None:
    if value not in choices:
        raise CliError(f"{option} must be one of {choices}, got {value!r}.")


# show and plot


Database = Annotated[Path, typer.Argument(help="SQLite file written by fairbo.")]


@app.command()
def show(
    database: Database,
    study: Annotated[str | None, typer.Option(help="Show this study's trials.")] = None,
) -> None:
    """List the studies of DATABASE, or one study's trials and best trial."""
    out_console, _ = _consoles()
    with _handle_errors():
        from fairbo.cli._database import open_results
        from fairbo.cli._tables import studies_table, trial_detail_table, trials_table
        from fairbo.result import TuneResult
        from fairbo.trial import TrialStatus

        with open_results(database) as storage:
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
        if not any(t.status is TrialStatus.COMPLETED for t in result.trials):
            out_console.print(f"Study {study!r} has no completed trial.")
        elif best is None:
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
        from fairbo.cli._database import open_results
        from fairbo.cli._figures import write_study_figure
        from fairbo.result import TuneResult

        with open_results(database) as storage:
            result = TuneResult(
                storage.load_definition(study), storage.load_trials(study)
            )
        path = write_study_figure(result, out, constraint)
        out_console.print(f"Figure: {path}")
