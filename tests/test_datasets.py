"""Tests of the shipped data sets and their loaders."""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources
from types import SimpleNamespace

import pandas as pd
import pytest

from fairbo.datasets import _files, load_adult, load_german_credit
from fairbo.exceptions import DataIntegrityError, InvalidArgumentError


@pytest.mark.parametrize("filename", sorted(_files.EXPECTED_SHA256))
def test_shipped_file_checksum(filename):
    resource = resources.files("fairbo.datasets").joinpath("data", filename)
    content = gzip.decompress(resource.read_bytes())
    assert hashlib.sha256(content).hexdigest() == _files.EXPECTED_SHA256[filename]


def test_licence_file_cites_both_sets():
    text = (
        resources.files("fairbo.datasets").joinpath("data", "LICENSE.txt").read_text()
    )
    assert "CC BY 4.0" in text
    assert "10.24432/C5NC77" in text
    assert "10.24432/C5XW20" in text


def _fake_data_dir(tmp_path, filename, content: bytes):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / filename).write_bytes(content)
    return SimpleNamespace(files=lambda _package: tmp_path)


def test_corrupted_file_raises(monkeypatch, tmp_path):
    fake = _fake_data_dir(tmp_path, "german.data.gz", gzip.compress(b"A11 6 A34\n"))
    monkeypatch.setattr(_files, "resources", fake)
    with pytest.raises(DataIntegrityError, match="sha256 .* reinstall fairbo"):
        _files.read_text("german.data.gz")


def test_non_gzip_file_raises(monkeypatch, tmp_path):
    fake = _fake_data_dir(tmp_path, "adult.test.gz", b"not gzip at all")
    monkeypatch.setattr(_files, "resources", fake)
    with pytest.raises(DataIntegrityError, match="cannot be read"):
        _files.read_text("adult.test.gz")


def test_german_shape_and_balance():
    bunch = load_german_credit()
    assert bunch.data.shape == (1000, 20)
    assert bunch.target.value_counts().to_dict() == {1: 700, 0: 300}
    assert list(bunch.data.columns) == bunch.feature_names
    assert bunch.frame.shape == (1000, 21)
    assert bunch.data.isna().sum().sum() == 0


def test_german_foreign_worker_groups():
    bunch = load_german_credit()
    counts = bunch.sensitive_features.value_counts().to_dict()
    assert counts == {"yes": 963, "no": 37}
    assert bunch.sensitive_features.name == "foreign_worker"
    assert "yes: 963, no: 37" in bunch.DESCR


def test_german_decodes_first_row():
    # First raw row: A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143
    # A152 2 A173 1 A192 A201 1
    row = load_german_credit().frame.iloc[0]
    assert row["checking_account"] == "< 0 DM"
    assert row["duration_months"] == 6
    assert row["purpose"] == "radio/television"
    assert row["savings"] == "unknown or no savings account"
    assert row["personal_status_sex"] == "male: single"
    assert row["age"] == 67
    assert row["housing"] == "own"
    assert row["job"] == "skilled employee or official"
    assert row["foreign_worker"] == "yes"
    assert row["credit_risk"] == 1


def test_german_decoded_counts_match_raw_codes():
    # Counts of a few codes in the raw file (A14, A43, A93, A152).
    data = load_german_credit().data
    assert (data["checking_account"] == "no checking account").sum() == 394
    assert (data["purpose"] == "radio/television").sum() == 280
    assert (data["personal_status_sex"] == "male: single").sum() == 548
    assert (data["housing"] == "own").sum() == 713


@pytest.mark.parametrize(
    ("sensitive", "expected"),
    [
        ("sex", {"male": 690, "female": 310}),
        ("age", {"age>25": 810, "age<=25": 190}),
    ],
)
def test_german_other_sensitive(sensitive, expected):
    bunch = load_german_credit(sensitive=sensitive)
    assert bunch.sensitive_features.value_counts().to_dict() == expected
    assert bunch.sensitive_features.index.equals(bunch.data.index)


def test_german_keeps_sensitive_column():
    bunch = load_german_credit()
    assert "foreign_worker" in bunch.data.columns
    pd.testing.assert_series_equal(
        bunch.data["foreign_worker"].astype(str), bunch.sensitive_features
    )


def test_german_descr_has_source_and_licence():
    descr = load_german_credit().DESCR
    assert "10.24432/C5NC77" in descr
    assert "CC BY 4.0" in descr
    assert "credit_risk: 1 = good" in descr


def test_german_returns_independent_copies():
    first = load_german_credit()
    first.data.loc[0, "age"] = -1
    assert load_german_credit().data.loc[0, "age"] == 67


@pytest.mark.parametrize(
    ("part", "rows", "positives"),
    [("train", 32561, 7841), ("test", 16281, 3846), ("all", 48842, 11687)],
)
def test_adult_parts(part, rows, positives):
    bunch = load_adult(part=part)
    assert bunch.data.shape == (rows, 14)
    assert int(bunch.target.sum()) == positives
    assert set(bunch.target.unique()) == {0, 1}
    assert bunch.data.index.equals(pd.RangeIndex(rows))


def test_adult_question_marks_missing():
    data = load_adult().data
    missing = data.isna().sum()
    assert missing["workclass"] == 1836
    assert missing["occupation"] == 1843
    assert missing["native_country"] == 583
    assert "?" not in set(data["workclass"].dropna())


def test_adult_sensitive_columns():
    sex = load_adult().sensitive_features
    assert sex.value_counts().to_dict() == {"Male": 21790, "Female": 10771}
    race = load_adult(sensitive="race").sensitive_features
    assert race.value_counts()["White"] == 27816
    assert race.nunique() == 5


def test_adult_test_labels_have_no_dot():
    frame = load_adult(part="test").frame
    assert frame["income"].isin([0, 1]).all()
    assert frame.iloc[0]["age"] == 25


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda: load_german_credit(sensitive="gender"),
            "sensitive must be one of ['foreign_worker', 'sex', 'age'], got 'gender'",
        ),
        (
            lambda: load_adult(sensitive="age"),
            "sensitive must be one of ['sex', 'race'], got 'age'",
        ),
        (
            lambda: load_adult(part="validation"),
            "part must be one of ['train', 'test', 'all'], got 'validation'",
        ),
    ],
)
def test_loader_argument_errors(call, fragment):
    with pytest.raises(InvalidArgumentError) as info:
        call()
    assert fragment in str(info.value)
