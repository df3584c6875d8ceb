"""FairSearchCV: the scikit-learn style search estimator."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import fairbo
from fairbo.exceptions import FairboWarning


@pytest.fixture(scope="module")
def german():
    return fairbo.datasets.load_german_credit()


def make_search(**kwargs):
    options = {
        "constraints": {"dsp": 0.1},
        "searcher": "random",
        "n_trials": 6,
        "cv": 3,
        "seed": 0,
    }
    options.update(kwargs)
    return fairbo.FairSearchCV(
        DecisionTreeClassifier(),
        {"max_depth": fairbo.Int(1, 8), "min_samples_leaf": fairbo.Int(1, 50)},
        **options,
    )


pytestmark = pytest.mark.filterwarnings("ignore::fairbo.exceptions.SmallGroupWarning")


def test_fit_finds_feasible_configuration(german):
    search = make_search().fit(
        german.data, german.target, sensitive_features=german.sensitive_features
    )
    assert len(search.cv_results_["number"]) == 6
    assert search.best_metrics_["dsp"] <= 0.1
    assert search.best_score_ == search.best_metrics_["accuracy"]
    feasible = search.cv_results_["feasible"].astype(bool)
    assert search.best_score_ == pytest.approx(
        np.max(search.cv_results_["accuracy"][feasible])
    )
    tree = search.best_estimator_.named_steps["model"]
    assert tree.max_depth == search.best_params_["max_depth"]


def test_predict_uses_refitted_best_model(german):
    search = make_search().fit(
        german.data, german.target, sensitive_features=german.sensitive_features
    )
    predicted = search.predict(german.data)
    assert predicted.shape == (1000,)
    assert set(np.unique(predicted)) <= {0, 1}
    assert 0.5 < search.score(german.data, german.target) <= 1.0
    assert search.predict_proba(german.data).shape == (1000, 2)
    assert list(search.classes_) == [0, 1]


def test_no_feasible_trial_warns_and_cannot_predict(german):
    search = make_search(constraints={"accuracy": 0.0}, n_trials=3)
    with pytest.warns(FairboWarning, match="none of the 3 trials"):
        search.fit(
            german.data, german.target, sensitive_features=german.sensitive_features
        )
    assert search.best_params_ is None
    with pytest.raises(NotFittedError, match="no feasible trial"):
        search.predict(german.data)


def test_constraint_on_upper_confidence_bound(german):
    search = fairbo.FairSearchCV(
        LogisticRegression(max_iter=300),
        {"C": fairbo.Float(1e-3, 1e2, log=True)},
        constraints={"dsp_ucb": 0.2},
        searcher="random",
        n_trials=4,
        cv=3,
        scale_numeric=True,
        upper_confidence=0.9,
    )
    search.fit(german.data, german.target, sensitive_features="foreign_worker")
    assert "dsp_ucb" in search.cv_results_
    assert search.best_metrics_["dsp_ucb"] <= 0.2


def test_unpredicted_search_raises_not_fitted():
    with pytest.raises(NotFittedError, match="call fit first"):
        make_search().predict(np.zeros((2, 2)))


def test_unknown_parameter_fails_before_any_trial(german):
    search = fairbo.FairSearchCV(
        LogisticRegression(), {"Cc": fairbo.Float(1e-3, 1.0)}, n_trials=2, cv=3
    )
    with pytest.raises(fairbo.exceptions.InvalidArgumentError, match=r"\['Cc'\]"):
        search.fit(
            german.data, german.target, sensitive_features=german.sensitive_features
        )
    assert not hasattr(search, "result_")
