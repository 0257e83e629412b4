#!/usr/bin/env bash
# Issue 10 §1: group commit (docs/durability.md). Concurrent clients read a
# person and register new ones while the server shares one log fsync among
# their commits; then the server is killed with SIGKILL in the middle of the
# load. After it: every answer a client got is backed by its durable event
# (each 200 lookup by an "ok" read event, each 201 move-in by its record and
# its event), no record is without its event, and `atena audit verify`
# passes (the chain is gap-free), also after a restart serves again.
. "$(dirname "$0")/lib.sh"

export ATENA_DATA=$DATA
db() { sqlite3 "$DATA/atena.db" "$@"; }
atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"

R=/api/v1/registry
export AS=clerk1 BIZ=resident_register REASON=転入届の受付
move_in() {   # resident_code(11 digits) name_kana
	local mn
	mn=$(mynumber "$1")
	jq -nc --arg rc "$1" --arg m "$mn" --arg k "$2" '{
	  event_date:"2026-04-01", notification_date:"2026-04-03", household:{new:true},
	  address:{address:"東京都目黒区中目黒一丁目1番1号", postcode:"1530061"},
	  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"},
	  persons:[{name:"目黒 一郎", name_kana:$k, birth_date:"1980-04-12", sex:"1",
	    relationship:"世帯主", householder:true, resident_code:$rc, my_number:$m}]}'
}
api POST "$R/events/move_in" "$(move_in 10000000001 "メグロ イチロウ")"
expect_eq "a first person" "$STATUS" 201
A1=$(jq -r '.records[0].addressee_no' <<<"$BODY")

# Each client: its own curl loop; every answer's status (and, for a
# move-in, the addressee number) goes to its file as the answer arrives.
HDR=(-H "Authorization: Bearer ${TOKEN[clerk1]}" -H "X-Atena-Business: $BIZ" -H "X-Atena-Reason: $REASON")
reader() {   # n
	for _ in $(seq 1 400); do
		curl -s -o /dev/null -w '%{http_code}\n' "${HDR[@]}" "$URL$R/persons/$A1" || break
	done >"$WORK/reader-$1"
}
writer() {   # n
	local i body out
	for i in $(seq 1 60); do
		body=$(move_in "$(printf '2%02d%08d' "$1" "$i")" "メグロ ジロウ")
		out=$(curl -s -w '\n%{http_code}' "${HDR[@]}" -H 'Content-Type: application/json' \
			--data-binary "$body" "$URL$R/events/move_in") || break
		[ "$(tail -n1 <<<"$out")" = 201 ] && jq -r '.records[0].addressee_no' <<<"$(head -n -1 <<<"$out")"
	done >"$WORK/writer-$1"
}
for n in 1 2 3 4 5 6; do reader "$n" & done
for n in 1 2; do writer "$n" & done
# Kill once the load is well under way (some answers given, more coming).
for _ in $(seq 1 100); do
	[ "$(cat "$WORK"/reader-* 2>/dev/null | grep -c '^200$')" -ge 100 ] && break
	sleep 0.1
done
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
wait

answered=$(cat "$WORK"/reader-* | grep -c '^200$')
check "lookups were answered before the kill ($answered)" test "$answered" -ge 100
events=$(db "SELECT count(*) FROM sp_audit_event WHERE subject = '$A1' AND outcome = 'ok'
             AND operation = 'read'")
check "every answered lookup has its durable event ($events events >= $answered answers)" \
	test "$events" -ge "$answered"
created=$(cat "$WORK"/writer-* | wc -l)
check "some move-ins were acknowledged ($created)" test "$created" -ge 1
missing=0
for a in $(cat "$WORK"/writer-*); do
	n=$(db "SELECT count(*) FROM sp_audit_event WHERE subject = '$a' AND outcome = 'ok'")
	[ "$n" -ge 1 ] || missing=$((missing + 1))
done
expect_eq "every acknowledged move-in has its event" "$missing" 0
expect_rc "audit verify after kill -9" 0 atena audit verify

# A restarted server sees every acknowledged person and the chain still verifies.
start_server || exit 1
# The session is in the database: the same token serves again.
gone=0
for a in $(cat "$WORK"/writer-*); do
	api GET "$R/persons/$a"
	[ "$STATUS" = 200 ] || gone=$((gone + 1))
done
expect_eq "every acknowledged move-in is there after the restart" "$gone" 0
stop_server
expect_rc "audit verify after the restart" 0 atena audit verify
finish
