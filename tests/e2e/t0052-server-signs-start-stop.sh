#!/usr/bin/env bash
# Issue 9 §1: the server signs a checkpoint at start (so the unsigned tail a
# crash leaves behind is covered before anything is served) and at shutdown
# (so the last events of a run are signed before it exits).
. "$(dirname "$0")/lib.sh"

export ATENA_DATA=$DATA
db() { sqlite3 "$DATA/atena.db" "$@"; }
expect_rc "init" 0 atena init --data "$DATA" --municipality 131105
check "add admin" add_user admin "管理 太郎" 情報政策課 --admin
check "add clerk" add_user clerk1 "窓口 花子" 区民課 --by admin
expect_rc "audit query" 0 atena audit query --staff admin
head=$(db "SELECT max(seq) FROM sp_audit_event")

# A run that died after writing events and before signing them: its last
# checkpoint never made it (removed here, guards dropped first).
last=$(db "SELECT max(n) FROM sp_audit_checkpoint")
db "DROP TRIGGER IF EXISTS sp_audit_checkpoint_no_delete; DELETE FROM sp_audit_checkpoint WHERE n = $last"
signed=$(db "SELECT max(seq) FROM sp_audit_checkpoint")
check "an unsigned tail after event $signed" test "$signed" -lt "$head"
expect_rc "verify: intact, with a tail not yet signed" 0 atena audit verify
check "it says which events are not covered" grep -q "not covered by a checkpoint yet" "$WORK/out"

check "server starts" start_server
# server_start signs before it serves: the tail is covered by the time the
# address is printed, whatever the tick does.
expect_eq "the start signed the tail at once" "$(db "SELECT max(seq) FROM sp_audit_checkpoint")" "$head"

# Events right before SIGTERM, then stop: the shutdown checkpoint covers them.
for i in 1 2 3; do
	AS= BIZ= REASON= api POST /api/v1/sessions '{"staff_id":"nobody","password":"wrong","totp":"000000","terminal_id":"T-E2E-0'$i'"}'
done
stop_server
head=$(db "SELECT max(seq) FROM sp_audit_event")
expect_eq "the stop signed the run's last events" "$(db "SELECT max(seq) FROM sp_audit_checkpoint")" "$head"
expect_rc "verify after the stop" 0 atena audit verify
check "signed through the head" grep -q "signed through event $head" "$WORK/out"
finish
