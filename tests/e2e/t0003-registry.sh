#!/usr/bin/env bash
# The resident register end to end: the real `atena serve` and the real
# `atena registry` CLI. Change events (転入, 転居, 出生, 死亡, 世帯変更, 転出,
# 職権修正 with four-eyes), views, kana search, support measures and the
# alert they raise, certificates as JSON and PDF, the outbox, refusals that
# name the field and change nothing, and an audit log that verifies after.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
add_user clerk2 "確認 次郎" 区民課 --by admin
add_user viewer "閲覧 三郎" 区民課 --by admin
add_user auditor "監査 四郎" 監査事務局 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff clerk2 --business resident_register --access update --by admin --reason 確認担当 >/dev/null
atena grant --staff viewer --business resident_register --access view --by admin --reason 照会担当 >/dev/null
atena grant --staff auditor --business audit_review --access view --by admin --reason 監査 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login clerk2" login clerk2 "Meguro-counter-2026b"
check "login viewer" login viewer "Meguro-inquiry-2026c"
check "login auditor" login auditor "Meguro-auditing-2026d"

R=/api/v1/registry
uri() { jq -rn --arg s "$1" '$s|@uri'; }
outbox_len() { AS=clerk1 BIZ=resident_register REASON=異動通知の確認 api GET "$R/outbox?limit=1000"; jq '.notifications | length' <<<"$BODY"; }
# pdf PATH BODY — POST with ?format=pdf; headers to $WORK/hdr, body to $WORK/pdf.
pdf() {
	STATUS=$(curl -s -D "$WORK/hdr" -o "$WORK/pdf" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer ${TOKEN[$AS]}" -H "X-Atena-Business: $BIZ" \
		-H "X-Atena-Reason: $REASON" -H 'Content-Type: application/json' \
		--data-binary "$2" "$URL$1")
}
header() { tr -d '\r' <"$WORK/hdr" | awk -v h="$1" 'tolower($0) ~ "^" tolower(h) ":" {sub(/^[^:]*: */, ""); print}'; }

export AS=clerk1 BIZ=resident_register REASON=転入届の受付 CASE=R8-0001
MN1=$(mynumber 12345678901); MN2=$(mynumber 22345678901); MN3=$(mynumber 32345678901)
MN4=$(mynumber 42345678901); MN5=$(mynumber 52345678901)
ADDR1="東京都目黒区中目黒一丁目1番1号"
PREV='{"municipality_code":"131016","address":"東京都千代田区千代田一丁目1番"}'

# ---- 転入: a household of three
MOVE_IN=$(jq -nc --arg m1 "$MN1" --arg m2 "$MN2" --arg m3 "$MN3" --arg a "$ADDR1" --argjson p "$PREV" '{
  event_date:"2026-04-01", notification_date:"2026-04-03",
  household:{new:true}, address:{address:$a, postcode:"1530061"}, previous:$p,
  persons:[
    {name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1980-04-12", sex:"1",
     relationship:"世帯主", householder:true, resident_code:"12345678901", my_number:$m1},
    {name:"目黒 和子", name_kana:"メグロ カズコ", birth_date:"1982-09-03", sex:"2",
     relationship:"妻", resident_code:"22345678901", my_number:$m2},
    {name:"目黒 太郎", name_kana:"メグロ タロウ", birth_date:"2015-06-01", sex:"1",
     relationship:"子", resident_code:"32345678901", my_number:$m3}]}')
api POST "$R/events/move_in" "$MOVE_IN"
expect_eq "move_in of a household of three" "$STATUS" 201
expect_eq "three records" "$(jq '.records | length' <<<"$BODY")" 3
expect_eq "no flags" "$(jq -c .flags <<<"$BODY")" "[]"
H1=$(jq -r .household_no <<<"$BODY")
A1=$(jq -r '.records[0].addressee_no' <<<"$BODY")
A2=$(jq -r '.records[1].addressee_no' <<<"$BODY")
A3=$(jq -r '.records[2].addressee_no' <<<"$BODY")
check "addressee numbers are 10 digits" grep -qE '^[0-9]{10}$' <<<"$A1"

# ---- search by kana: hiragana and half-width katakana find the katakana names
api GET "$R/search?name_kana=$(uri めぐろ)"
expect_eq "search hiragana" "$STATUS" 200
expect_eq "finds the three" "$(jq -c '[.records[].subject] | sort' <<<"$BODY")" "$(jq -nc --arg a "$A1" --arg b "$A2" --arg c "$A3" '[$a,$b,$c]|sort')"
expect_eq "many-person result carries no My Number" "$(jq '[.records[].items | has("my_number")] | any' <<<"$BODY")" false
api GET "$R/search?name_kana=$(uri 'ﾒｸﾞﾛ ｶｽﾞｺ')"
expect_eq "search half-width katakana" "$(jq -c '[.records[].subject]' <<<"$BODY")" "[\"$A2\"]"
api GET "$R/search?name=$(uri '目黒 太郎')&birth_date=2015-06-01"
expect_eq "criteria intersect" "$(jq -c '[.records[].subject]' <<<"$BODY")" "[\"$A3\"]"
api GET "$R/search?nme=x"
expect_eq "unknown query parameter refused" "$STATUS" 400
expect_eq "names it" "$(jq -r .error.field <<<"$BODY")" nme
api GET "$R/search?name=a&name=b"
expect_eq "repeated query parameter refused" "$(jq -r .error.field <<<"$BODY")" name
api GET "$R/search?name_kana=x&include_removed=yes"
expect_eq "bad include_removed refused" "$(jq -r .error.field <<<"$BODY")" include_removed
api GET "$R/search?limit=5"
expect_eq "no criterion refused" "$STATUS" 400

# ---- person and household views
api GET "$R/persons/$A1"
expect_eq "person view" "$STATUS" 200
expect_eq "name" "$(jq -r .items.name <<<"$BODY")" "目黒 一郎"
expect_eq "number-using business sees the My Number" "$(jq -r .items.my_number <<<"$BODY")" "$MN1"
expect_eq "with the household" "$(jq '.household | length' <<<"$BODY")" 2
api GET "$R/households/$H1"
expect_eq "household view" "$STATUS" 200
expect_eq "householder first" "$(jq -r '.members[0].subject' <<<"$BODY")" "$A1"
expect_eq "three members" "$(jq '.members | length' <<<"$BODY")" 3
api GET "$R/persons/$A1/history"
expect_eq "history" "$(jq '.versions | length' <<<"$BODY")" 1
expect_eq "version op is the event" "$(jq -r '.versions[0].op' <<<"$BODY")" move_in

# ---- the same people again: refused, nothing changed
N0=$(outbox_len)
expect_eq "outbox has the three move-ins" "$N0" 3
api POST "$R/events/move_in" "$MOVE_IN"
check "duplicate move_in refused (400/409): $STATUS" test "$STATUS" = 400 -o "$STATUS" = 409
api GET "$R/search?name_kana=$(uri めぐろ)"
expect_eq "still three people" "$(jq '.records | length' <<<"$BODY")" 3
expect_eq "outbox unchanged" "$(outbox_len)" "$N0"

# ---- late notification (20 days): applied, flagged
api POST "$R/events/move_in" "$(jq -nc --arg m "$MN4" --argjson p "$PREV" '{
  event_date:"2026-04-01", notification_date:"2026-04-21", household:{new:true},
  address:{address:"東京都目黒区八雲三丁目12番8号"}, previous:$p,
  persons:[{name:"鈴木 美咲", name_kana:"スズキ ミサキ", birth_date:"1992-07-30", sex:"2",
            relationship:"世帯主", householder:true, resident_code:"42345678901", my_number:$m}]}')"
expect_eq "late move_in applied" "$STATUS" 201
expect_eq "flagged late_notification" "$(jq -r '.flags | index("late_notification") != null' <<<"$BODY")" true
A4=$(jq -r '.records[0].addressee_no' <<<"$BODY")
H4=$(jq -r .household_no <<<"$BODY")

# ---- 転居: the address may change, the name may not
api POST "$R/events/in_ward_move" "$(jq -nc --arg a "$A4" '{event_date:"2026-04-10", notification_date:"2026-04-12",
  persons:[{addressee_no:$a}], address:{address:"東京都目黒区八雲四丁目1番2号"}}')"
expect_eq "in_ward_move" "$STATUS" 201
api GET "$R/persons/$A4"
expect_eq "new address" "$(jq -r .items.address <<<"$BODY")" "東京都目黒区八雲四丁目1番2号"
N1=$(outbox_len)
api POST "$R/events/in_ward_move" "$(jq -nc --arg a "$A4" '{event_date:"2026-04-11", notification_date:"2026-04-12",
  persons:[{addressee_no:$a, name:"鈴木 美咲子"}], address:{address:"東京都目黒区八雲五丁目1番2号"}}')"
expect_eq "in_ward_move changing the name refused" "$STATUS" 400
expect_eq "names the field" "$(jq -r .error.field <<<"$BODY")" "persons[0].name"
api GET "$R/persons/$A4"
expect_eq "address unchanged after the refusal" "$(jq -r .items.address <<<"$BODY")" "東京都目黒区八雲四丁目1番2号"
expect_eq "outbox unchanged after the refusal" "$(outbox_len)" "$N1"

# ---- 出生 into the first household
api POST "$R/events/birth" "$(jq -nc --arg h "$H1" --arg m "$MN5" '{event_date:"2026-04-15", notification_date:"2026-04-20",
  household_no:$h, person:{name:"目黒 花", name_kana:"メグロ ハナ", sex:"2", relationship:"子",
  resident_code:"52345678901", my_number:$m}}')"
expect_eq "birth" "$STATUS" 201
A5=$(jq -r '.records[0].addressee_no' <<<"$BODY")
api GET "$R/persons/$A5"
expect_eq "born on the event date" "$(jq -r .items.birth_date <<<"$BODY")" 2026-04-15
api GET "$R/households/$H1"
expect_eq "four members" "$(jq '.members | length' <<<"$BODY")" 4

# ---- 死亡 of the child: a 除票 that stays readable
api POST "$R/events/death" "$(jq -nc --arg a "$A3" '{event_date:"2026-04-25", notification_date:"2026-04-26", addressee_no:$a}')"
expect_eq "death" "$STATUS" 201
api GET "$R/persons/$A3"
expect_eq "removed record still readable" "$STATUS" 200
expect_eq "state removed" "$(jq -r .state <<<"$BODY")" removed
check "with its reason" test -n "$(jq -r '.removal_reason // .items.removal_type // empty' <<<"$BODY")"
api GET "$R/households/$H1"
expect_eq "three active members" "$(jq '.members | length' <<<"$BODY")" 3
api GET "$R/search?name_kana=$(uri めぐろたろう)&include_removed=true"
expect_eq "removed found with include_removed" "$(jq -c '[.records[].subject]' <<<"$BODY")" "[\"$A3\"]"

# ---- the householder leaves while members stay: refused until a new householder
DEST='{"municipality_code":"131130","address":"東京都渋谷区宇田川町1番1号"}'
api POST "$R/events/move_out_planned" "$(jq -nc --arg a "$A1" --argjson d "$DEST" '{event_date:"2026-05-01", notification_date:"2026-05-01", addressee_nos:[$a], destination:$d}')"
expect_eq "householder's move_out_planned recorded (the record stays)" "$STATUS" 201
N2=$(outbox_len)
api POST "$R/events/move_out_confirmed" "$(jq -nc --arg a "$A1" '{event_date:"2026-05-10", notification_date:"2026-05-12", addressee_nos:[$a]}')"
expect_eq "householder leaving members without a new householder refused" "$STATUS" 409
expect_eq "names new_householder" "$(jq -r .error.field <<<"$BODY")" new_householder
api GET "$R/persons/$A1"
expect_eq "householder still active" "$(jq -r .state <<<"$BODY")" active
expect_eq "outbox unchanged" "$(outbox_len)" "$N2"
api POST "$R/events/household_change" "$(jq -nc --arg h "$H1" --arg a1 "$A1" --arg a2 "$A2" --arg a5 "$A5" '{
  event_date:"2026-05-02", notification_date:"2026-05-02", kind:"new_householder", household_no:$h,
  new_householder:{addressee_no:$a2, relationships:{($a1):"夫", ($a5):"子"}}}')"
expect_eq "household_change: new householder" "$STATUS" 201
api GET "$R/households/$H1"
expect_eq "the spouse heads the household" "$(jq -r '.members[0].subject' <<<"$BODY")" "$A2"
api POST "$R/events/move_out_confirmed" "$(jq -nc --arg a "$A1" '{event_date:"2026-05-10", notification_date:"2026-05-12", addressee_nos:[$a]}')"
expect_eq "move_out_confirmed" "$STATUS" 201
api GET "$R/persons/$A1"
expect_eq "moved out: 除票" "$(jq -r .state <<<"$BODY")" removed

# ---- 職権修正: held for a second person
api POST "$R/events/ex_officio_correction" "$(jq -nc --arg a "$A2" '{event_date:"2026-05-15", addressee_no:$a, items:{name_kana:"メグロ カズヨ"}}')"
expect_eq "ex_officio_correction held" "$STATUS" 202
PID=$(jq -r '.pending_id // .pending_ids[0]' <<<"$BODY")
check "pending id given" test "$PID" -ge 1
api GET "$R/persons/$A2"
expect_eq "not applied yet" "$(jq -r .items.name_kana <<<"$BODY")" "メグロ カズコ"
api POST "/api/v1/pending/$PID/approve" '{"note":"self"}'
expect_eq "the maker cannot approve" "$STATUS" 403
N3=$(outbox_len)
AS=clerk2 REASON=職権修正の確認 api GET /api/v1/pending
expect_eq "clerk2 sees it pending" "$(jq --argjson p "$PID" '[.pending[] | select(.pending_id == $p)] | length' <<<"$BODY")" 1
AS=clerk2 REASON=職権修正の確認 api POST "/api/v1/pending/$PID/approve" '{"note":"戸籍と照合"}'
expect_eq "clerk2 approves" "$STATUS" 200
api GET "$R/persons/$A2"
expect_eq "applied after approval" "$(jq -r .items.name_kana <<<"$BODY")" "メグロ カズヨ"
check "approval wrote an outbox notification" test "$(outbox_len)" -gt "$N3"

# ---- certificates: JSON with My Number for the person, refused for a third party
CERT_SELF=$(jq -nc --arg a "$A2" '{kind:"juminhyo", addressee_no:$a, members:"all",
  items:["household","relationship"], include_my_number:true,
  requester:{relation:"self", name:"目黒 和子"}, purpose:"勤務先へ提出"}')
REASON=住民票の写しの交付 api POST "$R/certificates" "$CERT_SELF"
expect_eq "certificate JSON" "$STATUS" 200
expect_eq "has the My Number" "$(jq -r --arg a "$A2" '.persons[] | select(.addressee_no == $a) | .my_number' <<<"$BODY")" "$MN2"
check "has a serial" test -n "$(jq -r '.serial // empty' <<<"$BODY")"
REASON=住民票の写しの交付 api POST "$R/certificates" "$(jq -nc --arg a "$A2" '{kind:"juminhyo", addressee_no:$a,
  include_my_number:true, requester:{relation:"third_party", name:"債権者 株式会社"}, purpose:"債権回収"}')"
expect_eq "third party with My Number refused" "$STATUS" 403
expect_eq "names include_my_number" "$(jq -r .error.field <<<"$BODY")" include_my_number

# ---- certificate PDF: opens in the browser, shows the name
REASON=住民票の写しの交付 pdf "$R/certificates?format=pdf" "$CERT_SELF"
expect_eq "certificate PDF" "$STATUS" 200
expect_eq "content type" "$(header Content-Type)" application/pdf
check "inline with a file name: $(header Content-Disposition)" grep -qE '^inline; filename="juminhyo-[0-9A-Za-z_-]+\.pdf"$' <<<"$(header Content-Disposition)"
expect_eq "body is a PDF" "$(head -c 4 "$WORK/pdf")" "%PDF"
check "pdftotext shows the name" grep -q "目黒" <(pdftotext "$WORK/pdf" - 2>/dev/null)
STATUS=$(curl -s -o "$WORK/pdf2" -w '%{http_code}' -X POST -H "Authorization: Bearer ${TOKEN[clerk1]}" \
	-H "X-Atena-Business: resident_register" -H "X-Atena-Reason: x" -H 'Content-Type: application/json' \
	-H 'Accept: application/pdf' --data-binary "$CERT_SELF" "$URL$R/certificates")
expect_eq "Accept: application/pdf gives the PDF" "$STATUS:$(head -c 4 "$WORK/pdf2")" "200:%PDF"
REASON=除票の写しの交付 pdf "$R/certificates?format=pdf" "$(jq -nc --arg a "$A3" --arg b "$A2" '{kind:"joshu",
  addressee_no:$a, items:["relationship","change_history"], requester:{relation:"household", name:"目黒 和子", addressee_no:$b},
  purpose:"相続手続"}')"
expect_eq "除票の写し as PDF: $(head -c 200 "$WORK/pdf")" "$STATUS:$(head -c 4 "$WORK/pdf")" "200:%PDF"
check "its file name" grep -qE '^inline; filename="joshu-' <<<"$(header Content-Disposition)"
REASON=x api POST "$R/certificates?format=docx" "$CERT_SELF"
expect_eq "bad format refused" "$(jq -r .error.field <<<"$BODY")" format

# ---- support measure: third-party certificates refused, and an alert for the auditor
REASON=支援措置申出 api POST "$R/persons/$A2/support-measure" '{"on":true}'
expect_eq "support measure on" "$STATUS" 204
api POST "$R/persons/$A2/support-measure" '{"on":"yes"}'
expect_eq "support measure needs a boolean" "$(jq -r .error.field <<<"$BODY")" "on"
REASON=住民票の写しの交付 api POST "$R/certificates" "$(jq -nc --arg a "$A2" '{kind:"juminhyo", addressee_no:$a,
  requester:{relation:"third_party", name:"債権者 株式会社"}, purpose:"債権回収"}')"
expect_eq "third-party certificate under a support measure refused" "$STATUS" 403
expect_eq "its code" "$(jq -r .error.code <<<"$BODY")" support_measure
AS=auditor BIZ=audit_review REASON=定期監査 CASE= api GET "/api/v1/audit/events?subject=$A2&limit=1000"
expect_eq "auditor reads the log" "$STATUS" 200
check "an alert event about the person" test "$(jq '[.events[] | select(.outcome == "alert")] | length' <<<"$BODY")" -ge 1
expect_eq "the refused certificate is there, once" "$(jq '[.events[] | select(.operation == "certificate" and .outcome == "denied")] | length' <<<"$BODY")" 1
api GET "$R/persons/9999999998"
AS=auditor BIZ=audit_review REASON=定期監査 CASE= api GET "/api/v1/audit/events?subject=9999999998"
expect_eq "a look-up of an unknown person is audited too" "$(jq -r '.events[0].outcome + " " + .events[0].detail' <<<"$BODY")" "invalid not_found addressee_no"

# ---- the outbox: every change, in order
api GET "$R/outbox?limit=1000"
expect_eq "outbox" "$STATUS" 200
expect_eq "in order" "$(jq '[.notifications[].seq] | . == sort' <<<"$BODY")" true
expect_eq "no personal data beyond the addressee number" \
	"$(jq -c '[.notifications[] | keys] | add | unique' <<<"$BODY")" '["addressee_no","created_at","event_date","event_id","household_no","seq","type"]'
check "has the death and the move-out" test "$(jq '[.notifications[] | select(.type == "death" or .type == "move_out_confirmed")] | length' <<<"$BODY")" -ge 2
LAST=$(jq '.notifications[-2].seq' <<<"$BODY")
api GET "$R/outbox?after=$LAST"
expect_eq "paging with after" "$(jq '.notifications | length' <<<"$BODY")" 1
api GET "$R/outbox?limit=0"
expect_eq "bad limit refused" "$(jq -r .error.field <<<"$BODY")" limit

# ---- bad input: 400 naming the field, nothing changed
N4=$(outbox_len)
bad_move_in() {   # jq filter applied to a good one-person move-in; expected field
	local body
	body=$(jq -nc --argjson p "$PREV" '{event_date:"2026-05-20", notification_date:"2026-05-21",
	  household:{new:true}, address:{address:"東京都目黒区碑文谷四丁目20番1号"}, previous:$p,
	  persons:[{name:"高橋 大翔", name_kana:"タカハシ ヒロト", birth_date:"2016-11-02", sex:"1",
	            relationship:"世帯主", householder:true, resident_code:"62345678901",
	            my_number:"'"$(mynumber 62345678901)"'"}]}' | jq -c "$1")
	api POST "$R/events/move_in" "$body"
	expect_eq "$3: status" "$STATUS" 400
	expect_eq "$3: names the field" "$(jq -r .error.field <<<"$BODY")" "$2"
}
bad_move_in '.persons[0].my_number = "123456789010"' "persons[0].my_number" "wrong My Number check digit"
bad_move_in '.persons[0].resident_code = "6234567890"' "persons[0].resident_code" "10-digit resident code"
bad_move_in '.persons[0].birth_date = "2025-02-30"' "persons[0].birth_date" "2025-02-30"
bad_move_in '.event_date = "2030-01-01" | .notification_date = "2030-01-02"' "event_date" "event date in the future"
bad_move_in '.persons[0].name = "高橋\u0007大翔"' "persons[0].name" "control character in a name"
bad_move_in '.persons[0].nickname = "ひろ"' "persons[0].nickname" "unknown key"
api POST "$R/events/move_away" '{"event_date":"2026-05-20"}'
expect_eq "unknown event type refused" "$STATUS:$(jq -r .error.field <<<"$BODY")" "400:type"
api GET "$R/persons/12345"
expect_eq "bad path id refused" "$STATUS:$(jq -r .error.field <<<"$BODY")" "400:addressee_no"
api GET "$R/households/00000000x1"
expect_eq "bad household id refused" "$STATUS:$(jq -r .error.field <<<"$BODY")" "400:household_no"
api GET "$R/persons/9999999999"
expect_eq "unknown person" "$STATUS" 404
api GET "$R/search?name=$(uri '高橋 大翔')&include_removed=true"
expect_eq "nothing was recorded" "$(jq '.records | length' <<<"$BODY")" 0
expect_eq "outbox unchanged by refusals" "$(outbox_len)" "$N4"

# ---- grants and business
AS=viewer REASON=照会 api POST "$R/events/death" "$(jq -nc --arg a "$A5" '{event_date:"2026-05-20", notification_date:"2026-05-20", addressee_no:$a}')"
expect_eq "viewer cannot post events" "$STATUS" 403
AS=viewer REASON=照会 api GET "$R/persons/$A5"
expect_eq "viewer reads" "$STATUS" 200
AS=viewer REASON=照会 api GET "$R/outbox"
expect_eq "viewer reads the outbox" "$STATUS" 200
AS=viewer REASON=照会 api POST "$R/persons/$A5/support-measure" '{"on":true}'
expect_eq "viewer cannot set support measures" "$STATUS" 403
AS=clerk1 BIZ=test_business REASON=x api GET "$R/persons/$A5"
expect_eq "another business is refused" "$STATUS:$(jq -r .error.field <<<"$BODY")" "403:X-Atena-Business"
AS=clerk1 BIZ= REASON=x api GET "$R/persons/$A5"
expect_eq "no business header" "$STATUS" 400
AS=auditor BIZ=resident_register REASON=x api GET "$R/outbox"
expect_eq "outbox needs a resident_register grant" "$STATUS" 403

# ---- the CLI: the same two factors, each call with a later one-time code
# (codes are single-use per staff member; the server's logins used step 0).
unset AS BIZ REASON CASE
declare -A STEP
cli_at() {   # time staff args...: as staff, with the code of that time
	local t=$1 who=$2; shift 2
	ATENA_FAKE_NOW=$t ATENA_PASSWORD=${PW[$who]} ATENA_TOTP=$(totp "$who" "$t") atena registry "$@"
}
cli() {   # staff args...: the staff member's next 30-second step
	local who=$1; shift
	STEP[$who]=$(( ${STEP[$who]:-$ATENA_FAKE_NOW} + 30 ))
	cli_at "${STEP[$who]}" "$who" "$@"
}
expect_rc "registry --help" 0 atena registry --help
expect_rc "registry search --help" 0 atena registry search --help
check "help has an example" grep -q "example:" "$WORK/out"
expect_rc "no --as is a usage error" 2 atena registry search --name-kana めぐろ --reason x
check "names the flag" grep -q -- "--as" "$WORK/err"
expect_rc "bad addressee number is a usage error" 2 cli_at "$ATENA_FAKE_NOW" clerk1 person 12345 --as clerk1 --reason x
check "names the argument" grep -q "ADDRESSEE_NO" "$WORK/err"
expect_rc "unknown flag" 2 cli_at "$ATENA_FAKE_NOW" clerk1 search --nme x --as clerk1 --reason x
expect_rc "unknown event type" 2 cli_at "$ATENA_FAKE_NOW" clerk1 event move_away --file /dev/null --as clerk1 --reason x
expect_rc "no password is a usage error" 2 env -u ATENA_PASSWORD "$ATENA_BIN" registry person "$A2" --as clerk1 --reason x </dev/null
check "names the variable" grep -q "ATENA_PASSWORD" "$WORK/err"
expect_rc "CLI search" 0 cli clerk1 search --name '目黒 和子' --as clerk1 --reason 転入届の受付 --case R8-0002
expect_eq "finds the person" "$(jq -r '.records[0].subject' "$WORK/out")" "$A2"
expect_rc "the same one-time code again is refused" 1 cli_at "${STEP[clerk1]}" clerk1 search --name x --as clerk1 --reason x
check "with its code" grep -q "authentication_failed" "$WORK/err"
expect_rc "CLI person" 0 cli clerk1 person "$A4" --as clerk1 --reason 住所確認
expect_eq "the record" "$(jq -r .items.address "$WORK/out")" "東京都目黒区八雲四丁目1番2号"
expect_rc "CLI household" 0 cli clerk1 household "$H1" --as clerk1 --reason 世帯員の確認
expect_eq "householder first" "$(jq -r '.members[0].subject' "$WORK/out")" "$A2"
expect_rc "CLI history" 0 cli clerk1 history "$A1" --as clerk1 --reason 異動履歴の確認
check "every version" test "$(jq '.versions | length' "$WORK/out")" -ge 3
jq -nc --arg a "$A4" --argjson d "$DEST" '{event_date:"2026-05-20", notification_date:"2026-05-20", addressee_nos:[$a], destination:$d}' >"$WORK/ev.json"
STEP[clerk1]=$(( STEP[clerk1] + 30 ))
expect_rc "CLI event from stdin" 0 env ATENA_FAKE_NOW="${STEP[clerk1]}" ATENA_PASSWORD="${PW[clerk1]}" \
	ATENA_TOTP="$(totp clerk1 "${STEP[clerk1]}")" "$ATENA_BIN" registry event move_out_planned --file - \
	--as clerk1 --reason 転出届の受付 <"$WORK/ev.json"
expect_eq "applied" "$(jq -r .type "$WORK/out")" move_out_planned
expect_rc "CLI event refused: names the field" 1 cli clerk1 event move_out_planned --file "$WORK/ev.json" --as clerk1 --reason 転出届の受付
check "with code and field" grep -q "field addressee_nos\[0\]" "$WORK/err"
expect_rc "CLI outbox" 0 cli clerk1 outbox --after "$LAST" --as clerk1 --reason 異動通知の確認
expect_eq "the notifications after LAST" "$(jq -r '.notifications[-1].type' "$WORK/out")" move_out_planned
expect_rc "CLI support measure needs --on or --off" 2 cli_at "$ATENA_FAKE_NOW" clerk1 support-measure "$A2" --as clerk1 --reason x
expect_rc "CLI support measure off" 0 cli clerk1 support-measure "$A2" --off --as clerk1 --reason 支援措置終了

# four-eyes at the console
AS=clerk1 BIZ=resident_register REASON=職権修正 api POST "$R/events/ex_officio_correction" "$(jq -nc --arg a "$A4" '{event_date:"2026-05-20", addressee_no:$a, items:{remarks:"職権修正の試験"}}')"
expect_eq "held" "$STATUS" 202
PID2=$(jq -r .pending_id <<<"$BODY")
expect_rc "CLI pending" 0 cli clerk2 pending --as clerk2 --reason 職権修正の確認
expect_eq "lists it" "$(jq --argjson p "$PID2" '[.pending[] | select(.pending_id == $p)] | length' "$WORK/out")" 1
expect_rc "the maker cannot reject their own" 1 cli clerk1 reject "$PID2" --as clerk1 --reason x
expect_rc "CLI reject" 0 cli clerk2 reject "$PID2" --note 根拠資料なし --as clerk2 --reason 職権修正の確認
expect_eq "rejected" "$(jq -r .decision "$WORK/out")" rejected

# certificates at the console
jq -nc --arg a "$A5" --arg b "$A2" '{kind:"juminhyo", addressee_no:$a,
  requester:{relation:"household", name:"目黒 和子", addressee_no:$b}, purpose:"保育園入園"}' >"$WORK/req.json"
expect_rc "CLI certificate JSON" 0 cli clerk1 certificate --file "$WORK/req.json" --as clerk1 --reason 住民票の写しの交付
expect_eq "the child's" "$(jq -r '.persons[0].name' "$WORK/out")" "目黒 花"
expect_rc "CLI certificate PDF" 0 cli clerk1 certificate --file "$WORK/req.json" --out "$WORK/x.pdf" --as clerk1 --reason 住民票の写しの交付
expect_eq "writes a PDF" "$(head -c 4 "$WORK/x.pdf" 2>/dev/null)" "%PDF"
check "private file" test "$(stat -c %a "$WORK/x.pdf" 2>/dev/null)" = 600
check "pdftotext shows the name" grep -q "目黒" <(pdftotext "$WORK/x.pdf" - 2>/dev/null)
expect_rc "does not overwrite" 2 cli_at "$ATENA_FAKE_NOW" clerk1 certificate --file "$WORK/req.json" --out "$WORK/x.pdf" --as clerk1 --reason x
jq -nc --arg a "$A5" '{event_date:"2026-05-20", notification_date:"2026-05-20", addressee_no:$a}' >"$WORK/death.json"
expect_rc "the viewer cannot post events at the console either" 1 cli viewer event death --file "$WORK/death.json" --as viewer --reason x
check "names the refusal" grep -q "no_grant\|forbidden" "$WORK/err"

stop_server
expect_rc "audit log verifies after the run" 0 atena audit verify
finish
