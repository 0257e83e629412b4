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

denied_count() {   # operation — refusals of it in the log
	AS=auditor BIZ=audit_review REASON=定期監査 CASE= api GET "/api/v1/audit/events?limit=1000"
	jq --arg op "$1" '[.events[] | select(.operation == $op and .outcome == "denied")] | length' <<<"$BODY"
}

# A resident through the register's own route (its rules, its outbox).
export AS=clerk1 BIZ=resident_register REASON=転入届の受付 CASE=R8-0001
MN1=$(mynumber 12345678901)
api POST /api/v1/registry/events/move_in "$(jq -nc --arg m "$MN1" '{
  event_date:"2026-04-01", notification_date:"2026-04-03", household:{new:true},
  address:{address:"東京都目黒区中目黒一丁目1番1号", postcode:"1530061"},
  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"},
  persons:[{name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1980-04-12", sex:"1",
            relationship:"世帯主", householder:true, resident_code:"12345678901", my_number:$m}]}')"
expect_eq "move_in through the register" "$STATUS" 201
A1=$(jq -r '.records[0].addressee_no' <<<"$BODY")
RID=$(jq -r '.records[0].record_id' <<<"$BODY")
api GET "/api/v1/registry/persons/$A1"
expect_eq "read the resident" "$STATUS" 200
V0=$(jq -r .version <<<"$BODY")
[ -n "$RID" ] && [ "$RID" != null ] || RID=$(jq -r .record_id <<<"$BODY")
outbox0=$(AS=clerk1 BIZ=resident_register REASON=確認 api GET "/api/v1/registry/outbox?limit=1000"; jq '.notifications | length' <<<"$BODY")

# ---- the generic API on the register: create, change, remove — all refused
before=$(denied_count create)
api POST /api/v1/files/resident_register/records \
  '{"subject":"0000009001","items":{"name":"偽 太郎","name_kana":"ニセ タロウ","birth_date":"1990-01-01","sex":"9","household_no":"9999999999","addressee_no":"0000009001"}}'
expect_eq "generic create on the register refused" "$STATUS" 403
expect_eq "refusal names the rule" "$(jq -r .error.code <<<"$BODY")" not_owner
expect_eq "generic create refusal is logged" "$(denied_count create)" $((before + 1))
api GET "/api/v1/registry/search?name_kana=%E3%83%8B%E3%82%BB"
expect_eq "no such resident was made" "$(jq '.records | length' <<<"$BODY")" 0

before=$(denied_count correct)
api PATCH "/api/v1/files/resident_register/records/$RID" '{"items":{"sex":"9"}}'
expect_eq "generic change on the register refused" "$STATUS" 403
expect_eq "generic change refusal is logged" "$(denied_count correct)" $((before + 1))
before=$(denied_count remove)
api POST "/api/v1/files/resident_register/records/$RID/remove" '{"reason":"消除"}'
expect_eq "generic remove on the register refused" "$STATUS" 403
expect_eq "generic remove refusal is logged" "$(denied_count remove)" $((before + 1))
api GET "/api/v1/registry/persons/$A1"
expect_eq "the resident is unchanged (version)" "$(jq -r .version <<<"$BODY")" "$V0"
expect_eq "the resident is unchanged (sex)" "$(jq -r .items.sex <<<"$BODY")" 1
expect_eq "the resident is unchanged (state)" "$(jq -r .state <<<"$BODY")" active
outbox1=$(AS=clerk1 BIZ=resident_register REASON=確認 api GET "/api/v1/registry/outbox?limit=1000"; jq '.notifications | length' <<<"$BODY")
expect_eq "no outbox row from the refusals" "$outbox1" "$outbox0"

# ---- the tax file: kept in the tax module's tables; no door records at all
export AS=tax1 BIZ=individual_resident_tax REASON=課税資料の登録 CASE=
before=$(denied_count create)
api POST /api/v1/files/individual_resident_tax/records '{"subject":"0000009002","items":{"addressee_no":"0000009002"}}'
expect_eq "generic create on the tax file refused" "$STATUS" 403
expect_eq "tax refusal names the rule" "$(jq -r .error.code <<<"$BODY")" owner_tables
api GET "/api/v1/files/individual_resident_tax/search?item=addressee_no&value=0000009002"
expect_eq "generic search on the tax file refused" "$STATUS" 403
api GET /api/v1/files/individual_resident_tax/records/1
expect_eq "generic read on the tax file refused" "$STATUS" 403

# ---- the register's own four-eyes still works through the generic /pending
export AS=clerk1 BIZ=resident_register REASON=職権修正 CASE=
api POST /api/v1/registry/events/ex_officio_correction "$(jq -nc --arg a "$A1" '{event_date:"2026-04-10", addressee_no:$a, items:{name:"目黒 壱郎"}}')"
expect_eq "ex officio correction held" "$STATUS" 202
PID=$(jq -r '.pending_id // .pending_ids[0]' <<<"$BODY")
AS=clerk2 BIZ=resident_register REASON=職権修正の確認 api POST "/api/v1/pending/$PID/approve" '{"note":"確認済"}'
expect_eq "approved through /pending" "$STATUS" 200
api GET "/api/v1/registry/persons/$A1"
expect_eq "approved correction applied" "$(jq -r .items.name <<<"$BODY")" "目黒 壱郎"

stop_server
atena audit verify --data "$DATA" >/dev/null 2>&1
expect_eq "audit log verifies" "$?" 0
finish
