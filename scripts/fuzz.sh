#!/usr/bin/env bash
# scripts/fuzz.sh — run the libFuzzer harnesses (tests/fuzz, docs/fuzzing.md)
# for longer than CI does, by hand:
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [--build DIR] [HARNESS...]
#
# Configures and builds DIR (default build/fuzz: clang, ASan+UBSan, libFuzzer,
# Debug), then runs each harness (default: all) for N seconds (default 3600),
# J at a time (default 2) under nice -n 19. Each keeps its corpus in
# DIR/fuzz-corpus/NAME (grown from tests/fuzz/corpus/NAME; kept between runs)
# and its log in DIR/fuzz-logs/NAME.log; a crash, leak, hang or 5xx leaves its
# input as DIR/fuzz-logs/NAME-crash-* (or -leak-, -timeout-). Prints one line
# per harness: executions, executions per second, coverage (cov: edges, ft:
# features), corpus size and the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=3600 jobs=2 build=build/fuzz
names=()
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) secs=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "scripts/fuzz.sh: unknown flag $1" >&2; exit 2 ;;
	*) names+=("$1"); shift ;;
	esac
done
all=(layout_salary layout_pension layout_return layout_onestop tax_case law_year law_muni http)
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")
for n in "${names[@]}"; do
	[ -d "tests/fuzz/corpus/$n" ] || { echo "scripts/fuzz.sh: no harness $n (${all[*]})" >&2; exit 2; }
done

CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DATENA_TEST_CLOCK=ON \
	-DATENA_SANITIZE=ON -DATENA_FUZZ=ON >/dev/null
cmake --build "$build" -j2 --target $(printf 'fuzz_%s ' "${names[@]}") 2>&1 |
	grep -vE '^\[ *[0-9]+%\]' || true

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
mkdir -p "$build/fuzz-logs"

one() {   # name
	local n=$1 corpus=$build/fuzz-corpus/$1 log=$build/fuzz-logs/$1.log rc=0
	mkdir -p "$corpus"
	nice -n 19 "$build/tests/fuzz/fuzz_$n" -max_total_time="$secs" -timeout=25 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/fuzz-logs/$n-" \
		"$corpus" "tests/fuzz/corpus/$n" >"$log" 2>&1 || rc=$?
	local last execs eps cov ft
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	printf '%-16s %12s execs %7s/s  cov %6s  ft %6s  corpus %6s  %s\n' "$n" "${execs:-?}" \
		"${eps:-?}" "${cov:-?}" "${ft:-?}" "$(ls "$corpus" | wc -l)" \
		"$([ $rc -eq 0 ] && echo 'no crash' || echo "FOUND (exit $rc): see $log")"
	return $rc
}

echo "fuzzing ${names[*]} for $secs s each, $jobs at a time ($(date -u +%FT%TZ))"
status=0
for n in "${names[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || status=1; done
	one "$n" &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || status=1; done
exit $status
