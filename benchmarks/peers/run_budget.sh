#!/usr/bin/env bash
# The reduced suite that fits about 80 minutes of a shared 2-core machine:
# the canonical task first with 10 seeds, then the cheaper tasks, then fewer
# seeds on the other fairness tasks. Every step resumes from the records and
# the evaluation cache, so the script can be stopped and started again.
# The full suite is `python -m benchmarks.peers run --jobs 2`.
set -u
cd "$(dirname "$0")/../.."
python=.venv/bin/python
run() { "$python" -m benchmarks.peers run --jobs 2 "$@"; }
run --tasks german_dsp0.01 --seeds 10
run --tasks german_dsp0.05 --seeds 5
run --tasks gardner gramacy --seeds 10
run --tasks adult_rf_dsp0.05 adult_rf_deo0.05 --seeds 2
run --tasks adult_xgb_dsp0.05 --seeds 2
run --tasks branin_disk pressure_vessel --seeds 10
