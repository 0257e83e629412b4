#!/usr/bin/env bash
# Connections that hold under attack (issue 9 §3), against the real server on
# loopback: from one address, 300 connections that send a header byte a
# second and 200 that send nothing no longer keep the API from a client at
# another address (127.0.0.2; all of 127/8 is loopback on Linux), and every
# one of them is closed at the request deadline, which sending does not
# extend; the limits follow their serve flags. And logins are held back per
# source address too (issue 9 §2), whatever terminal id the client sends.
# The attack is tests/tools/slowclient.c (its comment says what it checks).
. "$(dirname "$0")/lib.sh"
SLOWCLIENT=${ATENA_SLOWCLIENT:?set by ctest}

atena init --data "$DATA" --municipality 131105 >/dev/null || { fail init; finish; }
export ATENA_DATA=$DATA
check "add admin" add_user admin "管理 太郎" 情報政策課 --admin
check "add clerk1" add_user clerk1 "窓口 花子" 区民課 --by admin

slow() {   # slowclient flags...: its exit status, its summary in the log
	"$SLOWCLIENT" --port "${URL##*:}" "$@" >"$WORK/slow.out" 2>"$WORK/slow.err"
	local rc=$?
	echo "  $(cat "$WORK/slow.out")"; [ "$rc" = 0 ] || head -c 600 "$WORK/slow.err" >&2
	return "$rc"
}

# ---- The defaults (32 per address, a 10 s deadline): 500 sockets from one client
start_server || { fail "server"; finish; }
check "300 slow and 200 idle sockets: the other client is answered within 2 s throughout, at most 32 are held, all closed by 11.5 s" \
	slow --slow 300 --idle 200 --deadline 10 --max-held 32 --max-latency-ms 2000 --run-for 13
check "the server says why it closed them" \
	grep -q 'had not sent a whole request within 10 s' "$WORK/server.log"
check "and 468 turned-away connections do not write 468 log lines" \
	test "$(wc -l <"$WORK/server.log")" -lt 120
stop_server

# ---- The flags: 4 per address, a 2 s deadline
start_server --per-source-connections 4 --request-timeout 2 || { fail "server"; finish; }
check "20 slow and idle sockets: at most 4 held, all closed by 3.5 s" \
	slow --slow 10 --idle 10 --deadline 2 --max-held 4 --run-for 4
check "a kept-alive connection is answered, then must bring its next request within 2 s" \
	slow --keepalive 3 --deadline 2 --max-held 4 --run-for 4
# A request that takes a while but arrives within the deadline is served.
exec 3<>"/dev/tcp/127.0.0.1/${URL##*:}"
printf 'GET /api/v1/healthz HTTP/1.1\r\nHost: atena\r\n' >&3
sleep 1
printf 'Connection: close\r\n\r\n' >&3
expect_eq "a request sent over 1 s of a 2 s deadline is answered" "$(head -1 <&3 | tr -d '\r')" "HTTP/1.1 200 OK"
exec 3<&-

# ---- Flags out of range are refused, naming the flag
expect_rc "--request-timeout 0" 2 atena serve --request-timeout 0
check "  names it" grep -q -- '--request-timeout must be at least 1' "$WORK/err"
expect_rc "--listen-backlog abc" 2 atena serve --listen-backlog abc
check "  names it" grep -q -- '--listen-backlog must be a whole number' "$WORK/err"
expect_rc "--max-connections 2000" 1 atena serve --listen 127.0.0.1:0 --max-connections 2000
check "  names it" grep -q 'max-connections must be 1 to 1024' "$WORK/err"
expect_rc "--per-source-connections above --max-connections" 1 \
	atena serve --listen 127.0.0.1:0 --max-connections 10 --per-source-connections 11
check "  names it" grep -q 'per-source-connections must be 0 (no limit) or 1 to max-connections (10)' "$WORK/err"

# ---- Login back-off per source address: a rotated terminal id does not escape it
body() {   # id password code terminal [new_password]
	jq -nc --arg s "$1" --arg p "$2" --arg t "$3" --arg m "$4" --arg n "${5-}" \
		'{staff_id:$s,password:$p,totp:$t,terminal_id:$m} + (if $n == "" then {} else {new_password:$n} end)'
}
from_login() {   # local-address login-body-args...: sets STATUS and BODY
	local from=$1; shift
	STATUS=$(curl -s --interface "$from" -o "$WORK/body" -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary "$(body "$@")" "$URL/api/v1/sessions")
	BODY=$(cat "$WORK/body")
}
from_login 127.0.0.1 nobody-0 wrong-wrong-wrong 000000 T-ROT-0
expect_eq "a wrong login" "$STATUS" 401
wrong=$BODY
for i in $(seq 1 19); do from_login 127.0.0.1 "nobody-$i" wrong-wrong-wrong 000000 "T-ROT-$i"; done
from_login 127.0.0.1 clerk1 "${PW[clerk1]}" "$(totp clerk1)" T-ROT-NEW "Counter-clerk-2026a"
expect_eq "after 20 failures from 127.0.0.1, each from another terminal id: right factors get 401" "$STATUS" 401
expect_eq "  with the wrong-password body" "$BODY" "$wrong"
expect_eq "  and the log names the real reason" \
	"$(sqlite3 "$DATA/atena.db" "SELECT count(*) FROM sp_audit_event WHERE terminal_id = 'T-ROT-NEW' AND detail = 'source address 127.0.0.1 held back after repeated failures'")" 1
from_login 127.0.0.2 clerk1 "${PW[clerk1]}" "$(totp clerk1)" T-ROT-NEW "Counter-clerk-2026a"
expect_eq "the same login from another address opens a session" "$STATUS" 201
stop_server

finish
