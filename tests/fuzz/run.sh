#!/usr/bin/env bash
# run.sh HARNESS SEEDS SECONDS — the fuzz ctests (tests/fuzz/CMakeLists.txt):
# run a libFuzzer harness for SECONDS on a scratch copy of its seed corpus
# (new inputs go to the copy, never into the source tree). Fails when the
# harness finds a crash, a leak, a hang or a 5xx (the input is kept as
# crash-*/leak-*/timeout-* in the scratch folder, whose path is printed).
set -euo pipefail
bin=$1 seeds=$2 secs=$3
[ -d "$seeds" ] && [ -n "$(ls -A "$seeds")" ] || { echo "no seed corpus in $seeds"; exit 1; }
root=${ATENA_TEST_TMP:-/tmp}
mkdir -p "$root"
work=$(mktemp -d "$root/fuzz-$(basename "$bin")-XXXXXX")
mkdir -p "$work/corpus"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# fontconfig's process-long configuration (tests/lsan.supp), as the other tests
supp=$(cd "$(dirname "$0")/.." && pwd)/lsan.supp
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$supp:print_suppressions=0}
rc=0
nice -n 10 "$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" "$seeds" >"$work/log" 2>&1 || rc=$?
grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/log" ||
	true
if [ "$rc" -ne 0 ]; then
	echo "FAIL: $(basename "$bin") exited $rc; the log and the input are in $work"
	tail -60 "$work/log"
	exit 1
fi
rm -rf "$work"
