"""The figure of ``fairbo plot``: trade-off and history side by side."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from fairbo.cli._errors import CliError, require_parent_folder
from fairbo.plot import plot_history, plot_tradeoff
from fairbo.result import TuneResult


def write_study_figure(
    result: TuneResult, path: Path, constraint_metric: str | None
) -> Path:
    """Draw the trade-off panel (when a constraint metric is known) and the
    history panel of ``result`` into ``path``.

    Raises
    ------
    CliError
        If the folder of ``path`` does not exist, the suffix is not an image
        format Matplotlib writes, or the metric is not in any trial.
    """
    require_parent_folder(path, "--out")
    if constraint_metric is not None:
        _check_metric_present(result, constraint_metric)
    elif result.definition.constraints:
        constraint_metric = result.definition.constraints[0].metric
    panels = 2 if constraint_metric is not None else 1
    figure = Figure(figsize=(6.0 * panels, 4.8), layout="constrained")
    axes = figure.subplots(1, panels, squeeze=False)[0]
    if constraint_metric is not None:
        plot_tradeoff(result, constraint_metric=constraint_metric, ax=axes[0])
    plot_history(result, ax=axes[-1])
    try:
        figure.savefig(path, dpi=120)
    except ValueError as err:
        raise CliError(f"--out: cannot write {str(path)!r}: {err}") from err
    return path


def _check_metric_present(result: TuneResult, metric: str) -> None:
    names = sorted({name for trial in result.trials for name in trial.metrics})
    if metric not in names:
        raise CliError(
            f"--constraint: metric {metric!r} is not in the trials of study "
            f"{result.study_name!r}; stored metrics: {', '.join(names) or 'none'}."
        )
