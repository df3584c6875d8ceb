"""Tests of fairbo.plot on TuneResult objects built from hand-made trials."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from fairbo.constraints import Constraint
from fairbo.exceptions import InvalidArgumentError
from fairbo.plot import best_so_far, plot_history, plot_tradeoff, trial_colormap
from fairbo.result import TuneResult
from fairbo.space import Float, SearchSpace
from fairbo.study import StudyDefinition
from fairbo.trial import Trial, TrialStatus

EPSILON = 0.05

# (number, status, accuracy, dsp); feasible means every constraint is met
# (dsp <= EPSILON by default).
TRIALS = [
    (0, "completed", 0.70, 0.10),
    (1, "completed", 0.72, 0.02),
    (2, "failed", None, None),
    (3, "completed", 0.80, 0.20),
    (4, "completed", 0.75, 0.04),
    (5, "completed", 0.74, 0.01),
    (6, "running", None, None),
]


def make_result(rows=TRIALS, constraints=None, mode="max") -> TuneResult:
    if constraints is None:
        constraints = [Constraint("dsp", upper=EPSILON)]
    definition = StudyDefinition(
        name="toy",
        space=SearchSpace({"x": Float(0.0, 1.0)}),
        metric="accuracy",
        mode=mode,
        constraints=constraints,
    )
    trials = []
    for number, status, accuracy, dsp in rows:
        trial = Trial(number=number, config={"x": number / 10})
        trial.status = TrialStatus(status)
        if status == "completed":
            trial.metrics = {"accuracy": accuracy, "dsp": dsp}
            trial.feasible = all(
                c.is_satisfied(trial.metrics[c.metric]) for c in constraints
            )
        trials.append(trial)
    return TuneResult(definition, trials)


def new_axes():
    return Figure().add_subplot()


def artists(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def offsets(ax, gid) -> np.ndarray:
    (collection,) = artists(ax, gid)
    return np.asarray(collection.get_offsets())


def test_tradeoff_point_counts():
    ax = plot_tradeoff(make_result(), ax=new_axes())
    feasible = offsets(ax, "feasible")
    infeasible = offsets(ax, "infeasible")
    assert feasible.shape == (3, 2)
    assert infeasible.shape == (2, 2)
    assert sorted(feasible[:, 0].tolist()) == [0.72, 0.74, 0.75]
    assert sorted(infeasible[:, 1].tolist()) == [0.10, 0.20]


def test_tradeoff_axes_orientation():
    ax = plot_tradeoff(make_result(), ax=new_axes())
    assert ax.get_xlabel() == "accuracy"
    assert ax.get_ylabel() == "dsp"


def test_tradeoff_threshold_line_default():
    ax = plot_tradeoff(make_result(), ax=new_axes())
    (line,) = artists(ax, "threshold")
    assert list(line.get_ydata()) == [EPSILON, EPSILON]
    # axhline spans the axes in axes coordinates.
    assert list(line.get_xdata()) == [0, 1]


def test_tradeoff_threshold_override():
    ax = plot_tradeoff(make_result(), ax=new_axes(), threshold=0.3)
    (line,) = artists(ax, "threshold")
    assert line.get_ydata()[0] == 0.3


def test_tradeoff_two_sided_bounds():
    constraints = [Constraint("dsp", lower=0.015, upper=EPSILON)]
    ax = plot_tradeoff(make_result(constraints=constraints), ax=new_axes())
    heights = sorted(line.get_ydata()[0] for line in artists(ax, "threshold"))
    assert heights == [0.015, EPSILON]


def test_tradeoff_highlights_best_feasible():
    result = make_result()
    assert result.best_trial.number == 4
    ax = plot_tradeoff(result, ax=new_axes())
    chosen = offsets(ax, "chosen")
    assert chosen.tolist() == [[0.75, 0.04]]


def test_tradeoff_highlight_by_number():
    ax = plot_tradeoff(make_result(), ax=new_axes(), highlight=3)
    assert offsets(ax, "chosen").tolist() == [[0.80, 0.20]]


def test_tradeoff_highlight_disabled():
    ax = plot_tradeoff(make_result(), ax=new_axes(), highlight=False)
    assert artists(ax, "chosen") == []


def test_tradeoff_no_feasible_no_ring():
    rows = [(0, "completed", 0.7, 0.3), (1, "completed", 0.8, 0.4)]
    ax = plot_tradeoff(make_result(rows), ax=new_axes())
    assert artists(ax, "chosen") == []
    assert artists(ax, "feasible") == []
    assert offsets(ax, "infeasible").shape == (2, 2)


def test_tradeoff_colours_darken_with_trial():
    ax = plot_tradeoff(make_result(), ax=new_axes())
    (collection,) = artists(ax, "feasible")
    numbers = collection.get_array()
    assert list(numbers) == [1, 4, 5]
    # Face colours are mapped from the numbers when the figure is drawn.
    FigureCanvasAgg(ax.figure).draw()
    colours = collection.get_facecolors()
    # Luminance of the RGB colours: later trials must be darker.
    luminance = colours[:, :3] @ np.array([0.299, 0.587, 0.114])
    assert luminance[0] > luminance[1] > luminance[2]


def test_tradeoff_shared_colour_scale():
    ax = plot_tradeoff(make_result(), ax=new_axes())
    feasible, infeasible = artists(ax, "feasible")[0], artists(ax, "infeasible")[0]
    assert feasible.norm.vmin == infeasible.norm.vmin == 0
    assert feasible.norm.vmax == infeasible.norm.vmax == 6


def test_tradeoff_markers_differ():
    ax = plot_tradeoff(make_result(), ax=new_axes())
    feasible, infeasible = artists(ax, "feasible")[0], artists(ax, "infeasible")[0]
    feasible_path = feasible.get_paths()[0].vertices
    infeasible_path = infeasible.get_paths()[0].vertices
    assert feasible_path.shape != infeasible_path.shape


def test_tradeoff_adds_colorbar():
    figure = Figure()
    ax = figure.add_subplot()
    plot_tradeoff(make_result(), ax=ax)
    assert len(figure.axes) == 2
    assert figure.axes[1].get_ylabel() == "trial number"


def test_tradeoff_legend_markers_grey():
    ax = plot_tradeoff(make_result(), ax=new_axes())
    legend = ax.get_legend()
    FigureCanvasAgg(ax.figure).draw()
    labels = [text.get_text() for text in legend.get_texts()]
    for name in ("feasible", "infeasible"):
        handle = legend.legend_handles[labels.index(name)]
        assert matplotlib.colors.to_hex(handle.get_facecolor()[0]) == "#737373"


def test_tradeoff_hidden_trials_note():
    ax = plot_tradeoff(make_result(), ax=new_axes())
    (note,) = artists(ax, "hidden-note")
    assert note.get_text().startswith("2 ")


def test_tradeoff_explicit_metric_without_constraint():
    result = make_result(constraints=[])
    ax = plot_tradeoff(result, constraint_metric="dsp", ax=new_axes())
    assert artists(ax, "threshold") == []
    assert offsets(ax, "feasible").shape == (5, 2)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "has no constraint"),
        ({"constraint_metric": "dsp", "highlight": 42}, "got 42"),
    ],
)
def test_tradeoff_errors(kwargs, fragment):
    result = make_result(constraints=[])
    with pytest.raises(InvalidArgumentError, match=fragment):
        plot_tradeoff(result, ax=new_axes(), **kwargs)


def test_tradeoff_creates_axes_and_saves(tmp_path):
    ax = plot_tradeoff(make_result())
    path = tmp_path / "tradeoff.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000


def test_tradeoff_through_result_method():
    ax = make_result().plot_tradeoff(ax=new_axes())
    assert offsets(ax, "chosen").tolist() == [[0.75, 0.04]]


def test_best_so_far_values():
    numbers, best = best_so_far(make_result())
    assert numbers.tolist() == [1, 2, 3, 4, 5, 6]
    assert best.tolist() == [0.72, 0.72, 0.72, 0.75, 0.75, 0.75]


def test_best_so_far_minimise():
    rows = [
        (0, "completed", 0.5, 0.0),
        (1, "completed", 0.3, 0.0),
        (2, "completed", 0.1, 0.9),
        (3, "completed", 0.4, 0.0),
    ]
    numbers, best = best_so_far(make_result(rows, mode="min"))
    assert numbers.tolist() == [0, 1, 2, 3]
    assert best.tolist() == [0.5, 0.3, 0.3, 0.3]


def test_best_so_far_empty_without_feasible():
    rows = [(0, "completed", 0.7, 0.3), (1, "failed", None, None)]
    numbers, best = best_so_far(make_result(rows))
    assert numbers.size == 0
    assert best.size == 0


def test_history_step_line():
    ax = plot_history(make_result(), ax=new_axes())
    (line,) = artists(ax, "best-so-far")
    assert list(line.get_xdata()) == [1, 2, 3, 4, 5, 6]
    assert line.get_drawstyle() == "steps-post"
    assert max(line.get_ydata()) == 0.75


def test_history_marks_failed_and_infeasible():
    ax = plot_history(make_result(), ax=new_axes())
    assert offsets(ax, "failed")[:, 0].tolist() == [2]
    assert sorted(offsets(ax, "infeasible")[:, 0].tolist()) == [0, 3]
    assert sorted(offsets(ax, "feasible")[:, 0].tolist()) == [1, 4, 5]


def test_history_through_result_method():
    ax = make_result().plot_history(ax=new_axes())
    assert ax.get_xlabel() == "trial number"


def test_history_empty_result():
    ax = plot_history(make_result(rows=[]), ax=new_axes())
    assert artists(ax, "best-so-far") == []


def test_trial_colormap_skips_white():
    colormap = trial_colormap()
    lightest = colormap(0.0)
    assert not math.isclose(sum(lightest[:3]), 3.0, abs_tol=0.1)
    assert matplotlib.colors.to_hex(colormap(1.0)) == matplotlib.colors.to_hex(
        matplotlib.colormaps["Blues"](1.0)
    )


# Integer ticks, empty studies and several constraints

FEW_TRIALS = [
    (0, "completed", 0.70, 0.10),
    (1, "completed", 0.72, 0.02),
    (2, "completed", 0.74, 0.01),
]


def drawn_ticks(axis) -> list[float]:
    """Tick values inside the axis' view limits after a draw."""
    low, high = sorted(axis.get_view_interval())
    return [t for t in axis.get_ticklocs() if low - 1e-9 <= t <= high + 1e-9]


def test_colorbar_integer_ticks():
    figure = Figure()
    plot_tradeoff(make_result(FEW_TRIALS), ax=figure.add_subplot())
    FigureCanvasAgg(figure).draw()
    ticks = drawn_ticks(figure.axes[1].yaxis)
    assert len(ticks) >= 2
    assert all(float(t).is_integer() for t in ticks)


def test_history_integer_ticks():
    ax = plot_history(make_result(FEW_TRIALS), ax=new_axes())
    FigureCanvasAgg(ax.figure).draw()
    ticks = drawn_ticks(ax.xaxis)
    assert len(ticks) >= 2
    assert all(float(t).is_integer() for t in ticks)


NOT_COMPLETED = [(0, "failed", None, None), (1, "running", None, None)]


@pytest.mark.parametrize("rows", [NOT_COMPLETED, []])
def test_tradeoff_empty_note(rows):
    figure = Figure()
    ax = plot_tradeoff(make_result(rows), ax=figure.add_subplot())
    (note,) = artists(ax, "empty-note")
    assert isinstance(note, Text)
    assert note.get_text() == "no completed trials"
    # No colour bar: its 0-1 scale would mean nothing.
    assert len(figure.axes) == 1
    assert artists(ax, "hidden-note") == []


def test_tradeoff_nonfinite_note():
    rows = [(0, "completed", 0.7, float("nan"))]
    figure = Figure()
    ax = plot_tradeoff(make_result(rows), ax=figure.add_subplot())
    (note,) = artists(ax, "empty-note")
    assert note.get_text() == "no completed trial has finite accuracy and dsp"
    assert len(figure.axes) == 1


def test_history_empty_note():
    ax = plot_history(make_result(NOT_COMPLETED), ax=new_axes())
    (note,) = artists(ax, "empty-note")
    assert note.get_text() == "no completed trials"
    assert offsets(ax, "failed")[:, 0].tolist() == [0]


def test_history_shows_every_failed_trial():
    rows = [(0, "failed", None, None), (1, "failed", None, None)]
    ax = plot_history(make_result(rows), ax=new_axes())
    FigureCanvasAgg(ax.figure).draw()
    low, high = ax.get_xlim()
    assert low < 0
    assert high > 1
    assert drawn_ticks(ax.xaxis) == [0.0, 1.0]


def test_history_note_absent_with_trials():
    ax = plot_history(make_result(), ax=new_axes())
    assert artists(ax, "empty-note") == []


TWO_CONSTRAINTS = [Constraint("dsp", upper=EPSILON), Constraint("accuracy", lower=0.73)]


def test_tradeoff_markers_use_all_constraints():
    ax = plot_tradeoff(make_result(constraints=TWO_CONSTRAINTS), ax=new_axes())
    # Trial 1 meets the dsp bound on the y axis but not accuracy >= 0.73.
    assert sorted(offsets(ax, "feasible")[:, 0].tolist()) == [0.74, 0.75]
    assert sorted(offsets(ax, "infeasible")[:, 0].tolist()) == [0.70, 0.72, 0.80]


def test_tradeoff_names_axis_constraint():
    ax = plot_tradeoff(make_result(constraints=TWO_CONSTRAINTS), ax=new_axes())
    assert ax.get_title().splitlines() == [
        "toy",
        f"y axis: dsp <= {EPSILON:g}, 1 of 2 constraints",
    ]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "feasible (all 2 constraints met)" in labels
    assert "infeasible (at least 1 of 2 violated)" in labels
    # Only the bound of the constraint on the y axis is drawn.
    (line,) = artists(ax, "threshold")
    assert line.get_ydata()[0] == EPSILON


def test_tradeoff_legend_grey_with_constraints():
    ax = plot_tradeoff(make_result(constraints=TWO_CONSTRAINTS), ax=new_axes())
    legend = ax.get_legend()
    FigureCanvasAgg(ax.figure).draw()
    pairs = zip(legend.legend_handles, legend.get_texts(), strict=True)
    markers = [
        handle
        for handle, text in pairs
        if text.get_text().startswith(("feasible", "infeasible"))
    ]
    assert len(markers) == 2
    for handle in markers:
        assert matplotlib.colors.to_hex(handle.get_facecolor()[0]) == "#737373"


def test_tradeoff_single_constraint_title():
    ax = plot_tradeoff(make_result(), ax=new_axes())
    assert ax.get_title() == "toy"
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "feasible" in labels
