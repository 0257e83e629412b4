#!/usr/bin/env bash
# Issuing a certificate needs the update grant of the register (issue 9 §5,
# docs/security.md "Certificates"): a clerk with a view grant only looks
# residents up; over HTTP and over the CLI alike they get no 住民票の写し —
# neither with the My Number nor without — the refusal is logged once, naming
# the person asked about, and no serial is used up. The clerk with update
# issues as before.
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
add_user viewer "照会 三郎" 区民課 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff viewer --business resident_register --access view --by admin --reason 照会担当 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login viewer" login viewer "Meguro-inquiry-2026c"

issued() { atena audit query --limit 1000 | jq '[.[] | select(.operation == "certificate" and .outcome == "ok")] | length'; }

MN=$(mynumber 12345678901)
export AS=clerk1 BIZ=resident_register REASON=転入届の受付 CASE=
api POST /api/v1/registry/events/move_in "$(jq -nc --arg m "$MN" '{
  event_date:"2025-10-01", notification_date:"2025-10-03", household:{new:true},
  address:{address:"東京都目黒区中目黒一丁目1番1号", postcode:"1530061"},
  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"},
  persons:[{name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1960-04-12", sex:"1",
    relationship:"世帯主", householder:true, resident_code:"12345678901", my_number:$m}]}')"
expect_eq "move_in" "$STATUS" 201
A=$(jq -r '.records[0].addressee_no' <<<"$BODY")

# the view grant does look the person up
AS=viewer REASON=住所の照会 api GET "/api/v1/registry/persons/$A"
expect_eq "the view-only clerk may look the person up" "$STATUS" 200

export REASON=住民票の写しの交付
WITH=$(jq -nc --arg a "$A" '{kind:"juminhyo", addressee_no:$a, include_my_number:true,
  requester:{relation:"self", name:"目黒 一郎"}}')
WITHOUT=$(jq -nc --arg a "$A" '{kind:"juminhyo", addressee_no:$a,
  requester:{relation:"self", name:"目黒 一郎"}}')
printf '%s' "$WITH" >"$WORK/with.json"
printf '%s' "$WITHOUT" >"$WORK/without.json"
before_ok=$(issued)

for body in with without; do
	before=$(refusals viewer | wc -l)
	AS=viewer api POST /api/v1/registry/certificates "@$WORK/$body.json"
	expect_eq "HTTP, $body My Number: the view-only clerk is refused" \
		"$STATUS:$(jq -r '.error.code + " " + .error.field' <<<"$BODY")" "403:no_grant X-Atena-Business"
	check "HTTP, $body My Number: nothing of the person in the answer" \
		bash -c "! grep -q -e 目黒 -e '$MN' <<<'$BODY'"
	expect_eq "HTTP, $body My Number: logged once" "$(( $(refusals viewer | wc -l) - before ))" 1
	expect_eq "HTTP, $body My Number: naming the person" "$(refusals viewer | tail -1)" \
		"denied|$A|resident_register|no_grant business"

	before=$(refusals viewer | wc -l)
	expect_rc "CLI, $body My Number: the view-only clerk is refused" 1 \
		cli viewer registry certificate --file "$WORK/$body.json" --as viewer --reason 住民票の写しの交付
	expect_eq "CLI, $body My Number: logged once" "$(( $(refusals viewer | wc -l) - before ))" 1
	expect_eq "CLI, $body My Number: alike" "$(refusals viewer | tail -1)" \
		"denied|$A|resident_register|no_grant business"
done
expect_eq "nothing was issued" "$(issued)" "$before_ok"
cli viewer registry certificate --file "$WORK/with.json" --as viewer --reason 住民票の写しの交付 \
	>"$WORK/out" 2>"$WORK/err"
check "the CLI says what is missing" grep -q "update grant" "$WORK/err"
check "and prints no certificate" bash -c "! grep -q '$MN' '$WORK/out'"

# the clerk with update issues, by both transports, with the serial counting on
AS=clerk1 api POST /api/v1/registry/certificates "@$WORK/with.json"
expect_eq "HTTP: the clerk with update issues" "$STATUS" 200
expect_eq "with the My Number asked for" "$(jq -r '.persons[0].my_number' <<<"$BODY")" "$MN"
expect_eq "the first serial" "$(jq -r .serial <<<"$BODY")" "131105-00000001"
cli clerk1 registry certificate --file "$WORK/without.json" --as clerk1 --reason 住民票の写しの交付 \
	>"$WORK/cert.json"
expect_eq "CLI: the clerk with update issues" "$(jq -r .title "$WORK/cert.json")" 住民票の写し
expect_eq "the next serial: no refusal used one up" "$(jq -r .serial "$WORK/cert.json")" "131105-00000002"
expect_eq "both issues logged" "$(issued)" "$((before_ok + 2))"

stop_server
expect_rc "audit verify" 0 atena audit verify --data "$DATA"
finish
