#!/usr/bin/env bash
# Runs one fuzz target for a number of seconds: `fuzz/run.sh <target> <seconds>`.
# The working corpus grows in target/fuzz/corpus/<target>; the committed seeds
# (fuzz/seeds/<target>) and every input that once failed (fuzz/regressions/<target>)
# are replayed first. A failing input is written to fuzz/artifacts/<target>/; make it a
# regression by copying it to fuzz/regressions/<target>/ once fixed. Prints one line:
# `<target>: <runs> executions in <seconds> s, <corpus> inputs in the corpus`.
# With FUZZ_RUNS set, it stops after that many executions (or the seconds, if sooner).
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
seconds=$2
corpus=target/fuzz/corpus/$target
mkdir -p "$corpus" "fuzz/artifacts/$target" "fuzz/regressions/$target"
log=target/fuzz/logs/$target.log
mkdir -p "$(dirname "$log")"
status=0
cargo +nightly fuzz run -s none --target-dir target/fuzz "$target" \
  "$corpus" "fuzz/seeds/$target" "fuzz/regressions/$target" -- \
  -max_total_time="$seconds" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="fuzz/artifacts/$target/" -print_final_stats=1 >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
inputs=$(find "$corpus" -type f | wc -l)
if [ "$status" -ne 0 ]; then
  echo "$target: FAILED (exit $status) after ${runs:-0} executions; the input is in fuzz/artifacts/$target/:"
  grep -E "panicked|ERROR|SUMMARY|Test unit written" "$log" | head -20
  exit "$status"
fi
echo "$target: ${runs:-0} executions in ${took:-$seconds} s (${rate:-0}/s), $inputs inputs in the corpus"
