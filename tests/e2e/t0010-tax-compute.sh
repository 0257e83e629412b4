#!/usr/bin/env bash
# Golden cases for the individual resident tax (個人住民税): every
# tests/tax/cases/*.json is fed to `atena tax compute`, and each key of its
# "expect" (recursively; only the keys given) must equal the engine's answer.
# The expected amounts were derived by hand from the statutes and published
# municipal examples (see each case's "source" and docs/tax-cases.md), not
# from the engine. Then the error contract and `atena tax schedule`.
# Pure computations: no database, no login.
. "$(dirname "$0")/lib.sh"

CASES=${TAX_CASES_DIR:-$(cd "$(dirname "$0")/../tax/cases" && pwd)}

# ---- golden cases
ncase=0
for f in "$CASES"/*.json; do
	[ -e "$f" ] || { fail "no case files in $CASES"; break; }
	ncase=$((ncase + 1))
	base=$(basename "$f")
	if ! jq -e 'has("name") and has("input") and (.expect | type == "object")' "$f" >/dev/null 2>&1; then
		fail "$base: not a valid case file (needs name, input, expect)"; continue
	fi
	name=$(jq -r .name "$f")
	jq -c .input "$f" >"$WORK/in.json"
	"$ATENA_BIN" tax compute <"$WORK/in.json" >"$WORK/out.json" 2>"$WORK/err"
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "$base [$name]: exit $rc; stdout: $(head -c 300 "$WORK/out.json"); stderr: $(head -c 300 "$WORK/err")"; continue
	fi
	if [ "$(jq -s 'length == 1 and (.[0] | type == "object")' "$WORK/out.json" 2>/dev/null)" != true ]; then
		fail "$base [$name]: output is not a JSON object: $(head -c 300 "$WORK/out.json")"; continue
	fi
	# One line per expected leaf that differs: key<TAB>expected<TAB>actual.
	mismatches=$(jq -rn --slurpfile c "$f" --slurpfile a "$WORK/out.json" '
		$c[0].expect as $e | $a[0] as $o
		| $e | paths(type != "object" and type != "array") as $p
		| ($e | getpath($p)) as $want
		| ($o | try getpath($p) catch null) as $got
		| select($got != $want)
		| "\($p | map(tostring) | join("."))\t\($want | tojson)\t\($got | tojson)"')
	if [ -z "$mismatches" ]; then
		ok
	else
		while IFS=$'\t' read -r key want got; do
			fail "$base [$name]: $key: expected $want, got $got"
		done <<<"$mismatches"
	fi
done
[ "$ncase" -ge 25 ] || fail "only $ncase golden cases found in $CASES"

# ---- error contract: exit 2 and a JSON error naming the field
# The JSON error may be on stdout or on stderr.
error_json() {   # the first JSON object with an "error" object, from stdout or stderr
	# Each stream is tried whole (pretty-printed JSON), then line by line
	# (a JSON line among plain-text diagnostics).
	local s j
	for s in "$WORK/out" "$WORK/err"; do
		j=$(jq -cs 'map(select(type == "object" and (.error | type) == "object")) | first // empty' "$s" 2>/dev/null)
		[ -z "$j" ] && j=$(grep '^[[:space:]]*{' "$s" 2>/dev/null |
			jq -cRn '[inputs | try fromjson catch empty | select(type == "object" and (.error | type) == "object")] | first // empty' 2>/dev/null)
		if [ -n "$j" ]; then echo "$j"; return 0; fi
	done
}
error_field() { local j; j=$(error_json); if [ -n "$j" ]; then jq -r '.error.field // ""' <<<"$j"; else echo "<no JSON error>"; fi; }
error_code()  { local j; j=$(error_json); if [ -n "$j" ]; then jq -r '.error.code // ""' <<<"$j"; else echo "<no JSON error>"; fi; }
VALID='{"fiscal_year":2025,"municipality":"131105","taxpayer":{"birth_date":"1985-04-01","sex":"male","income":{"salary_revenue":3000000}},"spouse":null,"dependants":[]}'
bad_input() {   # description, want-field, jq-filter applied to VALID
	local what=$1 want=$2 filter=$3
	jq -c "$filter" <<<"$VALID" >"$WORK/bad.json"
	"$ATENA_BIN" tax compute <"$WORK/bad.json" >"$WORK/out" 2>"$WORK/err"
	local rc=$?
	expect_eq "$what: exit code" "$rc" 2
	expect_eq "$what: error.field" "$(error_field)" "$want"
	# The brief's example code is "invalid_input"; any non-empty code is accepted.
	local code; code=$(error_code)
	check "$what: error.code present (got '$code')" test -n "$code" -a "$code" != "<no JSON error>"
}
# the base input itself must be accepted
"$ATENA_BIN" tax compute <<<"$VALID" >"$WORK/out" 2>"$WORK/err"
expect_eq "base input for the error checks is accepted" "$?" 0
bad_input "unknown top-level key" bogus '. + {bogus: 1}'
bad_input "unknown nested key" taxpayer.income.salry_revenue '.taxpayer.income += {salry_revenue: 1}'
bad_input "unknown key in deductions" taxpayer.deductions.life_insurance.new_genral '.taxpayer.deductions = {life_insurance: {new_genral: 1000}}'
bad_input "negative amount" taxpayer.income.salary_revenue '.taxpayer.income.salary_revenue = -1'
bad_input "impossible date" taxpayer.birth_date '.taxpayer.birth_date = "2023-02-30"'
bad_input "unknown municipality (千代田区, a real code not supported)" municipality '.municipality = "131016"'
bad_input "unknown fiscal year" fiscal_year '.fiscal_year = 1999'
printf 'this is not json' | "$ATENA_BIN" tax compute >"$WORK/out" 2>"$WORK/err"
expect_eq "non-JSON input: exit code" "$?" 2
check "non-JSON input: a JSON error on stdout or stderr" test "$(error_code)" != "<no JSON error>"

# ---- schedule
schedule() {   # description, expected JSON ([{month,amount}...]), args...
	local what=$1 want=$2; shift 2
	"$ATENA_BIN" tax schedule "$@" >"$WORK/out" 2>"$WORK/err"
	local rc=$?
	if [ "$rc" != 0 ]; then fail "$what: exit $rc; stderr: $(head -c 300 "$WORK/err")"; return; fi
	local got
	got=$(jq -c '[.[] | {month, amount}]' "$WORK/out" 2>/dev/null)
	expect_eq "$what" "$got" "$(jq -c . <<<"$want")"
}
# 特別徴収 (地方税法321条の5第1項): 12 months June..May; each of July..May is
# annual/12 rounded down to 100 yen, June takes the remainder.
# 123,400 / 12 = 10,283.3 -> 10,200; June = 123,400 - 11 x 10,200 = 11,200.
special_months() {   # fiscal-year june-amount other-amount
	local y=$1 first=$2 rest=$3
	jq -nc --argjson y "$y" --argjson f "$first" --argjson r "$rest" '
		[range(0;12) as $i | (($i + 5) % 12 + 1) as $m | ($y + (if $i >= 7 then 1 else 0 end)) as $yy
		 | {month: "\($yy)-\(if $m < 10 then "0" else "" end)\($m)", amount: (if $i == 0 then $f else $r end)}]'
}
schedule "special 123,400 (目黒区 FY2025)" "$(special_months 2025 11200 10200)" \
	--method special --annual 123400 --fiscal-year 2025 --municipality 131105
# 5,000 / 12 = 416.6 -> 400; June = 5,000 - 4,400 = 600.
schedule "special 5,000 (所沢市 FY2025)" "$(special_months 2025 600 400)" \
	--method special --annual 5000 --fiscal-year 2025 --municipality 112089
# 209,500 / 12 = 17,458.3 -> 17,400; June = 209,500 - 191,400 = 18,100.
schedule "special 209,500 (豊島区 FY2026)" "$(special_months 2026 18100 17400)" \
	--method special --annual 209500 --fiscal-year 2026 --municipality 131164
# 普通徴収 (地方税法320条: June, August, October, January; 20条の4の2第6項:
# each installment's fraction below 1,000 yen goes into the first one).
# 123,400 / 4 = 30,850 -> 30,000 x 3; first = 33,400.
schedule "ordinary 123,400 (目黒区 FY2025)" \
	'[{"month":"2025-06","amount":33400},{"month":"2025-08","amount":30000},{"month":"2025-10","amount":30000},{"month":"2026-01","amount":30000}]' \
	--method ordinary --annual 123400 --fiscal-year 2025 --municipality 131105
# 5,000 / 4 = 1,250 -> 1,000 x 3; first = 2,000.
schedule "ordinary 5,000 (所沢市 FY2025)" \
	'[{"month":"2025-06","amount":2000},{"month":"2025-08","amount":1000},{"month":"2025-10","amount":1000},{"month":"2026-01","amount":1000}]' \
	--method ordinary --annual 5000 --fiscal-year 2025 --municipality 112089
# 66,800 / 4 = 16,700 -> 16,000 x 3; first = 18,800.
schedule "ordinary 66,800 (墨田区 FY2024)" \
	'[{"month":"2024-06","amount":18800},{"month":"2024-08","amount":16000},{"month":"2024-10","amount":16000},{"month":"2025-01","amount":16000}]' \
	--method ordinary --annual 66800 --fiscal-year 2024 --municipality 131075
expect_rc "schedule: unknown method" 2 "$ATENA_BIN" tax schedule --method monthly --annual 1000 --fiscal-year 2025 --municipality 131105
expect_rc "schedule: negative annual" 2 "$ATENA_BIN" tax schedule --method special --annual -100 --fiscal-year 2025 --municipality 131105

finish
