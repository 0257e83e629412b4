#!/usr/bin/env bash
# The CLI's secrets and sessions (issue 9 §4): $ATENA_PASSWORD and $ATENA_TOTP
# are gone from /proc/PID/environ while the command runs (they were readable
# there for its whole run), both factors and a new password can come from
# file descriptors instead, and a run killed before its logout has its
# session ended — cause cli_replaced, audited — when the same staff member
# starts the CLI again on the same terminal, while a session of another
# terminal lives on.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { fail init; finish; }
export ATENA_DATA=$DATA
check "add admin" add_user admin "管理 太郎" 情報政策課 --admin
check "add clerk1" add_user clerk1 "窓口 花子" 区民課 --by admin
atena grant --staff clerk1 --business resident_register --access view --by admin --reason 照会担当 >/dev/null

SEARCH=(registry search --name-kana めぐろ --as clerk1 --reason 本人確認)
# at T: a one-time code for clerk1 at time T (each code is good once).
T=$ATENA_FAKE_NOW
next() { T=$((T + 30)); CODE=$(totp clerk1 "$T"); }

# ---- Both factors and the new password from descriptors, none in the environment
next
NEWPW=Counter-clerk-2026a
expect_rc "first run: password, code and new password from descriptors" 0 \
	env -u ATENA_PASSWORD -u ATENA_TOTP ATENA_FAKE_NOW=$T "$ATENA_BIN" "${SEARCH[@]}" \
	--password-fd 3 --totp-fd 4 --new-password-fd 5 \
	3<<<"${PW[clerk1]}" 4<<<"$CODE" 5<<<"$NEWPW"
PW[clerk1]=$NEWPW
next
expect_rc "two secrets, one line each, on one descriptor" 0 \
	env ATENA_FAKE_NOW=$T "$ATENA_BIN" "${SEARCH[@]}" --password-fd 3 --totp-fd 3 \
	3< <(printf '%s\n%s\n' "${PW[clerk1]}" "$CODE")
next
expect_rc "the descriptor wins over the environment" 0 \
	env ATENA_FAKE_NOW=$T ATENA_PASSWORD=not-the-password ATENA_TOTP=000000 \
	"$ATENA_BIN" "${SEARCH[@]}" --password-fd 3 --totp-fd 4 3<<<"${PW[clerk1]}" 4<<<"$CODE"
expect_rc "no secret and no terminal: a usage error" 2 \
	env -u ATENA_PASSWORD -u ATENA_TOTP "$ATENA_BIN" "${SEARCH[@]}" </dev/null
check "that names the ways to give it" grep -q -- "--password-fd N, \$ATENA_PASSWORD or a terminal" "$WORK/err"
expect_rc "a descriptor that is not open" 2 "$ATENA_BIN" "${SEARCH[@]}" --password-fd 9 --totp-fd 4 4<<<"$CODE"
check "is named" grep -q -- "--password-fd 9: descriptor 9 is not open" "$WORK/err"
expect_rc "a descriptor that is not a number" 2 "$ATENA_BIN" "${SEARCH[@]}" --password-fd x --totp-fd 4 4<<<"$CODE"
check "is named" grep -q -- "--password-fd takes a file descriptor number" "$WORK/err"
expect_rc "an empty line is no password" 2 "$ATENA_BIN" "${SEARCH[@]}" --password-fd 3 --totp-fd 4 3<<<"" 4<<<"$CODE"
expect_rc "--help tells of the descriptors and the prompt" 0 atena registry search --help
check "--password-fd in --help" grep -q -- "--password-fd N" "$WORK/out"
check "the prompt in --help" grep -q "asked for on the terminal" "$WORK/out"

# ---- A run stopped after its login (a test build's hook), looked at, then killed
next
ATENA_FAKE_NOW=$T start_server || { fail "server"; finish; }
ATENA_FAKE_NOW=$T check "an HTTP session of clerk1 on another terminal" login clerk1 "${PW[clerk1]}"
next
ATENA_TEST_STOP_AFTER_LOGIN=1 ATENA_FAKE_NOW=$T ATENA_PASSWORD=${PW[clerk1]} ATENA_TOTP=$CODE \
	"$ATENA_BIN" "${SEARCH[@]}" >"$WORK/killed.out" 2>&1 &
pid=$!
state=
for _ in $(seq 1 100); do
	state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
	[ "$state" = T ] && break
	sleep 0.1
done
expect_eq "the run stopped, logged in" "$state" T
tr '\0' '\n' <"/proc/$pid/environ" >"$WORK/environ"
check "its environment is readable (the check below means something)" \
	grep -q '^ATENA_TEST_STOP_AFTER_LOGIN=1$' "$WORK/environ"
check "no ATENA_PASSWORD in /proc/PID/environ" bash -c '! grep -q ATENA_PASSWORD "$1"' _ "$WORK/environ"
check "no ATENA_TOTP in /proc/PID/environ" bash -c '! grep -q ATENA_TOTP "$1"' _ "$WORK/environ"
check "nor the password's value anywhere in it" bash -c '! grep -qF -- "$2" "$1"' _ "$WORK/environ" "${PW[clerk1]}"
kill -9 "$pid"
wait "$pid" 2>/dev/null
open_cli() {
	sqlite3 "$DATA/atena.db" "SELECT count(*) FROM sp_session WHERE staff_id = 'clerk1'
		AND terminal_id LIKE 'console@%' AND ended_at IS NULL"
}
expect_eq "the killed run left its session open" "$(open_cli)" 1
next
expect_rc "the next run of clerk1 on this terminal" 0 \
	env ATENA_FAKE_NOW=$T ATENA_PASSWORD=${PW[clerk1]} ATENA_TOTP=$CODE "$ATENA_BIN" "${SEARCH[@]}"
expect_eq "ended it (and logged out of its own)" "$(open_cli)" 0
expect_eq "with the cause recorded" \
	"$(sqlite3 "$DATA/atena.db" "SELECT count(*) FROM sp_session WHERE staff_id = 'clerk1'
		AND end_cause = 'cli_replaced'")" 1
expect_eq "and one session_end event in the log" \
	"$(atena audit query --staff clerk1 --limit 1000 |
		jq '[.[] | select(.operation == "session_end" and (.detail | startswith("cli_replaced")))] | length')" 1
AS=clerk1 BIZ=resident_register REASON=確認 api GET /api/v1/me
expect_eq "clerk1's session on another terminal lives on" "$STATUS" 200
stop_server
expect_rc "the log verifies" 0 atena audit verify

finish
