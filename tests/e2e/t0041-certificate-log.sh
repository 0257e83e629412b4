#!/usr/bin/env bash
# A certificate logs what it prints — no more (issue 8 §3). A 住民票の写し of
# one person, asked by the person without My Number, reads that person once
# with exactly the items the certificate prints (no My Number, no 住民票コード,
# no 本籍); the spouse, who is not on it, is logged only as a household search
# result with the addressee number and 続柄 (who is in the household), and a
# member who died (除票) is not looked at at all. A whole-household copy with
# My Number reads each person printed once, with the number.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
add_user auditor "監査 四郎" 監査事務局 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff auditor --business audit_review --access view --by admin --reason 監査 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login auditor" login auditor "Meguro-auditing-2026d"

# events REASON — the log's events made under that reason (each step below has its own)
events() {
	AS=auditor BIZ=audit_review REASON=定期監査 CASE= api GET "/api/v1/audit/events?limit=1000"
	jq -c --arg r "$1" '[.events[] | select(.reason == $r)]' <<<"$BODY"
}
sorted() { jq -Rc 'split(",") | sort'; }

MN1=$(mynumber 12345678901); MN2=$(mynumber 22345678901); MN3=$(mynumber 32345678901)
export AS=clerk1 BIZ=resident_register REASON=転入届の受付 CASE=
api POST /api/v1/registry/events/move_in "$(jq -nc --arg m1 "$MN1" --arg m2 "$MN2" --arg m3 "$MN3" '{
  event_date:"2025-10-01", notification_date:"2025-10-03", household:{new:true},
  address:{address:"東京都目黒区中目黒一丁目1番1号", postcode:"1530061"},
  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"},
  persons:[
   {name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1960-04-12", sex:"1",
    relationship:"世帯主", householder:true, resident_code:"12345678901", my_number:$m1},
   {name:"目黒 和子", name_kana:"メグロ カズコ", birth_date:"1962-09-03", sex:"2",
    relationship:"妻", resident_code:"22345678901", my_number:$m2},
   {name:"目黒 次郎", name_kana:"メグロ ジロウ", birth_date:"1990-01-20", sex:"1",
    relationship:"子", resident_code:"32345678901", my_number:$m3}]}')"
expect_eq "move_in of a family" "$STATUS" 201
A1=$(jq -r '.records[0].addressee_no' <<<"$BODY"); A2=$(jq -r '.records[1].addressee_no' <<<"$BODY")
A3=$(jq -r '.records[2].addressee_no' <<<"$BODY")
# the son dies: his record is removed (除票) but keeps the household number
REASON=死亡届の受付 api POST /api/v1/registry/events/death "$(jq -nc --arg a "$A3" '{
  event_date:"2026-03-01", notification_date:"2026-03-02", addressee_no:$a}')"
expect_eq "death" "$STATUS" 201

# ---- a 住民票 of the husband alone, by himself, without My Number
REASON=住民票の写しの交付 api POST /api/v1/registry/certificates "$(jq -nc --arg a "$A1" '{
  kind:"juminhyo", addressee_no:$a, requester:{relation:"self", name:"目黒 一郎"}}')"
expect_eq "certificate" "$STATUS" 200
expect_eq "one person on it" "$(jq '.persons | length' <<<"$BODY")" 1
expect_eq "no My Number on it" "$(jq '.persons[0] | has("my_number")' <<<"$BODY")" false
EV=$(events 住民票の写しの交付)
ME=$(jq -c --arg s "$A1" '[.[] | select(.subject == $s and (.operation == "read" or .operation == "search_result"))]' <<<"$EV")
# once read, once found in the household search (who is in it: number and 続柄)
expect_eq "the person is read once" "$(jq -c '[.[].operation] | sort' <<<"$ME")" '["read","search_result"]'
expect_eq "found in the household by number and 続柄" \
	"$(jq -r '.[] | select(.operation == "search_result") | .items' <<<"$ME" | sorted)" '["addressee_no","relationship"]'
# the 基礎証明事項 he has, and the household number the household is found by
expect_eq "with exactly the items printed" "$(jq -r '.[] | select(.operation == "read") | .items' <<<"$ME" | sorted)" \
	'["address","addressee_no","birth_date","change_date","change_reason","household_no","name","name_kana","previous_address","residence_date","residence_notification_date","sex"]'
check "not the My Number" bash -c "! jq -r '.[].items' <<<'$ME' | grep -q my_number"
HIST=$(jq -c --arg s "$A1" '[.[] | select(.subject == $s and .operation == "history")]' <<<"$EV")
expect_eq "his history is read once" "$(jq length <<<"$HIST")" 1
expect_eq "for the change dates and reasons only" "$(jq -r '.[0].items' <<<"$HIST" | sorted)" \
	'["change_date","change_reason"]'
SPOUSE=$(jq -c --arg s "$A2" '[.[] | select(.subject == $s)]' <<<"$EV")
expect_eq "the spouse is logged once" "$(jq length <<<"$SPOUSE")" 1
expect_eq "as a household search result" "$(jq -r '.[0].operation' <<<"$SPOUSE")" search_result
expect_eq "with who she is in the household only" "$(jq -r '.[0].items' <<<"$SPOUSE" | sorted)" \
	'["addressee_no","relationship"]'
expect_eq "the son's 除票 is not looked at" \
	"$(jq --arg s "$A3" '[.[] | select(.subject == $s)] | length' <<<"$EV")" 0

# ---- the whole household with My Number: each person printed is read once, with it
REASON=世帯全員の住民票の交付 api POST /api/v1/registry/certificates "$(jq -nc --arg a "$A2" '{
  kind:"juminhyo", addressee_no:$a, members:"all", items:["household","relationship"],
  include_my_number:true, requester:{relation:"self", name:"目黒 和子"}, purpose:"年金手続"}')"
expect_eq "whole household certificate" "$STATUS" 200
expect_eq "two persons on it" "$(jq '.persons | length' <<<"$BODY")" 2
EV=$(events 世帯全員の住民票の交付)
for a in "$A1" "$A2"; do
	R=$(jq -c --arg s "$a" '[.[] | select(.subject == $s and .operation == "read")]' <<<"$EV")
	expect_eq "$a read once" "$(jq length <<<"$R")" 1
	check "$a read with the My Number and 続柄" bash -c \
		"jq -r '.[0].items' <<<'$R' | tr , '\n' | grep -qx my_number && jq -r '.[0].items' <<<'$R' | tr , '\n' | grep -qx relationship"
	check "$a read without the 住民票コード" bash -c "! jq -r '.[0].items' <<<'$R' | grep -q resident_code"
done
expect_eq "the son's 除票 is not looked at" \
	"$(jq --arg s "$A3" '[.[] | select(.subject == $s)] | length' <<<"$EV")" 0

stop_server
expect_rc "audit verify" 0 atena audit verify --data "$DATA"
finish
