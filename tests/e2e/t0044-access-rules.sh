#!/usr/bin/env bash
# Access rules that leak (issue 9 §5), over HTTP and the CLI of the real binary
# on the demo ward:
#  - a business that sees My Number masked cannot search by it;
#  - a support-measure (支援措置) person's tax assessment alerts, as their
#    register record does: the alert follows the person;
#  - prefix sweeps of the register alert once and are then refused (429) for
#    the rest of the window, across a restart, with the numbers of
#    data/policy/search_volume.json.
. "$(dirname "$0")/lib.sh"
LIMITS=$(dirname "$0")/../../data/policy/search_volume.json

atena demo --data "$DATA" --households 400 --no-serve >"$WORK/demo" 2>&1 || { cat "$WORK/demo"; exit 1; }
export ATENA_DATA=$DATA
for id in admin clerk1 clerk2 tax1; do
	line=$(grep "^$id " "$WORK/demo")
	PW[$id]=$(sed -n 's/.* password \([^ ]*\) .*/\1/p' <<<"$line")
	SECRET[$id]=$(sed -n 's/.*TOTP secret \([A-Z2-7]*\).*/\1/p' <<<"$line")
done
add_user masked "閲覧 六郎" 税務課 --by admin
atena grant --staff masked --business test_viewer --access view --by admin --reason 照会 >/dev/null
atena grant --staff clerk2 --business test_business --access update --by admin --reason 登録 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login clerk2" login clerk2 "Meguro-counter-2026b"
check "login tax1" login tax1 "Meguro-taxation-2026c"
check "login masked" login masked "Meguro-inquiry-2026d"

# Every event of a staff member (or about a person), paged past 1000.
events() {   # --staff ID | --subject ANO
	local after=0 page n
	while :; do
		page=$(atena audit query "$@" --after "$after" --limit 1000 2>/dev/null) || return 1
		jq -c '.[]' <<<"$page"
		n=$(jq length <<<"$page")
		[ "$n" -lt 1000 ] && return 0
		after=$(jq '.[-1].seq' <<<"$page")
	done
}

# ---- My Number criteria where the number is masked
MN=$(mynumber 98765432101)
AS=clerk2 BIZ=test_business REASON=登録 api POST /api/v1/files/test_file/records \
	"$(jq -nc --arg m "$MN" '{subject:"0000900001",items:{my_number:$m,name:"番号 検索",name_kana:"バンゴウ ケンサク",birth_date:"1970-01-01",address:"東京都目黒区中目黒一丁目1番1号"}}')"
expect_eq "a test_file record" "$STATUS" 201
AS=masked BIZ=test_viewer REASON=課税資料の確認 api GET "/api/v1/files/test_file/search?item=my_number&value=$MN&match=exact"
expect_eq "masked business searching by My Number: 403" "$STATUS" 403
expect_eq "... its code and field" "$(jq -r '.error.code + " " + .error.field' <<<"$BODY")" "number_not_usable my_number"
expect_eq "... and nobody in the answer" "$(jq 'has("records")' <<<"$BODY")" false
expect_eq "... the refusal is audited, naming the field" \
	"$(events --staff masked | jq -r 'select(.outcome == "denied") | .detail')" "number_not_usable my_number"
AS=masked BIZ=test_viewer REASON=課税資料の確認 api GET "/api/v1/files/test_file/search?item=name&value=%E7%95%AA%E5%8F%B7%20%E6%A4%9C%E7%B4%A2&match=exact"
expect_eq "the same business by name: found, number masked" \
	"$STATUS $(jq -r '.records[0].items.my_number' <<<"$BODY")" "200 ************"
AS=clerk2 BIZ=test_business REASON=本人確認 api GET "/api/v1/files/test_file/search?item=my_number&value=$MN&match=exact"
expect_eq "a number-using business may" "$STATUS $(jq -r '.records[0].subject' <<<"$BODY")" "200 0000900001"

# ---- the support-measure alert follows the person into the tax record
ANO=
for a in $(sqlite3 "$DATA/atena.db" "SELECT addressee_no FROM tax_assessment WHERE fiscal_year = 2025 ORDER BY addressee_no LIMIT 5" 2>/dev/null); do
	ANO=$a
	break
done
[ -n "$ANO" ] || { fail "no assessed person in the demo ward"; finish; }
tax_alerts() { events --subject "$ANO" | jq -s '[.[] | select(.operation == "support_measure_view" and .outcome == "alert" and .business == "individual_resident_tax")] | length'; }
AS=tax1 BIZ=individual_resident_tax REASON=税額の照会 api GET "/api/v1/tax/persons/$ANO?fiscal_year=2025"
expect_eq "tax view before any measure" "$STATUS $(tax_alerts)" "200 0"
AS=clerk2 BIZ=resident_register REASON=支援措置申出の受付 api POST "/api/v1/registry/persons/$ANO/support-measure" '{"on":true}'
expect_eq "support measure set" "$STATUS" 204
AS=tax1 BIZ=individual_resident_tax REASON=税額の照会 api GET "/api/v1/tax/persons/$ANO?fiscal_year=2025"
expect_eq "the tax view of a support-measure person alerts" "$STATUS $(tax_alerts)" "200 1"
cli tax1 tax person "$ANO" --fiscal-year 2025 --as tax1 --reason 税額の照会 >/dev/null 2>"$WORK/err"
expect_eq "... on the CLI too" "$(tax_alerts)" 2

# ---- search volume: prefix sweeps alert once, then are refused
ALERT_PEOPLE=$(jq .alert.people "$LIMITS")
REFUSE_PEOPLE=$(jq .refuse.people "$LIMITS")
export AS=clerk1 BIZ=resident_register REASON=住民票の検索 CASE=
: >"$WORK/listed"
last= refused=
for k in ア イ ウ エ オ カ キ ク ケ コ サ シ ス セ ソ タ チ ツ テ ト ナ ニ ヌ ネ ノ ハ ヒ フ ヘ ホ マ ミ ム メ モ ヤ ユ ヨ ラ リ ル レ ロ ワ; do
	api GET "/api/v1/registry/search?name_kana=$(jq -rn --arg k "$k" '$k|@uri')&limit=100&include_removed=true"
	last=$STATUS refused=$k
	[ "$STATUS" = 200 ] || break
	jq -r '.records[].subject' <<<"$BODY" >>"$WORK/listed"
done
listed=$(sort -u "$WORK/listed" | wc -l)
expect_eq "the sweep is stopped with 429" "$last" 429
expect_eq "... code and field" "$(jq -r '.error.code + " " + .error.field' <<<"$BODY")" "search_volume search"
check "... the message says until when" grep -q "wait until" <<<"$(jq -r .error.message <<<"$BODY")"
check "past the alert level ($listed > $ALERT_PEOPLE people listed)" test "$listed" -gt "$ALERT_PEOPLE"
check "never past the refusal level ($listed <= $REFUSE_PEOPLE)" test "$listed" -le "$REFUSE_PEOPLE"
events --staff clerk1 >"$WORK/ev"
expect_eq "one search_volume alert in the window" \
	"$(jq -s '[.[] | select(.operation == "search_volume" and .outcome == "alert")] | length' "$WORK/ev")" 1
expect_eq "the refusal is audited as denied" \
	"$(jq -s '[.[] | select(.outcome == "denied" and .detail == "search_volume search")] | length' "$WORK/ev")" 1
expect_eq "... and the refused search listed nobody" \
	"$(jq -s '[.[] | select(.operation == "search_result")] | map(.subject) | unique | length' "$WORK/ev")" "$listed"
# The refused prefix lists people not listed yet: it stays refused.
Q="name_kana=$(jq -rn --arg k "$refused" '$k|@uri')&limit=100&include_removed=true"
api GET "/api/v1/registry/search?$Q"
expect_eq "the refused search is refused again" "$STATUS" 429
api GET "/api/v1/registry/search?addressee_no=$(head -1 "$WORK/listed")"
expect_eq "a search listing only people already listed still passes" "$STATUS" 200
cli clerk1 registry search --name-kana "$refused" --limit 100 --include-removed --as clerk1 --reason 住民票の検索 >/dev/null 2>"$WORK/err"
rc=$?
check "... and on the CLI (exit $rc)" test "$rc" -ne 0
check "... with the same message" grep -q "search_volume\|are refused" "$WORK/err"

# A restart forgets nothing; the next window starts again.
stop_server
start_server || exit 1
api GET "/api/v1/registry/search?$Q"
expect_eq "still refused after a restart" "$STATUS" 429
stop_server
W=$(jq .window_seconds "$LIMITS")
ATENA_FAKE_NOW=$(( ATENA_FAKE_NOW - ATENA_FAKE_NOW % W + W )) start_server || exit 1
api GET "/api/v1/registry/search?$Q"
expect_eq "the next window searches again" "$STATUS" 200

expect_rc "audit verify" 0 atena audit verify
finish
