#!/usr/bin/env bash
# Data at rest (issue 9 §4): `atena init` refuses an existing directory that
# others may use, and everything Atena writes into its data directory — the
# database and its -wal and -shm, the key file — and the audit export is
# private (0700 / 0600) even under umask 000, where atena.db and its
# companions used to be 0644 (names, addresses and the log in plain text).
# A data directory, database or key file that others may use is refused,
# naming it and the chmod that fixes it, by the CLI and the server alike.
. "$(dirname "$0")/lib.sh"

mode() { stat -c %a "$1"; }

mkdir "$WORK/open" && chmod 777 "$WORK/open"
expect_rc "init refuses an existing world-writable directory" 1 \
	atena init --data "$WORK/open" --municipality 131105
check "naming it and the fix" grep -qF "chmod 700 $WORK/open" "$WORK/err"
expect_eq "and makes nothing in it" "$(ls -A "$WORK/open")" ""

# The worst umask: what Atena makes must not depend on the caller's.
umask 000
expect_rc "init" 0 atena init --data "$DATA" --municipality 131105
export ATENA_DATA=$DATA
expect_eq "the data directory is 0700" "$(mode "$DATA")" 700
expect_eq "atena.db is 0600" "$(mode "$DATA/atena.db")" 600
expect_eq "keys.json is 0600" "$(mode "$DATA/keys.json")" 600
check "add admin" add_user admin "管理 太郎" 情報政策課 --admin

start_server || { fail "server"; finish; }
check "atena.db-wal exists while serving" test -f "$DATA/atena.db-wal"
expect_eq "atena.db-wal is 0600" "$(mode "$DATA/atena.db-wal")" 600
expect_eq "atena.db-shm is 0600" "$(mode "$DATA/atena.db-shm")" 600
expect_rc "audit export" 0 atena audit export --out "$WORK/log.jsonl"
expect_eq "the export is 0600" "$(mode "$WORK/log.jsonl")" 600
stop_server
umask 077

# ---- Refusals: each names the file and the fix, and the CLI and server agree
chmod 644 "$DATA/atena.db"
expect_rc "a database others may read is refused" 1 atena user show --id admin
check "naming it and the fix" grep -qF "the database $DATA/atena.db must be readable by its owner only, but its mode is 0644 (fix: chmod 600 $DATA/atena.db)" "$WORK/err"
expect_rc "by the server too" 1 timeout 20 "$ATENA_BIN" serve --data "$DATA" --listen 127.0.0.1:0
check "with the same message" grep -qF "chmod 600 $DATA/atena.db" "$WORK/err"
chmod 600 "$DATA/atena.db"

chmod 755 "$DATA"
expect_rc "a data directory others may enter is refused" 1 atena user show --id admin
check "naming it and the fix" grep -qF "the data directory $DATA must be accessible by its owner only, but its mode is 0755 (fix: chmod 700 $DATA)" "$WORK/err"
chmod 700 "$DATA"

touch "$DATA/atena.db-wal" && chmod 640 "$DATA/atena.db-wal"
expect_rc "a -wal the group may read is refused" 1 atena user show --id admin
check "naming it" grep -qF "chmod 600 $DATA/atena.db-wal" "$WORK/err"
chmod 600 "$DATA/atena.db-wal"

chmod 604 "$DATA/keys.json"
expect_rc "a key file others may read is refused (as before)" 1 atena user show --id admin
check "naming it and the fix" grep -qF "chmod 600 $DATA/keys.json" "$WORK/err"
chmod 600 "$DATA/keys.json"

expect_rc "put right, the directory opens again" 0 atena user show --id admin
expect_rc "and the log verifies" 0 atena audit verify

finish
