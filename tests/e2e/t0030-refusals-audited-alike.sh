#!/usr/bin/env bash
# Accountability written once (issue 8 §2): for each module, one refused read
# and one refused write through HTTP and through the CLI each leave the same
# audit event — outcome, subject (the person asked about), business and
# detail (code and field) — read back with `atena audit query`. Also: a route
# refuses (and logs) a business other than its own before the module runs,
# and the register's event types come from one table (GET
# /registry/event-types, the CLI's help and the server's error text).
. "$(dirname "$0")/lib.sh"

atena init --data "$DATA" --municipality 131105 >/dev/null || { echo "init failed"; exit 1; }
export ATENA_DATA=$DATA
add_user admin "管理 太郎" 情報政策課 --admin
add_user clerk1 "窓口 花子" 区民課 --by admin
add_user tax1 "税務 一郎" 税務課 --by admin
add_user taxview "税務 閲覧" 税務課 --by admin
atena grant --staff clerk1 --business resident_register --access update --by admin --reason 窓口担当 >/dev/null
atena grant --staff tax1 --business individual_resident_tax --access update --by admin --reason 課税担当 >/dev/null
atena grant --staff taxview --business individual_resident_tax --access view --by admin --reason 照会担当 >/dev/null
start_server || exit 1
check "login clerk1" login clerk1 "Meguro-counter-2026a"
check "login tax1" login tax1 "Meguro-taxation-2026b"
check "login taxview" login taxview "Meguro-inquiry-2026c"

# cli STAFF MODULE ARGS... (each call with a later one-time code) and refusals STAFF: lib.sh.

# One refusal over HTTP and the same over the CLI: each adds exactly one
# refusal event, and the two are alike.
alike() {   # description staff want-status want-event "HTTP: METHOD PATH [BODY]" -- cli args...
	local what=$1 who=$2 status=$3 want=$4; shift 4
	local method=$1 path=$2 body=${3-}
	shift 3
	[ "${1-}" = -- ] && shift
	local before after http cliev
	before=$(refusals "$who" | wc -l)
	AS=$who api "$method" "$path" "$body"
	expect_eq "$what over HTTP: status" "$STATUS" "$status"
	after=$(refusals "$who" | wc -l)
	expect_eq "$what over HTTP: one refusal logged" "$((after - before))" 1
	http=$(refusals "$who" | tail -1)
	expect_eq "$what over HTTP: the event" "$http" "$want"
	expect_rc "$what on the CLI: refused" 1 cli "$who" "$@"
	before=$after
	after=$(refusals "$who" | wc -l)
	expect_eq "$what on the CLI: one refusal logged" "$((after - before))" 1
	cliev=$(refusals "$who" | tail -1)
	expect_eq "$what: CLI and HTTP log the same" "$cliev" "$http"
}

R=(--as clerk1 --reason 住民票の写しの交付)
T=(--as tax1 --reason 課税照会 --fiscal-year 2026)
echo '{"action":"reject"}' >"$WORK/decision.json"

# ---- The register
export BIZ=resident_register REASON=住民票の写しの交付
alike "register: read of an unknown person" clerk1 404 \
	"invalid|0000000077|resident_register|not_found addressee_no" \
	GET /api/v1/registry/persons/0000000077 "" -- registry person 0000000077 "${R[@]}"
alike "register: support measure for an unknown person" clerk1 404 \
	"invalid|0000000078|resident_register|not_found addressee_no" \
	POST /api/v1/registry/persons/0000000078/support-measure '{"on":true}' \
	-- registry support-measure 0000000078 --on "${R[@]}"

# ---- The resident tax
export BIZ=individual_resident_tax REASON=課税照会
alike "tax: read of a person never assessed" tax1 404 \
	"invalid|0000000077|individual_resident_tax|not_found addressee_no" \
	GET "/api/v1/tax/persons/0000000077?fiscal_year=2026" "" -- tax person 0000000077 "${T[@]}"
alike "tax: decision on a document never held" tax1 404 \
	"invalid||individual_resident_tax|not_found doc_id" \
	POST /api/v1/tax/holds/999/decision '{"action":"reject"}' \
	-- tax decide 999 --file "$WORK/decision.json" "${T[@]}"

# ---- The route's business, checked once before the module runs
before=$(refusals tax1 | wc -l)
AS=tax1 BIZ=resident_register api GET "/api/v1/tax/persons/0000000077?fiscal_year=2026"
expect_eq "tax route under another business: 403" "$STATUS:$(jq -r .error.field <<<"$BODY")" \
	"403:X-Atena-Business"
expect_eq "... logged once" "$(( $(refusals tax1 | wc -l) - before ))" 1
expect_eq "... as denied under the business named, naming the person" "$(refusals tax1 | tail -1)" \
	"denied|0000000077|resident_register|forbidden X-Atena-Business"
AS=clerk1 BIZ=individual_resident_tax api GET /api/v1/registry/persons/0000000077
expect_eq "register route under the tax business: 403" "$STATUS" 403

# ---- No grant for the business (issue 8 §3, §4): one event, naming the person
# the request is about, written by the door's open under the request's operation
export BIZ=individual_resident_tax REASON=課税照会
TC=(--as clerk1 --reason 課税照会 --fiscal-year 2026)
alike "tax: read by a clerk with no tax grant" clerk1 403 \
	"denied|0000000077|individual_resident_tax|no_grant business" \
	GET "/api/v1/tax/persons/0000000077?fiscal_year=2026" "" -- tax person 0000000077 "${TC[@]}"
# A batch opens its own doors: with no grant the dispatcher refuses it before
# it runs; with a view grant only, its door refuses it — either way once.
alike "tax: batch by a clerk with no tax grant" clerk1 403 \
	"denied||individual_resident_tax|no_grant business" \
	POST "/api/v1/tax/assess?fiscal_year=2026" "" -- tax assess "${TC[@]}"
alike "tax: batch by a staff member with a view grant only" taxview 403 \
	"denied||individual_resident_tax|no_grant business" \
	POST "/api/v1/tax/assess?fiscal_year=2026" "" -- tax assess --as taxview --reason 課税照会 --fiscal-year 2026
for who in clerk1 taxview; do
	ops=$(atena audit query --staff $who --limit 1000 | jq -r '[.[] | select(.outcome == "denied") | .operation] | unique | .[]')
	expect_eq "$who: refusals carry the request's operation, never a bare open" \
		"$(grep -cx open <<<"$ops" || true)" 0
done
expect_eq "a refused batch names its request" \
	"$(atena audit query --staff taxview --limit 1000 | jq -r '[.[] | select(.outcome == "denied") | .operation] | unique | join(",")')" \
	"POST /api/v1/tax/assess,cli tax assess"
# Routes with no door check the grant too (a clerk of the register computing tax).
for route in "GET /api/v1/tax/law" "POST /api/v1/tax/compute" "GET /api/v1/tax/schedule?fiscal_year=2026"; do
	before=$(refusals clerk1 | wc -l)
	body=; [ "${route% *}" = POST ] && body='{}'
	AS=clerk1 api "${route% *}" "${route#* }" "$body"
	expect_eq "$route without a grant: 403" "$STATUS:$(jq -r .error.code <<<"$BODY")" "403:no_grant"
	expect_eq "$route without a grant: logged once" "$(( $(refusals clerk1 | wc -l) - before ))" 1
	expect_eq "$route without a grant: the event" "$(refusals clerk1 | tail -1)" \
		"denied||individual_resident_tax|no_grant business"
done
AS=tax1 BIZ=resident_register api GET /api/v1/registry/event-types
expect_eq "event types need a register grant" "$STATUS:$(jq -r .error.code <<<"$BODY")" "403:no_grant"

# ---- The register's event types: one table, every surface iterates it
AS=clerk1 BIZ=resident_register api GET /api/v1/registry/event-types
expect_eq "event types route" "$STATUS" 200
expect_eq "fourteen event types" "$(jq '.event_types | length' <<<"$BODY")" 14
expect_eq "with Japanese labels" "$(jq -r '.event_types[] | select(.type == "move_in") | .label' <<<"$BODY")" 転入
TYPES=$(jq -r '.event_types[].type' <<<"$BODY")
expect_rc "registry event --help" 0 atena registry event --help
missing=0
for t in $TYPES; do grep -q "^  $t " "$WORK/out" || missing=$((missing + 1)); done
expect_eq "the CLI's help lists every type" "$missing" 0
AS=clerk1 BIZ=resident_register api POST /api/v1/registry/events/move_away '{}'
expect_eq "unknown event type refused" "$STATUS:$(jq -r .error.field <<<"$BODY")" "400:type"
missing=0
for t in $TYPES; do grep -q "$t" <<<"$(jq -r .error.message <<<"$BODY")" || missing=$((missing + 1)); done
expect_eq "the server's error names every type" "$missing" 0

# ---- The log still verifies
expect_rc "audit verify" 0 atena audit verify
finish
