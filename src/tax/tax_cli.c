/*
 * tax_cli.c — `atena tax`: the individual resident tax (個人住民税) at the
 * console.
 *
 * Pure computations need no login and no database:
 *   atena tax compute < case.json            one case → its breakdown (JSON)
 *   atena tax schedule --method special|ordinary|pension --annual N
 *                      --fiscal-year Y --municipality CODE   the installments
 *   atena tax law                             the law data built in
 * A malformed case or flag exits 2 with {"error":{code,field,message}} on stdout.
 *
 * Everything else acts as a staff member under business
 * individual_resident_tax (cli/cli.h: the session, --reason, --case) with
 * --fiscal-year Y; its unit of work goes through cli_unit, so a refusal is
 * audited with its subject exactly as over HTTP (module/unit.h).
 * Exit status: 0 done, 1 refused or failed, 2 usage or malformed input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/date.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "tax/engine.h"
#include "tax/law.h"
#include "tax/schedule.h"
#include "tax/tax.h"
#include "tax/tax_module.h"

#define TAX_FILE_MAX ((size_t)2 << 30)   /* an intake file larger than 2 GiB is refused */

/* Malformed input of a pure command: the error as JSON on stdout, exit 2. */
static int input_error(const at_error *err)
{
	json_t *e = jv_error_body(err);
	cli_print_json(e);
	json_decref(e);
	fprintf(stderr, "atena tax: %s\n", err->message);
	return 2;
}

static int read_all(FILE *f, size_t max, strbuf *out)
{
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (out->len + n > max)
			return 1;
		sb_add(out, chunk, n);
	}
	return ferror(f) ? -1 : 0;
}

static int flag_ll(const args *a, const char *name, long long min, long long max, bool required,
		   long long *out, at_error *err)
{
	const char *v = args_get(a, name);
	char field[48];
	snprintf(field, sizeof field, "--%s", name);
	if (!v)
		return required ? at_fail(err, 400, AT_E_MISSING, field, "%s is required", field) : 0;
	char *end = NULL;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end || errno || x < min || x > max || v[0] == '+')
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s must be a whole number from %lld to %lld", field, min, max);
	*out = x;
	return 0;
}

/* ---- Pure commands ----------------------------------------------------------- */

static int run_compute(cli_call *c, at_error *err)
{
	(void)c;
	strbuf in = STRBUF_INIT;
	sb_init(&in);
	int rr = read_all(stdin, JV_MAX_BODY, &in);
	if (rr) {
		sb_release(&in);
		at_fail(err, rr > 0 ? 413 : 400, rr > 0 ? AT_E_TOO_LARGE : AT_E_INVALID, "",
			rr > 0 ? "the case is larger than 1 MiB" : "cannot read standard input");
		return input_error(err);
	}
	json_t *j = jv_parse_object(in.buf ? in.buf : "", in.len, err);
	sb_release(&in);
	if (!j)
		return input_error(err);
	tax_case tc;
	tax_result r;
	const tax_law *law = NULL;
	int rc;
	if (tax_case_from_json(j, &tc, err) || !(law = tax_law_shared(err)) ||
	    tax_compute(law, &tc, &r, err)) {
		rc = input_error(err);
	} else {
		json_t *out = tax_result_to_json(law, &tc, &r);
		cli_print_json(out);
		json_decref(out);
		rc = 0;
	}
	json_decref(j);
	return rc;
}

static int run_schedule(cli_call *c, at_error *err)
{
	const args *a = c->a;
	long long annual = 0, fy = 0, prev = 0;
	const char *method = args_get(a, "method"), *muni = args_get(a, "municipality");
	if (!method || (strcmp(method, "special") && strcmp(method, "ordinary") &&
			strcmp(method, "pension"))) {
		at_fail(err, 400, AT_E_INVALID, "--method", "--method must be special, ordinary or pension");
		return input_error(err);
	}
	if (flag_ll(a, "annual", 0, TAX_ANNUAL_MAX, true, &annual, err) ||
	    flag_ll(a, "fiscal-year", 2000, 2100, true, &fy, err) ||
	    flag_ll(a, "previous-annual", 0, TAX_ANNUAL_MAX, false, &prev, err))
		return input_error(err);
	if (!muni) {
		at_fail(err, 400, AT_E_MISSING, "--municipality", "--municipality is required");
		return input_error(err);
	}
	const tax_law *law = tax_law_shared(err);
	if (!law)
		return input_error(err);
	if (!tax_law_has_municipality(law, muni)) {
		at_fail(err, 400, AT_E_INVALID, "--municipality", "no tax data for municipality %s",
			muni);
		return input_error(err);
	}
	json_t *out = NULL;
	if (tax_schedule_for(law, method, annual, prev, (int)fy, muni, &out, err)) {
		/* The flags' names, not the API's: fiscal_year → --fiscal-year. */
		size_t n = strlen(err->field);
		if (n && err->field[0] != '-' && n + 2 < sizeof err->field) {
			memmove(err->field + 2, err->field, n + 1);
			err->field[0] = err->field[1] = '-';
			for (char *p = err->field; *p; p++)
				*p = *p == '_' ? '-' : *p;
		}
		return input_error(err);
	}
	cli_print_json(out);
	json_decref(out);
	return 0;
}

static int run_law(cli_call *c, at_error *err)
{
	(void)c;
	const tax_law *law = tax_law_shared(err);
	if (!law)
		return -1;
	json_t *d = tax_law_describe(law);
	cli_print_json(d);
	json_decref(d);
	return 0;
}

/* ---- Commands acting as a staff member ------------------------------------------ */

/* What prepare read (one command per process). */
static struct {
	int fiscal_year;
	strbuf input;   /* --file contents */
	cli_out out;    /* --out */
} T = {0, STRBUF_INIT, CLI_OUT_NONE};

/* Checks every session command makes before login, and its inputs. */
static int prepare(cli_call *c, at_error *err)
{
	const args *a = c->a;
	const char *name = c->entry->name;
	long long fy = 0;
	if (flag_ll(a, "fiscal-year", 2000, 2100, true, &fy, err)) {
		fprintf(stderr, "atena %s: %s\n", c->cmd, err->message);
		return 2;
	}
	T.fiscal_year = (int)fy;
	if (!strcmp(name, "intake") &&
	    !tax_doc_kind_parse(args_get(a, "kind") ? args_get(a, "kind") : ""))
		return cli_usage(c->cmd, "--kind must be salary, pension, return or onestop");
	if (!strcmp(name, "decide")) {
		const char *p = a->positional[0];
		if (!*p || strlen(p) > 15 || !text_is_digits(p, strlen(p)))
			return cli_usage(c->cmd, "DOC_ID must be a whole number");
	}
	if (!strcmp(name, "person") && !text_is_digits(a->positional[0], 10))
		return cli_usage(c->cmd, "ADDRESSEE_NO must be exactly 10 digits");
	if (!strcmp(name, "intake") || !strcmp(name, "decide")) {
		const char *f = args_need(a, c->cmd, "file");
		if (!f)
			return 2;
		sb_init(&T.input);
		FILE *fp = strcmp(f, "-") ? fopen(f, "rb") : stdin;
		int rr = fp ? read_all(fp, TAX_FILE_MAX, &T.input) : -1;
		if (fp && fp != stdin)
			fclose(fp);
		if (rr) {
			fprintf(stderr, "atena %s: cannot read --file %s%s\n", c->cmd, f,
				rr > 0 ? " (larger than 2 GiB)" : "");
			return 2;
		}
	}
	return cli_out_open(&T.out, c->cmd, args_get(a, "out"));
}

static void release(cli_call *c)
{
	(void)c;
	sb_release(&T.input);
	cli_out_discard(&T.out);
}

/* One unit in the door: fn fills out; a document asked for with --out is
 * rendered inside it (so a notice that could not be produced is not
 * recorded as issued) and written after the commit. */
typedef struct tax_unit tax_unit;
typedef int (*tax_fn)(tax_unit *u, door *d, at_error *err);
struct tax_unit {
	cli_call *c;
	tax_fn fn;
	const tax_law *law;
	json_t *out;
	strbuf pdf;
};

static int f_unit(door *d, void *arg, at_error *err)
{
	tax_unit *u = arg;
	if (u->fn(u, d, err))
		return -1;
	return cli_out_render(&T.out, u->out, &u->pdf, err);
}

static int in_door(cli_call *c, tax_fn fn, const char *subject, at_error *err)
{
	tax_unit u = {.c = c, .fn = fn};
	sb_init(&u.pdf);
	if (!(u.law = tax_law_shared(err)))
		return -1;
	int rc = cli_unit(c, subject, f_unit, &u, err);
	if (rc == 0)
		rc = cli_out_print(&T.out, &u.out, &u.pdf, err);
	json_decref(u.out);
	sb_release(&u.pdf);
	return rc;
}

static int f_roll(tax_unit *u, door *d, at_error *err)
{
	return tax_roll_build(d, u->c->kr, T.fiscal_year, &u->out, err);
}

static int f_intake(tax_unit *u, door *d, at_error *err)
{
	tax_doc_kind k = tax_doc_kind_parse(args_get(u->c->a, "kind"));
	return tax_intake(d, u->c->kr, T.fiscal_year, k, T.input.buf ? T.input.buf : "",
			  T.input.len, &u->out, err);
}

/* --after CURSOR --limit N of a list that pages (tax.h: tax_page). */
static int page_flags(const args *a, tax_page *pg, at_error *err)
{
	long long after = 0, limit = 0;
	if (flag_ll(a, "after", 0, INT64_MAX, false, &after, err) ||
	    flag_ll(a, "limit", 1, 100000, false, &limit, err))
		return -1;
	pg->after = after;
	pg->limit = limit;
	return 0;
}

static int f_holds(tax_unit *u, door *d, at_error *err)
{
	tax_page pg;
	return page_flags(u->c->a, &pg, err) || tax_holds(d, T.fiscal_year, &pg, &u->out, err)
		       ? -1 : 0;
}

static int f_decide(tax_unit *u, door *d, at_error *err)
{
	long long id = strtoll(u->c->a->positional[0], NULL, 10);   /* checked in prepare */
	json_t *dec = jv_parse_object(T.input.buf ? T.input.buf : "", T.input.len, err);
	if (!dec)
		return -1;
	int r = tax_hold_decide(d, u->c->kr, id, dec, &u->out, err);
	json_decref(dec);
	return r;
}

static int f_forwarding(tax_unit *u, door *d, at_error *err)
{
	tax_page pg;
	return page_flags(u->c->a, &pg, err) ||
	       tax_forwarding(d, T.fiscal_year, &pg, &u->out, err) ? -1 : 0;
}

static int f_double(tax_unit *u, door *d, at_error *err)
{
	json_t *l = NULL;
	if (tax_double_dependants(d, T.fiscal_year, &l, err))
		return -1;
	u->out = json_pack("{s:o}", "double_dependants", l);
	return 0;
}

static int f_person(tax_unit *u, door *d, at_error *err)
{
	return tax_person(d, u->c->kr, u->law, T.fiscal_year, u->c->a->positional[0], &u->out,
			  err);
}

static int f_document(tax_unit *u, door *d, at_error *err)
{
	return tax_document(d, u->c->kr, u->law, T.fiscal_year, u->c->a->positional[1],
			    u->c->a->positional[0], &u->out, err);
}

static int f_employer(tax_unit *u, door *d, at_error *err)
{
	tax_page pg;
	return page_flags(u->c->a, &pg, err) ||
	       tax_employer_notice(d, u->c->kr, u->law, T.fiscal_year, u->c->a->positional[0], &pg,
				   &u->out, err) ? -1 : 0;
}

static int run_roll(cli_call *c, at_error *err) { return in_door(c, f_roll, "", err); }
static int run_intake(cli_call *c, at_error *err) { return in_door(c, f_intake, "", err); }
static int run_holds(cli_call *c, at_error *err) { return in_door(c, f_holds, "", err); }
static int run_decide(cli_call *c, at_error *err) { return in_door(c, f_decide, "", err); }
static int run_forwarding(cli_call *c, at_error *err) { return in_door(c, f_forwarding, "", err); }
static int run_double(cli_call *c, at_error *err) { return in_door(c, f_double, "", err); }

static int run_person(cli_call *c, at_error *err)
{
	return in_door(c, f_person, c->a->positional[0], err);
}

static int run_document(cli_call *c, at_error *err)
{
	const char *no = c->a->positional[1];
	return in_door(c, f_document, text_is_digits(no, 10) ? no : "", err);
}

static int run_employer(cli_call *c, at_error *err) { return in_door(c, f_employer, "", err); }

static int run_assess(cli_call *c, at_error *err)
{
	long long chunk = TAX_ASSESS_CHUNK;
	const tax_law *law = tax_law_shared(err);
	if (!law || flag_ll(c->a, "chunk", 1, 100000, false, &chunk, err))
		return -1;
	json_t *out = NULL;
	if (tax_assess(c->s, c->kr, &c->ctx, law, T.fiscal_year, (int)chunk, &out, err))
		return cli_refused(c, "", err);
	cli_print_json(out);
	json_decref(out);
	return 0;
}

static int run_reassess(cli_call *c, at_error *err)
{
	const tax_law *law = tax_law_shared(err);
	if (!law)
		return -1;
	json_t *out = NULL;
	if (tax_reassess(c->s, c->kr, &c->ctx, law, T.fiscal_year, date_today(), 0, &out, err))
		return cli_refused(c, "", err);
	cli_print_json(out);
	json_decref(out);
	return 0;
}

/* ---- The command table ------------------------------------------------------------ */

#define TAX_FLAGS CLI_SESSION_FLAGS, {"fiscal-year", true}

static const arg_spec spec_none[] = {{NULL, false}};
static const arg_spec spec_schedule[] = {{"method", true},       {"annual", true},
					 {"fiscal-year", true},  {"municipality", true},
					 {"previous-annual", true}, {NULL, false}};
static const arg_spec spec_plain[] = {TAX_FLAGS, {NULL, false}};
static const arg_spec spec_intake[] = {TAX_FLAGS, {"kind", true}, {"file", true},
				       {NULL, false}};
static const arg_spec spec_decide[] = {TAX_FLAGS, {"file", true}, {NULL, false}};
static const arg_spec spec_assess[] = {TAX_FLAGS, {"chunk", true}, {NULL, false}};
static const arg_spec spec_doc[] = {TAX_FLAGS, {"out", true}, {NULL, false}};
static const arg_spec spec_page[] = {TAX_FLAGS, {"after", true}, {"limit", true}, {NULL, false}};
static const arg_spec spec_emp[] = {TAX_FLAGS, {"out", true}, {"after", true}, {"limit", true},
				    {NULL, false}};

#define TB TAX_BUSINESS
const module_command tax_commands[] = {
	{"compute", "one computation, every step as JSON: < CASE.json",
	 "usage: atena tax compute < CASE.json\n\n"
		     "Computes one taxpayer's individual resident tax and prints every step as JSON.\n"
		     "The case's keys are in docs/tax.md (fiscal_year, municipality, taxpayer, spouse,\n"
		     "dependants). A malformed case exits 2 with {\"error\":{...,\"field\":...}}.",
	 spec_none, 0, NULL, 0, NULL, run_compute, NULL, NULL},
	{"schedule", "installments: --method M --annual N --fiscal-year Y --municipality CODE",
	 "usage: atena tax schedule --method special|ordinary|pension --annual N\n"
		     "                          --fiscal-year Y --municipality CODE [--previous-annual N]\n\n"
		     "Prints the installments as JSON [{\"month\":\"2025-06\",\"amount\":...},...]:\n"
		     "special = 12 months June..May, the odd hundreds in June (地方税法321条の5);\n"
		     "ordinary = June, August, October, January with the municipality's rounding;\n"
		     "pension = 仮徴収 April/June/August and 本徴収 October/December/February\n"
		     "(--previous-annual: last year's pension-part tax; 0 or absent = first year).",
	 spec_schedule, 0, NULL, 0, NULL, run_schedule, NULL, NULL},
	{"law", "the law data built in",
	 "usage: atena tax law\n\nPrints the fiscal years and municipalities whose law data is built in.",
	 spec_none, 0, NULL, 0, NULL, run_law, NULL, NULL},
	{"roll", "the roll of persons to tax on January 1", 
	 "usage: atena tax roll --fiscal-year Y --as STAFF --reason TEXT\n\n"
	 "Builds the roll of persons to tax on January 1 of Y from the resident register\n"
	 "(each person read is audited). Idempotent.",
	 spec_plain, 0, TB, DOOR_WRITE, prepare, run_roll, release, NULL},
	{"intake", "load and match a file of source documents", 
	 "usage: atena tax intake --fiscal-year Y --kind salary|pension|return|onestop --file F\n"
	 "                        --as STAFF --reason TEXT\n\n"
	 "Loads a file of source documents (layouts in docs/tax-layouts.md), matches each to a\n"
	 "person (名寄せ), holds mismatches, forwards documents of non-residents (回送).\n"
	 "One bad record refuses the whole file. Loading the same file twice changes nothing.",
	 spec_intake, 0, TB, DOOR_WRITE, prepare, run_intake, release, NULL},
	{"holds", "documents held for identity confirmation", 
	 "usage: atena tax holds --fiscal-year Y [--after DOC_ID] [--limit N] --as STAFF --reason TEXT\n\n"
	 "Lists documents held for identity confirmation or inquiry, 1,000 at most a page;\n"
	 "\"truncated\": true says more follow: pass \"next_after\" as --after for the next page.",
	 spec_page, 0, TB, DOOR_READ, prepare, run_holds, release, NULL},
	{"decide", "decide a held document: DOC_ID --file DECISION.json", 
	 "usage: atena tax decide DOC_ID --file DECISION.json --as STAFF --reason TEXT\n\n"
	 "Decides a held document: {\"action\":\"confirm\",\"addressee_no\":\"...\"},\n"
	 "{\"action\":\"nonresident\",\"kind\":\"deemed\"|\"house\"}, {\"action\":\"forward\",\n"
	 "\"destination\":\"131075\"} or {\"action\":\"reject\"}.",
	 spec_decide, 1, TB, DOOR_WRITE, prepare, run_decide, release, NULL},
	{"forwarding", "the forwarding log (回送)", 
	 "usage: atena tax forwarding --fiscal-year Y [--after SEQ] [--limit N] --as STAFF --reason TEXT\n\n"
	 "The forwarding log (回送): only the log is kept, never the document. 10,000 rows at most\n"
	 "a page; \"truncated\": true says more follow: pass \"next_after\" as --after.",
	 spec_page, 0, TB, DOOR_READ, prepare, run_forwarding, release, NULL},
	{"double-dependants", "relatives claimed by more than one taxpayer", 
	 "usage: atena tax double-dependants --fiscal-year Y --as STAFF --reason TEXT\n\n"
	 "Relatives claimed as dependants or spouse by more than one taxpayer (二重扶養).",
	 spec_plain, 0, TB, DOOR_READ, prepare, run_double, release, NULL},
	{"assess", "the annual batch, in committed chunks", 
	 "usage: atena tax assess --fiscal-year Y [--chunk N] --as STAFF --reason TEXT\n\n"
	 "The annual batch: assesses every person on the roll not yet assessed, in chunks of N\n"
	 "(default 2000) each committed on its own; rerun after a crash to continue, or after\n"
	 "registering a 住登外 taxpayer to assess them (and nobody twice).",
	 spec_assess, 0, TB, 0, prepare, run_assess, release, NULL},
	{"reassess", "corrections (更正) of changed persons", 
	 "usage: atena tax reassess --fiscal-year Y --as STAFF --reason TEXT\n\n"
	 "Corrections (更正): re-assesses every person whose documents changed after assessment,\n"
	 "10,000 a committed chunk, keeping the old version and recording the difference and\n"
	 "the revised schedule. Once the year's batch has run, a person on the roll with no\n"
	 "assessment yet (a 住登外 taxpayer registered since) gets their first one (\"assessed\").",
	 spec_plain, 0, TB, 0, prepare, run_reassess, release, NULL},
	{"person", "every assessment version of a person: ADDRESSEE_NO", 
	 "usage: atena tax person ADDRESSEE_NO --fiscal-year Y --as STAFF --reason TEXT\n\n"
	 "Every assessment version of the person with its explanation and documents.",
	 spec_plain, 1, TB, DOOR_READ, prepare, run_person, release, NULL},
	{"document", "a notice or certificate: KIND ADDRESSEE_NO [--out FILE.pdf]", 
	 "usage: atena tax document KIND ADDRESSEE_NO --fiscal-year Y [--out FILE.pdf]\n"
	 "                          --as STAFF --reason TEXT\n\n"
	 "KIND: tax_decision (税額決定・納税通知書), special_collection_employee,\n"
	 "tax_certificate (課税・所得証明書). JSON, or a PDF with --out (a new file, mode 0600).",
	 spec_doc, 2, TB, DOOR_READ, prepare, run_document, release, NULL},
	{"employer-notice", "an employer's special-collection notice: PAYER_ID", 
	 "usage: atena tax employer-notice PAYER_ID --fiscal-year Y [--out FILE.pdf]\n"
	 "                                 [--after ADDRESSEE_NO] [--limit N] --as STAFF --reason TEXT\n\n"
	 "The special-collection notice for an employer (特別徴収税額の決定通知書), 10,000\n"
	 "employees a sheet; \"sheet\": {\"continues\": true} says another follows: pass its\n"
	 "\"next_after\" as --after.",
	 spec_emp, 1, TB, DOOR_READ, prepare, run_employer, release, NULL},
	{NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL},
};
