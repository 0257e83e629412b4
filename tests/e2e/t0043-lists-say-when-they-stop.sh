#!/usr/bin/env bash
# Nothing is cut silently (issue 8 §7): the access log and the register
# outbox, asked for a small page, say that more follow (truncated) and where
# to go on (next_after); following next_after reaches every row exactly once.
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

# Three residents, three outbox rows.
export AS=clerk1 BIZ=resident_register REASON=転入届の受付 CASE=
for i in 1 2 3; do
	api POST /api/v1/registry/events/move_in "$(jq -nc --arg m "$(mynumber "1234567890$i")" --arg i "$i" '{
	  event_date:"2026-04-01", notification_date:"2026-04-03", household:{new:true},
	  address:{address:("東京都目黒区中目黒一丁目" + $i + "番1号")},
	  previous:{municipality_code:"131016", address:"東京都千代田区千代田一丁目1番"},
	  persons:[{name:("目黒 " + $i + "郎"), name_kana:"メグロ タロウ", birth_date:"1980-04-12", sex:"1",
	            relationship:"世帯主", householder:true, resident_code:("1234567890" + $i), my_number:$m}]}')"
	expect_eq "move_in $i" "$STATUS" 201
done

# ---- the outbox, two at a time
REASON=異動通知の確認 api GET "/api/v1/registry/outbox?limit=2"
expect_eq "outbox page 1" "$STATUS:$(jq '.notifications | length' <<<"$BODY"):$(jq .truncated <<<"$BODY")" "200:2:true"
NEXT=$(jq .next_after <<<"$BODY")
expect_eq "... next_after is the last seq shown" "$NEXT" "$(jq '.notifications[-1].seq' <<<"$BODY")"
REASON=異動通知の確認 api GET "/api/v1/registry/outbox?limit=2&after=$NEXT"
expect_eq "outbox page 2: the rest, and the end said" \
	"$(jq '.notifications | length' <<<"$BODY"):$(jq .truncated <<<"$BODY"):$(jq .next_after <<<"$BODY")" "1:false:null"
REASON=異動通知の確認 api GET "/api/v1/registry/outbox?limit=3"
expect_eq "a page that holds everything is not truncated" "$(jq .truncated <<<"$BODY")" false

# ---- the register search, one at a time, continued with after
KANA=%E3%83%A1%E3%82%B0%E3%83%AD   # メグロ
REASON=住民票の検索 api GET "/api/v1/registry/search?name_kana=$KANA&limit=1"
expect_eq "search page 1" "$STATUS:$(jq '.records | length' <<<"$BODY"):$(jq .truncated <<<"$BODY")" "200:1:true"
got=$(jq -r '.records[0].subject' <<<"$BODY")
NEXT=$(jq -r .next_after <<<"$BODY")
expect_eq "... next_after is the addressee number shown" "$NEXT" "$got"
while [ "$(jq .truncated <<<"$BODY")" = true ]; do
	REASON=住民票の検索 api GET "/api/v1/registry/search?name_kana=$KANA&limit=1&after=$(jq -r .next_after <<<"$BODY")"
	got="$got $(jq -r '.records[].subject' <<<"$BODY")"
done
REASON=住民票の検索 api GET "/api/v1/registry/search?name_kana=$KANA"
expect_eq "the pages are the whole result, in addressee-number order" "$got" \
	"$(jq -r '[.records[].subject] | join(" ")' <<<"$BODY")"
expect_eq "... three people" "$(wc -w <<<"$got")" 3
expect_eq "the list shows its columns, no 住民票コード" \
	"$(jq '[.records[].items | has("resident_code") or has("my_number")] | any' <<<"$BODY")" false

cli clerk1 registry outbox --limit 2 --as clerk1 --reason 異動通知の確認 >"$WORK/ob" 2>/dev/null
expect_eq "CLI outbox page says so too" "$(jq -c '[(.notifications | length), .truncated]' "$WORK/ob")" "[2,true]"

# ---- the access log, one at a time (clerk1's events only)
export AS=auditor BIZ=audit_review REASON=定期監査
api GET "/api/v1/audit/events?staff=clerk1&limit=1000"
ALL=$(jq '.events | length' <<<"$BODY")
expect_eq "the whole of clerk1's log fits one page" "$(jq .truncated <<<"$BODY"):$(jq .next_after <<<"$BODY")" "false:null"
api GET "/api/v1/audit/events?staff=clerk1&limit=2"
expect_eq "audit page of 2" "$(jq '.events | length' <<<"$BODY"):$(jq .truncated <<<"$BODY")" "2:true"
seen=0 after=0 pages=0
while :; do
	api GET "/api/v1/audit/events?staff=clerk1&limit=2&after=$after"
	seen=$((seen + $(jq '.events | length' <<<"$BODY")))
	pages=$((pages + 1))
	[ "$(jq .truncated <<<"$BODY")" = true ] || break
	after=$(jq .next_after <<<"$BODY")
	[ "$pages" -lt 100 ] || break
done
expect_eq "following next_after reaches every event once" "$seen" "$ALL"
# The CLI keeps printing the events and says on stderr that more follow.
atena audit query --staff clerk1 --limit 1 >"$WORK/q" 2>"$WORK/qerr"
expect_eq "CLI audit query prints the page" "$(jq length "$WORK/q")" 1
expect_eq "... and says more follow, from where" \
	"$(grep -c 'more events follow; continue with --after' "$WORK/qerr")" 1
atena audit query --staff clerk1 --limit 1000 >"$WORK/q" 2>"$WORK/qerr"
expect_eq "a whole answer says nothing more" "$(grep -c 'more events follow' "$WORK/qerr" || true)" 0
finish
