#!/usr/bin/env bash
# npm run faults: the fault-injection suite (packages/aio/src/faults) at full strength — 20
# rounds of each kill scenario — with its figures written to bench/results/faults.json.
# `npm test` runs the same scenarios with 2 rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
rm -f bench/results/faults.json
export FAULT_ROUNDS=${FAULT_ROUNDS:-20}
export FAULT_RESULTS=$PWD/bench/results/faults.json
bash scripts/test.sh --runInBand packages/aio/src/faults "$@"
echo "zun: fault figures in $FAULT_RESULTS"
