"""Tests of fairbo.constraints."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fairbo.constraints import Constraint, normalize_constraints
from fairbo.exceptions import InvalidArgumentError, InvalidTypeError


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.0, True),
        (0.05, True),
        (0.0500001, False),
        (-1.0, True),
        (math.nan, False),
        (math.inf, False),
        (-math.inf, False),
        (None, False),
        (np.float32(0.01), True),
    ],
)
def test_upper_bound_satisfaction(value, expected):
    assert Constraint("dsp", upper=0.05).is_satisfied(value) is expected


@pytest.mark.parametrize(
    "value, expected", [(0.8, True), (0.7, True), (0.69, False), (0.95, False)]
)
def test_two_sided_satisfaction(value, expected):
    constraint = Constraint("di", lower=0.7, upper=0.9)
    assert constraint.is_satisfied(value) is expected


def test_violation_amount():
    constraint = Constraint("di", lower=0.7, upper=0.9)
    assert constraint.violation(0.8) == 0.0
    assert math.isclose(constraint.violation(1.0), 0.1)
    assert math.isclose(constraint.violation(0.5), 0.2)


@pytest.mark.parametrize(
    "kwargs, error, fragment",
    [
        ({"metric": "dsp"}, InvalidArgumentError, "needs upper= or lower="),
        ({"metric": "dsp", "upper": math.nan}, InvalidArgumentError, "finite"),
        ({"metric": "dsp", "lower": -math.inf}, InvalidArgumentError, "pass None"),
        ({"metric": "dsp", "upper": "0.1"}, InvalidTypeError, "real number or None"),
        ({"metric": "dsp", "upper": True}, InvalidTypeError, "got bool True"),
        (
            {"metric": "di", "lower": 0.9, "upper": 0.8},
            InvalidArgumentError,
            "lower must be <= upper, got lower=0.9, upper=0.8",
        ),
        ({"metric": ""}, InvalidTypeError, "non-empty str"),
        ({"metric": 3, "upper": 1.0}, InvalidTypeError, "got int 3"),
    ],
)
def test_invalid_constraint_message(kwargs, error, fragment):
    metric = kwargs.pop("metric")
    with pytest.raises(error) as info:
        Constraint(metric, **kwargs)
    assert fragment in str(info.value)


def test_normalize_accepts_every_form():
    assert normalize_constraints(None) == []
    assert normalize_constraints({}) == []
    assert normalize_constraints({"dsp": 0.01, "deo": 0.1}) == [
        Constraint("dsp", upper=0.01),
        Constraint("deo", upper=0.1),
    ]
    listed = [Constraint("di", lower=0.8)]
    assert normalize_constraints(listed) == listed
    assert normalize_constraints(Constraint("di", lower=0.8)) == listed


@pytest.mark.parametrize(
    "value, error, fragment",
    [
        ("dsp", InvalidTypeError, "got str 'dsp'"),
        (0.01, InvalidTypeError, "got float"),
        ([("dsp", 0.1)], InvalidTypeError, "list items must be fairbo.Constraint"),
        (
            [Constraint("dsp", upper=0.1), Constraint("dsp", lower=0.0)],
            InvalidArgumentError,
            "constrained twice",
        ),
        ({"dsp": None}, InvalidArgumentError, "needs upper= or lower="),
    ],
)
def test_normalize_rejects_bad_input(value, error, fragment):
    with pytest.raises(error) as info:
        normalize_constraints(value)
    assert fragment in str(info.value)


def test_json_round_trip():
    for constraint in (
        Constraint("dsp", upper=0.01),
        Constraint("di", lower=0.8),
        Constraint("acc", lower=0.5, upper=0.9),
    ):
        assert Constraint.from_json(constraint.to_json()) == constraint


def test_text_forms():
    assert str(Constraint("dsp", upper=0.01)) == "dsp <= 0.01"
    assert str(Constraint("di", lower=0.8)) == "di >= 0.8"
    assert repr(Constraint("di", lower=0.8)) == "Constraint('di', lower=0.8)"
