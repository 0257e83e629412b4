#!/usr/bin/env bash
# The HTTP API end to end: the real `atena serve`, real sessions (password +
# TOTP from oathtool), the one door's refusals, masking, four-eyes, and an
# audit log that verifies afterwards and shows who looked at whom and why.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
add_user clerk2 "確認 次郎" 区民課 --by admin
add_user viewer "閲覧 三郎" 税務課 --by admin
add_user auditor "監査 四郎" 監査事務局 --by admin
atena grant --staff clerk1 --business test_business --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff clerk2 --business test_business --access update --by admin --reason 確認担当 >/dev/null
atena grant --staff viewer --business test_viewer --access view --by admin --reason 課税資料 >/dev/null
atena grant --staff auditor --business audit_review --access view --by admin --reason 監査 >/dev/null
start_server || exit 1

# ---- health, unknown routes
AS= api GET /api/v1/healthz
expect_eq "healthz" "$STATUS" 200
AS= api GET /api/v1/nothing-here
expect_eq "unknown route" "$STATUS" 404
expect_eq "error body shape" "$(jq -r '.error.code' <<<"$BODY")" not_found

# ---- login: wrong password, first login needs a new password, then success
body=$(jq -nc --arg t "$(totp clerk1)" '{staff_id:"clerk1",password:"wrong-password",totp:$t,terminal_id:"T-E2E-01"}')
AS= api POST /api/v1/sessions "$body"
expect_eq "wrong password" "$STATUS" 401
body=$(jq -nc --arg p "${PW[clerk1]}" --arg t "$(totp clerk1)" '{staff_id:"clerk1",password:$p,totp:$t,terminal_id:"T-E2E-01"}')
AS= api POST /api/v1/sessions "$body"
expect_eq "first login demands a password change" "$STATUS" 403
expect_eq "its code" "$(jq -r .error.code <<<"$BODY")" password_change_required
AS= api POST /api/v1/sessions '{"staff_id":"clerk1","password":"x","totp":"123456","terminal_id":"T","extra":1}'
expect_eq "unknown key in login refused" "$STATUS" 400
expect_eq "unknown key named" "$(jq -r .error.field <<<"$BODY")" extra
AS= api POST /api/v1/sessions '{"staff_id":'
expect_eq "malformed JSON refused" "$STATUS" 400
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login clerk2" login clerk2 "Meguro-counter-2026b"
check "login viewer" login viewer "Meguro-taxdesk-2026c"
check "login auditor" login auditor "Meguro-auditing-2026d"

# ---- every request names a business and a reason
AS=clerk1 BIZ= REASON=転入届 api GET /api/v1/me
expect_eq "no business header" "$STATUS" 400
expect_eq "names the header" "$(jq -r .error.field <<<"$BODY")" X-Atena-Business
AS=clerk1 BIZ=test_business REASON= api GET /api/v1/me
expect_eq "no reason header" "$STATUS" 400
AS=clerk1 BIZ=no_such REASON=x api GET /api/v1/me
expect_eq "undeclared business" "$STATUS" 400
AS= BIZ=test_business REASON=x api GET /api/v1/me
expect_eq "no token" "$STATUS" 401

# ---- create, read, search as clerk1 under number-using test_business
MN1=$(mynumber 12345678901)
MN2=$(mynumber 22345678901)
export AS=clerk1 BIZ=test_business REASON=転入届の受付 CASE=R8-0001
api POST /api/v1/files/test_file/records "$(jq -nc --arg m "$MN1" '{subject:"0000001001",items:{my_number:$m,name:"目黒 一郎",name_kana:"メグロ イチロウ",birth_date:"1958-04-12",address:"東京都目黒区中目黒一丁目1番1号"}}')"
expect_eq "create" "$STATUS" 201
ID1=$(jq -r .record_id <<<"$BODY")
api POST /api/v1/files/test_file/records "$(jq -nc --arg m "$MN2" '{subject:"0000001002",items:{my_number:$m,name:"目黒 和子",name_kana:"メグロ カズコ",birth_date:"1961-09-03"}}')"
expect_eq "create second" "$STATUS" 201
api POST /api/v1/files/test_file/records "$(jq -nc '{subject:"0000001003",items:{my_number:"123456789010",name:"X"}}')"
expect_eq "wrong check digit refused" "$STATUS" 400
expect_eq "names the item" "$(jq -r .error.field <<<"$BODY")" items.my_number
api POST /api/v1/files/test_file/records '{"subject":"0000001003","items":{"birth_date":"2023-02-29","name":"X"}}'
expect_eq "impossible date refused" "$STATUS" 400
printf '{"subject":"0000001003","items":{"name":"%s"}}' "$(head -c 1100000 /dev/zero | tr '\0' a)" > "$WORK/big.json"
api POST /api/v1/files/test_file/records "@$WORK/big.json"
expect_eq "body over 1 MiB refused" "$STATUS" 413
api GET "/api/v1/files/test_file/search?item=name&value=X&match=exact"
expect_eq "refused writes left nothing" "$(jq '.records | length' <<<"$BODY")" 0
api GET "/api/v1/files/test_file/records/$ID1"
expect_eq "read" "$STATUS" 200
expect_eq "number-using business sees the number" "$(jq -r .items.my_number <<<"$BODY")" "$MN1"
api GET /api/v1/files/test_file/records/abc
expect_eq "bad path id" "$STATUS" 400
api GET /api/v1/files/test_file/records/999999
expect_eq "missing record" "$STATUS" 404
api GET "/api/v1/files/test_file/search?item=name_kana&value=%E3%83%A1%E3%82%B0%E3%83%AD&match=prefix"
expect_eq "prefix search" "$(jq '.records | length' <<<"$BODY")" 2
expect_eq "many-person result has no My Number" "$(jq '[.records[].items | has("my_number")] | any' <<<"$BODY")" false
api GET "/api/v1/files/test_file/search?item=my_number&value=$MN2&match=exact"
expect_eq "lookup by My Number" "$(jq -r '.records[0].subject' <<<"$BODY")" 0000001002

# ---- masking outside number-using business; grants per business
AS=viewer BIZ=test_viewer REASON=課税資料の確認 api GET "/api/v1/files/test_file/records/$ID1"
expect_eq "viewer reads" "$STATUS" 200
expect_eq "My Number masked" "$(jq -r .items.my_number <<<"$BODY")" "************"
AS=viewer BIZ=test_business REASON=x api GET "/api/v1/files/test_file/records/$ID1"
expect_eq "viewer has no grant for test_business" "$STATUS" 403
AS=viewer BIZ=test_viewer REASON=x api PATCH "/api/v1/files/test_file/records/$ID1" '{"items":{"name":"X"}}'
expect_eq "viewer cannot write" "$STATUS" 403

# ---- four-eyes: a correction waits for a second person
api PATCH "/api/v1/files/test_file/records/$ID1" '{"items":{"address":"東京都目黒区八雲三丁目12番8号"}}'
expect_eq "correction held" "$STATUS" 202
PID=$(jq -r .pending_id <<<"$BODY")
api POST "/api/v1/pending/$PID/approve" '{"note":"self"}'
expect_eq "maker cannot approve" "$STATUS" 403
AS=clerk2 REASON=職権修正の確認 api GET /api/v1/pending
expect_eq "pending list" "$(jq 'if type=="array" then length else (.pending // .changes // []) | length end' <<<"$BODY")" 1
AS=clerk2 REASON=職権修正の確認 api POST "/api/v1/pending/$PID/approve" '{"note":"申請書と照合"}'
expect_eq "second person approves" "$STATUS" 200
api GET "/api/v1/files/test_file/records/$ID1/history"
expect_eq "history has two versions" "$(jq '.versions | length' <<<"$BODY")" 2
expect_eq "approved by clerk2" "$(jq -r '.versions[1].approved_by' <<<"$BODY")" clerk2

# ---- the audit log: who looked at 0000001001, and why
AS=clerk1 BIZ=audit_review REASON=x api GET "/api/v1/audit/events?subject=0000001001"
expect_eq "audit needs an audit_review grant" "$STATUS" 403
AS=auditor BIZ=audit_review REASON=定期監査 CASE= api GET "/api/v1/audit/events?subject=0000001001&limit=100"
expect_eq "audit query" "$STATUS" 200
expect_eq "viewer's read is there with its reason" \
	"$(jq -r '[.events[] | select(.staff_id=="viewer" and .operation=="read")][0].reason' <<<"$BODY")" 課税資料の確認
expect_eq "with the terminal" \
	"$(jq -r '[.events[] | select(.staff_id=="viewer")][0].terminal_id' <<<"$BODY")" T-E2E-01
AS=auditor BIZ=audit_review REASON=定期監査 api GET "/api/v1/audit/events?staff=clerk1&limit=1000"
expect_eq "refused header-less request was audited" \
	"$(jq '[.events[] | select(.outcome=="invalid")] | length > 0' <<<"$BODY")" true
AS=auditor BIZ=audit_review REASON=定期監査 api GET "/api/v1/audit/events?limit=0"
expect_eq "bad limit refused" "$STATUS" 400

# ---- logout ends the session
api DELETE /api/v1/sessions
expect_eq "logout" "$STATUS" 204
api GET /api/v1/me
expect_eq "token dead after logout" "$STATUS" 401

stop_server
expect_rc "audit log verifies after the run" 0 atena audit verify
finish
