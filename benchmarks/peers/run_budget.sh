#!/usr/bin/env bash
# The reduced suite of benchmarks/RESULTS.md, which fits about 80 minutes of
# a shared 2-core machine: 10 seeds on the German Credit tasks, 20 on the
# synthetic tasks, and fewer on the Adult tasks. Every step resumes from the
# records and the evaluation cache, so the script can be stopped and
# started again. The full suite is `python -m benchmarks.peers run --jobs 2`.
set -u
cd "$(dirname "$0")/../.."
python=.venv/bin/python
run() { "$python" -m benchmarks.peers run --jobs 2 "$@"; }
run --tasks german_dsp0.01 german_dsp0.05 --seeds 10
run --tasks gardner gramacy branin_disk pressure_vessel --seeds 20
run --tasks adult_rf_dsp0.05 adult_rf_deo0.05 --seeds 4
run --tasks adult_xgb_dsp0.05 --seeds 2
"$python" -m benchmarks.peers report
