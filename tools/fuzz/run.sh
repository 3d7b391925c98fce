#!/usr/bin/env bash
# Runs every cargo-fuzz target of tests/fuzz one after the other for SECONDS each (default 600),
# and prints one line per target: executions, seconds, result. Needs the nightly toolchain and
# cargo-fuzz (`cargo install cargo-fuzz --locked`). Committed seeds (tests/fuzz/corpus/TARGET)
# are read only; what libFuzzer finds goes to tests/fuzz/corpus-new/TARGET (git-ignored), crashes
# to tests/fuzz/artifacts/TARGET (git-ignored): turn each crash into a regression test.
#   tools/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../../tests/fuzz"
seconds="${1:-600}"
shift || true
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo +nightly fuzz list); fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus-new/$t" "corpus/$t"
    log="corpus-new/$t.log"
    start=$(date +%s)
    if cargo +nightly fuzz run "$t" "corpus-new/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result="FAILED (see tests/fuzz/$log and tests/fuzz/artifacts/$t)"
        status=1
    fi
    end=$(date +%s)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
    echo "$t: ${execs:-?} executions in $((end - start)) s (incl. build): $result"
done
exit "$status"
