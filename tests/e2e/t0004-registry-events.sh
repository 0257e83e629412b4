#!/usr/bin/env bash
# The resident register's remaining event types over the real server: a
# foreign resident's move-in and status change, 転出取消, 住民票コード and
# 個人番号 changes, and the ex officio entry and removal that wait for a
# second person — each read back to prove what changed and what did not.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
add_user clerk2 "確認 次郎" 区民課 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff clerk2 --business resident_register --access update --by admin --reason 確認担当 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login clerk2" login clerk2 "Meguro-counter-2026b"

R=/api/v1/registry
export AS=clerk1 BIZ=resident_register REASON=届出の受付 CASE=R8-0100
item() { jq -r ".items.$1 // empty" <<<"$BODY"; }   # an item of the record in BODY

# The test clock (lib.sh) stands at 2026-05-28: every event is dated before it.

# ---- a foreign resident moves in from abroad (中長期在留者: 住基法30条の45)
api POST "$R/events/move_in" "$(jq -nc '{
  event_date:"2026-04-01", notification_date:"2026-04-02",
  household:{new:true}, address:{address:"東京都目黒区駒場四丁目6番1号", postcode:"1530041"},
  previous:{country:"ベトナム"}, from_abroad:true,
  persons:[{name:"NGUYEN VAN AN", name_kana:"グエン バン アン", birth_date:"1996-02-10", sex:"1",
    relationship:"世帯主", householder:true, resident_code:"71234567890",
    foreign:{nationality:"ベトナム", nationality_code:"VNM", article_30_45_category:"1",
      residence_status:"留学", period_of_stay:"2年", period_of_stay_expiry:"2028-03-31",
      residence_card_no:"AB12345678CD"}}]}')"
expect_eq "foreign resident's move-in from abroad" "$STATUS" 201
AF=$(jq -r '.records[0].addressee_no' <<<"$BODY")
api GET "$R/persons/$AF"
expect_eq "status of residence recorded" "$(item residence_status)" 留学
expect_eq "previous address abroad" "$(item previous_address | grep -c ベトナム)" 1

# ---- foreign_status_change: 在留資格 changes; an alias (通称) is added and kept in 通称履歴
api POST "$R/events/foreign_status_change" "$(jq -nc --arg a "$AF" '{event_date:"2026-05-01",
  notification_date:"2026-05-03", addressee_no:$a,
  foreign:{residence_status:"技術・人文知識・国際業務", period_of_stay:"5年",
    period_of_stay_expiry:"2031-05-31", alias:"中村 安", alias_kana:"ナカムラ アン"}}')"
expect_eq "foreign status change" "$STATUS" 201
api GET "$R/persons/$AF"
expect_eq "new status of residence" "$(item residence_status)" 技術・人文知識・国際業務
expect_eq "alias recorded" "$(item foreign_alias)" "中村 安"
check "alias history kept" grep -q "中村 安" <<<"$(item alias_history)"
expect_eq "name untouched" "$(item name)" "NGUYEN VAN AN"
api POST "$R/events/foreign_status_change" "$(jq -nc --arg a "$AF" '{event_date:"2026-05-01",
  notification_date:"2026-05-03", addressee_no:$a, foreign:{article_30_45_category:"9"}}')"
expect_eq "an unknown 30条の45 category is refused" "$STATUS" 400

# ---- a permanent resident (永住者) has no period of stay to expire (入管法施行規則 別表第二)
api POST "$R/events/move_in" "$(jq -nc '{event_date:"2026-04-05", notification_date:"2026-04-06",
  household:{new:true}, address:{address:"東京都目黒区大橋一丁目3番8号"},
  previous:{municipality_code:"131130", address:"東京都渋谷区神南一丁目1番"},
  persons:[{name:"LI WEI", name_kana:"リ ウェイ", birth_date:"1975-08-20", sex:"2",
    relationship:"世帯主", householder:true, resident_code:"72234567890", my_number:"'"$(mynumber 72234567890)"'",
    foreign:{nationality:"中国", article_30_45_category:"1", residence_status:"永住者",
      period_of_stay:"無期限", residence_card_no:"CD98765432EF"}}]}')"
expect_eq "a 永住者 moves in without an expiry date" "$STATUS" 201

# ---- a Japanese household for the number changes and 転出取消
MN=$(mynumber 81234567890)
api POST "$R/events/move_in" "$(jq -nc --arg m "$MN" '{event_date:"2026-04-01", notification_date:"2026-04-01",
  household:{new:true}, address:{address:"東京都目黒区八雲二丁目5番3号"},
  previous:{municipality_code:"131130", address:"東京都渋谷区宇田川町1番1号"},
  persons:[{name:"佐藤 健", name_kana:"サトウ ケン", birth_date:"1985-01-23", sex:"1",
    relationship:"世帯主", householder:true, resident_code:"81234567890", my_number:$m}]}')"
expect_eq "move-in" "$STATUS" 201
AS1=$(jq -r '.records[0].addressee_no' <<<"$BODY")

# ---- resident_code_change (住基法30条の4): the new code is findable, the old is not
api POST "$R/events/resident_code_change" "$(jq -nc --arg a "$AS1" '{event_date:"2026-05-01",
  notification_date:"2026-05-01", addressee_no:$a, resident_code:"91234567890"}')"
expect_eq "resident record code change" "$STATUS" 201
api GET "$R/search?resident_code=91234567890"
expect_eq "found by the new code" "$(jq -r '.records[0].subject' <<<"$BODY")" "$AS1"
api GET "$R/search?resident_code=81234567890"
expect_eq "not by the old one" "$(jq '.records | length' <<<"$BODY")" 0
api POST "$R/events/resident_code_change" "$(jq -nc --arg a "$AS1" '{event_date:"2026-05-01",
  notification_date:"2026-05-01", addressee_no:$a, resident_code:"9123456789"}')"
expect_eq "a 10-digit resident record code is refused" "$STATUS" 400
expect_eq "naming the field" "$(jq -r .error.field <<<"$BODY")" resident_code

# ---- my_number_change (番号法7条2項)
MN_NEW=$(mynumber 82234567890)
api POST "$R/events/my_number_change" "$(jq -nc --arg a "$AS1" --arg m "${MN_NEW:0:11}$(( (${MN_NEW:11:1} + 1) % 10 ))" '{
  event_date:"2026-05-02", notification_date:"2026-05-02", addressee_no:$a, my_number:$m}')"
expect_eq "a wrong check digit is refused" "$STATUS" 400
api POST "$R/events/my_number_change" "$(jq -nc --arg a "$AS1" --arg m "$MN_NEW" '{
  event_date:"2026-05-02", notification_date:"2026-05-02", addressee_no:$a, my_number:$m}')"
expect_eq "My Number change" "$STATUS" 201
api GET "$R/search?my_number=$MN_NEW"
expect_eq "found by the new number" "$(jq -r '.records[0].subject' <<<"$BODY")" "$AS1"
api GET "$R/persons/$AS1/history"
expect_eq "the old number is kept in history" "$(jq -r '.versions[0].items.my_number' <<<"$BODY")" "$MN"

# ---- move_out_planned then move_out_cancelled: the planned destination goes away
api POST "$R/events/move_out_planned" "$(jq -nc --arg a "$AS1" '{event_date:"2026-07-01",
  notification_date:"2026-05-20", addressee_nos:[$a],
  destination:{municipality_code:"141003", address:"神奈川県横浜市中区本町一丁目1番"}}')"
expect_eq "move-out planned" "$STATUS" 201
api GET "$R/persons/$AS1"
expect_eq "planned destination recorded" "$(item planned_address)" "神奈川県横浜市中区本町一丁目1番"
expect_eq "still active" "$(jq -r .state <<<"$BODY")" active
api POST "$R/events/move_out_cancelled" "$(jq -nc --arg a "$AS1" '{event_date:"2026-05-22",
  notification_date:"2026-05-22", addressee_nos:[$a]}')"
expect_eq "move-out cancelled" "$STATUS" 201
api GET "$R/persons/$AS1"
expect_eq "planned destination cleared" "$(item planned_address)" ""

# ---- ex_officio_entry (職権記載): held, approved by a second person, then findable
api POST "$R/events/ex_officio_entry" "$(jq -nc '{event_date:"2026-05-10",
  household:{new:true}, address:{address:"東京都目黒区碑文谷四丁目20番1号"},
  previous:{municipality_code:"131121", address:"東京都世田谷区太子堂一丁目1番"},
  persons:[{name:"高橋 陽子", name_kana:"タカハシ ヨウコ", birth_date:"1947-02-14", sex:"2",
    relationship:"世帯主", householder:true, resident_code:"61234567890",
    my_number:"'"$(mynumber 61234567890)"'"}]}')"
expect_eq "ex officio entry held" "$STATUS" 202
PID=$(jq -r '.pending_id // .pending_ids[0]' <<<"$BODY")
api GET "$R/search?name_kana=%E3%81%9F%E3%81%8B%E3%81%AF%E3%81%97"
expect_eq "not findable while held" "$(jq '.records | length' <<<"$BODY")" 0
api POST "/api/v1/pending/$PID/approve" '{"note":"x"}'
expect_eq "the maker cannot approve" "$STATUS" 403
AS=clerk2 REASON=職権記載の確認 api POST "/api/v1/pending/$PID/approve" '{"note":"調査書と照合"}'
expect_eq "a second person approves" "$STATUS" 200
api GET "$R/search?name_kana=%E3%81%9F%E3%81%8B%E3%81%AF%E3%81%97"
expect_eq "findable once approved" "$(jq '.records | length' <<<"$BODY")" 1
AE=$(jq -r '.records[0].subject' <<<"$BODY")

# ---- ex_officio_removal (職権消除): held; approved → 除票 with its reason
api POST "$R/events/ex_officio_removal" "$(jq -nc --arg a "$AE" '{event_date:"2026-05-25",
  addressee_no:$a, reason:"実態調査により居住の事実なし"}')"
expect_eq "ex officio removal held" "$STATUS" 202
PID=$(jq -r '.pending_id // .pending_ids[0]' <<<"$BODY")
api GET "$R/persons/$AE"
expect_eq "still active while held" "$(jq -r .state <<<"$BODY")" active
AS=clerk2 REASON=職権消除の確認 api POST "/api/v1/pending/$PID/approve" '{"note":"実態調査書と照合"}'
expect_eq "approved" "$STATUS" 200
api GET "$R/persons/$AE"
expect_eq "removed (除票)" "$(jq -r .state <<<"$BODY")" removed
expect_eq "removal type" "$(item removal_type)" 職権消除

# ---- every approved act reached the outbox
api GET "$R/outbox?limit=1000"
expect_eq "outbox has the entry and the removal" \
	"$(jq --arg a "$AE" '[.notifications[] | select(.addressee_no == $a)] | length' <<<"$BODY")" 2

stop_server
expect_rc "audit log verifies after the run" 0 atena audit verify
finish
