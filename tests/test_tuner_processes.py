"""The tuner with real processes: a study killed with SIGKILL resumes with
nothing lost, and trials run on a real Dask cluster."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import fairbo
import objectives
from fairbo.storage import SQLiteStorage
from fairbo.trial import TrialStatus

SPACE = {"x": fairbo.Float(0.0, 1.0)}
TESTS_DIR = Path(__file__).parent

STUDY_SCRIPT = textwrap.dedent(
    """
    import sys
    import fairbo
    import objectives

    fairbo.tune(
        objectives.slow_quadratic,
        {"x": fairbo.Float(0.0, 1.0)},
        metric="loss",
        mode="min",
        constraints={"cost": 0.5},
        searcher="random",
        n_trials=40,
        seed=0,
        storage=sys.argv[1],
        study_name="killed",
    )
    """
)


def count_completed(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM trials WHERE status = 'completed'"
            ).fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0])


@pytest.mark.slow
def test_killed_study_resumes_without_loss(tmp_path):
    path = tmp_path / "runs.db"
    env = dict(os.environ, PYTHONPATH=str(TESTS_DIR), FAIRBO_TEST_SLEEP="0.2")
    process = subprocess.Popen([sys.executable, "-c", STUDY_SCRIPT, str(path)], env=env)
    deadline = time.monotonic() + 120
    while count_completed(path) < 5:
        assert process.poll() is None, "the study ended before it was killed"
        assert time.monotonic() < deadline, "the study made no progress"
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()

    with SQLiteStorage(path) as storage:
        before = storage.load_trials("killed")
    finished_before = {t.number: (t.config, t.metrics) for t in before if t.is_finished}
    assert len(finished_before) >= 5
    assert len(before) < 40

    result = fairbo.tune(
        objectives.quadratic,
        SPACE,
        metric="loss",
        mode="min",
        constraints={"cost": 0.5},
        searcher="random",
        n_trials=len(before) + 3,
        seed=0,
        storage=path,
        study_name="killed",
    )
    numbers = [t.number for t in result.trials]
    assert numbers == list(range(len(before) + 3))
    assert all(t.status is TrialStatus.COMPLETED for t in result.trials)
    for number, (config, metrics) in finished_before.items():
        assert result.trials[number].config == config
        assert result.trials[number].metrics == metrics
    with SQLiteStorage(path) as storage:
        stored = storage.load_trials("killed")
    assert [t.number for t in stored] == numbers


@pytest.mark.slow
def test_dask_local_cluster_runs_trials():
    distributed = pytest.importorskip("distributed")
    cloudpickle = pytest.importorskip("cloudpickle")
    # The workers cannot import the tests folder, so the objective travels
    # by value.
    cloudpickle.register_pickle_by_value(objectives)
    try:
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            worker_pids = set(client.run(os.getpid).values())
            result = fairbo.tune(
                objectives.slow_quadratic,
                SPACE,
                metric="loss",
                mode="min",
                constraints={"cost": 0.5},
                searcher="random",
                n_trials=6,
                n_workers=2,
                seed=0,
                executor=client.get_executor(),
            )
    finally:
        cloudpickle.unregister_pickle_by_value(objectives)
    assert len(result.trials) == 6
    assert all(t.status is TrialStatus.COMPLETED for t in result.trials)
    used_pids = {int(t.worker.rsplit(":", 1)[1]) for t in result.trials}
    assert used_pids <= worker_pids
    assert os.getpid() not in used_pids
    assert result.best_trial is not None
