"""``fairbo demo``: plain BO against constrained BO on German Credit.

The experiment: a random forest over ``min_samples_split``, ``max_depth``
and ``criterion`` on UCI German Credit, maximising validation accuracy under
``DSP(foreign vs local workers) <= epsilon``. Both searchers get the same
budget, seed and data splits, and their studies share one SQLite file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console

from fairbo import models
from fairbo.cli._errors import CliError
from fairbo.cli._study import StudyRequest, run_study, stored_differences
from fairbo.cli._tables import ChosenModel, comparison_table, group_sizes_table
from fairbo.constraints import Constraint
from fairbo.datasets import load_german_credit
from fairbo.objective import FairnessObjective
from fairbo.result import TuneResult

logger = logging.getLogger(__name__)

METRIC = "accuracy"
CONSTRAINT_METRIC = "dsp"
# Stratified folds on the tuning part; with 5 folds each validation fold
# still contains about 6 of the 29 local workers in the tuning part.
CV_FOLDS = 5
TEST_SIZE = 0.2
DATABASE_NAME = "fairbo.db"
CSV_NAME = "trials.csv"
FIGURE_NAME = "demo.png"


@dataclass(frozen=True)
class DemoStudy:
    """One arm of the comparison."""

    name: str
    searcher: str
    label: str


STUDIES = (
    DemoStudy("plain-bo", "bo", "plain BO"),
    DemoStudy("constrained-bo", "cbo", "constrained BO"),
)


@dataclass
class DemoSettings:
    """Options of ``fairbo demo``."""

    trials: int
    epsilon: float
    seed: int
    out: Path
    workers: int
    show_progress: bool


def build_objective(seed: int) -> FairnessObjective:
    """Build the German Credit objective with a held-out test part (20 %)."""
    bunch = load_german_credit(sensitive="foreign_worker")
    return FairnessObjective(
        "random_forest",
        bunch.data,
        bunch.target,
        bunch.sensitive_features,
        metrics=(METRIC, CONSTRAINT_METRIC),
        cv=CV_FOLDS,
        test_size=TEST_SIZE,
        seed=seed,
    )


def demo_space() -> dict:
    """Return the model zoo's random forest space: three tuned parameters and
    a constant number of trees."""
    return models.get("random_forest").search_space


def resume_command(settings: DemoSettings) -> str:
    """Return the command that resumes an interrupted demo."""
    return (
        f"fairbo demo --out {settings.out} --trials {settings.trials} "
        f"--epsilon {settings.epsilon:g} --seed {settings.seed} "
        f"--workers {settings.workers}"
    )


def run_demo(settings: DemoSettings, out: Console, err: Console) -> list[ChosenModel]:
    """Run both studies, print the tables and write the database, the CSV
    file and the figure into ``settings.out``.

    Raises
    ------
    CliError
        If ``settings.out`` contains demo studies with other settings (another
        epsilon); checked for both studies before any trial runs.
    KeyboardInterrupt
        On Ctrl-C; finished trials stay in the database.
    """
    objective = build_objective(settings.seed)
    requests = [_study_request(study, settings, objective) for study in STUDIES]
    for request in requests:
        _check_stored_study(request)
    settings.out.mkdir(parents=True, exist_ok=True)
    out.print(group_sizes_table(objective.group_sizes))
    results = [
        run_study(
            request,
            err,
            label=f"{study.label:<15}",
            show_progress=settings.show_progress,
        )
        for study, request in zip(STUDIES, requests, strict=True)
    ]
    chosen = [
        ChosenModel(study.label, result, _test_metrics(objective, result))
        for study, result in zip(STUDIES, results, strict=True)
    ]
    out.print(comparison_table(chosen, METRIC, CONSTRAINT_METRIC))
    csv_path = write_trials_csv(results, settings.out / CSV_NAME)
    figure_path = write_figure(chosen, settings.epsilon, settings.out / FIGURE_NAME)
    out.print(f"Database: {settings.out / DATABASE_NAME}")
    out.print(f"Trials:   {csv_path}")
    out.print(f"Figure:   {figure_path}")
    return chosen


def _study_request(
    study: DemoStudy, settings: DemoSettings, objective: FairnessObjective
) -> StudyRequest:
    return StudyRequest(
        objective=objective,
        space=demo_space(),
        metric=METRIC,
        mode="max",
        constraints=[Constraint(CONSTRAINT_METRIC, upper=settings.epsilon)],
        searcher=study.searcher,
        n_trials=settings.trials,
        timeout=None,
        n_workers=settings.workers,
        seed=settings.seed,
        storage=settings.out / DATABASE_NAME,
        study_name=study.name,
    )


def _check_stored_study(request: StudyRequest) -> None:
    differences = stored_differences(request)
    if differences:
        raise CliError(
            f"{request.storage} contains the demo study {request.study_name!r} "
            f"with {' and '.join(differences)}; pass another --out folder or "
            "delete that file."
        )


def _test_metrics(
    objective: FairnessObjective, result: TuneResult
) -> dict[str, float] | None:
    best = result.best_trial
    if best is None:
        return None
    return objective.evaluate_test(best.config)


def write_trials_csv(results: list[TuneResult], path: Path) -> Path:
    """Write every trial of ``results`` to one CSV file with a study column."""
    frames = []
    for result in results:
        frame = result.to_dataframe()
        frame.insert(0, "study", result.study_name)
        frames.append(frame)
    pd.concat(frames, ignore_index=True).to_csv(path, index=False)
    return path


def write_figure(chosen: list[ChosenModel], epsilon: float, path: Path) -> Path:
    """Draw one trade-off panel per searcher, side by side, into ``path``."""
    # Imported here: Matplotlib takes about a second to import.
    from matplotlib.figure import Figure

    from fairbo.plot import plot_tradeoff

    figure = Figure(figsize=(6.0 * len(chosen), 4.8), layout="constrained")
    axes = figure.subplots(1, len(chosen), sharex=True, sharey=True, squeeze=False)
    for ax, entry in zip(axes[0], chosen, strict=True):
        plot_tradeoff(
            entry.result,
            constraint_metric=CONSTRAINT_METRIC,
            ax=ax,
            threshold=epsilon,
            title=entry.label,
        )
        ax.set_xlabel(f"validation {METRIC}")
        ax.set_ylabel(f"validation {CONSTRAINT_METRIC}")
    figure.savefig(path, dpi=120)
    return path
