"""Figures of a tuning study: the accuracy/fairness trade-off and the history.

Both functions draw on a Matplotlib ``Axes`` (a new figure when none is
given) and return it. They never call ``plt.show``, so they work with any
backend, including ``Agg`` on machines without a display.

Artists carry a ``gid`` (``"feasible"``, ``"infeasible"``, ``"failed"``,
``"threshold"``, ``"chosen"``, ``"best-so-far"``, ``"empty-note"``) so that
callers and tests can find them with ``ax.findobj``. Trial numbers are
integers, so their axes and colour bars only have integer ticks.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from fairbo.constraints import Constraint
from fairbo.exceptions import InvalidArgumentError
from fairbo.result import is_better
from fairbo.trial import Trial, TrialStatus, metric_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.legend import Legend

    from fairbo.result import TuneResult

__all__ = ["plot_tradeoff", "plot_history", "trial_colormap"]

logger = logging.getLogger(__name__)

# The lightest 30% of "Blues" is nearly white and would hide the first trials.
_LIGHTEST_SHADE = 0.3
_CHOSEN_COLOR = "tab:red"
_THRESHOLD_COLOR = "tab:orange"
_LEGEND_GREY = "0.45"


def trial_colormap(name: str = "Blues") -> ListedColormap:
    """Return a sequential colormap without its lightest part.

    Parameters
    ----------
    name : str, default "Blues"
        A Matplotlib sequential colormap that darkens from 0 to 1.

    Returns
    -------
    matplotlib.colors.ListedColormap
        The colours from ``_LIGHTEST_SHADE`` to 1 of ``name``, so that trial 0
        stays visible on a white background.
    """
    base = colormaps[name]
    return ListedColormap(
        base(np.linspace(_LIGHTEST_SHADE, 1.0, 256)), name=f"{name}_trials"
    )


@dataclass
class _Point:
    number: int
    objective: float
    constraint: float
    feasible: bool


def plot_tradeoff(
    result: TuneResult,
    constraint_metric: str | None = None,
    ax: Axes | None = None,
    *,
    threshold: float | None = None,
    highlight: Trial | int | bool | None = None,
    cmap: str = "Blues",
    colorbar: bool = True,
    title: str | None = None,
) -> Axes:
    """Scatter the objective (x) against a constraint metric (y), per trial.

    One point per completed trial whose two values are finite, coloured by
    trial number (darker for later trials). Feasible trials (every
    constraint of the study met, not only the one on the y axis) are filled
    circles and infeasible ones crosses. A dashed horizontal line marks the
    constraint bound, and a red ring marks the chosen trial. When the study
    has several constraints, the title's second line names the one on the
    y axis. Without a point to draw, the axes show a note instead of points
    and no colour bar.

    Parameters
    ----------
    result : TuneResult
        The study to draw.
    constraint_metric : str, optional
        Metric on the y axis. Defaults to the metric of the study's first
        constraint.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    threshold : float, optional
        Height of the bound line. Defaults to the bounds of the study's
        constraint on ``constraint_metric`` (one line for each bound it has),
        and no line when the study has no such constraint.
    highlight : Trial, int, bool or None, optional
        The trial to ring: a ``Trial``, a trial number, ``None`` for the best
        feasible trial (``result.best_trial``) or ``False`` for none.
    cmap : str, default "Blues"
        Sequential colormap of the trial numbers.
    colorbar : bool, default True
        Whether to add a colorbar of trial numbers next to ``ax`` (never
        when no point is drawn).
    title : str, optional
        Axes title; defaults to the study name.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidArgumentError
        If ``constraint_metric`` is omitted and the study has no
        constraint, or if ``highlight`` names a trial not in the result.

    Examples
    --------
    >>> ax = result.plot_tradeoff()  # doctest: +SKIP
    >>> ax.figure.savefig("tradeoff.png")  # doctest: +SKIP
    """
    ax = _new_axes_if_none(ax)
    metric = result.definition.metric
    y_metric = _constraint_metric(result, constraint_metric)
    points = _tradeoff_points(result, y_metric)
    colormap = trial_colormap(cmap)
    norm = _trial_norm(result)

    _scatter_points(ax, points, colormap, norm, len(result.definition.constraints))
    for bound in _threshold_values(result, y_metric, threshold):
        ax.axhline(
            bound,
            color=_THRESHOLD_COLOR,
            linestyle="--",
            linewidth=1.2,
            label=f"bound {y_metric} = {bound:g}",
            gid="threshold",
        )
    chosen = _resolve_highlight(result, highlight)
    if chosen is not None:
        _ring_chosen(ax, chosen, metric, y_metric)

    if colorbar and points:
        mappable = ScalarMappable(norm=norm, cmap=colormap)
        ax.figure.colorbar(
            mappable,
            ax=ax,
            label="trial number",
            ticks=MaxNLocator(integer=True),
        )
    ax.set_xlabel(metric)
    ax.set_ylabel(y_metric)
    ax.set_title(_tradeoff_title(result, y_metric, title))
    if points:
        _note_hidden_trials(ax, result, len(points))
    else:
        _note_empty(ax, _empty_tradeoff_text(result, metric, y_metric))
    if ax.get_legend_handles_labels()[0]:
        legend = ax.legend(loc="best", fontsize="small")
        _neutral_marker_colours(legend)
    return ax


def plot_history(
    result: TuneResult,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Axes:
    """Draw the best feasible objective value so far against trial number.

    The best-so-far curve is a step line that starts at the first feasible
    trial. Each completed trial's own value is a dot (feasible) or a grey
    cross (infeasible), and failed trials are red ticks along the bottom.
    Without a completed trial, the axes show the note "no completed trials".

    Parameters
    ----------
    result : TuneResult
        The study to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Axes title; defaults to the study name.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _new_axes_if_none(ax)
    metric = result.definition.metric
    numbers, best = best_so_far(result)
    if numbers.size:
        ax.step(
            numbers,
            best,
            where="post",
            color="tab:blue",
            linewidth=2,
            label="best feasible so far",
            gid="best-so-far",
        )
    feasible, infeasible, failed = _split_by_outcome(result.trials, metric)
    if feasible:
        ax.scatter(
            *_columns(feasible),
            s=18,
            color="tab:blue",
            label="feasible",
            gid="feasible",
        )
    if infeasible:
        ax.scatter(
            *_columns(infeasible),
            s=22,
            marker="x",
            color="0.55",
            label="infeasible",
            gid="infeasible",
        )
    if failed:
        # x in data units, y in axes units: the ticks sit on the bottom edge
        # whatever the objective's range.
        transform = blended_transform_factory(ax.transData, ax.transAxes)
        ax.scatter(
            failed,
            np.zeros(len(failed)),
            marker="|",
            s=120,
            color=_CHOSEN_COLOR,
            transform=transform,
            clip_on=False,
            label="failed",
            gid="failed",
        )
    if not feasible and not infeasible:
        _note_empty(ax, "no completed trials")
        ax.set_yticks([])
    if result.trials:
        # The failed ticks use axes units in y, so autoscaling ignores them:
        # the x range is set from every trial number instead.
        numbers_drawn = [trial.number for trial in result.trials]
        ax.set_xlim(min(numbers_drawn) - 0.5, max(numbers_drawn) + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("trial number")
    ax.set_ylabel(f"{metric} ({result.definition.mode})")
    ax.set_title(result.study_name if title is None else title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    return ax


def best_so_far(result: TuneResult) -> tuple[np.ndarray, np.ndarray]:
    """Return trial numbers and the best feasible objective up to each.

    Parameters
    ----------
    result : TuneResult

    Returns
    -------
    numbers, best : numpy.ndarray
        ``numbers`` lists the trial numbers from the first feasible trial
        on; ``best[i]`` is the best feasible value among trials numbered
        ``<= numbers[i]``. Both are empty when no trial is feasible.
    """
    metric = result.definition.metric
    mode = result.definition.mode
    numbers: list[int] = []
    best: list[float] = []
    current: float | None = None
    for trial in result.trials:
        if _is_feasible(trial):
            value = metric_value(trial.metrics, metric)
            if math.isfinite(value) and (
                current is None or is_better(value, current, mode)
            ):
                current = value
        if current is not None:
            numbers.append(trial.number)
            best.append(current)
    return np.asarray(numbers, dtype=int), np.asarray(best, dtype=float)


# Helpers


def _new_axes_if_none(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    # The object-oriented Figure avoids pyplot's global state, so no figure
    # is left open in the caller's pyplot session.
    from matplotlib.figure import Figure

    return Figure(figsize=(6.4, 4.8), layout="constrained").add_subplot()


def _is_feasible(trial: Trial) -> bool:
    return trial.status is TrialStatus.COMPLETED and bool(trial.feasible)


def _constraint_metric(result: TuneResult, requested: str | None) -> str:
    if requested is not None:
        return requested
    constraints = result.definition.constraints
    if not constraints:
        raise InvalidArgumentError(
            f"plot_tradeoff: study {result.study_name!r} has no constraint, "
            "so constraint_metric cannot default to one; pass "
            "constraint_metric='<metric name>'."
        )
    return constraints[0].metric


def _tradeoff_points(result: TuneResult, y_metric: str) -> list[_Point]:
    points = []
    for trial in result.trials:
        if trial.status is not TrialStatus.COMPLETED:
            continue
        x = metric_value(trial.metrics, result.definition.metric)
        y = metric_value(trial.metrics, y_metric)
        if math.isfinite(x) and math.isfinite(y):
            points.append(_Point(trial.number, x, y, bool(trial.feasible)))
    return points


def _trial_norm(result: TuneResult) -> Normalize:
    numbers = [trial.number for trial in result.trials]
    high = max(numbers, default=1)
    return Normalize(vmin=min(numbers, default=0), vmax=max(high, 1))


def _scatter_points(
    ax: Axes,
    points: list[_Point],
    colormap: ListedColormap,
    norm: Normalize,
    n_constraints: int,
) -> None:
    for feasible, marker, label in (
        (True, "o", "feasible"),
        (False, "X", "infeasible"),
    ):
        group = [p for p in points if p.feasible is feasible]
        if not group:
            continue
        ax.scatter(
            [p.objective for p in group],
            [p.constraint for p in group],
            c=[p.number for p in group],
            cmap=colormap,
            norm=norm,
            marker=marker,
            s=36 if feasible else 44,
            edgecolors="0.2" if feasible else "face",
            linewidths=0.4,
            label=label + _feasibility_note(feasible, n_constraints),
            gid=label,
            zorder=2,
        )


def _feasibility_note(feasible: bool, n_constraints: int) -> str:
    """Return the legend suffix saying that the markers use every constraint,
    or "" when the study has at most one."""
    if n_constraints <= 1:
        return ""
    if feasible:
        return f" (all {n_constraints} constraints met)"
    return f" (at least 1 of {n_constraints} violated)"


def _tradeoff_title(result: TuneResult, y_metric: str, title: str | None) -> str:
    """Return the axes title, with a second line naming the constraint on the
    y axis when the study has several."""
    text = result.study_name if title is None else title
    constraints = result.definition.constraints
    on_axis = [str(c) for c in constraints if c.metric == y_metric]
    if len(constraints) > 1 and on_axis:
        text += f"\ny axis: {on_axis[0]}, 1 of {len(constraints)} constraints"
    return text


def _empty_tradeoff_text(result: TuneResult, metric: str, y_metric: str) -> str:
    if any(t.status is TrialStatus.COMPLETED for t in result.trials):
        return f"no completed trial has finite {metric} and {y_metric}"
    return "no completed trials"


def _note_empty(ax: Axes, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="0.4",
        gid="empty-note",
    )


def _neutral_marker_colours(legend: Legend) -> None:
    """Draw the feasible/infeasible legend markers in mid grey: they would
    otherwise take the colour of one arbitrary trial."""
    for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
        label = text.get_text().split(" (")[0]
        if label in ("feasible", "infeasible") and handle is not None:
            # Without its data array the handle stops mapping trial numbers.
            handle.set_array(None)
            handle.set_facecolor(_LEGEND_GREY)
            handle.set_edgecolor(_LEGEND_GREY)


def _threshold_values(
    result: TuneResult, y_metric: str, threshold: float | None
) -> list[float]:
    if threshold is not None:
        return [float(threshold)]
    bounds: list[float] = []
    for constraint in result.definition.constraints:
        if constraint.metric == y_metric:
            bounds.extend(_bounds_of(constraint))
    return bounds


def _bounds_of(constraint: Constraint) -> list[float]:
    return [b for b in (constraint.lower, constraint.upper) if b is not None]


def _resolve_highlight(
    result: TuneResult, highlight: Trial | int | bool | None
) -> Trial | None:
    if highlight is None or highlight is True:
        return result.best_trial
    if highlight is False:
        return None
    number = highlight.number if isinstance(highlight, Trial) else highlight
    for trial in result.trials:
        if trial.number == number:
            return trial
    raise InvalidArgumentError(
        f"plot_tradeoff: highlight must be a trial of study "
        f"{result.study_name!r} (numbers 0 to {len(result.trials) - 1}), got "
        f"{number!r}; pass a trial number from result.trials."
    )


def _ring_chosen(ax: Axes, trial: Trial, metric: str, y_metric: str) -> None:
    x = metric_value(trial.metrics, metric)
    y = metric_value(trial.metrics, y_metric)
    if not (math.isfinite(x) and math.isfinite(y)):
        logger.info(
            "trial %d has no finite %s/%s to highlight", trial.number, metric, y_metric
        )
        return
    ax.scatter(
        [x],
        [y],
        s=220,
        facecolors="none",
        edgecolors=_CHOSEN_COLOR,
        linewidths=2,
        label=f"chosen: trial {trial.number}",
        gid="chosen",
        zorder=3,
    )


def _note_hidden_trials(ax: Axes, result: TuneResult, n_drawn: int) -> None:
    hidden = len(result.trials) - n_drawn
    if hidden <= 0:
        return
    ax.text(
        0.01,
        0.01,
        f"{hidden} failed, running or undefined trials not shown",
        transform=ax.transAxes,
        fontsize="x-small",
        color="0.4",
        va="bottom",
        gid="hidden-note",
    )


def _columns(pairs: list[tuple[int, float]]) -> tuple[list[int], list[float]]:
    return [number for number, _ in pairs], [value for _, value in pairs]


def _split_by_outcome(
    trials: list[Trial], metric: str
) -> tuple[list[tuple[int, float]], list[tuple[int, float]], list[int]]:
    feasible: list[tuple[int, float]] = []
    infeasible: list[tuple[int, float]] = []
    failed: list[int] = []
    for trial in trials:
        if trial.status is TrialStatus.FAILED:
            failed.append(trial.number)
            continue
        if trial.status is not TrialStatus.COMPLETED:
            continue
        value = metric_value(trial.metrics, metric)
        if not math.isfinite(value):
            continue
        target = feasible if trial.feasible else infeasible
        target.append((trial.number, value))
    return feasible, infeasible, failed
