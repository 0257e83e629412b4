#!/usr/bin/env bash
# The resident tax end to end, through the real `atena serve` and the real
# `atena tax` CLI: the roll of January 1 from the register, intake of a
# salary payment report (法定資料315 layout) and returns (JSON) with matching
# (名寄せ), identity holds, forwarding (回送) of a non-resident's document,
# idempotent reloads, a refused bad file that changes nothing, the annual
# batch (its interruption by a real kill is tests/fault/crash.sh), a correction (更正)
# with the old version kept, notices as JSON and PDF, refusals without the
# tax grant, and an audit log that shows who assessed whom and verifies.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
add_user tax1 "税務 一郎" 税務課 --by admin
add_user tax2 "税務 二郎" 税務課 --by admin
add_user auditor "監査 四郎" 監査事務局 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff tax1 --business individual_resident_tax --access update --by admin --reason 課税担当 >/dev/null
atena grant --staff tax2 --business individual_resident_tax --access view --by admin --reason 照会担当 >/dev/null
atena grant --staff auditor --business audit_review --access view --by admin --reason 監査 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login tax1" login tax1 "Meguro-taxation-2026b"
check "login tax2" login tax2 "Meguro-taxation-2026c"
check "login auditor" login auditor "Meguro-auditing-2026d"

FY=2026   # 令和8年度: income of 2025, 賦課期日 2026-01-01 (the fake clock is 2026-05-28)
MN1=$(mynumber 12345678901); MN2=$(mynumber 22345678901); MN3=$(mynumber 32345678901)
MN4=$(mynumber 42345678901); MN9=$(mynumber 92345678901)

# ---- The register: a household resident since 2025, one person who moved in after Jan 1
export AS=clerk1 BIZ=resident_register REASON=転入届の受付
api POST /api/v1/registry/events/move_in "$(jq -nc --arg m1 "$MN1" --arg m2 "$MN2" --arg m3 "$MN3" '{
  event_date:"2025-10-01", notification_date:"2025-10-03", household:{new:true},
  address:{address:"東京都目黒区中目黒一丁目1番1号", postcode:"1530061"},
  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"},
  persons:[
   {name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1980-04-12", sex:"1",
    relationship:"世帯主", householder:true, resident_code:"12345678901", my_number:$m1},
   {name:"目黒 和子", name_kana:"メグロ カズコ", birth_date:"1958-09-03", sex:"2",
    relationship:"母", resident_code:"22345678901", my_number:$m2},
   {name:"目黒 太郎", name_kana:"メグロ タロウ", birth_date:"2015-06-01", sex:"1",
    relationship:"子", resident_code:"32345678901", my_number:$m3}]}')"
expect_eq "move_in of the household" "$STATUS" 201
A1=$(jq -r '.records[0].addressee_no' <<<"$BODY"); A2=$(jq -r '.records[1].addressee_no' <<<"$BODY")
A3=$(jq -r '.records[2].addressee_no' <<<"$BODY")
api POST /api/v1/registry/events/move_in "$(jq -nc --arg m "$MN4" '{
  event_date:"2026-02-01", notification_date:"2026-02-02", household:{new:true},
  address:{address:"東京都目黒区目黒一丁目2番3号", postcode:"1530063"},
  previous:{municipality_code:"131075", address:"東京都墨田区吾妻橋一丁目23番"},
  persons:[{name:"墨田 四郎", name_kana:"スミダ シロウ", birth_date:"1990-01-20", sex:"1",
    relationship:"世帯主", householder:true, resident_code:"42345678901", my_number:$m}]}')"
expect_eq "move_in after January 1" "$STATUS" 201
A4=$(jq -r '.records[0].addressee_no' <<<"$BODY")

# ---- The CLI as tax1 (each call a later one-time code)
unset AS BIZ REASON CASE
declare -A STEP
tax() {   # staff args...
	local who=$1; shift
	STEP[$who]=$(( ${STEP[$who]:-$ATENA_FAKE_NOW} + 30 ))
	ATENA_FAKE_NOW=${STEP[$who]} ATENA_PASSWORD=${PW[$who]} ATENA_TOTP=$(totp "$who" "${STEP[$who]}") \
		atena tax "$@" >"$WORK/out" 2>"$WORK/err"
}
T=(--fiscal-year $FY --as tax1 --reason 令和8年度当初課税)

expect_rc "roll of January 1" 0 tax tax1 roll "${T[@]}"
expect_eq "roll: three residents" "$(jq .residents "$WORK/out")" 3
expect_eq "roll: one not resident on Jan 1" "$(jq .not_resident "$WORK/out")" 1

# A salary payment report (給与支払報告書, 法定資料315, 144 columns; docs/tax-layouts.md):
# salary_line MYNUMBER NAME KANA ERA YY MM DD REVENUE SOCIAL PAYER ORDINARY
salary_line() {
	local -a c
	local i
	for i in $(seq 1 144); do c[$i]=""; done
	c[1]=315; c[4]="東京都目黒区下目黒二丁目1番1号"; c[5]="株式会社目黒精機"; c[6]="03-1234-5678"
	c[10]=0; c[11]=07; c[12]="東京都目黒区中目黒一丁目1番1号"; c[13]=0; c[14]=$2; c[16]="給料・賞与"
	c[17]=$8; c[21]=0; c[24]=0; c[36]=$9; c[44]=$4; c[45]=$5; c[46]=$6; c[47]=$7; c[56]=0
	c[95]=$1; c[134]=${11}; c[137]=$3; c[139]=131105; c[140]=${10}; c[143]=0; c[144]=2
	local IFS=,
	echo "${c[*]:1}"
}
salary_line "$MN1" "目黒　一郎" "ﾒｸﾞﾛ ｲﾁﾛｳ" 1 55 04 12 5000000 725000 00120001 0 >"$WORK/salary.csv"
# The same person with a wrong birth date, and someone nobody here knows.
salary_line "$MN1" "目黒　一郎" "ﾒｸﾞﾛ ｲﾁﾛｳ" 1 55 04 13 800000 0 00990001 0 >>"$WORK/salary.csv"
salary_line "$MN9" "世田谷　九郎" "ｾﾀｶﾞﾔ ｸﾛｳ" 1 60 01 01 3000000 435000 00120001 0 >>"$WORK/salary.csv"
# The person who moved in on 2026-02-01: their 2025 salary is taxed where they lived on Jan 1.
salary_line "$MN4" "墨田　四郎" "ｽﾐﾀﾞ ｼﾛｳ" 4 02 01 20 4000000 580000 00120001 0 >>"$WORK/salary.csv"

expect_rc "intake of the salary reports" 0 tax tax1 intake "${T[@]}" --kind salary --file "$WORK/salary.csv"
expect_eq "four records" "$(jq .records "$WORK/out")" 4
expect_eq "one matched" "$(jq .matched "$WORK/out")" 1
expect_eq "two held (birth date, unknown number)" "$(jq .held "$WORK/out")" 2
expect_eq "one forwarded (not resident on Jan 1)" "$(jq .forwarded "$WORK/out")" 1
expect_rc "the same file again" 0 tax tax1 intake "${T[@]}" --kind salary --file "$WORK/salary.csv"
expect_eq "reload: all duplicates" "$(jq -c '[.duplicates, .matched, .held, .forwarded]' "$WORK/out")" "[4,0,0,0]"

# A bad record refuses the whole file and names line and column; nothing is written.
{ salary_line "$MN2" "目黒　和子" "ﾒｸﾞﾛ ｶｽﾞｺ" 1 33 09 03 1000000 0 00120001 0
  salary_line "12345678901X" "誤り　太郎" "ｱﾔﾏﾘ ﾀﾛｳ" 1 33 09 03 1000000 0 00120001 0; } >"$WORK/bad.csv"
expect_rc "a bad file is refused" 1 tax tax1 intake "${T[@]}" --kind salary --file "$WORK/bad.csv"
check "the error names line 2" grep -q "line 2" "$WORK/err"

# A resident-tax return (JSON layout) for the mother over HTTP: pension and dividends.
export AS=tax1 BIZ=individual_resident_tax REASON=住民税申告の受付
RET=$(jq -nc --arg m "$MN2" '{return_type:"resident", fiscal_year:2026, addressed_to:"131105",
  my_number:$m, name:"目黒 和子", name_kana:"メグロ カズコ", birth_date:"1958-09-03", sex:"female",
  address:"東京都目黒区中目黒一丁目1番1号",
  taxpayer:{income:{public_pension_revenue:2400000, dividends:300000},
            deductions:{social_insurance:180000, medical_expenses:250000}}}')
api POST /api/v1/tax/intake "$(jq -nc --arg d "$RET" '{fiscal_year:2026, kind:"return", data:$d}')"
expect_eq "return over HTTP" "$STATUS" 200
expect_eq "return matched" "$(jq .matched <<<"$BODY")" 1
api POST /api/v1/tax/intake '{"fiscal_year":2026,"kind":"return","data":"{\"return_type\":\"x\"}"}'
expect_eq "a bad return is refused" "$STATUS" 400
api GET "/api/v1/tax/holds?fiscal_year=$FY"
expect_eq "two held documents" "$(jq '.held | length' <<<"$BODY")" 2
HOLD_BD=$(jq -r '.held[] | select(.reason=="birth_date_mismatch") | .doc_id' <<<"$BODY")
HOLD_NF=$(jq -r '.held[] | select(.reason=="not_found") | .doc_id' <<<"$BODY")
expect_eq "the mismatch names the person" "$(jq -r '.held[] | select(.reason=="birth_date_mismatch") | .addressee_no' <<<"$BODY")" "$A1"
# Bad decisions are refused, naming the field, and leave the document held.
api POST "/api/v1/tax/holds/$HOLD_BD/decision" '{"action":"merge"}'
expect_eq "unknown action" "$STATUS|$(jq -r .error.field <<<"$BODY")" "400|action"
api POST "/api/v1/tax/holds/$HOLD_BD/decision" '{"action":"confirm"}'
expect_eq "confirm without a person" "$STATUS|$(jq -r .error.field <<<"$BODY")" "400|addressee_no"
api POST "/api/v1/tax/holds/$HOLD_BD/decision" "$(jq -nc --arg a "$A4" '{action:"confirm", addressee_no:$a}')"
expect_eq "confirm to someone not taxed here" "$STATUS|$(jq -r .error.field <<<"$BODY")" "409|addressee_no"
api POST "/api/v1/tax/holds/$HOLD_BD/decision" '{"action":"nonresident","kind":"villa"}'
expect_eq "unknown non-resident kind" "$STATUS|$(jq -r .error.field <<<"$BODY")" "400|kind"
api POST "/api/v1/tax/holds/$HOLD_BD/decision" '{"action":"forward","destination":"13112"}'
expect_eq "bad destination" "$STATUS|$(jq -r .error.field <<<"$BODY")" "400|destination"
api GET "/api/v1/tax/holds?fiscal_year=$FY"
expect_eq "still held after the refusals" "$(jq '[.held[] | select(.doc_id=='"$HOLD_BD"')] | length' <<<"$BODY")" 1
# Identity confirmed by staff (本人確認): the second employer's report is his.
api POST "/api/v1/tax/holds/$HOLD_BD/decision" "$(jq -nc --arg a "$A1" '{action:"confirm", addressee_no:$a}')"
expect_eq "confirm after identity check" "$STATUS" 200
# The unknown person lives in 世田谷区: forwarded; only the log stays.
api POST "/api/v1/tax/holds/$HOLD_NF/decision" '{"action":"forward","destination":"131121"}'
expect_eq "forward after inquiry" "$STATUS" 200
api POST "/api/v1/tax/holds/$HOLD_NF/decision" '{"action":"reject"}'
expect_eq "a forwarded document is gone" "$STATUS" 404
# A non-resident who owns a house here (住登外, 地方税法294条1項2号): per-capita levy only.
MN8=$(mynumber 82345678901)
RET8=$(jq -nc --arg m "$MN8" '{return_type:"resident", fiscal_year:2026, addressed_to:"131105",
  my_number:$m, name:"横浜 八郎", name_kana:"ヨコハマ ハチロウ", birth_date:"1970-08-08", sex:"male",
  address:"神奈川県横浜市中区日本大通1番地", taxpayer:{income:{business:6000000}}}')
api POST /api/v1/tax/intake "$(jq -nc --arg d "$RET8" '{fiscal_year:2026, kind:"return", data:$d}')"
expect_eq "unknown number held" "$(jq .held <<<"$BODY")" 1
api GET "/api/v1/tax/holds?fiscal_year=$FY"
HOLD_H=$(jq -r '.held[-1].doc_id' <<<"$BODY")
api POST "/api/v1/tax/holds/$HOLD_H/decision" '{"action":"nonresident","kind":"house"}'
expect_eq "registered as 住登外 (house)" "$STATUS" 200
A8=$(jq -r .addressee_no <<<"$BODY")
check "an addressee number of its own" test "${#A8}" -eq 10
check "not one of the register's" test "$A8" != "$A1" -a "$A8" != "$A2" -a "$A8" != "$A3" -a "$A8" != "$A4"
api GET "/api/v1/tax/forwarding?fiscal_year=$FY"
expect_eq "forwarding log: two" "$(jq '.forwarded | length' <<<"$BODY")" 2
check "the log keeps no document" bash -c "! grep -q '世田谷' <<<'$BODY'"
AS=tax2 api POST /api/v1/tax/intake "$(jq -nc --arg d "$RET" '{fiscal_year:2026, kind:"return", data:$d}')"
expect_eq "view-only staff cannot load documents" "$STATUS" 403
AS=clerk1 BIZ=resident_register api GET "/api/v1/tax/holds?fiscal_year=$FY"
expect_eq "another business is refused" "$STATUS" 403

# ---- The annual batch, a committed chunk per person (killed with SIGKILL
# mid-run and resumed without double work: tests/fault/crash.sh)
unset AS BIZ REASON
expect_rc "the batch" 0 tax tax1 assess "${T[@]}" --chunk 1
expect_eq "every taxpayer assessed" "$(jq -c '[.assessed, .chunks]' "$WORK/out")" "[4,4]"
expect_rc "a second run does nothing" 0 tax tax1 assess "${T[@]}"
expect_eq "nothing left" "$(jq .assessed "$WORK/out")" 0

expect_rc "person view" 0 tax tax2 person "$A1" --fiscal-year $FY --as tax2 --reason 税額照会
expect_eq "one version" "$(jq '.versions | length' "$WORK/out")" 1
expect_eq "special collection by the main employer" "$(jq -r '.versions[0].method' "$WORK/out")" special
expect_eq "payer" "$(jq -r '.versions[0].payer_id' "$WORK/out")" 00120001
ANNUAL1=$(jq '.versions[0].annual_tax' "$WORK/out")
expect_eq "twelve installments summing to the annual tax" \
	"$(jq '[.versions[0].schedule[].amount] | add' "$WORK/out")" "$ANNUAL1"
# The batch's figure is the single computation of the same merged case.
jq '.versions[0].base' "$WORK/out" >"$WORK/base.json"
expect_eq "batch = tax compute of its base" "$(atena tax compute <"$WORK/base.json" | jq .annual_tax)" "$ANNUAL1"
expect_eq "both salaries merged" "$(jq '.versions[0].base.taxpayer.income.salary_revenue' "$WORK/out")" 5800000
expect_eq "the child is a dependant" "$(jq '.versions[0].base.dependants | length' "$WORK/out")" 0
expect_rc "the mother" 0 tax tax2 person "$A2" --fiscal-year $FY --as tax2 --reason 税額照会
# 67 on April 1 with 2.4M of pension: the pension part is deducted from her pension
# (地方税法321条の7の2), the dividend part paid by ordinary collection.
expect_eq "the mother: pension special + ordinary" "$(jq -r '.versions[0].method' "$WORK/out")" "ordinary+pension"
expect_eq "months: Jun, Aug, Oct, Dec, Jan, Feb" \
	"$(jq -c '[.versions[0].schedule[].month] | sort | unique | length' "$WORK/out")" 6
expect_eq "her installments sum to her tax" "$(jq '[.versions[0].schedule[].amount] | add' "$WORK/out")" \
	"$(jq '.versions[0].annual_tax' "$WORK/out")"
expect_rc "the child" 0 tax tax2 person "$A3" --fiscal-year $FY --as tax2 --reason 税額照会
expect_eq "the child owes nothing" "$(jq '.versions[0].annual_tax' "$WORK/out")" 0
expect_rc "the 住登外 taxpayer" 0 tax tax2 person "$A8" --fiscal-year $FY --as tax2 --reason 税額照会
# 294条1項2号: 均等割 only (特別区民税 3,000 + 都民税 1,000); the 森林環境税 is paid where he lives.
expect_eq "per-capita levy only" "$(jq '.versions[0].annual_tax' "$WORK/out")" 4000
expect_eq "by ordinary collection" "$(jq -r '.versions[0].method' "$WORK/out")" ordinary
expect_rc "his certificate names him from his return" 0 tax tax1 document tax_decision "$A8" \
	--fiscal-year $FY --as tax1 --reason 納税通知書の作成
expect_eq "name from the sealed return" "$(jq -r .taxpayer.name "$WORK/out")" "横浜 八郎"
expect_rc "not resident on Jan 1: no assessment" 1 tax tax2 person "$A4" --fiscal-year $FY --as tax2 --reason 税額照会

# ---- A correction (更正): the employer sends an amended report
salary_line "$MN1" "目黒　一郎" "ﾒｸﾞﾛ ｲﾁﾛｳ" 1 55 04 12 5600000 812000 00120001 0 >"$WORK/amended.csv"
expect_rc "amended report" 0 tax tax1 intake "${T[@]}" --kind salary --file "$WORK/amended.csv"
expect_eq "it supersedes the first" "$(jq .superseded "$WORK/out")" 1
expect_rc "reassess" 0 tax tax1 reassess "${T[@]}"
expect_eq "one person reassessed" "$(jq .reassessed "$WORK/out")" 1
expect_eq "the employer gets a changed notice" "$(jq -c .employers "$WORK/out")" '["00120001"]'
DIFF=$(jq '.persons[0].difference' "$WORK/out")
check "additional tax" test "$DIFF" -gt 0
expect_rc "person after correction" 0 tax tax2 person "$A1" --fiscal-year $FY --as tax2 --reason 税額照会
expect_eq "two versions, the old kept" "$(jq '.versions | length' "$WORK/out")" 2
expect_eq "version 1 unchanged" "$(jq '.versions[1].annual_tax' "$WORK/out")" "$ANNUAL1"
expect_eq "the difference recorded" "$(jq '.versions[0].difference' "$WORK/out")" "$DIFF"
expect_eq "the new schedule sums to the new tax" \
	"$(jq '[.versions[0].schedule[].amount] | add' "$WORK/out")" "$(jq '.versions[0].annual_tax' "$WORK/out")"

# ---- Documents
export AS=tax1 BIZ=individual_resident_tax REASON=通知書の作成
api GET "/api/v1/tax/persons/$A2/document?fiscal_year=$FY&kind=tax_decision"
expect_eq "tax decision notice as JSON" "$STATUS" 200
expect_eq "the notice lists every installment" "$(jq '.installments | length' <<<"$BODY")" 9
expect_eq "they sum to the annual tax" "$(jq '[.installments[].amount] | add' <<<"$BODY")" "$(jq '.tax.annual_tax' <<<"$BODY")"
curl -s -o "$WORK/notice.pdf" -w '%{http_code}' -H "Authorization: Bearer ${TOKEN[tax1]}" \
	-H "X-Atena-Business: $BIZ" -H "X-Atena-Reason: $REASON" \
	"$URL/api/v1/tax/persons/$A2/document?fiscal_year=$FY&kind=tax_decision&format=pdf" >"$WORK/code"
expect_eq "notice as PDF" "$(cat "$WORK/code")" 200
check "a PDF" grep -q "^%PDF-" "$WORK/notice.pdf"
check "the PDF names the taxpayer" bash -c "pdftotext '$WORK/notice.pdf' - | grep -q '目黒'"
api GET "/api/v1/tax/employers/00120001/notice?fiscal_year=$FY"
expect_eq "employer notice" "$STATUS" 200
expect_eq "one employee, changed" "$(jq -c '[(.employees|length), .revised]' <<<"$BODY")" "[1,true]"
api GET "/api/v1/tax/persons/$A3/document?fiscal_year=$FY&kind=tax_decision"
expect_eq "no payment notice for a non-taxable person" "$STATUS" 409
unset AS BIZ REASON
expect_rc "certificate as PDF by the CLI" 0 tax tax1 document tax_certificate "$A1" --fiscal-year $FY \
	--as tax1 --reason 課税証明書の交付 --out "$WORK/cert.pdf"
check "certificate PDF" grep -q "^%PDF-" "$WORK/cert.pdf"

# ---- The log: who assessed and looked at whom, and why; intact
export AS=auditor BIZ=audit_review REASON=定期監査
api GET "/api/v1/audit/events?subject=$A1&limit=500"
expect_eq "audit query" "$STATUS" 200
check "the batch assessed A1 (logged)" bash -c "jq -e '[.events[] | select(.operation==\"tax.assess\")] | length == 1' <<<'$BODY' >/dev/null"
check "the correction is logged" bash -c "jq -e '[.events[] | select(.operation==\"tax.correct\")] | length == 1' <<<'$BODY' >/dev/null"
check "tax2's look is logged with its reason" bash -c "jq -e '[.events[] | select(.operation==\"tax.view\" and .staff_id==\"tax2\" and .reason==\"税額照会\")] | length >= 1' <<<'$BODY' >/dev/null"
stop_server
expect_rc "audit verify" 0 atena audit verify --data "$DATA"
finish
