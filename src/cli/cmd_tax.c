/*
 * atena tax — the individual resident tax (個人住民税) at the console.
 *
 * Pure computations need no login and no database:
 *   atena tax compute < case.json            one case → its breakdown (JSON)
 *   atena tax schedule --method special|ordinary --annual N --fiscal-year Y
 *                      --municipality CODE   the installments
 *   atena tax law                             the law data built in
 * A malformed case or flag exits 2 with {"error":{code,field,message}} on stdout.
 *
 * Everything else acts as a staff member with both factors under business
 * individual_resident_tax, like `atena registry` (--as, $ATENA_PASSWORD,
 * $ATENA_TOTP, --reason, --case), and is audited.
 * Exit status: 0 done, 1 refused or failed, 2 usage or malformed input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "core/date.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "documents/documents.h"
#include "policy/door.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "registry/registry.h"
#include "tax/engine.h"
#include "tax/law.h"
#include "tax/schedule.h"
#include "tax/tax.h"

#define TAX_FILE_MAX ((size_t)2 << 30)   /* an intake file larger than 2 GiB is refused */

static void print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (s) {
		puts(s);
		free(s);
	}
}

/* Malformed input of a pure command: the error as JSON on stdout, exit 2. */
static int input_error(const at_error *err)
{
	json_t *e = jv_error_body(err);
	print_json(e);
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

static int tax_compute_cmd(int argc, char **argv)
{
	static const arg_spec spec[] = {{NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		puts("usage: atena tax compute < CASE.json\n\n"
		     "Computes one taxpayer's individual resident tax and prints every step as JSON.\n"
		     "The case's keys are in docs/tax.md (fiscal_year, municipality, taxpayer, spouse,\n"
		     "dependants). A malformed case exits 2 with {\"error\":{...,\"field\":...}}.");
		return 0;
	}
	at_error err;
	at_error_clear(&err);
	strbuf in = STRBUF_INIT;
	sb_init(&in);
	int rr = read_all(stdin, JV_MAX_BODY, &in);
	if (rr) {
		sb_release(&in);
		at_fail(&err, rr > 0 ? 413 : 400, rr > 0 ? AT_E_TOO_LARGE : AT_E_INVALID, "",
			rr > 0 ? "the case is larger than 1 MiB" : "cannot read standard input");
		return input_error(&err);
	}
	json_t *j = jv_parse_object(in.buf ? in.buf : "", in.len, &err);
	sb_release(&in);
	if (!j)
		return input_error(&err);
	tax_case c;
	tax_law *law = NULL;
	tax_result r;
	int rc = 2;
	if (tax_case_from_json(j, &c, &err) || tax_law_load_builtin(&law, &err) ||
	    tax_compute(law, &c, &r, &err)) {
		rc = input_error(&err);
	} else {
		json_t *out = tax_result_to_json(law, &c, &r);
		print_json(out);
		json_decref(out);
		rc = 0;
	}
	json_decref(j);
	tax_law_free(law);
	return rc;
}

static int tax_schedule_cmd(int argc, char **argv)
{
	static const arg_spec spec[] = {{"method", true},
					{"annual", true},
					{"fiscal-year", true},
					{"municipality", true},
					{"previous-annual", true},
					{NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		puts("usage: atena tax schedule --method special|ordinary|pension --annual N\n"
		     "                          --fiscal-year Y --municipality CODE [--previous-annual N]\n\n"
		     "Prints the installments as JSON [{\"month\":\"2025-06\",\"amount\":...},...]:\n"
		     "special = 12 months June..May, the odd hundreds in June (地方税法321条の5);\n"
		     "ordinary = June, August, October, January with the municipality's rounding;\n"
		     "pension = 仮徴収 April/June/August and 本徴収 October/December/February\n"
		     "(--previous-annual: last year's pension-part tax; 0 or absent = first year).");
		return 0;
	}
	at_error err;
	at_error_clear(&err);
	long long annual = 0, fy = 0, prev = 0;
	const char *method = args_get(&a, "method"), *muni = args_get(&a, "municipality");
	tax_law *law = NULL;
	int rc = 2;
	if (!method || (strcmp(method, "special") && strcmp(method, "ordinary") &&
			strcmp(method, "pension"))) {
		at_fail(&err, 400, AT_E_INVALID, "--method", "--method must be special, ordinary or pension");
		return input_error(&err);
	}
	if (flag_ll(&a, "annual", 0, TAX_ANNUAL_MAX, true, &annual, &err) ||
	    flag_ll(&a, "fiscal-year", 2000, 2100, true, &fy, &err) ||
	    flag_ll(&a, "previous-annual", 0, TAX_ANNUAL_MAX, false, &prev, &err))
		return input_error(&err);
	if (!muni) {
		at_fail(&err, 400, AT_E_MISSING, "--municipality", "--municipality is required");
		return input_error(&err);
	}
	if (tax_law_load_builtin(&law, &err))
		return input_error(&err);
	if (!tax_law_has_municipality(law, muni)) {
		at_fail(&err, 400, AT_E_INVALID, "--municipality",
			"no tax data for municipality %s", muni);
		rc = input_error(&err);
		goto out;
	}
	if (!tax_law_has_year(law, (int)fy)) {
		at_fail(&err, 400, AT_E_INVALID, "--fiscal-year", "no tax law data for fiscal year %lld",
			fy);
		rc = input_error(&err);
		goto out;
	}
	tax_installment inst[TAX_SCHEDULE_MAX];
	size_t n = 0;
	int64_t unit = tax_law_installment_unit(law, muni), excess = 0;
	int r = !strcmp(method, "special")
			? tax_schedule_special(annual, (int)fy, inst, &err)
		: !strcmp(method, "ordinary")
			? tax_schedule_ordinary(annual, (int)fy, unit, inst, &err)
			: tax_schedule_pension(annual, prev, (int)fy, unit, inst, &n, &excess, &err);
	if (r) {
		rc = input_error(&err);
		goto out;
	}
	if (!strcmp(method, "special"))
		n = 12;
	else if (!strcmp(method, "ordinary"))
		n = 4;
	json_t *out = tax_schedule_to_json(inst, n);
	print_json(out);
	json_decref(out);
	rc = 0;
out:
	tax_law_free(law);
	return rc;
}

static int tax_law_cmd(int argc, char **argv)
{
	static const arg_spec spec[] = {{NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		puts("usage: atena tax law\n\nPrints the fiscal years and municipalities whose law data is built in.");
		return 0;
	}
	at_error err;
	tax_law *law = NULL;
	if (tax_law_load_builtin(&law, &err)) {
		cli_error("tax law", &err);
		return 1;
	}
	json_t *d = tax_law_describe(law);
	print_json(d);
	json_decref(d);
	tax_law_free(law);
	return 0;
}

/* ---- Commands acting as a staff member ------------------------------------------ */

typedef struct tax_env {
	store *s;
	keyring *kr;
	tax_law *law;
	door_ctx ctx;
	int fiscal_year;
	const args *a;
	const char *cmd;
	strbuf input;          /* --file contents */
	int out_fd;            /* --out, opened exclusively; -1 none */
	const char *out_path;
} tax_env;

typedef int (*tax_fn)(tax_env *e, at_error *err);

/* A unit of work in one door: run fn(e, d, &out), commit, print. */
typedef int (*door_fn)(tax_env *e, door *d, json_t **out, at_error *err);


static int in_door(tax_env *e, door_mode mode, door_fn fn, at_error *err)
{
	door *d = NULL;
	if (door_open_owner(e->s, e->kr, &e->ctx, mode, &tax_owner, &d, err))
		return -1;
	json_t *out = NULL;
	if (fn(e, d, &out, err)) {
		door_abort(d);
		json_decref(out);
		return -1;
	}
	/* A document asked for as PDF: rendered before the commit, so a notice
	 * that could not be produced is not recorded as issued. */
	strbuf pdf = STRBUF_INIT;
	sb_init(&pdf);
	if (e->out_fd >= 0) {
		int rendered = document_render_pdf(out, &pdf, err);
		documents_shutdown();
		if (rendered) {
			door_abort(d);
			json_decref(out);
			sb_release(&pdf);
			return -1;
		}
		json_t *summary = json_pack("{s:s,s:I,s:O*}", "file", e->out_path, "bytes",
					    (json_int_t)pdf.len, "kind", json_object_get(out, "kind"));
		json_decref(out);
		out = summary;
	}
	if (door_commit(d, err)) {
		json_decref(out);
		sb_release(&pdf);
		return -1;
	}
	if (e->out_fd >= 0) {
		int wr = cli_write_all(e->out_fd, pdf.buf, pdf.len);
		if (close(e->out_fd))
			wr = -1;
		e->out_fd = -1;
		if (wr) {
			unlink(e->out_path);
			sb_release(&pdf);
			json_decref(out);
			return at_fail(err, 500, AT_E_INTERNAL, "--out", "could not write %s",
				       e->out_path);
		}
	}
	sb_release(&pdf);
	print_json(out);
	json_decref(out);
	return 0;
}

static int f_roll(tax_env *e, door *d, json_t **out, at_error *err)
{
	return tax_roll_build(d, e->kr, e->fiscal_year, out, err);
}

static int f_intake(tax_env *e, door *d, json_t **out, at_error *err)
{
	tax_doc_kind k = tax_doc_kind_parse(args_get(e->a, "kind"));
	return tax_intake(d, e->kr, e->fiscal_year, k, e->input.buf ? e->input.buf : "",
			  e->input.len, out, err);
}

/* --after CURSOR --limit N of a list that pages (tax.h: tax_page). */
static int page_flags(tax_env *e, tax_page *pg, at_error *err)
{
	long long after = 0, limit = 0;
	if (flag_ll(e->a, "after", 0, INT64_MAX, false, &after, err) ||
	    flag_ll(e->a, "limit", 1, 100000, false, &limit, err))
		return -1;
	pg->after = after;
	pg->limit = limit;
	return 0;
}

static int f_holds(tax_env *e, door *d, json_t **out, at_error *err)
{
	tax_page pg;
	return page_flags(e, &pg, err) || tax_holds(d, e->fiscal_year, &pg, out, err) ? -1 : 0;
}

static int f_decide(tax_env *e, door *d, json_t **out, at_error *err)
{
	long long id = strtoll(e->a->positional[0], NULL, 10);
	json_t *dec = jv_parse_object(e->input.buf ? e->input.buf : "", e->input.len, err);
	if (!dec)
		return -1;
	int r = tax_hold_decide(d, e->kr, id, dec, out, err);
	json_decref(dec);
	return r;
}

static int f_forwarding(tax_env *e, door *d, json_t **out, at_error *err)
{
	tax_page pg;
	return page_flags(e, &pg, err) || tax_forwarding(d, e->fiscal_year, &pg, out, err) ? -1 : 0;
}

static int f_double(tax_env *e, door *d, json_t **out, at_error *err)
{
	json_t *l = NULL;
	if (tax_double_dependants(d, e->fiscal_year, &l, err))
		return -1;
	*out = json_pack("{s:o}", "double_dependants", l);
	return 0;
}

static int f_person(tax_env *e, door *d, json_t **out, at_error *err)
{
	return tax_person(d, e->kr, e->law, e->fiscal_year, e->a->positional[0], out, err);
}

static int f_document(tax_env *e, door *d, json_t **out, at_error *err)
{
	return tax_document(d, e->kr, e->law, e->fiscal_year, e->a->positional[1],
			    e->a->positional[0], out, err);
}

static int f_employer(tax_env *e, door *d, json_t **out, at_error *err)
{
	tax_page pg;
	return page_flags(e, &pg, err) ||
	       tax_employer_notice(d, e->kr, e->law, e->fiscal_year, e->a->positional[0], &pg, out,
				   err) ? -1 : 0;
}

static int run_roll(tax_env *e, at_error *err) { return in_door(e, DOOR_WRITE, f_roll, err); }
static int run_intake(tax_env *e, at_error *err) { return in_door(e, DOOR_WRITE, f_intake, err); }
static int run_holds(tax_env *e, at_error *err) { return in_door(e, DOOR_READ, f_holds, err); }
static int run_decide(tax_env *e, at_error *err) { return in_door(e, DOOR_WRITE, f_decide, err); }
static int run_forwarding(tax_env *e, at_error *err)
{
	return in_door(e, DOOR_READ, f_forwarding, err);
}
static int run_double(tax_env *e, at_error *err) { return in_door(e, DOOR_READ, f_double, err); }
static int run_person(tax_env *e, at_error *err) { return in_door(e, DOOR_READ, f_person, err); }
static int run_document(tax_env *e, at_error *err)
{
	return in_door(e, DOOR_READ, f_document, err);
}
static int run_employer(tax_env *e, at_error *err)
{
	return in_door(e, DOOR_READ, f_employer, err);
}

static int run_assess(tax_env *e, at_error *err)
{
	long long chunk = 2000;
	if (flag_ll(e->a, "chunk", 1, 100000, false, &chunk, err))
		return -1;
	json_t *out = NULL;
	if (tax_assess(e->s, e->kr, &e->ctx, e->law, e->fiscal_year, (int)chunk, &out, err))
		return -1;
	print_json(out);
	json_decref(out);
	return 0;
}

static int run_reassess(tax_env *e, at_error *err)
{
	json_t *out = NULL;
	if (tax_reassess(e->s, e->kr, &e->ctx, e->law, e->fiscal_year, date_today(), 0, &out, err))
		return -1;
	print_json(out);
	json_decref(out);
	return 0;
}

#define COMMON_FLAGS {"data", true}, {"as", true}, {"reason", true}, {"case", true}, \
		     {"fiscal-year", true}

typedef struct tsub {
	const char *name;
	int npos;
	bool needs_file;
	const arg_spec *spec;
	const char *help;
	tax_fn run;
} tsub;

static const arg_spec spec_plain[] = {COMMON_FLAGS, {NULL, false}};
static const arg_spec spec_page[] = {COMMON_FLAGS, {"after", true}, {"limit", true}, {NULL, false}};
static const arg_spec spec_intake[] = {COMMON_FLAGS, {"kind", true}, {"file", true},
				       {NULL, false}};
static const arg_spec spec_decide[] = {COMMON_FLAGS, {"file", true}, {NULL, false}};
static const arg_spec spec_assess[] = {COMMON_FLAGS, {"chunk", true}, {NULL, false}};
static const arg_spec spec_doc[] = {COMMON_FLAGS, {"out", true}, {NULL, false}};
static const arg_spec spec_emp[] = {COMMON_FLAGS, {"out", true}, {"after", true}, {"limit", true},
				    {NULL, false}};

static const tsub tsubs[] = {
	{"roll", 0, false, spec_plain,
	 "usage: atena tax roll --fiscal-year Y --as STAFF --reason TEXT\n\n"
	 "Builds the roll of persons to tax on January 1 of Y from the resident register\n"
	 "(each person read is audited). Idempotent.",
	 run_roll},
	{"intake", 0, true, spec_intake,
	 "usage: atena tax intake --fiscal-year Y --kind salary|pension|return|onestop --file F\n"
	 "                        --as STAFF --reason TEXT\n\n"
	 "Loads a file of source documents (layouts in docs/tax-layouts.md), matches each to a\n"
	 "person (名寄せ), holds mismatches, forwards documents of non-residents (回送).\n"
	 "One bad record refuses the whole file. Loading the same file twice changes nothing.",
	 run_intake},
	{"holds", 0, false, spec_page,
	 "usage: atena tax holds --fiscal-year Y [--after DOC_ID] [--limit N] --as STAFF --reason TEXT\n\n"
	 "Lists documents held for identity confirmation or inquiry, 1,000 at most a page;\n"
	 "\"truncated\": true says more follow: pass \"next_after\" as --after for the next page.",
	 run_holds},
	{"decide", 1, true, spec_decide,
	 "usage: atena tax decide DOC_ID --file DECISION.json --as STAFF --reason TEXT\n\n"
	 "Decides a held document: {\"action\":\"confirm\",\"addressee_no\":\"...\"},\n"
	 "{\"action\":\"nonresident\",\"kind\":\"deemed\"|\"house\"}, {\"action\":\"forward\",\n"
	 "\"destination\":\"131075\"} or {\"action\":\"reject\"}.",
	 run_decide},
	{"forwarding", 0, false, spec_page,
	 "usage: atena tax forwarding --fiscal-year Y [--after SEQ] [--limit N] --as STAFF --reason TEXT\n\n"
	 "The forwarding log (回送): only the log is kept, never the document. 10,000 rows at most\n"
	 "a page; \"truncated\": true says more follow: pass \"next_after\" as --after.",
	 run_forwarding},
	{"double-dependants", 0, false, spec_plain,
	 "usage: atena tax double-dependants --fiscal-year Y --as STAFF --reason TEXT\n\n"
	 "Relatives claimed as dependants or spouse by more than one taxpayer (二重扶養).",
	 run_double},
	{"assess", 0, false, spec_assess,
	 "usage: atena tax assess --fiscal-year Y [--chunk N] --as STAFF --reason TEXT\n\n"
	 "The annual batch: assesses every person on the roll not yet assessed, in chunks of N\n"
	 "(default 2000) each committed on its own; rerun after a crash to continue.",
	 run_assess},
	{"reassess", 0, false, spec_plain,
	 "usage: atena tax reassess --fiscal-year Y --as STAFF --reason TEXT\n\n"
	 "Corrections (更正): re-assesses persons whose documents changed after assessment,\n"
	 "keeping the old version and recording the difference and the revised schedule.",
	 run_reassess},
	{"person", 1, false, spec_plain,
	 "usage: atena tax person ADDRESSEE_NO --fiscal-year Y --as STAFF --reason TEXT\n\n"
	 "Every assessment version of the person with its explanation and documents.",
	 run_person},
	{"document", 2, false, spec_doc,
	 "usage: atena tax document KIND ADDRESSEE_NO --fiscal-year Y [--out FILE.pdf]\n"
	 "                          --as STAFF --reason TEXT\n\n"
	 "KIND: tax_decision (税額決定・納税通知書), special_collection_employee,\n"
	 "tax_certificate (課税・所得証明書). JSON, or a PDF with --out (a new file, mode 0600).",
	 run_document},
	{"employer-notice", 1, false, spec_emp,
	 "usage: atena tax employer-notice PAYER_ID --fiscal-year Y [--out FILE.pdf]\n"
	 "                                 [--after ADDRESSEE_NO] [--limit N] --as STAFF --reason TEXT\n\n"
	 "The special-collection notice for an employer (特別徴収税額の決定通知書), 10,000\n"
	 "employees a sheet; \"sheet\": {\"continues\": true} says another follows: pass its\n"
	 "\"next_after\" as --after.",
	 run_employer},
};
#define NTSUBS (sizeof tsubs / sizeof tsubs[0])

static void help_all(FILE *f)
{
	fputs("usage: atena tax COMMAND [arguments]\n\n"
	      "The individual resident tax (個人住民税). Without login:\n"
	      "  compute < CASE.json                 one computation, every step as JSON\n"
	      "  schedule --method M --annual N --fiscal-year Y --municipality CODE\n"
	      "  law                                 the law data built in\n"
	      "As a staff member (--as STAFF --reason TEXT [--case ID], $ATENA_PASSWORD, $ATENA_TOTP):\n"
	      "  roll | intake | holds | decide | forwarding | double-dependants | assess |\n"
	      "  reassess | person | document | employer-notice   (each with --fiscal-year Y)\n"
	      "See atena tax COMMAND --help.\n",
	      f);
}

static int run_tsub(const tsub *sc, const args *a, const char *cmd)
{
	at_error err;
	at_error_clear(&err);
	tax_env e = {.a = a, .cmd = cmd, .out_fd = -1};
	sb_init(&e.input);
	long long fy = 0;
	if (a->npos != sc->npos) {
		fprintf(stderr, "atena %s: expects %d argument(s) (see --help)\n", cmd, sc->npos);
		return 2;
	}
	if (flag_ll(a, "fiscal-year", 2000, 2100, true, &fy, &err)) {
		fprintf(stderr, "atena %s: %s\n", cmd, err.message);
		return 2;
	}
	e.fiscal_year = (int)fy;
	const char *as = args_need(a, cmd, "as"), *reason = args_need(a, cmd, "reason");
	if (!as || !reason)
		return 2;
	if (!strcmp(sc->name, "intake") && !tax_doc_kind_parse(args_get(a, "kind") ? args_get(a, "kind") : "")) {
		fprintf(stderr, "atena %s: --kind must be salary, pension, return or onestop\n", cmd);
		return 2;
	}
	if (!strcmp(sc->name, "decide")) {
		const char *p = a->positional[0];
		if (!text_is_digits(p, strlen(p)) || !*p || strlen(p) > 15) {
			fprintf(stderr, "atena %s: DOC_ID must be a whole number\n", cmd);
			return 2;
		}
	}
	if (!strcmp(sc->name, "person") && (strlen(a->positional[0]) != 10 ||
					   !text_is_digits(a->positional[0], 10))) {
		fprintf(stderr, "atena %s: ADDRESSEE_NO must be exactly 10 digits\n", cmd);
		return 2;
	}
	const char *pw = getenv("ATENA_PASSWORD"), *totp = getenv("ATENA_TOTP");
	const char *newpw = getenv("ATENA_NEW_PASSWORD");
	if (!pw || !*pw || !totp || !*totp) {
		fprintf(stderr, "atena %s: $ATENA_PASSWORD and $ATENA_TOTP must hold the password and "
				"the current one-time code of --as\n", cmd);
		return 2;
	}
	if (sc->needs_file) {
		const char *f = args_need(a, cmd, "file");
		if (!f)
			return 2;
		FILE *fp = strcmp(f, "-") ? fopen(f, "rb") : stdin;
		int rr = fp ? read_all(fp, TAX_FILE_MAX, &e.input) : -1;
		if (fp && fp != stdin)
			fclose(fp);
		if (rr) {
			fprintf(stderr, "atena %s: cannot read --file %s%s\n", cmd, f,
				rr > 0 ? " (larger than 2 GiB)" : "");
			sb_release(&e.input);
			return 2;
		}
	}
	const char *out = args_get(a, "out");
	if (out) {
		e.out_fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (e.out_fd < 0) {
			fprintf(stderr, "atena %s: cannot create --out %s: %s (it must not exist yet)\n",
				cmd, out, strerror(errno));
			sb_release(&e.input);
			return 2;
		}
		e.out_path = out;
	}
	strbuf tok = STRBUF_INIT;
	sb_init(&tok);
	int rc = 1;
	const char *dir = platform_default_dir(args_get(a, "data"));
	if (platform_open(dir, &e.s, &e.kr, &err) || registry_migrate(e.s, &err) ||
	    tax_migrate(e.s, &err) || tax_law_load_builtin(&e.law, &err)) {
		cli_error(cmd, &err);
		goto out;
	}
	staff_info who;
	memset(&who, 0, sizeof who);
	if (staff_login(e.s, e.kr, as, pw, totp, cli_terminal(), newpw && *newpw ? newpw : NULL,
			&tok, &who, &err)) {
		cli_error(cmd, &err);
		goto out;
	}
	e.ctx = (door_ctx){
		.staff_id = who.id, .department = who.department, .terminal_id = cli_terminal(),
		.business = TAX_BUSINESS, .reason = reason, .case_id = args_get(a, "case"),
	};
	if (sc->run(&e, &err))
		cli_error(cmd, &err);
	else
		rc = 0;
	at_error lerr;
	if (staff_logout(e.s, tok.buf, &lerr))
		fprintf(stderr, "atena %s: logout failed: %s\n", cmd, lerr.message);
out:
	if (e.out_fd >= 0) {
		close(e.out_fd);
		unlink(e.out_path);
	}
	sb_release(&e.input);
	sb_release(&tok);
	tax_law_free(e.law);
	store_close(e.s);
	keyring_free(e.kr);
	return rc;
}

int cmd_tax(int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : "";
	if (!*name || !strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		help_all(*name ? stdout : stderr);
		return *name ? 0 : 2;
	}
	if (!strcmp(name, "compute"))
		return tax_compute_cmd(argc - 1, argv + 1);
	if (!strcmp(name, "schedule"))
		return tax_schedule_cmd(argc - 1, argv + 1);
	if (!strcmp(name, "law"))
		return tax_law_cmd(argc - 1, argv + 1);
	const tsub *sc = NULL;
	for (size_t i = 0; i < NTSUBS; i++)
		if (!strcmp(tsubs[i].name, name))
			sc = &tsubs[i];
	if (!sc) {
		fprintf(stderr, "atena tax: unknown command %s (see atena tax --help)\n", name);
		return 2;
	}
	char cmd[48];
	snprintf(cmd, sizeof cmd, "tax %s", sc->name);
	args a;
	if (args_parse(argc - 1, argv + 1, sc->spec, &a))
		return 2;
	if (a.help) {
		puts(sc->help);
		return 0;
	}
	return run_tsub(sc, &a, cmd);
}
