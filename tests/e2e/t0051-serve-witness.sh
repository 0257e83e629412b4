#!/usr/bin/env bash
# Issue 9 §1, the witness written by the server itself: `atena serve
# --witness FILE` appends every checkpoint it signs (at start, each second
# while events arrive, at stop) and those a CLI command signs meanwhile, in
# the format of `atena audit witness`; a log cut back behind a witnessed
# head is consistent on its own, but the server then refuses to start.
. "$(dirname "$0")/lib.sh"

export ATENA_DATA=$DATA
W=$WORK/witness/atena.witness
mkdir -p "$WORK/witness"
db() { sqlite3 "$DATA/atena.db" "$@"; }
last_witnessed() { tail -n 1 "$W" 2>/dev/null | jq -r .n; }
# wait_witnessed N: until the witness's newest head is checkpoint N (3 s at most)
wait_witnessed() {
	for _ in $(seq 1 30); do
		[ "$(last_witnessed)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

expect_rc "init" 0 atena init --data "$DATA" --municipality 131105
check "add admin" add_user admin "管理 太郎" 情報政策課 --admin
check "add clerk" add_user clerk1 "窓口 花子" 区民課 --by admin

check "server starts with a new witness file" start_server --witness "$W"
expect_eq "at start, every checkpoint so far is witnessed, genesis first" \
	"$(jq -r .n "$W" | paste -sd,)" "$(db "SELECT group_concat(n) FROM (SELECT n FROM sp_audit_checkpoint ORDER BY seq)")"
expect_eq "the witness file is the owner's alone" "$(stat -c %a "$W")" "600"

# Events over HTTP: signed within a second, and witnessed with it.
AS= BIZ= REASON= api POST /api/v1/sessions '{"staff_id":"nobody","password":"wrong","totp":"000000","terminal_id":"T-E2E-01"}'
ev=$(db "SELECT max(seq) FROM sp_audit_event")
for _ in $(seq 1 30); do [ "$(db "SELECT max(seq) FROM sp_audit_checkpoint")" = "$ev" ] && break; sleep 0.1; done
n=$(db "SELECT n FROM sp_audit_checkpoint WHERE seq = $ev")
check "the server's tick signed the failed login ($ev)" test -n "$n"
check "and witnessed that checkpoint ($n)" wait_witnessed "$n"

# A CLI command signs its own checkpoint; the server witnesses it too.
expect_rc "grant from the CLI while the server runs" 0 \
	atena grant --staff clerk1 --business test_business --access view --by admin --reason 窓口担当
n=$(db "SELECT max(n) FROM sp_audit_checkpoint")
check "the CLI's checkpoint $n is witnessed by the server" wait_witnessed "$n"
# (A query changes no grant, so cutting it off below leaves a log that is
# consistent on its own; cutting off the grant would leave a ledger that no
# longer matches its checkpoint, which verify reports without a witness.)
expect_rc "a query from the CLI" 0 atena audit query --staff admin
n=$(db "SELECT max(n) FROM sp_audit_checkpoint")
check "its checkpoint $n is witnessed too" wait_witnessed "$n"

stop_server
n=$(db "SELECT max(n) FROM sp_audit_checkpoint")
expect_eq "the newest head, signed at stop, is witnessed" "$(last_witnessed)" "$n"
expect_eq "every line is a witness line" "$(jq -r .witness "$W" | sort -u)" "atena-audit-witness-v1"
expect_eq "one line per checkpoint, none twice" "$(jq -r .n "$W" | sort -n | uniq -d | wc -l)" "0"
expect_rc "verify with the server's witness" 0 atena audit verify --witness "$W"
check "all heads still in the log" grep -q "witnessed heads (up to checkpoint $n) are still in the log" "$WORK/out"
expect_rc "atena audit witness reads the same file" 0 atena audit witness --to "$W"
check "and finds nothing to add" grep -q "^0 new signed heads" "$WORK/out"
check "the server starts again on an intact log" start_server --witness "$W"
stop_server

# Cut back to an earlier checkpoint with sqlite3 (guards dropped first).
cp "$DATA/atena.db" "$WORK/pristine.db"
cp "$W" "$WORK/pristine.witness"
last=$(db "SELECT max(n) FROM sp_audit_checkpoint")
cut=$(db "SELECT seq FROM sp_audit_checkpoint WHERE n = $((last - 1))")
db "DROP TRIGGER IF EXISTS sp_audit_event_no_delete; DROP TRIGGER IF EXISTS sp_audit_checkpoint_no_delete;
DELETE FROM sp_audit_event WHERE seq > $cut; DELETE FROM sp_audit_checkpoint WHERE n = $last"
expect_rc "the cut-back log is consistent on its own" 0 atena audit verify
expect_rc "verify --witness catches it" 1 atena audit verify --witness "$W"
expect_rc "the server refuses to start on it" 1 timeout 20 "$ATENA_BIN" serve --data "$DATA" \
	--listen 127.0.0.1:0 --witness "$W"
check "saying why" grep -q "not starting: the witness .* disagrees with the log: witnessed checkpoint $last" "$WORK/err"
expect_eq "and nothing was signed or witnessed" "$(db "SELECT max(n) FROM sp_audit_checkpoint"):$(cmp -s "$W" "$WORK/pristine.witness" && echo same)" \
	"$((last - 1)):same"

# The log restored: it starts again.
cp "$WORK/pristine.db" "$DATA/atena.db"; rm -f "$DATA/atena.db-wal" "$DATA/atena.db-shm"
check "restored, the server starts" start_server --witness "$W"
stop_server

# A witness that cannot be opened is refused before serving.
expect_rc "a directory as the witness file" 1 timeout 20 "$ATENA_BIN" serve --data "$DATA" \
	--listen 127.0.0.1:0 --witness "$WORK/witness"
check "names it" grep -q "cannot open the witness file $WORK/witness" "$WORK/err"
expect_rc "an empty --witness" 2 atena serve --data "$DATA" --witness ""
finish
