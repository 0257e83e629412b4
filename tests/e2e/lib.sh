# Shared helpers for the end-to-end tests: the real `atena` binary, driven on
# the command line and over HTTP with curl; one-time codes come from oathtool,
# an implementation independent of ours.
set -uo pipefail

ATENA_BIN=${ATENA_BIN:?set by ctest}
TMPROOT=${ATENA_TEST_TMP:-/tmp}
mkdir -p "$TMPROOT"
WORK=$(mktemp -d "$TMPROOT/e2e-XXXXXX")
DATA=$WORK/data
PASSED=0
FAILED=0
SERVER_PID=
# A fixed clock (test builds honour it) so one-time codes are reproducible.
export ATENA_FAKE_NOW=${ATENA_FAKE_NOW:-1780000000}

cleanup() {
	if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

ok()   { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*" >&2; }
check() {   # description, command...
	local what=$1; shift
	if "$@"; then ok; else fail "$what"; fi
}
expect_eq() {   # description, got, want
	if [ "$2" = "$3" ]; then ok; else fail "$1: got '$2', want '$3'"; fi
}
expect_rc() {   # description, want-rc, command...
	local what=$1 want=$2; shift 2
	"$@" >"$WORK/out" 2>"$WORK/err"
	local rc=$?
	if [ "$rc" = "$want" ]; then ok; else fail "$what: exit $rc, want $want; stderr: $(head -c 300 "$WORK/err")"; fi
}
finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit $?
}

atena() { "$ATENA_BIN" "$@"; }

# Create a user and remember their initial password and TOTP secret.
add_user() {   # id name dept [--admin] [--by ADMIN]
	local id=$1 name=$2 dept=$3; shift 3
	atena user add --data "$DATA" --id "$id" --name "$name" --department "$dept" "$@" >"$WORK/user-$id" || return 1
	PW[$id]=$(awk '/^initial password:/ {print $3}' "$WORK/user-$id")
	SECRET[$id]=$(awk '/^TOTP secret:/ {print $3}' "$WORK/user-$id")
}
declare -A PW SECRET TOKEN

totp() {   # id [time]
	oathtool --totp -b -N "@${2:-$ATENA_FAKE_NOW}" "${SECRET[$1]}"
}

# cli STAFF ARGS...: atena as STAFF, each call with a later one-time code
# (a TOTP code is good once), for scripts that compare the CLI with HTTP.
declare -A STEP
cli() {
	local who=$1; shift
	STEP[$who]=$(( ${STEP[$who]:-$ATENA_FAKE_NOW} + 30 ))
	ATENA_FAKE_NOW=${STEP[$who]} ATENA_PASSWORD=${PW[$who]} ATENA_TOTP=$(totp "$who" "${STEP[$who]}") \
		atena "$@"
}

# refusals STAFF: the refusals the staff member's log holds (outcome denied or
# invalid), as "outcome|subject|business|detail" lines, oldest first.
refusals() {
	atena audit query --staff "$1" --limit 1000 |
		jq -r '.[] | select(.outcome == "denied" or .outcome == "invalid")
		       | [.outcome, .subject, .business, .detail] | join("|")'
}

start_server() {   # [more serve flags]
	# Emptied here, not only by the redirection below: the background
	# process may not have opened it yet when the loop reads a previous
	# server's address from it.
	: >"$WORK/server.log"
	"$ATENA_BIN" serve --data "$DATA" --listen 127.0.0.1:0 --threads 4 "$@" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 1 100); do
		URL=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$WORK/server.log" | head -1)
		[ -n "$URL" ] && return 0
		sleep 0.1
	done
	echo "server did not start:"; cat "$WORK/server.log"; return 1
}

stop_server() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

# E2E_DEBUG=1 prints every non-2xx answer to stderr.
# api METHOD PATH [BODY] — BODY may be @FILE. Uses $AS (staff id) for the token, $BIZ, $REASON, $CASE.
# Sets STATUS and BODY.
api() {
	local method=$1 path=$2 body=${3-}
	local args=(-s -o "$WORK/body" -w '%{http_code}' -X "$method")
	[ -n "${AS:-}" ] && args+=(-H "Authorization: Bearer ${TOKEN[$AS]}")
	[ -n "${BIZ:-}" ] && args+=(-H "X-Atena-Business: $BIZ")
	[ -n "${REASON:-}" ] && args+=(-H "X-Atena-Reason: $REASON")
	[ -n "${CASE:-}" ] && args+=(-H "X-Atena-Case: $CASE")
	if [ -n "$body" ]; then args+=(-H 'Content-Type: application/json' --data-binary "$body"); fi
	STATUS=$(curl "${args[@]}" "$URL$path")
	BODY=$(cat "$WORK/body")
	[ -n "${E2E_DEBUG:-}" ] && [ "${STATUS:0:1}" != 2 ] && echo "  $method $path -> $STATUS $BODY" >&2
	return 0
}

login() {   # id new-password
	local id=$1 newpw=$2
	local body
	body=$(jq -nc --arg s "$id" --arg p "${PW[$id]}" --arg t "$(totp "$id")" --arg n "$newpw" \
		'{staff_id:$s,password:$p,totp:$t,terminal_id:"T-E2E-01",new_password:$n}')
	AS= BIZ= REASON= api POST /api/v1/sessions "$body"
	[ "$STATUS" = 201 ] || { echo "login $id: $STATUS $BODY" >&2; return 1; }
	TOKEN[$id]=$(jq -r .token <<<"$BODY")
	PW[$id]=$newpw
}

# A valid My Number from 11 digits (平成26年総務省令第85号 第5条), computed here
# independently of the C code.
mynumber() {
	local d=$1 sum=0 n p q r
	for n in $(seq 1 11); do
		p=${d:$((11 - n)):1}
		if [ "$n" -le 6 ]; then q=$((n + 1)); else q=$((n - 5)); fi
		sum=$((sum + p * q))
	done
	r=$((sum % 11))
	if [ "$r" -le 1 ]; then echo "${d}0"; else echo "${d}$((11 - r))"; fi
}
