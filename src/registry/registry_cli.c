/*
 * registry_cli.c — `atena registry`: the resident register at the console:
 * change events, views, search, support measures, certificates, the outbox
 * and four-eyes.
 *
 * Every command acts as a named staff member under business
 * resident_register (cli/cli.h: the session, --reason, --case); its one unit
 * of work goes through cli_unit, so a refusal is audited with its subject
 * exactly as over HTTP (module/unit.h). Output is pretty JSON on stdout.
 * Exit status: 0 done, 1 refused or failed (code and field on stderr), 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "registry/registry.h"
#include "registry/registry_module.h"

/* Per-command state prepared before logging in (one command per process). */
typedef struct prep {
	json_t *body;      /* --file contents, or search's criteria built from its flags */
	cli_out out;       /* certificate --out */
	long long after, limit, id;
} prep;

static prep P = {NULL, CLI_OUT_NONE, 0, REGISTRY_OUTBOX_DEFAULT, 0};

/* ---- Reading inputs ------------------------------------------------------ */

/* The JSON object in PATH ("-": stdin), at most JV_MAX_BODY bytes.
 * 2 unreadable (usage), 1 not a JSON object (refused, err set), 0 ok. */
static int read_json_file(const char *cmd, const char *path, json_t **out, at_error *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "atena %s: cannot read --file %s: %s\n", cmd, path, strerror(errno));
		return 2;
	}
	strbuf b = STRBUF_INIT;
	sb_init(&b);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= JV_MAX_BODY)
		sb_add(&b, chunk, n);
	bool bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad) {
		sb_release(&b);
		fprintf(stderr, "atena %s: cannot read --file %s\n", cmd, path);
		return 2;
	}
	if (b.len > JV_MAX_BODY) {
		sb_release(&b);
		at_fail(err, 413, AT_E_TOO_LARGE, "--file", "--file is larger than %u bytes",
			JV_MAX_BODY);
		return 1;
	}
	*out = jv_parse_object(b.buf, b.len, err);
	sb_release(&b);
	if (!*out) {
		if (!err->field[0])
			snprintf(err->field, sizeof err->field, "--file");
		return 1;
	}
	return 0;
}

static bool ten_digits(const char *s)
{
	return s && text_is_digits(s, 10);
}

/* A whole number in [min, max] from a flag; 2 (usage) naming it otherwise. */
static int flag_int(const char *cmd, const args *a, const char *name, long long min,
		    long long max, long long *out)
{
	const char *v = args_get(a, name);
	if (!v)
		return 0;
	char *end = NULL;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end || errno || x < min || x > max || (v[0] == '0' && v[1]) || v[0] == '+' ||
	    v[0] == '-') {
		fprintf(stderr, "atena %s: --%s must be a whole number from %lld to %lld\n", cmd,
			name, min, max);
		return 2;
	}
	*out = x;
	return 0;
}

/* ---- Units of work ------------------------------------------------------------ */

/* One command's unit: fn fills out inside the door; printed after the commit. */
typedef struct reg_unit {
	cli_call *c;
	const char *key;   /* the positional argument */
	json_t *out;
	int rc;            /* registry_event's: 1 held for four-eyes */
} reg_unit;

static int print_unit(cli_call *c, const char *subject, unit_fn fn, at_error *err)
{
	reg_unit u = {c, c->a->positional[0], NULL, 0};
	if (cli_unit(c, subject, fn, &u, err)) {
		json_decref(u.out);
		return -1;
	}
	if (u.rc == 1)
		fprintf(stderr, "atena %s: held for a second person (four-eyes): another staff member "
			"approves it with atena registry approve %lld\n",
			c->cmd, (long long)json_integer_value(json_object_get(u.out, "pending_id")));
	cli_print_json(u.out);
	json_decref(u.out);
	return 0;
}

/* Whom the command is about: its ADDRESSEE_NO, or the body's addressee_no. */
static const char *body_subject(void)
{
	const char *b = json_string_value(json_object_get(P.body, "addressee_no"));
	return ten_digits(b) ? b : "";
}

static int f_event(door *d, void *arg, at_error *err)
{
	reg_unit *u = arg;
	u->rc = registry_event(d, u->key, P.body, &u->out, err);
	return u->rc < 0 ? -1 : 0;
}

static int run_event(cli_call *c, at_error *err)
{
	return print_unit(c, body_subject(), f_event, err);
}

static int f_person(door *d, void *arg, at_error *err)
{
	reg_unit *u = arg;
	return registry_person(d, u->key, &u->out, err);
}

static int f_history(door *d, void *arg, at_error *err)
{
	reg_unit *u = arg;
	return registry_person_history(d, u->key, &u->out, err);
}

static int f_household(door *d, void *arg, at_error *err)
{
	reg_unit *u = arg;
	return registry_household(d, u->key, &u->out, err);
}

static int run_person(cli_call *c, at_error *err)
{
	return print_unit(c, c->a->positional[0], f_person, err);
}

static int run_history(cli_call *c, at_error *err)
{
	return print_unit(c, c->a->positional[0], f_history, err);
}

static int run_household(cli_call *c, at_error *err)
{
	return print_unit(c, "", f_household, err);
}

static int f_search(door *d, void *arg, at_error *err)
{
	reg_unit *u = arg;
	return registry_search(d, P.body, &u->out, err);
}

static int run_search(cli_call *c, at_error *err)
{
	/* P.body: the criteria, built from the flags before login (prepare). */
	return print_unit(c, body_subject(), f_search, err);
}

static int f_support(door *d, void *arg, at_error *err)
{
	reg_unit *u = arg;
	bool on = args_has(u->c->a, "on");
	if (registry_support_measure(d, u->key, on, err))
		return -1;
	u->out = json_pack("{s:s,s:b}", "addressee_no", u->key, "support_measure", on);
	return u->out ? 0 : at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
}

static int run_support(cli_call *c, at_error *err)
{
	return print_unit(c, c->a->positional[0], f_support, err);
}

typedef struct cert_unit {
	json_t *cert;
	strbuf pdf;
} cert_unit;

static int f_certificate(door *d, void *arg, at_error *err)
{
	cert_unit *u = arg;
	if (registry_certificate(d, P.body, &u->cert, err))
		return -1;
	return cli_out_render(&P.out, u->cert, &u->pdf, err);
}

static int run_certificate(cli_call *c, at_error *err)
{
	cert_unit u = {NULL, STRBUF_INIT};
	sb_init(&u.pdf);
	int rc = cli_unit(c, body_subject(), f_certificate, &u, err);
	if (rc == 0)
		rc = cli_out_print(&P.out, &u.cert, &u.pdf, err);
	json_decref(u.cert);
	sb_release(&u.pdf);
	return rc;
}

static int f_outbox(door *d, void *arg, at_error *err)
{
	reg_unit *u = arg;
	return registry_outbox_page(d, P.after, P.limit, &u->out, err);
}

static int run_outbox(cli_call *c, at_error *err)
{
	return print_unit(c, "", f_outbox, err);
}

static int f_pending(door *d, void *arg, at_error *err)
{
	reg_unit *u = arg;
	json_t *list = NULL;
	if (door_pending_list(d, &list, err)) {
		json_decref(list);
		return -1;
	}
	u->out = json_pack("{s:o}", "pending", list);
	return 0;
}

static int run_pending(cli_call *c, at_error *err)
{
	return print_unit(c, "", f_pending, err);
}

static int f_decide(door *d, void *arg, at_error *err)
{
	reg_unit *u = arg;
	bool approve = !strcmp(u->c->entry->name, "approve");
	const char *note = args_get(u->c->a, "note");
	if (registry_pending_decide(d, P.id, approve, note ? note : "", err))
		return -1;
	u->out = json_pack("{s:I,s:s}", "pending_id", (json_int_t)P.id, "decision",
			   approve ? "approved" : "rejected");
	return 0;
}

static int run_decide(cli_call *c, at_error *err)
{
	/* As over HTTP: the unit names the change's person in its refusals. */
	char subject[65];
	if (door_pending_subject(c->s, P.id, subject, sizeof subject, err))
		return -1;
	return print_unit(c, subject, f_decide, err);
}

/* ---- Checks before login -------------------------------------------------------- */

/* Search flags and the criteria they set. */
static const struct {
	const char *flag, *key;
} search_map[] = {
	{"name", "name"},
	{"name-kana", "name_kana"},
	{"birth-date", "birth_date"},
	{"address", "address"},
	{"household", "household_no"},
	{"addressee", "addressee_no"},
	{"my-number", "my_number"},
	{"resident-code", "resident_code"},
};
#define NSEARCH (sizeof search_map / sizeof search_map[0])


static int prep_event(cli_call *c, at_error *err)
{
	if (!registry_event_type_find(c->a->positional[0]))
		return cli_usage(c->cmd, "unknown event type %s", c->a->positional[0]);
	const char *f = args_need(c->a, c->cmd, "file");
	return f ? read_json_file(c->cmd, f, &P.body, err) : 2;
}

static int prep_addressee(cli_call *c, at_error *err)
{
	(void)err;
	const char *p0 = c->a->positional[0];
	if (!ten_digits(p0))
		return cli_usage(c->cmd, "ADDRESSEE_NO must be exactly 10 digits (got %s)", p0);
	return 0;
}

static int prep_household(cli_call *c, at_error *err)
{
	(void)err;
	const char *p0 = c->a->positional[0];
	if (!ten_digits(p0))
		return cli_usage(c->cmd, "HOUSEHOLD_NO must be exactly 10 digits (got %s)", p0);
	return 0;
}

static int prep_support(cli_call *c, at_error *err)
{
	if (prep_addressee(c, err))
		return 2;
	if (args_has(c->a, "on") == args_has(c->a, "off"))
		return cli_usage(c->cmd, "give exactly one of --on and --off");
	return 0;
}

static int prep_decide(cli_call *c, at_error *err)
{
	(void)err;
	const char *p0 = c->a->positional[0];
	char *end = NULL;
	errno = 0;
	long long id = strtoll(p0, &end, 10);
	if (!*p0 || *end || errno || id < 1 || p0[0] == '+' || p0[0] == '-')
		return cli_usage(c->cmd, "PENDING_ID must be a positive whole number (got %s)", p0);
	P.id = id;
	return 0;
}

static int prep_search(cli_call *c, at_error *err)
{
	(void)err;
	const args *a = c->a;
	long long limit = 0;
	if (flag_int(c->cmd, a, "limit", 1, DOOR_FIND_MAX, &limit))
		return 2;
	P.body = json_object();
	size_t given = 0;
	for (size_t i = 0; i < NSEARCH; i++) {
		const char *v = args_get(a, search_map[i].flag);
		if (!v)
			continue;
		if (text_check(v, search_map[i].flag, 256, false, 0, NULL))
			return cli_usage(c->cmd, "--%s must be 1 to 256 characters of text",
					 search_map[i].flag);
		json_object_set_new(P.body, search_map[i].key, json_string(v));
		given++;
	}
	if (!given)
		return cli_usage(c->cmd, "give at least one criterion (--name, --name-kana, "
				 "--birth-date, --address, --household, --addressee, --my-number, "
				 "--resident-code)");
	if (args_has(a, "include-removed"))
		json_object_set_new(P.body, "include_removed", json_true());
	if (limit)
		json_object_set_new(P.body, "limit", json_integer((json_int_t)limit));
	/* The page after this addressee number (a cut result's next_after). */
	if (args_get(a, "after"))
		json_object_set_new(P.body, "after", json_string(args_get(a, "after")));
	return 0;
}

static int prep_outbox(cli_call *c, at_error *err)
{
	(void)err;
	if (flag_int(c->cmd, c->a, "after", 0, (long long)1 << 53, &P.after) ||
	    flag_int(c->cmd, c->a, "limit", 1, REGISTRY_OUTBOX_MAX, &P.limit))
		return 2;
	return 0;
}

static int prep_certificate(cli_call *c, at_error *err)
{
	const char *f = args_need(c->a, c->cmd, "file");
	if (!f)
		return 2;
	/* Opened now, before anything is issued. */
	if (cli_out_open(&P.out, c->cmd, args_get(c->a, "out")))
		return 2;
	return read_json_file(c->cmd, f, &P.body, err);
}

static void release(cli_call *c)
{
	(void)c;
	json_decref(P.body);
	P.body = NULL;
	cli_out_discard(&P.out);   /* nothing was written: remove the empty file */
}

/* The event types, from the register's one table. */
static void event_types_help(FILE *f)
{
	fputs("\nevent types:\n", f);
	for (const registry_event_type *t = registry_event_types; t->name; t++)
		fprintf(f, "  %-22s %s\n", t->name, t->label);
}

/* ---- The command table ------------------------------------------------------ */

static const arg_spec spec_event[] = {CLI_SESSION_FLAGS, {"file", true}, {NULL, false}};
static const arg_spec spec_plain[] = {CLI_SESSION_FLAGS, {NULL, false}};
static const arg_spec spec_search[] = {
	CLI_SESSION_FLAGS, {"name", true}, {"name-kana", true}, {"birth-date", true},
	{"address", true}, {"household", true}, {"addressee", true}, {"my-number", true},
	{"resident-code", true}, {"include-removed", false}, {"limit", true}, {"after", true},
	{NULL, false}};
static const arg_spec spec_support[] = {CLI_SESSION_FLAGS, {"on", false}, {"off", false},
					{NULL, false}};
static const arg_spec spec_cert[] = {CLI_SESSION_FLAGS, {"file", true}, {"out", true},
				     {NULL, false}};
static const arg_spec spec_outbox[] = {CLI_SESSION_FLAGS, {"after", true}, {"limit", true},
				       {NULL, false}};
static const arg_spec spec_decide[] = {CLI_SESSION_FLAGS, {"note", true}, {NULL, false}};

#define RB REGISTRY_BUSINESS
const module_command registry_commands[] = {
	{"event", "apply a change event (異動): TYPE --file BODY.json|-",
	 "usage: atena registry event TYPE --file BODY.json|- --as STAFF --reason TEXT [--case ID]\n\n"
	 "Applies one change event (異動) of TYPE, one of the types listed below; the body's\n"
	 "shape per type is in docs/openapi.yaml. Ex officio acts are held for a second\n"
	 "person (pending_id).\n\n"
	 "example: ATENA_PASSWORD=... ATENA_TOTP=123456 atena registry event move_in \\\n"
	 "           --file tennyu.json --as clerk1 --reason '転入届の受付' --case R8-0001",
	 spec_event, 1, RB, DOOR_WRITE, prep_event, run_event, release, event_types_help},
	{"person", "the person's record: ADDRESSEE_NO",
	 "usage: atena registry person ADDRESSEE_NO --as STAFF --reason TEXT [--case ID]\n\n"
	 "Prints the person's current record (住民票) with their household.\n\n"
	 "example: atena registry person 0000012345 --as clerk1 --reason '住民票の写しの交付'",
	 spec_plain, 1, RB, DOOR_READ, prep_addressee, run_person, release, NULL},
	{"history", "every version of the person's record: ADDRESSEE_NO",
	 "usage: atena registry history ADDRESSEE_NO --as STAFF --reason TEXT [--case ID]\n\n"
	 "Prints every version of the person's record, oldest first.\n\n"
	 "example: atena registry history 0000012345 --as clerk1 --reason '異動履歴の確認'",
	 spec_plain, 1, RB, DOOR_READ, prep_addressee, run_history, release, NULL},
	{"household", "the household's members: HOUSEHOLD_NO",
	 "usage: atena registry household HOUSEHOLD_NO --as STAFF --reason TEXT [--case ID]\n\n"
	 "Prints the household's members, householder first.\n\n"
	 "example: atena registry household 0000000042 --as clerk1 --reason '世帯員の確認'",
	 spec_plain, 1, RB, DOOR_READ, prep_household, run_household, release, NULL},
	{"search", "find residents: --name, --name-kana, --birth-date, ...",
	 "usage: atena registry search [--name NAME] [--name-kana KANA] [--birth-date YYYY-MM-DD]\n"
	 "                             [--address PREFIX] [--household NO] [--addressee NO]\n"
	 "                             [--my-number NO] [--resident-code NO] [--include-removed]\n"
	 "                             [--limit N] [--after ADDRESSEE_NO] --as STAFF --reason TEXT\n"
	 "                             [--case ID]\n\n"
	 "Finds residents; several criteria intersect. --name-kana matches a prefix in any kana\n"
	 "form (hiragana, katakana, half-width). Each result shows the list's items only (no My\n"
	 "Number, no 住民票コード), in addressee-number order. --limit 1..500; a cut result says\n"
	 "truncated and next_after: pass it as --after for the next page.\n\n"
	 "example: atena registry search --name-kana めぐろ --as clerk1 --reason '転入届の受付'",
	 spec_search, 0, RB, DOOR_READ, prep_search, run_search, release, NULL},
	{"support-measure", "set or clear a support measure: ADDRESSEE_NO --on|--off",
	 "usage: atena registry support-measure ADDRESSEE_NO --on|--off --as STAFF --reason TEXT\n\n"
	 "Sets or clears a support measure (支援措置, DV/stalking). While set, every view of the\n"
	 "record raises an alert in the audit log and third-party certificates are refused.\n\n"
	 "example: atena registry support-measure 0000012345 --on --as clerk1 --reason '支援措置申出'",
	 spec_support, 1, RB, DOOR_WRITE, prep_support, run_support, release, NULL},
	{"certificate", "issue a certificate: --file REQUEST.json [--out FILE.pdf]",
	 "usage: atena registry certificate --file REQUEST.json|- [--out FILE.pdf]\n"
	 "                                  --as STAFF --reason TEXT [--case ID]\n\n"
	 "Issues a certificate (住民票の写し, 除票の写し, 記載事項証明書). Without --out, prints\n"
	 "its data as JSON; with --out, writes the PDF (a new file, mode 0600) and prints a summary.\n"
	 "Needs an update grant for resident_register: a view grant looks records up but issues\n"
	 "nothing (docs/security.md, Certificates).\n"
	 "REQUEST: {\"kind\":\"juminhyo\",\"addressee_no\":\"...\",\"members\":\"all\",\n"
	 "          \"requester\":{\"relation\":\"self\",\"name\":\"...\"},\"purpose\":\"...\"}\n\n"
	 "example: atena registry certificate --file req.json --out juminhyo.pdf --as clerk1 \\\n"
	 "           --reason '住民票の写しの交付'",
	 /* an update grant, as the route's (registry_routes.c) */
	 spec_cert, 0, RB, DOOR_WRITE, prep_certificate, run_certificate, release, NULL},
	{"outbox", "change notifications: [--after SEQ] [--limit N]",
	 "usage: atena registry outbox [--after SEQ] [--limit N] --as STAFF --reason TEXT\n\n"
	 "Prints change notifications after SEQ, oldest first (at most N, 1..1000, default 100).\n\n"
	 "example: atena registry outbox --after 120 --as clerk1 --reason '異動通知の確認'",
	 spec_outbox, 0, RB, DOOR_READ, prep_outbox, run_outbox, release, NULL},
	{"pending", "changes held for a second person",
	 "usage: atena registry pending --as STAFF --reason TEXT\n\n"
	 "Lists changes held for a second person (four-eyes); needs an update grant.\n\n"
	 "example: atena registry pending --as clerk2 --reason '職権修正の確認'",
	 spec_plain, 0, RB, DOOR_WRITE, NULL, run_pending, release, NULL},
	{"approve", "approve a held change: PENDING_ID [--note TEXT]",
	 "usage: atena registry approve PENDING_ID [--note TEXT] --as STAFF --reason TEXT\n\n"
	 "Approves a held change; the maker cannot approve their own.\n\n"
	 "example: atena registry approve 7 --note '申出書と照合' --as clerk2 --reason '職権修正の確認'",
	 spec_decide, 1, RB, DOOR_WRITE, prep_decide, run_decide, release, NULL},
	{"reject", "reject a held change: PENDING_ID [--note TEXT]",
	 "usage: atena registry reject PENDING_ID [--note TEXT] --as STAFF --reason TEXT\n\n"
	 "Rejects a held change; the record stays as it was.\n\n"
	 "example: atena registry reject 7 --note '根拠資料なし' --as clerk2 --reason '職権修正の確認'",
	 spec_decide, 1, RB, DOOR_WRITE, prep_decide, run_decide, release, NULL},
	{NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL},
};
