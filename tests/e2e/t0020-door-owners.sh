#!/usr/bin/env bash
# One way in (issue 8 §1): the generic records API writes only files no module
# owns. For the resident register (owned by the registry module) and the
# individual resident tax file (kept by the tax module in its own tables),
# every generic write is refused with 403, is in the access log, and changes
# nothing; the register's own routes still work.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
add_user clerk2 "確認 次郎" 区民課 --by admin
add_user tax1 "税務 一郎" 税務課 --by admin
add_user auditor "監査 四郎" 監査事務局 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff clerk2 --business resident_register --access update --by admin --reason 確認担当 >/dev/null
atena grant --staff tax1 --business individual_resident_tax --access update --by admin --reason 課税担当 >/dev/null
atena grant --staff auditor --business audit_review --access view --by admin --reason 監査 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login clerk2" login clerk2 "Meguro-counter-2026b"
check "login tax1" login tax1 "Meguro-taxation-2026c"
check "login auditor" login auditor "Meguro-auditing-2026d"

events() {   # the whole log, as the auditor reads it
	AS=auditor BIZ=audit_review REASON=定期監査 CASE= api GET "/api/v1/audit/events?limit=1000"
	echo "$BODY"
}
denied_count() {   # operation — refusals of it in the log
	events | jq --arg op "$1" '[.events[] | select(.operation == $op and .outcome == "denied")] | length'
}
last_refusal() {   # operation — "outcome|subject|business|detail" of its last refusal
	events | jq -r --arg op "$1" '[.events[] | select(.operation == $op and
		(.outcome == "denied" or .outcome == "invalid"))] | last
		| [.outcome, .subject, .business, .detail] | join("|")'
}

# A resident through the register's own route (its rules, its outbox).
export AS=clerk1 BIZ=resident_register REASON=転入届の受付 CASE=R8-0001
MN1=$(mynumber 12345678901)
MN2=$(mynumber 22345678901)
api POST /api/v1/registry/events/move_in "$(jq -nc --arg m "$MN1" --arg m2 "$MN2" '{
  event_date:"2026-04-01", notification_date:"2026-04-03", household:{new:true},
  address:{address:"東京都目黒区中目黒一丁目1番1号", postcode:"1530061"},
  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"},
  persons:[{name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1980-04-12", sex:"1",
            relationship:"世帯主", householder:true, resident_code:"12345678901", my_number:$m},
           {name:"目黒 花子", name_kana:"メグロ ハナコ", birth_date:"1982-05-20", sex:"2",
            relationship:"妻", resident_code:"12345678902", my_number:$m2}]}')"
expect_eq "move_in through the register" "$STATUS" 201
A1=$(jq -r '.records[0].addressee_no' <<<"$BODY")
RID=$(jq -r '.records[0].record_id' <<<"$BODY")
api GET "/api/v1/registry/persons/$A1"
expect_eq "read the resident" "$STATUS" 200
V0=$(jq -r .version <<<"$BODY")
[ -n "$RID" ] && [ "$RID" != null ] || RID=$(jq -r .record_id <<<"$BODY")
outbox0=$(AS=clerk1 BIZ=resident_register REASON=確認 api GET "/api/v1/registry/outbox?limit=1000"; jq '.notifications | length' <<<"$BODY")

# ---- the generic API on the register: create, change, remove — all refused,
# each logged once under the request's operation (one writer, issue 8 §2, §4)
C=/api/v1/files/resident_register/records
before=$(denied_count "POST $C")
api POST /api/v1/files/resident_register/records \
  '{"subject":"0000009001","items":{"name":"偽 太郎","name_kana":"ニセ タロウ","birth_date":"1990-01-01","sex":"9","household_no":"9999999999","addressee_no":"0000009001"}}'
expect_eq "generic create on the register refused" "$STATUS" 403
expect_eq "refusal names the rule" "$(jq -r .error.code <<<"$BODY")" not_owner
expect_eq "generic create refusal is logged once" "$(denied_count "POST $C")" $((before + 1))
expect_eq "... naming the person and the rule" "$(last_refusal "POST $C")" \
	"denied|0000009001|resident_register|not_owner file"
api GET "/api/v1/registry/search?name_kana=%E3%83%8B%E3%82%BB"
expect_eq "no such resident was made" "$(jq '.records | length' <<<"$BODY")" 0

before=$(denied_count "PATCH $C/$RID")
api PATCH "$C/$RID" '{"items":{"sex":"9"}}'
expect_eq "generic change on the register refused" "$STATUS" 403
expect_eq "generic change refusal is logged once" "$(denied_count "PATCH $C/$RID")" $((before + 1))
expect_eq "... naming the person" "$(last_refusal "PATCH $C/$RID")" \
	"denied|$A1|resident_register|not_owner file"
before=$(denied_count "POST $C/$RID/remove")
api POST "$C/$RID/remove" '{"reason":"消除"}'
expect_eq "generic remove on the register refused" "$STATUS" 403
expect_eq "generic remove refusal is logged once" "$(denied_count "POST $C/$RID/remove")" $((before + 1))
# A bad body does not change the answer (issue 8 §1): the owner is refused
# before the body is read — 403 and one event, not a silent 400.
bad_refused() {   # what method path body subject
	local what=$1 method=$2 path=$3 body=$4 subject=$5 op before
	op="$method $path"
	before=$(denied_count "$op")
	api "$method" "$path" "$body"
	expect_eq "$what refused as not the owner" "$STATUS:$(jq -r .error.code <<<"$BODY")" 403:not_owner
	expect_eq "$what: logged once" "$(denied_count "$op")" $((before + 1))
	expect_eq "$what: the event" "$(last_refusal "$op")" \
		"denied|$subject|resident_register|not_owner file"
}
bad_refused "generic create, bad body" POST "$C" '{"subject":"0000009001","items":"x","extra":1}' 0000009001
bad_refused "generic create, no body fields" POST "$C" '{}' ""
bad_refused "generic change, bad body" PATCH "$C/$RID" '{"items":[1],"nickname":"x"}' "$A1"
bad_refused "generic remove, no reason" POST "$C/$RID/remove" '{"why":"x"}' "$A1"
# A file no module owns still answers a bad body with its rule, now logged.
api POST /api/v1/files/nosuch/records '{"subject":"1","items":{}}'
expect_eq "generic create on no such file" "$STATUS" 404

# A generic read of a record that does not exist: 404, logged as a register
# route's 404 is.
api GET "$C/99999"
expect_eq "generic read of no record: 404" "$STATUS" 404
expect_eq "... logged" "$(last_refusal "GET $C/99999")" "invalid||resident_register|not_found record_id"

# ---- the generic search says when it cut its result (issue 8 §6)
api GET "/api/v1/files/resident_register/search?item=household_no&value=$(jq -r .items.household_no <<<"$(api GET "/api/v1/registry/persons/$A1"; echo "$BODY")")&limit=1"
expect_eq "generic search, limit 1 of a two-person household" \
	"$STATUS:$(jq '.records | length' <<<"$BODY"):$(jq .truncated <<<"$BODY")" "200:1:true"
HNO=$(api GET "/api/v1/registry/persons/$A1"; jq -r .items.household_no <<<"$BODY")
api GET "/api/v1/files/resident_register/search?item=household_no&value=$HNO&limit=5"
expect_eq "generic search, whole household" \
	"$(jq '.records | length' <<<"$BODY"):$(jq .truncated <<<"$BODY")" "2:false"
expect_eq "... a many-person result shows no My Number" \
	"$(jq '[.records[].items | has("my_number")] | any' <<<"$BODY")" false
api GET "/api/v1/registry/persons/$A1"
expect_eq "the resident is unchanged (version)" "$(jq -r .version <<<"$BODY")" "$V0"
expect_eq "the resident is unchanged (sex)" "$(jq -r .items.sex <<<"$BODY")" 1
expect_eq "the resident is unchanged (state)" "$(jq -r .state <<<"$BODY")" active
outbox1=$(AS=clerk1 BIZ=resident_register REASON=確認 api GET "/api/v1/registry/outbox?limit=1000"; jq '.notifications | length' <<<"$BODY")
expect_eq "no outbox row from the refusals" "$outbox1" "$outbox0"

# ---- the tax file: kept in the tax module's tables; no door records at all
export AS=tax1 BIZ=individual_resident_tax REASON=課税資料の登録 CASE=
T=/api/v1/files/individual_resident_tax
tax_refused() {   # what method path [body] [subject] — 403 owner_tables, logged once
	local what=$1 method=$2 path=$3 body=${4-} subject=${5-}
	local op="$method ${path%%\?*}" before   # the log names the path without its query
	before=$(denied_count "$op")
	api "$method" "$path" "$body"
	expect_eq "$what refused" "$STATUS:$(jq -r .error.code <<<"$BODY")" 403:owner_tables
	expect_eq "$what: logged once" "$(denied_count "$op")" $((before + 1))
	expect_eq "$what: the event" "$(last_refusal "$op")" \
		"denied|$subject|individual_resident_tax|owner_tables file"
}
tax_refused "generic create on the tax file" POST "$T/records" \
	'{"subject":"0000009002","items":{"addressee_no":"0000009002"}}' 0000009002
tax_refused "generic search on the tax file" GET "$T/search?item=addressee_no&value=0000009002"
tax_refused "generic read on the tax file" GET "$T/records/1"
tax_refused "generic change on the tax file" PATCH "$T/records/1" '{"items":{"addressee_no":"0000009002"}}'
tax_refused "generic history on the tax file" GET "$T/records/1/history"

# ---- the register's own four-eyes still works through the generic /pending
export AS=clerk1 BIZ=resident_register REASON=職権修正 CASE=
api POST /api/v1/registry/events/ex_officio_correction "$(jq -nc --arg a "$A1" '{event_date:"2026-04-10", addressee_no:$a, items:{name:"目黒 壱郎"}}')"
expect_eq "ex officio correction held" "$STATUS" 202
PID=$(jq -r '.pending_id // .pending_ids[0]' <<<"$BODY")
# The four-eyes queue shows personal data: each entry shown is logged (issue 8 §1)
AS=clerk2 BIZ=resident_register REASON=職権修正の確認 api GET /api/v1/pending
expect_eq "pending list" "$STATUS:$(jq '.pending | length' <<<"$BODY")" 200:1
expect_eq "... shows the held name" "$(jq -r '.pending[0].items.name' <<<"$BODY")" "目黒 壱郎"
SHOWN=$(jq -r '.pending[0].items | keys | join(",")' <<<"$BODY")
entry=$(events | jq -r --arg s "$A1" '[.events[] | select(.operation == "pending_entry" and .staff_id == "clerk2")] | last | [.subject, (.items | split(",") | sort | join(","))] | join("|")')
expect_eq "... the entry is logged with its person and exactly the items shown" "$entry" "$A1|$SHOWN"
AS=clerk2 BIZ=resident_register REASON=職権修正の確認 api POST "/api/v1/pending/$PID/approve" '{"note":"確認済"}'
expect_eq "approved through /pending" "$STATUS" 200
api GET "/api/v1/registry/persons/$A1"
expect_eq "approved correction applied" "$(jq -r .items.name <<<"$BODY")" "目黒 壱郎"

stop_server
atena audit verify --data "$DATA" >/dev/null 2>&1
expect_eq "audit log verifies" "$?" 0
finish
