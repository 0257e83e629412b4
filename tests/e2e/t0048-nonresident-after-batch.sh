#!/usr/bin/env bash
# A 住登外 taxpayer registered after the annual batch (issue 9 §5, seed 000
# §1.5) is assessed: by a rerun of the batch (HTTP), even when their number
# is lower than the last one the batch did, and by a correction run (CLI);
# each gets version 1 once, audited "tax.assess" like the batch's own, and
# nobody is assessed twice.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
add_user tax1 "税務 一郎" 税務課 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff tax1 --business individual_resident_tax --access update --by admin --reason 課税担当 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login tax1" login tax1 "Meguro-taxation-2026b"

FY=2026
export AS=clerk1 BIZ=resident_register REASON=転入届の受付 CASE=
api POST /api/v1/registry/events/move_in "$(jq -nc --arg m "$(mynumber 12345678901)" '{
  event_date:"2025-10-01", notification_date:"2025-10-03", household:{new:true},
  address:{address:"東京都目黒区中目黒一丁目1番1号", postcode:"1530061"},
  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"},
  persons:[{name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1980-04-12", sex:"1",
    relationship:"世帯主", householder:true, resident_code:"12345678901", my_number:$m}]}')"
expect_eq "move_in" "$STATUS" 201

T=(--fiscal-year $FY --as tax1 --reason 令和8年度当初課税)
expect_rc "roll of January 1" 0 cli tax1 tax roll "${T[@]}"

# Three returns from people nobody here knows: held for inquiry, in this order.
export AS=tax1 BIZ=individual_resident_tax REASON=住民税申告の受付
for i in 6 7 8; do
	RET=$(jq -nc --arg m "$(mynumber ${i}2345678901)" --arg n "横浜 ${i}郎" '{return_type:"resident",
	  fiscal_year:2026, addressed_to:"131105", my_number:$m, name:$n, name_kana:"ヨコハマ ロウ",
	  birth_date:"1970-08-08", sex:"male", address:"神奈川県横浜市中区日本大通1番地",
	  taxpayer:{income:{business:6000000}}}')
	api POST /api/v1/tax/intake "$(jq -nc --arg d "$RET" '{fiscal_year:2026, kind:"return", data:$d}')"
	expect_eq "return $i held" "$STATUS:$(jq .held <<<"$BODY")" "200:1"
done
api GET "/api/v1/tax/holds?fiscal_year=$FY"
mapfile -t DOC < <(jq -r '[.held[].doc_id] | sort | .[]' <<<"$BODY")
expect_eq "three held" "${#DOC[@]}" 3

nonresident() {   # doc_id: registers them as 住登外 (地方税法294条3項), prints the number
	AS=tax1 REASON=住登外課税 api POST "/api/v1/tax/holds/$1/decision" '{"action":"nonresident","kind":"deemed"}'
	[ "$STATUS" = 200 ] && jq -r .addressee_no <<<"$BODY"
}
assessed() {   # addressee_no: the "tax.assess" events about them
	atena audit query --subject "$1" --limit 1000 | jq '[.[] | select(.operation == "tax.assess")] | length'
}
versions() {   # addressee_no: "count:reason of the newest" (HTTP: a subshell keeps no cli step)
	AS=tax1 REASON=税額照会 api GET "/api/v1/tax/persons/$1?fiscal_year=$FY"
	jq -r '"\(.versions | length):\(.versions[0].reason)"' <<<"$BODY"
}

# The last of them is registered, then the batch runs: the resident and them.
LATE=$(nonresident "${DOC[2]}")
expect_rc "the annual batch" 0 cli tax1 tax assess "${T[@]}" --chunk 1
expect_eq "the batch: the resident and them" "$(jq .assessed "$WORK/out")" 2
# the first one after the batch: a number below the last it did
EARLY=$(nonresident "${DOC[0]}")
check "the new number is below the batch's last" test "$EARLY" \< "$LATE"

# A rerun of the batch (HTTP) assesses them, and nobody else
export REASON=住登外課税
api POST "/api/v1/tax/assess?fiscal_year=$FY"
expect_eq "rerun of the batch" "$STATUS:$(jq .assessed <<<"$BODY")" "200:1"
expect_eq "their first assessment" "$(versions "$EARLY")" "1:initial"
expect_eq "audited as the batch's" "$(assessed "$EARLY")" 1
expect_eq "the one before: still one version" "$(versions "$LATE")" "1:initial"
expect_eq "... assessed once" "$(assessed "$LATE")" 1

# The next one is assessed by a correction run (CLI), which corrects nobody
MID=$(nonresident "${DOC[1]}")
expect_rc "reassess" 0 cli tax1 tax reassess --fiscal-year $FY --as tax1 --reason 更正
expect_eq "a first assessment, no correction" "$(jq -c '[.assessed, .reassessed]' "$WORK/out")" "[1,0]"
expect_eq "their first assessment" "$(versions "$MID")" "1:initial"
expect_eq "audited as the batch's" "$(assessed "$MID")" 1

# And neither does anything twice
api POST "/api/v1/tax/reassess?fiscal_year=$FY"
expect_eq "reassess again" "$STATUS:$(jq -c '[.assessed, .reassessed]' <<<"$BODY")" "200:[0,0]"
api POST "/api/v1/tax/assess?fiscal_year=$FY"
expect_eq "the batch again" "$STATUS:$(jq .assessed <<<"$BODY")" "200:0"
for a in "$EARLY" "$MID" "$LATE"; do
	expect_eq "$a: one version, one event" "$(versions "$a")/$(assessed "$a")" "1:initial/1"
done

stop_server
expect_rc "audit verify" 0 atena audit verify --data "$DATA"
finish
