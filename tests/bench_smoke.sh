#!/usr/bin/env bash
# bench.smoke (ctest): every benchmark runs to the end at a tiny size, so a
# change to the spine cannot leave a bench that no longer works (bench_tax once
# stopped at its batch because it never registered the modules' owner handles).
# The figures are not checked: speed belongs to the benchmarks themselves.
set -uo pipefail
: "${ATENA_BENCH_DIR:?set by ctest}" "${ATENA_TEST_TMP:?set by ctest}"
tmp=$(mktemp -d "$ATENA_TEST_TMP/bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
run() {   # name, args...
	local name=$1; shift
	if "$ATENA_BENCH_DIR/$name" "$@" >"$tmp/$name.log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "FAIL: $name $*"; tail -5 "$tmp/$name.log"
	fi
}
run bench_audit --events 200 --batch 50 --producers 4 --dir "$tmp/audit"
run bench_door --persons 200 --reads 200 --rounds 1 --dir "$tmp/door"
run bench_tax --households 100 --dir "$tmp/tax"
run bench_registry --households 100 --duration 1 --clients 1 --dir "$tmp/registry"
# The soak's exit status is its verdict: no failed request, the audit log verifies.
run soak --households 100 --clients 4 --duration 3 --sample 1 --dir "$tmp/soak"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
