#!/usr/bin/env bash
# A refused decision on a held change names the person it is about (issue 8
# §1): the request carries only a pending id, yet its refusal event — the
# maker deciding their own change (four_eyes_self), a staff member without an
# update grant — names the change's person, alike over HTTP and the CLI.
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

export AS=clerk1 BIZ=resident_register REASON=転入届の受付 CASE=
api POST /api/v1/registry/events/move_in "$(jq -nc --arg m "$(mynumber 12345678901)" '{
  event_date:"2026-04-01", notification_date:"2026-04-03", household:{new:true},
  address:{address:"東京都目黒区中目黒一丁目1番1号"},
  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"},
  persons:[{name:"目黒 一郎", name_kana:"メグロ イチロウ", birth_date:"1980-04-12", sex:"1",
            relationship:"世帯主", householder:true, resident_code:"12345678901", my_number:$m}]}')"
expect_eq "move_in" "$STATUS" 201
A1=$(jq -r '.records[0].addressee_no' <<<"$BODY")
REASON=職権修正 api POST /api/v1/registry/events/ex_officio_correction \
	"$(jq -nc --arg a "$A1" '{event_date:"2026-04-10", addressee_no:$a, items:{name:"目黒 壱郎"}}')"
expect_eq "correction held" "$STATUS" 202
PID=$(jq -r '.pending_id // .pending_ids[0]' <<<"$BODY")

# refused WHO STATUS WANT-EVENT -- HTTP path, then the same on the CLI
refused() {   # what who status want verb
	local what=$1 who=$2 status=$3 want=$4 verb=$5 before after http
	before=$(refusals "$who" | wc -l)
	AS=$who REASON=職権修正の確認 api POST "/api/v1/pending/$PID/$verb" '{}'
	expect_eq "$what over HTTP: status" "$STATUS" "$status"
	after=$(refusals "$who" | wc -l)
	expect_eq "$what over HTTP: one refusal logged" "$((after - before))" 1
	http=$(refusals "$who" | tail -1)
	expect_eq "$what over HTTP: the event names the person" "$http" "$want"
	expect_rc "$what on the CLI: refused" 1 cli "$who" registry "$verb" "$PID" \
		--as "$who" --reason 職権修正の確認
	before=$after
	after=$(refusals "$who" | wc -l)
	expect_eq "$what on the CLI: one refusal logged" "$((after - before))" 1
	expect_eq "$what: CLI and HTTP log the same" "$(refusals "$who" | tail -1)" "$http"
}
refused "the maker approving their own change" clerk1 403 \
	"denied|$A1|resident_register|four_eyes_self pending_id" approve
refused "the maker rejecting their own change" clerk1 403 \
	"denied|$A1|resident_register|four_eyes_self pending_id" reject

# A view grant: refused before the change is touched, still naming its person.
before=$(refusals viewer | wc -l)
AS=viewer REASON=職権修正の確認 api POST "/api/v1/pending/$PID/approve" '{}'
expect_eq "a view grant cannot decide" "$STATUS" 403
expect_eq "... logged once" "$(( $(refusals viewer | wc -l) - before ))" 1
expect_eq "... naming the person" "$(refusals viewer | tail -1 | cut -d'|' -f2)" "$A1"

# The change is still held, untouched.
AS=clerk1 REASON=確認 api GET "/api/v1/registry/persons/$A1"
expect_eq "the name is unchanged" "$(jq -r .items.name <<<"$BODY")" "目黒 一郎"
finish
