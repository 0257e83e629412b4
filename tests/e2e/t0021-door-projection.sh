#!/usr/bin/env bash
# The log says what was seen — no more, no less (issue 8 §3). A counter
# lookup of one resident logs each other household member with exactly the
# items the view returned for them; a tax decision notice reads, and the log
# shows, only the taxpayer and only the items the notice prints — not the
# spouse, not the rest of the record.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
add_user tax1 "税務 一郎" 税務課 --by admin
add_user auditor "監査 四郎" 監査事務局 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff tax1 --business individual_resident_tax --access update --by admin --reason 課税担当 >/dev/null
atena grant --staff auditor --business audit_review --access view --by admin --reason 監査 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login tax1" login tax1 "Meguro-taxation-2026c"
check "login auditor" login auditor "Meguro-auditing-2026d"

# events REASON — the log's events made under that reason (each step below has its own)
events() {
	AS=auditor BIZ=audit_review REASON=定期監査 CASE= api GET "/api/v1/audit/events?limit=1000"
	jq -c --arg r "$1" '[.events[] | select(.reason == $r)]' <<<"$BODY"
}
sorted() { jq -Rc 'split(",") | sort'; }

MN1=$(mynumber 12345678901); MN2=$(mynumber 22345678901)
export AS=clerk1 BIZ=resident_register REASON=転入届の受付 CASE=
api POST /api/v1/registry/events/move_in "$(jq -nc --arg m1 "$MN1" --arg m2 "$MN2" '{
  event_date:"2025-10-01", notification_date:"2025-10-03", household:{new:true},
  address:{address:"東京都目黒区中目黒一丁目1番1号", postcode:"1530061"},
  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"},
  persons:[
   {name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1960-04-12", sex:"1",
    relationship:"世帯主", householder:true, resident_code:"12345678901", my_number:$m1},
   {name:"目黒 和子", name_kana:"メグロ カズコ", birth_date:"1962-09-03", sex:"2",
    relationship:"妻", resident_code:"22345678901", my_number:$m2}]}')"
expect_eq "move_in of a couple" "$STATUS" 201
A1=$(jq -r '.records[0].addressee_no' <<<"$BODY"); A2=$(jq -r '.records[1].addressee_no' <<<"$BODY")
H1=$(jq -r .household_no <<<"$BODY")

# ---- the person view: the spouse is listed with four items, and logged with those four
REASON=窓口での本人確認 api GET "/api/v1/registry/persons/$A1"
expect_eq "person view" "$STATUS" 200
expect_eq "the spouse is listed" "$(jq -r '.household[0].addressee_no' <<<"$BODY")" "$A2"
SHOWN=$(jq -c '.household[0] | keys' <<<"$BODY")
expect_eq "the view shows four items of the spouse" "$SHOWN" '["addressee_no","name","name_kana","relationship"]'
EV=$(events 窓口での本人確認)
SPOUSE=$(jq -c --arg s "$A2" '[.[] | select(.subject == $s)]' <<<"$EV")
expect_eq "the spouse is logged once" "$(jq length <<<"$SPOUSE")" 1
expect_eq "as a household search result" "$(jq -r '.[0].operation' <<<"$SPOUSE")" search_result
expect_eq "with exactly the items returned" "$(jq -r '.[0].items' <<<"$SPOUSE" | sorted)" "$SHOWN"
check "the person looked up is read in full" bash -c \
	"jq -e --arg s '$A1' '[.[] | select(.subject == \$s and .operation == \"read\") | .items | split(\",\") | length] | .[0] > 10' <<<'$EV' >/dev/null"

# ---- the household view: six columns, six items logged for each member
REASON=世帯の確認 api GET "/api/v1/registry/households/$H1"
expect_eq "household view" "$STATUS" 200
HSHOWN=$(jq -c '[.members[].items | keys] | unique' <<<"$BODY")
expect_eq "the household view returns its six columns" "$HSHOWN" '[["addressee_no","birth_date","name","name_kana","relationship","sex"]]'
EV=$(events 世帯の確認)
expect_eq "each member logged with exactly those items" \
	"$(jq -c '[.[] | select(.operation == "search_result") | .items | split(",") | sort] | unique' <<<"$EV")" "$HSHOWN"

# ---- a tax decision notice for the husband
FY=2026
export AS=tax1 BIZ=individual_resident_tax REASON=当初課税
api POST "/api/v1/tax/roll?fiscal_year=$FY"
expect_eq "roll" "$STATUS" 200
RET=$(jq -nc --arg m "$MN1" '{return_type:"resident", fiscal_year:2026, addressed_to:"131105",
  my_number:$m, name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1960-04-12", sex:"male",
  address:"東京都目黒区中目黒一丁目1番1号",
  taxpayer:{income:{business:4000000},
            deductions:{social_insurance:400000}}}')
api POST /api/v1/tax/intake "$(jq -nc --arg d "$RET" '{fiscal_year:2026, kind:"return", data:$d}')"
expect_eq "return taken in" "$STATUS" 200
expect_eq "return matched" "$(jq .matched <<<"$BODY")" 1
api POST "/api/v1/tax/assess?fiscal_year=$FY"
expect_eq "assessed" "$STATUS" 200
REASON=納税通知書の作成 api GET "/api/v1/tax/persons/$A1/document?fiscal_year=$FY&kind=tax_decision"
expect_eq "tax decision notice" "$STATUS" 200
expect_eq "the notice names the taxpayer" "$(jq -r .taxpayer.name <<<"$BODY")" "目黒 一郎"
EV=$(events 納税通知書の作成)
READS=$(jq -c '[.[] | select(.operation == "read" or .operation == "search_result")]' <<<"$EV")
expect_eq "the register is read once, for the taxpayer only" \
	"$(jq -c '[.[].subject] | unique' <<<"$READS")" "[\"$A1\"]"
expect_eq "one read" "$(jq length <<<"$READS")" 1
expect_eq "with the printed items only" "$(jq -r '.[0].items' <<<"$READS" | sorted)" \
	'["address","birth_date","name","name_kana"]'
expect_eq "the spouse is not in the log of the notice" \
	"$(jq --arg s "$A2" '[.[] | select(.subject == $s)] | length' <<<"$EV")" 0

stop_server
expect_rc "audit verify" 0 atena audit verify --data "$DATA"
finish
