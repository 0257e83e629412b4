#!/usr/bin/env bash
# A municipality outside Tokyo (所沢市, 112089) end to end, through the real
# `atena` CLI and server: `atena init` refuses a code Atena has no identity
# data for; the certificate and the tax notice name 埼玉県所沢市長 and its
# levies 市民税・県民税 (data/municipalities/112089.json), never 都民税; and
# the lists that stop at a limit say so and continue — held documents and
# the forwarding log (HTTP ?after=&limit=, CLI --after/--limit) and the
# employer's notice, one sheet at a time.
. "$(dirname "$0")/lib.sh"

expect_rc "init: a valid code without identity data is refused" 1 \
	atena init --data "$WORK/other" --municipality 131130
check "the refusal names the municipality file" grep -q "data/municipalities/131130.json" "$WORK/err"
check "and creates nothing" test ! -e "$WORK/other"
atena init --data "$DATA" --municipality 112089 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 市民課 --by admin
add_user tax1 "税務 一郎" 市民税課 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff tax1 --business individual_resident_tax --access update --by admin --reason 課税担当 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Tokorozawa-counter-2026a"
check "login tax1" login tax1 "Tokorozawa-taxation-2026b"

FY=2026
MN1=$(mynumber 12345678901); MN2=$(mynumber 22345678901); MN8=$(mynumber 82345678901)
MN9=$(mynumber 92345678901)
export AS=clerk1 BIZ=resident_register REASON=転入届の受付
api POST /api/v1/registry/events/move_in "$(jq -nc --arg m1 "$MN1" --arg m2 "$MN2" '{
  event_date:"2025-10-01", notification_date:"2025-10-03", household:{new:true},
  address:{address:"埼玉県所沢市並木一丁目1番地の1", postcode:"3590042"},
  previous:{municipality_code:"131105", address:"東京都目黒区中目黒一丁目1番1号"},
  persons:[
   {name:"所沢 一郎", name_kana:"トコロザワ イチロウ", birth_date:"1980-04-12", sex:"1",
    relationship:"世帯主", householder:true, resident_code:"12345678901", my_number:$m1},
   {name:"所沢 花子", name_kana:"トコロザワ ハナコ", birth_date:"1982-07-01", sex:"2",
    relationship:"妻", resident_code:"22345678901", my_number:$m2}]}')"
expect_eq "move_in" "$STATUS" 201
A1=$(jq -r '.records[0].addressee_no' <<<"$BODY"); A2=$(jq -r '.records[1].addressee_no' <<<"$BODY")

# ---- the certificate names the city and its head from the identity data
REASON=住民票の写しの交付 api POST /api/v1/registry/certificates "$(jq -nc --arg a "$A1" '{kind:"juminhyo",
  addressee_no:$a, requester:{relation:"self", name:"所沢 一郎"}, purpose:"勤務先へ提出"}')"
expect_eq "certificate JSON" "$STATUS" 200
expect_eq "municipality" "$(jq -r .municipality <<<"$BODY")" "埼玉県所沢市"
expect_eq "certifier" "$(jq -r .certifier <<<"$BODY")" "埼玉県所沢市長"
curl -s -o "$WORK/cert.pdf" -X POST -H "Authorization: Bearer ${TOKEN[clerk1]}" \
	-H "X-Atena-Business: resident_register" -H "X-Atena-Reason: 住民票の写しの交付" \
	-H 'Content-Type: application/json' --data-binary "$(jq -nc --arg a "$A1" '{kind:"juminhyo",
  addressee_no:$a, requester:{relation:"self", name:"所沢 一郎"}, purpose:"勤務先へ提出"}')" \
	"$URL/api/v1/registry/certificates?format=pdf"
check "the PDF is certified by 所沢市長" bash -c "pdftotext '$WORK/cert.pdf' - | tr -d ' \n' | grep -q 埼玉県所沢市長"

# ---- tax: documents in the 315 layout (as t0011), two held and two forwarded
unset AS BIZ REASON
declare -A STEP
tax() {   # staff args...
	local who=$1; shift
	STEP[$who]=$(( ${STEP[$who]:-$ATENA_FAKE_NOW} + 30 ))
	ATENA_FAKE_NOW=${STEP[$who]} ATENA_PASSWORD=${PW[$who]} ATENA_TOTP=$(totp "$who" "${STEP[$who]}") \
		atena tax "$@" >"$WORK/out" 2>"$WORK/err"
}
T=(--fiscal-year $FY --as tax1 --reason 令和8年度当初課税)
expect_rc "roll" 0 tax tax1 roll "${T[@]}"
salary_line() {   # MYNUMBER NAME KANA ERA YY MM DD REVENUE SOCIAL PAYER ORDINARY ADDRESSED_TO
	local -a c
	local i
	for i in $(seq 1 144); do c[$i]=""; done
	c[1]=315; c[4]="埼玉県所沢市東町5番22号"; c[5]="株式会社所沢精機"; c[6]="04-2998-0000"
	c[10]=0; c[11]=07; c[12]="埼玉県所沢市並木一丁目1番地の1"; c[13]=0; c[14]=$2; c[16]="給料・賞与"
	c[17]=$8; c[21]=0; c[24]=0; c[36]=$9; c[44]=$4; c[45]=$5; c[46]=$6; c[47]=$7; c[56]=0
	c[95]=$1; c[134]=${11}; c[137]=$3; c[139]=${12}; c[140]=${10}; c[143]=0; c[144]=2
	local IFS=,
	echo "${c[*]:1}"
}
{ salary_line "$MN1" "所沢　一郎" "ﾄｺﾛｻﾞﾜ ｲﾁﾛｳ" 1 55 04 12 5000000 725000 00120001 0 112089
  salary_line "$MN2" "所沢　花子" "ﾄｺﾛｻﾞﾜ ﾊﾅｺ" 1 57 07 01 3000000 435000 00120001 0 112089
  salary_line "$MN8" "川越　八郎" "ｶﾜｺﾞｴ ﾊﾁﾛｳ" 1 60 01 01 3000000 435000 00120001 0 112089
  salary_line "$MN9" "狭山　九郎" "ｻﾔﾏ ｸﾛｳ" 1 61 02 02 3000000 435000 00120001 0 112089
  salary_line "$MN1" "所沢　一郎" "ﾄｺﾛｻﾞﾜ ｲﾁﾛｳ" 1 55 04 12 1000000 0 00770001 0 112143
  salary_line "$MN2" "所沢　花子" "ﾄｺﾛｻﾞﾜ ﾊﾅｺ" 1 57 07 01 1000000 0 00770001 0 112011; } >"$WORK/salary.csv"
expect_rc "intake" 0 tax tax1 intake "${T[@]}" --kind salary --file "$WORK/salary.csv"
expect_eq "matched, held, forwarded" "$(jq -c '[.matched, .held, .forwarded]' "$WORK/out")" "[2,2,2]"

# ---- held documents, a page at a time (HTTP)
export AS=tax1 BIZ=individual_resident_tax REASON=保留の確認
api GET "/api/v1/tax/holds?fiscal_year=$FY&limit=1"
expect_eq "page 1: one, and it says more follow" "$STATUS|$(jq -c '[(.held|length), .truncated]' <<<"$BODY")" "200|[1,true]"
NEXT=$(jq -r .next_after <<<"$BODY")
check "next_after is the last doc_id" test "$NEXT" = "$(jq -r '.held[0].doc_id' <<<"$BODY")"
api GET "/api/v1/tax/holds?fiscal_year=$FY&limit=1&after=$NEXT"
expect_eq "page 2: the last" "$(jq -c '[(.held|length), .truncated, .next_after]' <<<"$BODY")" "[1,false,null]"
api GET "/api/v1/tax/holds?fiscal_year=$FY&limit=0"
expect_eq "limit 0 is refused, naming it" "$STATUS|$(jq -r .error.field <<<"$BODY")" "400|limit"
api GET "/api/v1/tax/holds?fiscal_year=$FY"
expect_eq "without a limit: all" "$(jq -c '[(.held|length), .truncated]' <<<"$BODY")" "[2,false]"
# ---- the forwarding log, a page at a time (CLI)
unset AS BIZ REASON
expect_rc "forwarding page 1" 0 tax tax1 forwarding "${T[@]}" --limit 1
expect_eq "one, truncated" "$(jq -c '[(.forwarded|length), .truncated]' "$WORK/out")" "[1,true]"
NEXT=$(jq -r .next_after "$WORK/out")
expect_rc "forwarding page 2" 0 tax tax1 forwarding "${T[@]}" --limit 1 --after "$NEXT"
expect_eq "the other destination" "$(jq -c '[(.forwarded|length), .truncated, .forwarded[0].destination]' "$WORK/out")" \
	'[1,false,"112011"]'

# ---- the batch; the employer's notice one sheet at a time; the levy names
expect_rc "assess" 0 tax tax1 assess "${T[@]}"
expect_eq "both employees assessed" "$(jq .assessed "$WORK/out")" 2
export AS=tax1 BIZ=individual_resident_tax REASON=通知書の作成
api GET "/api/v1/tax/employers/00120001/notice?fiscal_year=$FY&limit=1"
expect_eq "sheet 1: one employee, another sheet follows" \
	"$STATUS|$(jq -c '[(.employees|length), .sheet.continued, .sheet.continues]' <<<"$BODY")" "200|[1,false,true]"
NEXT=$(jq -r .sheet.next_after <<<"$BODY")
expect_eq "the cursor is the first employee" "$NEXT" "$A1"
expect_eq "the notice names the levies of 所沢市" "$(jq -r '.municipal_tax_name + "・" + .prefectural_tax_name' <<<"$BODY")" "市民税・県民税"
curl -s -o "$WORK/sheet1.pdf" -H "Authorization: Bearer ${TOKEN[tax1]}" -H "X-Atena-Business: $BIZ" \
	-H "X-Atena-Reason: $REASON" "$URL/api/v1/tax/employers/00120001/notice?fiscal_year=$FY&limit=1&format=pdf"
check "the sheet says 次葉に続く" bash -c "pdftotext '$WORK/sheet1.pdf' - | tr -d ' \n' | grep -q 次葉に続く"
api GET "/api/v1/tax/employers/00120001/notice?fiscal_year=$FY&limit=1&after=$NEXT"
expect_eq "sheet 2: the other employee, the last" \
	"$(jq -c '[.employees[0].employee_no, .sheet.continued, .sheet.continues]' <<<"$BODY")" "[\"$A2\",true,false]"
api GET "/api/v1/tax/employers/00120001/notice?fiscal_year=$FY"
expect_eq "one sheet when it fits" "$(jq -c '[(.employees|length), has("sheet")]' <<<"$BODY")" "[2,false]"
curl -s -o "$WORK/notice.pdf" -H "Authorization: Bearer ${TOKEN[tax1]}" -H "X-Atena-Business: $BIZ" \
	-H "X-Atena-Reason: $REASON" "$URL/api/v1/tax/persons/$A1/document?fiscal_year=$FY&kind=special_collection_employee&format=pdf"
pdftotext "$WORK/notice.pdf" - 2>/dev/null | tr -d ' \n' >"$WORK/notice.txt"
check "the employee's notice prints 市民税・県民税" grep -q "市民税・県民税" "$WORK/notice.txt"
check "and 所沢市長" grep -q "所沢市長" "$WORK/notice.txt"
check "and no 都民税" bash -c "! grep -q 都民税 '$WORK/notice.txt'"
stop_server
finish
