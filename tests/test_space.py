"""Tests of fairbo.space: validation, sampling, encoding and storage."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from fairbo.exceptions import InvalidConfigError, InvalidTypeError, SearchSpaceError
from fairbo.space import Categorical, Float, Int, SearchSpace


def mixed_space() -> SearchSpace:
    return SearchSpace(
        {
            "lr": Float(1e-4, 1e-1, log=True),
            "dropout": Float(0.0, 0.5),
            "depth": Int(1, 50),
            "width": Int(8, 1024, log=True),
            "criterion": Categorical(["gini", "entropy", "log_loss"]),
            "n_estimators": 100,
        }
    )


# ----------------------------------------------------------------- validation
# Each constructor raises at once and names the domain by its call.
CONSTRUCTOR_ERRORS = [
    ("Float(1, 0)", SearchSpaceError, "Float(low=1, high=0): low must be < high"),
    ("Float(1.0, 0.5)", SearchSpaceError, "got low=1.0, high=0.5; swap the bounds"),
    ("Float(0.5, 0.5)", SearchSpaceError, "use a constant"),
    ("Float(0, 1, log=True)", SearchSpaceError, "log=True): log=True needs low > 0"),
    ("Float(-1.0, 1.0, log=True)", SearchSpaceError, "got low=-1.0"),
    ("Float(0.0, math.inf)", SearchSpaceError, "high must be finite, got high=inf"),
    ("Float(math.nan, 1.0)", SearchSpaceError, "low must be finite"),
    ("Float('a', 1)", InvalidTypeError, "Float(low='a', high=1): low must be a real"),
    ("Float(0, None)", InvalidTypeError, "high must be a real number, got NoneType"),
    ("Float(0, 1, log='yes')", InvalidTypeError, "log must be True or False"),
    ("Float(0, 1, default=2.0)", SearchSpaceError, "default=2.0): default must be in"),
    ("Float(0, 1, default='x')", SearchSpaceError, "default must be a real number"),
    ("Int(0.5, 3)", SearchSpaceError, "Int(low=0.5, high=3): low must be an integer"),
    ("Int(1, 10.2)", SearchSpaceError, "got high=10.2; round the bound or use Float"),
    ("Int(0, 10, log=True)", SearchSpaceError, "log=True needs low > 0"),
    ("Int(5, 1)", SearchSpaceError, "Int(low=5, high=1): low must be < high"),
    ("Int(True, 5)", InvalidTypeError, "low must be a real number, got bool True"),
    ("Int(1, 5, default=2.5)", SearchSpaceError, "default must be an integer"),
    ("Int(1, 5, default=9)", SearchSpaceError, "default must be in [1, 5], got 9"),
    ("Categorical([])", SearchSpaceError, "Categorical(choices=[]): choices must not"),
    ("Categorical(['a', 'b', 'a'])", SearchSpaceError, "positions 0 and 2"),
    ("Categorical([1, 1.0])", SearchSpaceError, "must be distinct"),
    ("Categorical('ab')", InvalidTypeError, "choices must be a list or tuple"),
    ("Categorical({'a', 'b'})", InvalidTypeError, "got set"),
    ("Categorical([[1], 2])", InvalidTypeError, "each choice must be a str"),
    ("Categorical([math.nan])", SearchSpaceError, "choices must be finite"),
    ("Categorical(['a'], default='z')", SearchSpaceError, "must be one of ['a']"),
    (
        "Categorical(list(range(100)), default=-1)",
        SearchSpaceError,
        "Categorical(choices=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...], default=-1)",
    ),
]


@pytest.mark.parametrize("call, error, fragment", CONSTRUCTOR_ERRORS)
def test_invalid_domain_raises_at_construction(call, error, fragment):
    namespace = {"Float": Float, "Int": Int, "Categorical": Categorical, "math": math}
    with pytest.raises(error) as info:
        eval(call, namespace)
    assert fragment in str(info.value)


def test_domain_errors_derive_from_builtins():
    with pytest.raises(ValueError):
        Float(1, 0)
    with pytest.raises(TypeError):
        Float("a", 1)


def test_valid_domains_normalise_types():
    assert Float(0, 1).low == 0.0
    assert type(Float(0, 1).low) is float
    assert type(Int(1.0, 5.0).high) is int
    assert type(Int(np.int64(1), 5).low) is int
    assert Int(1, 5, default=3.0).default == 3
    assert type(Int(1, 5, default=3.0).default) is int
    assert Categorical(("a", np.str_("b"))).choices == ["a", "b"]


def test_changed_domain_checked_again_by_space():
    domain = Float(0.0, 1.0)
    domain.low = 2.0
    with pytest.raises(SearchSpaceError) as info:
        SearchSpace({"lr": domain})
    assert "Float 'lr': low must be < high, got low=2.0, high=1.0" in str(info.value)


def test_changed_default_checked_again_by_space():
    domain = Categorical(["a", "b"], default="a")
    domain.default = "z"
    with pytest.raises(SearchSpaceError) as info:
        SearchSpace({"c": domain})
    assert "Categorical 'c': default must be one of ['a', 'b']" in str(info.value)


SPACE_ERRORS = [
    ({"x": object()}, InvalidTypeError, "parameter 'x': expected a domain"),
    ({"x": stats.uniform(0, 1)}, InvalidTypeError, "wrap it in a fairbo domain"),
    ({"x": [1, {2}]}, InvalidTypeError, "parameter 'x'[1]"),
    ({3: Float(0, 1)}, InvalidTypeError, "names must be str"),
]


@pytest.mark.parametrize("definition, error, fragment", SPACE_ERRORS)
def test_invalid_definition_message(definition, error, fragment):
    with pytest.raises(error) as info:
        SearchSpace(definition)
    assert fragment in str(info.value)


def test_not_a_mapping_rejected():
    with pytest.raises(InvalidTypeError, match="search space must be a dict"):
        SearchSpace([("a", Float(0, 1))])


def test_space_type_error_derives_from_builtin():
    with pytest.raises(TypeError):
        SearchSpace({"x": object()})


CONFIG_ERRORS = [
    ({"lr": 0.01, "dropout": 0.1, "depth": 3, "width": 16}, "missing parameter"),
    (
        {
            "lr": 0.01,
            "dropout": 0.1,
            "depth": 3,
            "width": 16,
            "criterion": "gini",
            "extra": 1,
        },
        "unknown parameter(s) ['extra']",
    ),
    (
        {"lr": 0.5, "dropout": 0.1, "depth": 3, "width": 16, "criterion": "gini"},
        "Float 'lr': value must be in [0.0001, 0.1], got 0.5",
    ),
    (
        {"lr": 0.01, "dropout": 0.1, "depth": 51, "width": 16, "criterion": "gini"},
        "Int 'depth': value must be in [1, 50], got 51",
    ),
    (
        {"lr": 0.01, "dropout": 0.1, "depth": 2.5, "width": 16, "criterion": "gini"},
        "Int 'depth': value must be an integer, got float 2.5",
    ),
    (
        {"lr": 0.01, "dropout": 0.1, "depth": True, "width": 16, "criterion": "gini"},
        "must be an integer",
    ),
    (
        {"lr": 0.01, "dropout": 0.1, "depth": 3, "width": 16, "criterion": "mse"},
        "Categorical 'criterion': value must be one of",
    ),
    (
        {"lr": "x", "dropout": 0.1, "depth": 3, "width": 16, "criterion": "gini"},
        "must be a real number",
    ),
    (
        {
            "lr": 0.01,
            "dropout": 0.1,
            "depth": 3,
            "width": 16,
            "criterion": "gini",
            "n_estimators": 5,
        },
        "constant 'n_estimators': config value must equal the constant 100",
    ),
    ([1, 2], "config must be a dict"),
]


@pytest.mark.parametrize("config, fragment", CONFIG_ERRORS)
def test_invalid_config_message(config, fragment):
    space = mixed_space()
    with pytest.raises(InvalidConfigError) as info:
        space.validate_config(config)
    assert fragment in str(info.value)


def test_validate_config_normalises_types():
    space = mixed_space()
    config = {
        "lr": np.float32(0.01),
        "dropout": 0,
        "depth": np.int64(3),
        "width": 16.0,
        "criterion": "gini",
    }
    checked = space.validate_config(config)
    assert list(checked) == [
        "lr",
        "dropout",
        "depth",
        "width",
        "criterion",
        "n_estimators",
    ]
    assert type(checked["lr"]) is float
    assert type(checked["dropout"]) is float
    assert type(checked["depth"]) is int
    assert type(checked["width"]) is int
    assert checked["n_estimators"] == 100


# ------------------------------------------------------------------ encoding
def test_sample_round_trip():
    space = mixed_space()
    configs = space.sample(np.random.default_rng(0), 200)
    X = space.encode(configs)
    assert X.shape == (200, space.dim)
    assert X.min() >= 0.0
    assert X.max() <= 1.0
    decoded = space.decode(X)
    for original, back in zip(configs, decoded, strict=True):
        assert back["depth"] == original["depth"]
        assert back["width"] == original["width"]
        assert back["criterion"] == original["criterion"]
        assert back["n_estimators"] == 100
        assert math.isclose(back["lr"], original["lr"], rel_tol=1e-12)
        assert math.isclose(back["dropout"], original["dropout"], rel_tol=1e-12)


@pytest.mark.parametrize(
    "domain, values",
    [
        (Float(1e-4, 1e-1, log=True), [1e-4, 1e-1]),
        (Float(-3.3, 7.1), [-3.3, 7.1]),
        (Float(0.1, 0.7), [0.1, 0.7]),
        (Int(1, 50), list(range(1, 51))),
        (Int(1, 1000, log=True), list(range(1, 1001))),
        (Int(-5, 5), list(range(-5, 6))),
        (Categorical(["a", 1, 2.5, True, None]), ["a", 1, 2.5, True, None]),
    ],
)
def test_round_trip_exact_at_bounds_and_grid(domain, values):
    space = SearchSpace({"p": domain})
    configs = [{"p": v} for v in values]
    decoded = space.decode(space.encode(configs))
    assert [c["p"] for c in decoded] == values
    assert [type(c["p"]) for c in decoded] == [type(v) for v in values]


def test_float_bounds_encode_to_cube_corners():
    space = SearchSpace({"lr": Float(1e-4, 1e-1, log=True)})
    X = space.encode([{"lr": 1e-4}, {"lr": 1e-1}])
    assert X[0, 0] == 0.0
    assert X[1, 0] == 1.0


def test_decode_of_any_point_is_valid():
    space = mixed_space()
    X = np.random.default_rng(1).uniform(-0.2, 1.2, size=(300, space.dim))
    for config in space.decode(X):
        assert space.validate_config(config) == config


def test_snap_is_encoding_of_decoded_point():
    space = mixed_space()
    X = np.random.default_rng(2).random((50, space.dim))
    np.testing.assert_array_equal(space.snap(X), space.encode(space.decode(X)))


def test_int_relaxation_gives_equal_cells():
    space = SearchSpace({"n": Int(1, 4)})
    u = np.linspace(0, 1, 4001)[:, None]
    counts = np.bincount([c["n"] for c in space.decode(u)])[1:]
    np.testing.assert_allclose(counts / counts.sum(), 0.25, atol=1e-3)


def test_categorical_decode_takes_argmax_first_on_ties():
    space = SearchSpace({"c": Categorical(["a", "b", "c"])})
    decoded = space.decode(np.array([[0.2, 0.9, 0.1], [0.5, 0.5, 0.5]]))
    assert [d["c"] for d in decoded] == ["b", "a"]


def test_decode_rejects_wrong_width():
    with pytest.raises(InvalidConfigError, match=r"shape \(n, 7\)"):
        mixed_space().decode(np.zeros((2, 3)))


# ------------------------------------------------------------------ sampling
def test_sampling_is_seeded():
    space = mixed_space()
    assert space.sample(7, 20) == space.sample(7, 20)
    assert space.sample(7, 20) != space.sample(8, 20)


def test_log_float_sampling_is_log_uniform():
    space = SearchSpace({"lr": Float(1e-4, 1.0, log=True)})
    values = np.array([c["lr"] for c in space.sample(3, 4000)])
    result = stats.kstest(np.log10(values), stats.uniform(-4, 4).cdf)
    assert result.pvalue > 1e-3


def test_linear_float_sampling_is_uniform():
    space = SearchSpace({"x": Float(-2.0, 3.0)})
    values = np.array([c["x"] for c in space.sample(4, 4000)])
    assert stats.kstest(values, stats.uniform(-2, 5).cdf).pvalue > 1e-3


def test_int_sampling_covers_every_value_uniformly():
    space = SearchSpace({"n": Int(1, 6)})
    values = [c["n"] for c in space.sample(5, 6000)]
    counts = np.bincount(values, minlength=7)[1:]
    assert stats.chisquare(counts).pvalue > 1e-3


def test_log_int_sampling_favours_small_values():
    space = SearchSpace({"n": Int(1, 1000, log=True)})
    values = np.array([c["n"] for c in space.sample(6, 5000)])
    # Log-uniform over [0.5, 1000.5]: P(n <= 31) = log(31.5/0.5) / log(1000.5/0.5).
    expected = math.log(31.5 / 0.5) / math.log(1000.5 / 0.5)
    assert abs(np.mean(values <= 31) - expected) < 0.03
    assert values.min() >= 1
    assert values.max() <= 1000


def test_categorical_sampling_is_uniform():
    space = SearchSpace({"c": Categorical(["a", "b", "c", "d"])})
    values = [c["c"] for c in space.sample(9, 4000)]
    counts = [values.count(x) for x in "abcd"]
    assert stats.chisquare(counts).pvalue > 1e-3


# ----------------------------------------------------------- finite spaces
def test_cardinality_and_grid():
    space = SearchSpace({"n": Int(1, 3), "c": Categorical(["a", "b"]), "k": 1})
    assert space.is_finite
    assert space.cardinality == 6
    grid = list(space.grid())
    assert len(grid) == 6
    assert len({space.config_key(c) for c in grid}) == 6
    assert all(c["k"] == 1 for c in grid)


def test_float_space_is_infinite():
    space = mixed_space()
    assert not space.is_finite
    assert space.cardinality is None
    with pytest.raises(SearchSpaceError, match="no grid"):
        next(space.grid())


def test_constants_only_space_has_one_config():
    space = SearchSpace({"k": 3})
    assert space.dim == 0
    assert space.cardinality == 1
    assert list(space.grid()) == [{"k": 3}]


def test_default_config_only_when_every_domain_has_one():
    space = SearchSpace(
        {"x": Float(0, 1, default=0.3), "c": Categorical(["a", "b"], default="b")}
    )
    assert space.default_config() == {"x": 0.3, "c": "b"}
    assert mixed_space().default_config() is None


def test_config_key_distinguishes_bool_from_int():
    space = SearchSpace({"c": Categorical([1, True])})
    assert space.config_key({"c": 1}) != space.config_key({"c": True})
    assert space.validate_config({"c": 1.0}) == {"c": 1}


# ------------------------------------------------------------------- storage
def test_json_round_trip_keeps_types_and_equality():
    space = SearchSpace(
        {
            "lr": Float(1e-4, 1e-1, log=True, default=1e-3),
            "n": Int(1, 64, log=True, default=8),
            "c": Categorical(["a", 1, 2.5, True, None], default=2.5),
            "layers": (64, 32),
            "opts": {"a": [1, 2], "b": None},
        }
    )
    text = json.dumps(space.to_json())
    restored = SearchSpace.from_json(json.loads(text))
    assert restored == space
    assert restored.domains["c"].choices == ["a", 1, 2.5, True, None]
    assert [type(c) for c in restored.domains["c"].choices] == [
        str,
        int,
        float,
        bool,
        type(None),
    ]
    assert restored.constants["layers"] == (64, 32)
    assert SearchSpace.from_json(text) == space


@pytest.mark.parametrize(
    "changed",
    [
        {"lr": Float(1e-4, 1e-2, log=True)},
        {"lr": Float(1e-4, 1e-1)},
        {"lr": Int(1, 5)},
        {"lr": Categorical(["a"])},
        {"lr": 0.01},
    ],
)
def test_changed_space_is_unequal(changed):
    base = {"lr": Float(1e-4, 1e-1, log=True), "k": 1}
    assert SearchSpace(base) == SearchSpace(dict(base))
    assert SearchSpace(base) != SearchSpace({**base, **changed})


def test_from_json_rejects_other_format():
    data = mixed_space().to_json()
    data["format"] = 99
    with pytest.raises(SearchSpaceError, match="format 99"):
        SearchSpace.from_json(data)


def test_from_json_rejects_unknown_type():
    data = {"format": 1, "parameters": [{"name": "x", "type": "normal"}]}
    with pytest.raises(SearchSpaceError, match="unknown type 'normal'"):
        SearchSpace.from_json(data)


def test_from_json_error_names_parameter():
    data = {
        "format": 1,
        "parameters": [
            {
                "name": "lr",
                "type": "float",
                "low": 1.0,
                "high": 0.5,
                "log": False,
                "default": None,
            }
        ],
    }
    with pytest.raises(SearchSpaceError) as info:
        SearchSpace.from_json(data)
    message = str(info.value)
    assert message.startswith("search space parameter 'lr': Float(low=1.0")
    assert "low must be < high" in message


def test_constant_types_make_spaces_unequal():
    assert SearchSpace({"k": 1}) != SearchSpace({"k": True})
    assert SearchSpace({"c": Categorical([1, 2])}) != SearchSpace(
        {"c": Categorical([True, 2])}
    )
    assert SearchSpace({"k": math.nan}) == SearchSpace({"k": math.nan})


# ---------------------------------------------------------------- messages
@pytest.mark.parametrize(
    "domain, expected",
    [
        (Float(0.01, 1.0, log=True), "Float(0.01, 1.0, log=True)"),
        (Float(0, 1), "Float(0.0, 1.0)"),
        (Float(0, 1, default=0.5), "Float(0.0, 1.0, default=0.5)"),
        (Int(1, 50), "Int(1, 50)"),
        (Int(8.0, 1024, log=True, default=64), "Int(8, 1024, log=True, default=64)"),
        (Categorical(("gini", "entropy")), "Categorical(['gini', 'entropy'])"),
        (
            Categorical([None, "balanced"], default="balanced"),
            "Categorical([None, 'balanced'], default='balanced')",
        ),
    ],
)
def test_domain_repr_is_short(domain, expected):
    assert repr(domain) == expected


def test_space_repr_lists_parameters():
    space = SearchSpace({"lr": Float(1e-4, 1e-1, log=True), "k": 3})
    assert repr(space) == "SearchSpace({'lr': Float(0.0001, 0.1, log=True), 'k': 3})"


DIFFERENCES = [
    (
        {"max_depth": Int(1, 50)},
        {"max_depth": Int(1, 20)},
        ["'max_depth': Int(1, 50) stored, Int(1, 20) requested"],
    ),
    (
        {"x": Float(0, 1)},
        {"x": Float(0, 1), "lr": Float(1e-3, 1.0, log=True)},
        ["'lr' only in the requested space"],
    ),
    (
        {"x": Float(0, 1), "k": 1},
        {"x": Float(0, 1)},
        ["'k' only in the stored space"],
    ),
    (
        {"n_estimators": 100},
        {"n_estimators": Int(10, 500, log=True)},
        ["'n_estimators': constant 100 stored, Int(10, 500, log=True) requested"],
    ),
    (
        {"k": 1},
        {"k": True},
        ["'k': constant 1 stored, constant True requested"],
    ),
    (
        {"x": Float(0, 1, default=0.5)},
        {"x": Float(0, 1)},
        ["'x': Float(0.0, 1.0, default=0.5) stored, Float(0.0, 1.0) requested"],
    ),
    (
        {"a": Int(1, 2), "b": Int(1, 3)},
        {"b": Int(1, 3), "a": Int(1, 2)},
        ["parameter order differs: ['a', 'b'] stored, ['b', 'a'] requested"],
    ),
    (
        {"a": Int(1, 2), "c": Categorical(["x", "y"]), "gone": 0},
        {"c": Categorical(["x", "z"]), "a": Int(1, 2), "new": Float(0, 1)},
        [
            "'c': Categorical(['x', 'y']) stored, Categorical(['x', 'z']) requested",
            "'gone' only in the stored space",
            "'new' only in the requested space",
            "parameter order differs: ['a', 'c'] stored, ['c', 'a'] requested",
        ],
    ),
]


@pytest.mark.parametrize("stored, requested, expected", DIFFERENCES)
def test_describe_differences(stored, requested, expected):
    stored_space = SearchSpace(stored)
    requested_space = SearchSpace(requested)
    assert stored_space != requested_space
    assert stored_space.describe_differences(requested_space) == expected


def test_describe_differences_empty_when_equal():
    space = mixed_space()
    restored = SearchSpace.from_json(json.loads(json.dumps(space.to_json())))
    assert space.describe_differences(restored) == []
    assert space.describe_differences(mixed_space()) == []


def test_describe_differences_custom_labels():
    old = SearchSpace({"n": Int(1, 5)})
    new = SearchSpace({"n": Int(1, 6)})
    lines = old.describe_differences(new, labels=("before", "after"))
    assert lines == ["'n': Int(1, 5) before, Int(1, 6) after"]


def test_describe_differences_lines_are_short():
    space = mixed_space()
    changed = SearchSpace({**space.definition, "depth": Int(1, 20)})
    lines = space.describe_differences(changed)
    assert lines == ["'depth': Int(1, 50) stored, Int(1, 20) requested"]
    assert len(lines[0]) < 80
