#!/usr/bin/env bash
# The administrator's command line: init, users, grants, My Number check,
# audit verify (intact and tampered), export and offline verify, key rotation.
. "$(dirname "$0")/lib.sh"

# ---- mynumber check: exit 0 valid, 1 wrong check digit, 2 not 12 digits
good=$(mynumber 12345678901)
expect_rc "mynumber valid" 0 atena mynumber check "$good"
expect_rc "mynumber wrong check digit" 1 atena mynumber check "${good:0:11}$(( (${good:11:1} + 1) % 10 ))"
expect_rc "mynumber 11 digits" 2 atena mynumber check 12345678901
expect_rc "mynumber letters" 2 atena mynumber check 12345678901a
expect_rc "mynumber help" 0 atena mynumber check --help

# ---- init
expect_rc "init without municipality" 2 atena init --data "$DATA"
expect_rc "init bad municipality check digit" 1 atena init --data "$DATA" --municipality 131106
check "bad init left nothing behind" test ! -e "$DATA/atena.db"
expect_rc "init" 0 atena init --data "$DATA" --municipality 131105
check "key file outside the database, mode 600" test "$(stat -c %a "$DATA/keys.json")" = 600
expect_rc "init twice refused" 1 atena init --data "$DATA" --municipality 131105
expect_rc "unknown flag" 2 atena init --data "$DATA" --municpality 131105
# init creates missing parents, mode 0700 (issue 8 §7)
expect_rc "init with missing parents" 0 atena init --data "$WORK/new/a/b" --municipality 131105
check "init created the database under new parents" test -e "$WORK/new/a/b/atena.db"
expect_eq "created parents are mode 700" \
	"$(stat -c %a "$WORK/new" "$WORK/new/a" "$WORK/new/a/b" | tr '\n' ' ')" "700 700 700 "
# audit --help without a subcommand prints help and opens nothing (issue 8 §7)
ATENA_DATA=$WORK/absent expect_rc "audit --help" 0 atena audit --help
check "audit --help prints the usage" grep -q '^usage: atena audit verify' "$WORK/out"
check "audit --help says nothing on stderr" test ! -s "$WORK/err"
check "audit --help created nothing" test ! -e "$WORK/absent"
ATENA_DATA=$WORK/absent expect_rc "audit without a subcommand" 2 atena audit
check "audit without a subcommand prints the usage" grep -q '^usage: atena audit' "$WORK/out"
# a missing data directory: one sentence, not the message formatted into itself (issue 8 §7)
expect_rc "audit verify of a missing data directory" 2 atena audit verify --data "$WORK/absent"
expect_eq "the error says it once" "$(grep -o 'is not an Atena data directory' "$WORK/err" | wc -l)" 1
check "the error gives the store's reason" grep -q ': cannot open the database .*absent/atena.db' "$WORK/err"
export ATENA_DATA=$DATA   # the default for --data from here on

# ---- users
check "add admin" add_user admin "管理 太郎" 情報政策課 --admin
check "add clerk" add_user clerk1 "窓口 花子" 区民課 --by admin
check "initial password printed" test -n "${PW[clerk1]}"
check "TOTP secret printed (base32)" grep -qE '^TOTP secret: +[A-Z2-7]{32}' "$WORK/user-clerk1"
expect_rc "duplicate staff id refused" 1 atena user add --id clerk1 --name X --department Y
check "duplicate message names the rule" grep -q "one person, one account" "$WORK/err"
expect_rc "control character in name refused" 1 atena user add --id x1 --name $'A\x01B' --department Y
check "error names the field" grep -q "field name" "$WORK/err"
expect_rc "non-admin cannot add" 1 atena user add --id x2 --name X --department Y --by clerk1

# ---- grants
expect_rc "grant" 0 atena grant --staff clerk1 --business test_business --access update --by admin --reason 窓口担当
expect_rc "self-grant refused" 1 atena grant --staff admin --business test_business --access view --by admin --reason x
expect_rc "unknown business refused" 1 atena grant --staff clerk1 --business nope --access view --by admin --reason x
expect_rc "bad access refused" 2 atena grant --staff clerk1 --business test_business --access admin --by admin --reason x
expect_rc "missing reason refused" 2 atena grant --staff clerk1 --business test_business --access view --by admin
expect_rc "revoke" 0 atena revoke --staff clerk1 --business test_business --access update --by admin --reason 異動
expect_rc "revoke again refused" 1 atena revoke --staff clerk1 --business test_business --access update --by admin --reason 異動
expect_rc "ledger" 0 atena grants --staff clerk1
expect_eq "ledger keeps grant and revoke" "$(jq -r '[.[].kind] | join(",")' "$WORK/out")" "grant,revoke"
expect_rc "lock" 0 atena user lock --id clerk1 --by admin
expect_rc "unlock" 0 atena user unlock --id clerk1 --by admin
expect_rc "reset" 0 atena user reset --id clerk1 --by admin

# ---- audit: intact, query, export and offline verify
expect_rc "audit verify intact" 0 atena audit verify
expect_rc "audit query by staff" 0 atena audit query --staff admin
check "admin acts are in the log" test "$(jq 'length' "$WORK/out")" -ge 5
expect_rc "audit export" 0 atena audit export --out "$WORK/log.jsonl"
PUB=$(atena audit pubkey)
expect_rc "offline verify with pinned key" 0 atena audit verify --file "$WORK/log.jsonl" --pubkey "$PUB"
sed '0,/"staff_id":"admin"/s//"staff_id":"adm1n"/' "$WORK/log.jsonl" > "$WORK/log-edited.jsonl"
expect_rc "offline verify detects an edited export" 1 atena audit verify --file "$WORK/log-edited.jsonl" --pubkey "$PUB"
other=$(printf '%064d' 0)
expect_rc "offline verify with the wrong key" 1 atena audit verify --file "$WORK/log.jsonl" --pubkey "$other"

# ---- keys
expect_rc "keys rotate" 0 atena keys rotate
expect_rc "keys status" 0 atena keys status
expect_eq "current key is 2" "$(jq .current "$WORK/out")" 2
expect_rc "audit still intact after rotation" 0 atena audit verify

# ---- tampering with the database is detected, with its position
cp "$DATA/atena.db" "$WORK/pristine.db"
sqlite3 "$DATA/atena.db" "DROP TRIGGER sp_audit_event_no_update; UPDATE sp_audit_event SET reason = 'nothing to see' WHERE seq = 3"
expect_rc "audit verify detects an edited event" 1 atena audit verify
check "reports the position" grep -q "position 3" "$WORK/out"
cp "$WORK/pristine.db" "$DATA/atena.db"; rm -f "$DATA/atena.db-wal" "$DATA/atena.db-shm"
sqlite3 "$DATA/atena.db" "DROP TRIGGER sp_audit_event_no_delete; DELETE FROM sp_audit_event WHERE seq = 4"
expect_rc "audit verify detects a deleted event" 1 atena audit verify
check "reports the position" grep -q "position 4" "$WORK/out"

finish
