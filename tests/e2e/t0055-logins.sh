#!/usr/bin/env bash
# Logins that hold under attack (issue 9 §2), over HTTP against the real
# server: one-time codes from oathtool's defaults (SHA-1), an existing SHA-256
# secret still accepted, back-off instead of a lock anyone can set off, one
# answer for every refusal, one code opening one session however many logins
# race with it, and logout with the session alone.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { fail init; finish; }
export ATENA_DATA=$DATA
check "add admin" add_user admin "管理 太郎" 情報政策課 --admin
check "add clerk1" add_user clerk1 "窓口 花子" 区民課 --by admin
check "add clerk2" add_user clerk2 "確認 次郎" 区民課 --by admin
check "add clerk3" add_user clerk3 "旧式 三郎" 区民課 --by admin
check "the otpauth URI gives the defaults every app supports" \
	grep -q 'algorithm=SHA1&digits=6&period=30' "$WORK/user-clerk1"
# A secret made before issue 9 is SHA-256: its row says so (migration 4's default).
sqlite3 "$DATA/atena.db" "UPDATE sp_staff SET totp_alg = 'sha256' WHERE id = 'clerk3'"

start_server || { fail "server"; finish; }

body() {   # id password code terminal [new_password]
	jq -nc --arg s "$1" --arg p "$2" --arg t "$3" --arg m "$4" --arg n "${5-}" \
		'{staff_id:$s,password:$p,totp:$t,terminal_id:$m} + (if $n == "" then {} else {new_password:$n} end)'
}
post_login() { AS= BIZ= REASON= api POST /api/v1/sessions "$(body "$@")"; }

# ---- TOTP: oathtool's default (SHA-1) for new secrets; SHA-256 kept per secret
check "login with an oathtool --totp code" login clerk1 "Counter-clerk-2026a"
post_login clerk3 "${PW[clerk3]}" "$(totp clerk3)" T-E2E-03 "Older-clerk-2026a"
expect_eq "a SHA-1 code does not open a SHA-256 secret" "$STATUS" 401
post_login clerk3 "${PW[clerk3]}" "$(oathtool --totp=sha256 -b -N "@$ATENA_FAKE_NOW" "${SECRET[clerk3]}")" \
	T-E2E-03 "Older-clerk-2026a"
expect_eq "an existing SHA-256 secret still logs in" "$STATUS" 201

# ---- Back-off: five wrong passwords hold clerk2 back, with the wrong-password answer
post_login clerk2 wrong-wrong-wrong 000000 T-E2E-05
expect_eq "wrong password" "$STATUS" 401
wrong=$BODY
for _ in 2 3 4 5; do post_login clerk2 wrong-wrong-wrong 000000 T-E2E-05; done
expect_eq "fifth wrong password: still 401" "$STATUS" 401
expect_eq "fifth wrong password: the same body" "$BODY" "$wrong"
post_login clerk2 "${PW[clerk2]}" "$(totp clerk2)" T-E2E-06 "Second-clerk-2026a"
expect_eq "held back: right factors get 401" "$STATUS" 401
expect_eq "held back: the same body, no name, no 423" "$BODY" "$wrong"
post_login nobody wrong-wrong-wrong 000000 T-E2E-06
expect_eq "unknown id: the same body" "$BODY" "$wrong"
expect_eq "clerk2 is not locked" "$(atena user show --id clerk2 | sed -n 's/^locked: //p')" no

# ---- An administrator's lock stays an explicit act; the session says why it ended
expect_rc "admin locks clerk1" 0 atena user lock --id clerk1 --by admin
AS=clerk1 BIZ=test_business REASON=check api GET /api/v1/me
expect_eq "the locked account's session ended" "$STATUS" 401
check "and the message says it was a lock" grep -q 'locked' <<<"$BODY"
post_login clerk1 "${PW[clerk1]}" "$(totp clerk1 $((ATENA_FAKE_NOW + 30)))" T-E2E-07
expect_eq "locked: the wrong-password body" "$BODY" "$wrong"
expect_rc "admin unlocks clerk1" 0 atena user unlock --id clerk1 --by admin

# ---- One code, ten parallel logins: one session
code=$(totp clerk1 $((ATENA_FAKE_NOW + 30)))
b=$(body clerk1 "${PW[clerk1]}" "$code" T-E2E-08)
pids=()
for i in $(seq 1 10); do
	curl -s -o "$WORK/race-$i" -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data-binary "$b" "$URL/api/v1/sessions" >"$WORK/race-status-$i" &
	pids+=($!)
done
wait "${pids[@]}"   # not a bare wait: the server runs in the background too
expect_eq "one code opened one session" "$(cat "$WORK"/race-status-* | grep -c '^201$')" 1
TOKEN[clerk1]=$(jq -r 'select(.token) | .token' "$WORK"/race-[0-9]* | head -1)

# ---- Logout needs the session only
AS=clerk1 BIZ= REASON= api DELETE /api/v1/sessions
expect_eq "logout without business and reason" "$STATUS" 204
AS=clerk1 BIZ=test_business REASON=check api GET /api/v1/me
check "the ended session says it was logged out" grep -q 'logged out' <<<"$BODY"

stop_server
finish
