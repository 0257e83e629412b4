#!/usr/bin/env bash
# The crash harness (issue 10 §3): a bounded mixed write load over HTTP —
# register events (move_in) and tax intake (returns) from several clients —
# and the annual batch (`atena tax assess --chunk 1`, a process of its own on
# the same database), while the server and the batch are killed with SIGKILL
# at random moments. After every kill, with nothing running:
#  - `atena audit verify` passes (the chain is gap-free, every event whole);
#  - nothing is half there: every register record and every tax document has
#    its "ok" event and every such event its record, every assessment its
#    "tax.assess" event and the reverse, none twice, and the batch's row
#    counts exactly the assessments;
# and every write acknowledged to a client is present (the person's record in
# the database; the return, sent again after the restart, a duplicate). At the end
# the batch runs to completion: every person on the roll assessed once,
# whatever the kills interrupted (resumed without double work).
#
#   bash tests/fault/crash.sh [--kills N] [--seed S]     (ctest runs --kills 10)
# Needs ATENA_BIN (the test build's atena); uses tests/e2e/lib.sh.
. "$(dirname "$0")/../e2e/lib.sh"

KILLS=10
SEED=$$
while [ $# -gt 0 ]; do
	case $1 in
	--kills) KILLS=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	*) echo "usage: crash.sh [--kills N] [--seed S]" >&2; exit 2 ;;
	esac
done
RANDOM=$SEED
echo "crash harness: $KILLS kills, seed $SEED"
WRITERS=3
ROLL_HOUSEHOLDS=60     # 5 persons each: the batch's work, one commit per person
FY=2026
DB=$DATA/atena.db
sql() { sqlite3 -batch -noheader -cmd ".timeout 10000" "$DB" "$1"; }

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
for w in $(seq 1 $WRITERS); do add_user "clerk$w" "窓口 $w" 区民課 --by admin; done
add_user tax1 "税務 一郎" 税務課 --by admin
for w in $(seq 1 $WRITERS); do
	atena grant --staff "clerk$w" --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
	atena grant --staff "clerk$w" --business individual_resident_tax --access update --by admin --reason 申告受付 >/dev/null
done
atena grant --staff tax1 --business individual_resident_tax --access update --by admin --reason 課税担当 >/dev/null
start_server || exit 1
for w in $(seq 1 $WRITERS); do check "login clerk$w" login "clerk$w" "Meguro-counter-2026-$w"; done
check "login tax1" login tax1 "Meguro-taxation-2026b"

# The roll of January 1: households resident since 2025.
export AS=clerk1 BIZ=resident_register REASON=転入届の受付
for h in $(seq 1 $ROLL_HOUSEHOLDS); do
	persons=
	for p in 1 2 3 4 5; do
		rc=$(printf '1%04d%d00000' "$h" "$p")
		persons+=$(jq -nc --arg rc "$rc" --arg m "$(mynumber "$rc")" --argjson hh "$([ $p = 1 ] && echo true || echo false)" \
			--arg rel "$([ $p = 1 ] && echo 世帯主 || echo 子)" \
			'{name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1980-04-12", sex:"1",
			  relationship:$rel, householder:$hh, resident_code:$rc, my_number:$m}'),
	done
	api POST /api/v1/registry/events/move_in "$(jq -nc --argjson ps "[${persons%,}]" --arg n "$h" '{
	  event_date:"2025-10-01", notification_date:"2025-10-03", household:{new:true},
	  address:{address:("東京都目黒区中目黒一丁目" + $n + "番1号"), postcode:"1530061"},
	  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"}, persons:$ps}')"
	[ "$STATUS" = 201 ] || { fail "roll household $h: $STATUS $BODY"; break; }
done
AS=tax1 BIZ=individual_resident_tax REASON=当初課税 api POST "/api/v1/tax/roll?fiscal_year=$FY"
expect_eq "the roll" "$STATUS|$(jq .residents <<<"$BODY")" "200|$((ROLL_HOUSEHOLDS * 5))"
unset AS BIZ REASON
ROLL=$((ROLL_HOUSEHOLDS * 5))

# ---- the load --------------------------------------------------------------
# writer W CYCLE: until the server is gone, a move_in of a new person, and
# every third time a resident-tax return of a number nobody here has (held).
# "S key" is written before a request is sent, "A key value" once it was
# acknowledged (201 / 200).
writer() {
	local w=$1 cy=$2 j=0 rc mn code out=$WORK/w$w-$2
	while :; do
		j=$((j + 1))
		rc=$(printf '8%02d%d%07d' "$cy" "$w" "$j")
		echo "S $rc" >>"$out.reg"
		code=$(curl -s -m 20 -o "$out.body" -w '%{http_code}' -X POST \
			-H "Authorization: Bearer ${TOKEN[clerk$w]}" -H "X-Atena-Business: resident_register" \
			-H "X-Atena-Reason: 転入届の受付" -H 'Content-Type: application/json' \
			--data-binary "$(jq -nc --arg rc "$rc" --arg m "$(mynumber "$rc")" '{
			  event_date:"2026-03-01", notification_date:"2026-03-02", household:{new:true},
			  address:{address:"東京都目黒区目黒一丁目2番3号", postcode:"1530063"},
			  previous:{municipality_code:"131075", address:"東京都墨田区吾妻橋一丁目23番"},
			  persons:[{name:"墨田 四郎", name_kana:"スミダ シロウ", birth_date:"1990-01-20", sex:"1",
			    relationship:"世帯主", householder:true, resident_code:$rc, my_number:$m}]}')" \
			"$URL/api/v1/registry/events/move_in")
		[ "$code" = 000 ] && return 0
		[ "$code" = 201 ] && echo "A $rc $(jq -r '.records[0].addressee_no' "$out.body")" >>"$out.reg"
		[ $((j % 3)) = 0 ] || continue
		mn=$(mynumber "$(printf '9%02d%d%07d' "$cy" "$w" "$j")")
		echo "S $mn" >>"$out.tax"
		code=$(curl -s -m 20 -o "$out.body" -w '%{http_code}' -X POST \
			-H "Authorization: Bearer ${TOKEN[clerk$w]}" -H "X-Atena-Business: individual_resident_tax" \
			-H "X-Atena-Reason: 住民税申告の受付" -H 'Content-Type: application/json' \
			--data-binary "$(ret_body "$mn")" "$URL/api/v1/tax/intake")
		[ "$code" = 000 ] && return 0
		[ "$code" = 200 ] && echo "A $mn" >>"$out.tax"
	done
}
ret_body() {   # my_number
	jq -nc --arg d "$(jq -nc --arg m "$1" '{return_type:"resident", fiscal_year:2026,
	  addressed_to:"131105", my_number:$m, name:"横浜 八郎", name_kana:"ヨコハマ ハチロウ",
	  birth_date:"1970-08-08", sex:"male", address:"神奈川県横浜市中区日本大通1番地",
	  taxpayer:{income:{business:6000000}}}')" '{fiscal_year:2026, kind:"return", data:$d}'
}

# The batch as its own process, one committed chunk per person; output in
# $WORK/assess.out. Each run a later one-time code: call next_step first, in
# this shell (a code is good once; a background job's count would be lost).
next_step() { STEP[tax1]=$(( ${STEP[tax1]:-$ATENA_FAKE_NOW} + 30 )); }
assess() {
	# exec: the job's pid is the batch's own, for kill -KILL
	ATENA_FAKE_NOW=${STEP[tax1]} ATENA_PASSWORD=${PW[tax1]} ATENA_TOTP=$(totp tax1 "${STEP[tax1]}") \
		exec "$ATENA_BIN" tax assess --fiscal-year $FY --chunk 1 --as tax1 --reason 令和8年度当初課税 \
		>"$WORK/assess.out" 2>"$WORK/assess.err"
}

# ---- what must hold with nothing running -------------------------------------
# Each query counts violations; all must be 0.
INVARIANTS=(
"register record without its ok event|SELECT count(*) FROM sp_record r WHERE NOT EXISTS(SELECT 1 FROM sp_audit_event e WHERE e.subject = r.subject AND e.outcome = 'ok' AND e.operation = 'move_in')"
"move_in event without its record|SELECT count(*) FROM sp_audit_event e WHERE e.operation = 'move_in' AND e.outcome = 'ok' AND NOT EXISTS(SELECT 1 FROM sp_record r WHERE r.subject = e.subject)"
"tax document without its intake event|SELECT count(*) FROM tax_doc d WHERE NOT EXISTS(SELECT 1 FROM sp_audit_event e WHERE e.operation = 'tax.intake' AND e.outcome = 'ok' AND (e.detail LIKE '% doc=' || d.doc_id OR e.detail LIKE '% doc=' || d.doc_id || ' %'))"
"intake events and tax documents differ in number|SELECT abs((SELECT count(*) FROM tax_doc) - (SELECT count(*) FROM sp_audit_event WHERE operation = 'tax.intake' AND outcome = 'ok'))"
"an assessment twice|SELECT count(*) - count(DISTINCT addressee_no) FROM tax_assessment"
"assessment without its event|SELECT count(*) FROM tax_assessment a WHERE NOT EXISTS(SELECT 1 FROM sp_audit_event e WHERE e.operation = 'tax.assess' AND e.subject = a.addressee_no)"
"assess event without its assessment, or twice|SELECT (SELECT count(*) FROM sp_audit_event WHERE operation = 'tax.assess' AND outcome = 'ok') - (SELECT count(*) FROM tax_assessment)"
"the batch miscounts|SELECT coalesce((SELECT assessed FROM tax_batch), 0) - (SELECT count(*) FROM tax_assessment)"
)
check_down() {   # cycle
	local inv what q got
	expect_rc "cycle $1: audit verify" 0 atena audit verify --data "$DATA"
	for inv in "${INVARIANTS[@]}"; do
		what=${inv%%|*} q=${inv#*|}
		got=$(sql "$q")
		expect_eq "cycle $1: $what" "$got" 0
	done
}
# Every acknowledged move_in: its person's record, active, in the database
# (read straight, not over HTTP, where a checker would count as one staff
# member searching and meet the door's volume limit).
acked_persons() {   # cycle
	local anos n
	anos=$(cat "$WORK"/w*-"$1".reg 2>/dev/null | awk -v q="'" '$1 == "A" {printf "%s%s%s%s", sep, q, $3, q; sep = ","}')
	n=$(cat "$WORK"/w*-"$1".reg 2>/dev/null | grep -c '^A')
	ACKED=$((ACKED + n))
	[ "$n" -gt 0 ] || return 0
	expect_eq "cycle $1: every acknowledged move_in present" \
		"$(sql "SELECT count(DISTINCT subject) FROM sp_record WHERE state = 'active' AND subject IN ($anos)")" "$n"
}
check_acked() {   # cycle: the server is up again; every acknowledged return, sent again, a duplicate
	local f k rc
	export BIZ=individual_resident_tax REASON=確認
	for f in "$WORK"/w*-"$1".tax; do
		[ -e "$f" ] || continue
		while read -r k rc; do
			[ "$k" = A ] || continue
			AS=clerk1 api POST /api/v1/tax/intake "$(ret_body "$rc")"
			expect_eq "cycle $1: acknowledged return present (a duplicate now)" \
				"$STATUS|$(jq .duplicates <<<"$BODY")" "200|1"
			ACKED=$((ACKED + 1))
		done <"$f"
	done
	unset AS BIZ REASON
}

# ---- the kills ------------------------------------------------------------------
ACKED=0
MID_BATCH=0
stop_server
for cy in $(seq 1 "$KILLS"); do
	start_server || { fail "cycle $cy: the server did not start"; break; }
	[ "$cy" -gt 1 ] && check_acked $((cy - 1))
	pids=()
	for w in $(seq 1 $WRITERS); do writer "$w" "$cy" & pids+=($!); done
	done_before=$(sql "SELECT count(*) FROM tax_assessment")
	APID=
	if [ "$done_before" -lt "$ROLL" ]; then next_step; assess & APID=$!; fi
	# 0.5 .. 2 s of load (25 .. 100 polls), then SIGKILL to the server. The batch is killed
	# after a random few more persons (1 .. 25), or with the server if that
	# comes first: a kill between two of its commits or inside one.
	ticks=$((25 + RANDOM % 75)) want=$((done_before + 1 + RANDOM % 25))
	for _ in $(seq 1 $ticks); do
		sleep 0.02
		if [ -n "$APID" ] && [ "$(sql "SELECT count(*) FROM tax_assessment")" -ge "$want" ]; then
			kill -KILL "$APID" 2>/dev/null
		fi
	done
	kill -KILL "$SERVER_PID" 2>/dev/null
	[ -n "$APID" ] && kill -KILL "$APID" 2>/dev/null
	# 137: our SIGKILL. Anything else: the server ended on its own before it.
	wait "$SERVER_PID" 2>/dev/null
	st=$?
	if [ "$st" != 137 ]; then
		fail "cycle $cy: the server ended by itself (status $st) before its kill"
		tail -n 20 "$WORK/server.log" >&2
	fi
	SERVER_PID=
	wait "${pids[@]}" $APID 2>/dev/null
	done_after=$(sql "SELECT count(*) FROM tax_assessment")
	if [ "$done_after" -gt "$done_before" ] && [ "$done_after" -lt "$ROLL" ]; then MID_BATCH=$((MID_BATCH + 1)); fi
	echo "cycle $cy: $(cat "$WORK"/w*-"$cy".reg 2>/dev/null | grep -c '^A') move_ins and" \
	     "$(cat "$WORK"/w*-"$cy".tax 2>/dev/null | grep -c '^A') returns acknowledged;" \
	     "batch $done_before -> $done_after of $ROLL"
	check_down "$cy"
	acked_persons "$cy"
done

# ---- the end: the last acknowledgements, then the batch to its end --------------
start_server || exit 1
check_acked "$KILLS"
stop_server
next_step
(assess)
rc=$?
[ $rc = 0 ] || cat "$WORK/assess.err" >&2
expect_eq "the batch finishes" "$rc" 0
resumed=$(jq .assessed "$WORK/assess.out")
expect_eq "the last run did the rest, none twice" "$resumed" "$((ROLL - done_after))"
expect_eq "every person on the roll assessed once" "$(sql "SELECT count(DISTINCT addressee_no) || '|' || count(*) FROM tax_assessment")" "$ROLL|$ROLL"
check_down end
check "some writes were acknowledged" test "$ACKED" -gt 0
# A run of kills that never landed mid-batch proves no resume: say so (10 kills
# with one chunk per person land there nearly always).
check "a kill interrupted the batch (in $MID_BATCH cycles)" test "$MID_BATCH" -gt 0
echo "crash harness: $KILLS kills, $ACKED acknowledged writes checked, batch interrupted $MID_BATCH times"
finish
