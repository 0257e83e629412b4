#!/usr/bin/env bash
# Issue 9 §1, against the real binary: every CLI command that writes events
# signs a checkpoint; direct edits of the database file with sqlite3 (the
# append-only guards dropped first, as any writer of the file can) are
# reported by `atena audit verify`; the witness file catches a log cut back
# to an earlier checkpoint; an export verified without a pinned key proves
# nothing and says so.
. "$(dirname "$0")/lib.sh"

export ATENA_DATA=$DATA
expect_rc "init" 0 atena init --data "$DATA" --municipality 131105
expect_eq "init signs the genesis checkpoint" \
	"$(sqlite3 "$DATA/atena.db" "SELECT n || ':' || seq FROM sp_audit_checkpoint")" "1:0"
expect_rc "a fresh log verifies" 0 atena audit verify
check "add admin" add_user admin "管理 太郎" 情報政策課 --admin
check "add clerk" add_user clerk1 "窓口 花子" 区民課 --by admin
expect_rc "grant" 0 atena grant --staff clerk1 --business test_business --access view --by admin --reason 窓口担当
head=$(sqlite3 "$DATA/atena.db" "SELECT max(seq) FROM sp_audit_event")
expect_eq "the CLI signed the head after each command" \
	"$(sqlite3 "$DATA/atena.db" "SELECT max(seq) FROM sp_audit_checkpoint")" "$head"
expect_rc "verify intact" 0 atena audit verify
check "signed through the head" grep -q "signed through event $head" "$WORK/out"
expect_rc "a query writes its own event, signed too" 0 atena audit query --staff admin
expect_rc "witness" 0 atena audit witness --to "$WORK/witness"
expect_rc "verify with the witness" 0 atena audit verify --witness "$WORK/witness"
check "refuses UPDATE through the store guard" \
	bash -c "! sqlite3 '$DATA/atena.db' \"UPDATE sp_audit_event SET reason = 'x' WHERE seq = 1\" 2>/dev/null"

cp "$DATA/atena.db" "$WORK/pristine.db"
restore() { cp "$WORK/pristine.db" "$DATA/atena.db"; rm -f "$DATA/atena.db-wal" "$DATA/atena.db-shm"; }
UNGUARD="DROP TRIGGER IF EXISTS sp_audit_event_no_update; DROP TRIGGER IF EXISTS sp_audit_event_no_delete;
DROP TRIGGER IF EXISTS sp_audit_checkpoint_no_update; DROP TRIGGER IF EXISTS sp_audit_checkpoint_no_delete;
DROP TRIGGER IF EXISTS sp_grant_no_update; DROP TRIGGER IF EXISTS sp_grant_no_delete;"

# name | SQL | what the report must say
while IFS='|' read -r name sql want; do
	[ -n "$name" ] || continue
	restore
	sqlite3 "$DATA/atena.db" "$UNGUARD $sql"
	expect_rc "verify detects: $name" 1 atena audit verify
	check "$name: the report says why ($want)" grep -q "$want" "$WORK/out"
	expect_rc "$name: audit checkpoint refuses to sign over it" 1 atena audit checkpoint
done <<'CASES'
wipe|DELETE FROM sp_audit_event; DELETE FROM sp_audit_checkpoint|no checkpoint
delete the checkpoints|DELETE FROM sp_audit_checkpoint|no checkpoint
grant insert|INSERT INTO sp_grant(kind, staff_id, business, access, valid_from, valid_to, by_staff, reason, at) VALUES('grant', 'clerk1', 'test_business', 2, 0, 0, 'admin', 'x', 0)|edited in the database directly
admin flag update|UPDATE sp_staff SET admin = 1 WHERE id = 'clerk1'|edited in the database directly
unlock by hand|UPDATE sp_staff SET locked = 1 WHERE id = 'clerk1'|edited in the database directly
second-factor algorithm|UPDATE sp_staff SET totp_alg = 'sha256' WHERE id = 'clerk1'|edited in the database directly
password change waived|UPDATE sp_staff SET must_change = 0 WHERE id = 'clerk1'|edited in the database directly
password expiry pushed back|UPDATE sp_staff SET pw_changed_at = pw_changed_at + 86400000 WHERE id = 'clerk1'|edited in the database directly
CASES

# Cut back to an earlier checkpoint: consistent on its own, caught by the witness.
restore
last=$(sqlite3 "$DATA/atena.db" "SELECT max(n) FROM sp_audit_checkpoint")
cut=$(sqlite3 "$DATA/atena.db" "SELECT seq FROM sp_audit_checkpoint WHERE n = $((last - 1))")
sqlite3 "$DATA/atena.db" "$UNGUARD DELETE FROM sp_audit_event WHERE seq > $cut; DELETE FROM sp_audit_checkpoint WHERE n = $last"
expect_rc "a cut-back log is consistent on its own" 0 atena audit verify
expect_rc "the witness catches the cut-back" 1 atena audit verify --witness "$WORK/witness"
check "it names the witnessed checkpoint" grep -q "witnessed checkpoint $last" "$WORK/out"
expect_rc "witness refuses to go on from a cut-back log" 1 atena audit witness --to "$WORK/witness"

# The database and key file swapped for a forger's own, consistent under the
# forger's key: only the published key and the witness tell.
restore
PUB=$(atena audit pubkey)
expect_rc "verify with the published key" 0 atena audit verify --pubkey "$PUB"
expect_rc "forger's directory" 0 atena init --data "$WORK/forger" --municipality 131105
cp "$DATA/keys.json" "$WORK/keys.json"
cp "$WORK/forger/keys.json" "$DATA/keys.json"
cp "$WORK/forger/atena.db" "$DATA/atena.db"; rm -f "$DATA/atena.db-wal" "$DATA/atena.db-shm"
expect_rc "swapped key: consistent with the key file beside it" 0 atena audit verify
expect_rc "swapped key: the published key catches it" 1 atena audit verify --pubkey "$PUB"
check "it says the signature does not verify" grep -q "signature does not verify" "$WORK/out"
expect_rc "swapped key: the witness catches it" 1 atena audit verify --witness "$WORK/witness"
cp "$WORK/keys.json" "$DATA/keys.json"

# Exports: a signed trailer, and no pinned key proves nothing.
restore
expect_rc "export" 0 atena audit export --out "$WORK/log.jsonl"
expect_rc "pinned verify" 0 atena audit verify --file "$WORK/log.jsonl" --pubkey "$PUB"
expect_rc "without a pinned key: nothing proven, exit 3" 3 atena audit verify --file "$WORK/log.jsonl"
check "and it says so" grep -q "NOT PROVEN" "$WORK/out"
head -n -1 "$WORK/log.jsonl" > "$WORK/cut.jsonl"
expect_rc "an export without its trailer fails" 1 atena audit verify --file "$WORK/cut.jsonl" --pubkey "$PUB"

# The server signs within a second of events arriving, while it runs.
restore
check "server starts" start_server
AS= BIZ= REASON= api POST /api/v1/sessions '{"staff_id":"nobody","password":"wrong","totp":"000000","terminal_id":"T-E2E-01"}'
ev=$(sqlite3 "$DATA/atena.db" "SELECT max(seq) FROM sp_audit_event")
check "the failed login was logged" test "$ev" -gt "$(sqlite3 "$WORK/pristine.db" "SELECT max(seq) FROM sp_audit_event")"
signed=
for _ in $(seq 1 30); do
	signed=$(sqlite3 "$DATA/atena.db" "SELECT max(seq) FROM sp_audit_checkpoint")
	[ "$signed" = "$ev" ] && break
	sleep 0.1
done
expect_eq "the failed login's event is signed while the server runs" "$signed" "$ev"
stop_server
expect_rc "verify after the server stopped" 0 atena audit verify
finish
