/*
 * atena registry — the resident register at the console: change events,
 * views, search, support measures, certificates, the outbox and four-eyes.
 *
 * Unlike the administrator commands, every registry command acts as a named
 * staff member with both factors, exactly as over HTTP: --as STAFF, the
 * password in $ATENA_PASSWORD and the current one-time code in $ATENA_TOTP
 * (not flags, so they stay out of `ps` and shell history). It logs in
 * (staff_login, audited, terminal cli_terminal()), opens the door under
 * business resident_register with --reason and --case, does one unit of
 * work, and logs out. Output is pretty JSON on stdout.
 * Exit status: 0 done, 1 refused or failed (code and field on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "audit/audit.h"
#include "cli.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "documents/documents.h"
#include "policy/door.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "registry/registry.h"

#define OUTBOX_DEFAULT 100
#define OUTBOX_MAX 1000

/* The event types of registry.h, for a usage error before logging in. */
static const char *const event_types[] = {
	"move_in", "move_out_planned", "move_out_confirmed", "move_out_cancelled",
	"in_ward_move", "birth", "death", "household_change", "ex_officio_entry",
	"ex_officio_removal", "ex_officio_correction", "resident_code_change",
	"my_number_change", "foreign_status_change", NULL,
};

/* Flags every registry command takes (who, why, where). */
#define COMMON_FLAGS {"data", true}, {"as", true}, {"reason", true}, {"case", true}

#define COMMON_HELP \
	"Every registry command acts as a staff member with two factors, like the web:\n" \
	"  --as STAFF       the staff id (with a grant for business resident_register)\n" \
	"  --reason TEXT    why (recorded in the audit log with every access)\n" \
	"  --case ID        optional application or case number\n" \
	"  --data DIR       data directory (default $ATENA_DATA, then ./atena-data)\n" \
	"  $ATENA_PASSWORD  the staff member's password\n" \
	"  $ATENA_TOTP      the current one-time code (each code is accepted once)\n" \
	"  $ATENA_NEW_PASSWORD  only when the password must change (first login, expiry)\n" \
	"Output is JSON on stdout. Exit 0 done, 1 refused (code and field on stderr), 2 usage.\n"

typedef struct sub sub;
/* One command's unit of work inside the open door. Returns 0 done (door
 * committed, output printed); -1 refused with the door still open (the caller
 * aborts it and reports err); -2 failed after the door closed (the caller
 * reports err); -3 failed with the message already printed. */
typedef int (*sub_fn)(const sub *sc, const args *a, door *d, const char *cmd, at_error *err);

/* Per-command state prepared before logging in. */
typedef struct prep {
	json_t *body;      /* --file contents, or search's criteria built from its flags */
	int out_fd;        /* --out, opened exclusively; -1 none */
	const char *out_path;
} prep;

static prep P = {NULL, -1, NULL};

struct sub {
	const char *name;
	door_mode mode;
	int npos;              /* positional arguments required */
	const arg_spec *spec;  /* COMMON_FLAGS + its own */
	const char *help;
	sub_fn run;
};

static void print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (s) {
		puts(s);
		free(s);
	}
}

/* A usage error: the message, a pointer to --help, exit status 2. */
static int usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "atena %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see atena %s --help)\n", cmd);
	va_end(ap);
	return 2;
}

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

/* ---- Commands -------------------------------------------------------------- */

static int run_event(const sub *sc, const args *a, door *d, const char *cmd,
		     at_error *err)
{
	(void)sc;
	json_t *result = NULL;
	int rc = registry_event(d, a->positional[0], P.body, &result, err);
	if (rc < 0) {
		json_decref(result);
		return -1;
	}
	if (door_commit(d, err)) {
		json_decref(result);
		return -2;   /* the door is gone */
	}
	if (rc == 1)
		fprintf(stderr, "atena %s: held for a second person (four-eyes): another staff member "
			"approves it with atena registry approve %lld\n",
			cmd, (long long)json_integer_value(json_object_get(result, "pending_id")));
	print_json(result);
	json_decref(result);
	return 0;
}

/* Commit, then print out (owned). */
static int commit_print(door *d, json_t *out, at_error *err)
{
	if (!out)
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");   /* door open: -1 */
	if (door_commit(d, err)) {
		json_decref(out);
		return -2;
	}
	print_json(out);
	json_decref(out);
	return 0;
}

static int run_view(const sub *sc, const args *a, door *d, const char *cmd,
		    at_error *err)
{
	(void)cmd;
	json_t *out = NULL;
	const char *key = a->positional[0];
	int rc = !strcmp(sc->name, "person")    ? registry_person(d, key, &out, err)
		 : !strcmp(sc->name, "history") ? registry_person_history(d, key, &out, err)
						: registry_household(d, key, &out, err);
	if (rc) {
		json_decref(out);
		return -1;
	}
	if (json_is_array(out))
		out = json_pack("{s:o}", "versions", out);
	return commit_print(d, out, err);
}

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

static int run_search(const sub *sc, const args *a, door *d, const char *cmd,
		      at_error *err)
{
	(void)sc;
	(void)a;
	(void)cmd;
	json_t *out = NULL;
	/* P.body: the criteria, built from the flags before login (prepare). */
	if (registry_search(d, P.body, &out, err)) {
		json_decref(out);
		return -1;
	}
	return commit_print(d, out, err);
}

static int run_support(const sub *sc, const args *a, door *d, const char *cmd,
		       at_error *err)
{
	(void)sc;
	(void)cmd;
	bool on = args_has(a, "on");
	if (registry_support_measure(d, a->positional[0], on, err))
		return -1;
	return commit_print(d, json_pack("{s:s,s:b}", "addressee_no", a->positional[0],
					 "support_measure", on),
			    err);
}


static int run_certificate(const sub *sc, const args *a, door *d, const char *cmd,
			   at_error *err)
{
	(void)sc;
	(void)a;
	json_t *cert = NULL;
	if (registry_certificate(d, P.body, &cert, err)) {
		json_decref(cert);
		return -1;
	}
	if (P.out_fd < 0)
		return commit_print(d, cert, err);
	/* Rendered before the commit: a certificate that could not be produced
	 * is not recorded as issued. */
	strbuf pdf = STRBUF_INIT;
	sb_init(&pdf);
	int rendered = document_render_pdf(cert, &pdf, err);
	/* One document per process: release the renderer's fonts and caches now. */
	documents_shutdown();
	if (rendered) {
		json_decref(cert);
		sb_release(&pdf);
		return -1;
	}
	json_t *summary = json_pack("{s:s,s:I,s:O*,s:O*}", "file", P.out_path, "bytes",
				    (json_int_t)pdf.len, "kind", json_object_get(cert, "kind"),
				    "serial", json_object_get(cert, "serial"));
	json_decref(cert);
	if (door_commit(d, err)) {
		sb_release(&pdf);
		json_decref(summary);
		return -2;
	}
	int wr = cli_write_all(P.out_fd, pdf.buf, pdf.len);
	int e = errno;
	if (fsync(P.out_fd) && !wr) {
		wr = -1;
		e = errno;
	}
	if (close(P.out_fd) && !wr) {
		wr = -1;
		e = errno;
	}
	P.out_fd = -1;
	sb_release(&pdf);
	if (wr) {
		unlink(P.out_path);
		json_decref(summary);
		fprintf(stderr, "atena %s: could not write %s: %s (the issue is in the audit log)\n",
			cmd, P.out_path, strerror(e));
		return -3;
	}
	print_json(summary);
	json_decref(summary);
	return 0;
}

static int run_outbox(const sub *sc, const args *a, door *d, const char *cmd,
		      at_error *err)
{
	(void)sc;
	long long after = 0, limit = OUTBOX_DEFAULT;
	/* Checked before login (prepare); cannot fail here. */
	flag_int(cmd, a, "after", 0, (long long)1 << 53, &after);
	flag_int(cmd, a, "limit", 1, OUTBOX_MAX, &limit);
	json_t *list = NULL;
	/* The door checked the view grant; the outbox is the register's own
	 * table, read on the same connection inside the door's transaction. */
	if (registry_outbox(door_store(d), after, (int)limit, &list, err)) {
		json_decref(list);
		return -1;
	}
	char detail[96];
	snprintf(detail, sizeof detail, "registry_outbox after=%lld limit=%lld", after, limit);
	if (door_note(d, "registry_outbox", "ok", "", detail, err)) {
		json_decref(list);
		return -1;
	}
	if (json_is_array(list))
		list = json_pack("{s:o}", "notifications", list);
	return commit_print(d, list, err);
}

static int run_pending(const sub *sc, const args *a, door *d, const char *cmd,
		       at_error *err)
{
	(void)sc;
	(void)a;
	(void)cmd;
	json_t *list = NULL;
	if (door_pending_list(d, &list, err)) {
		json_decref(list);
		return -1;
	}
	return commit_print(d, json_pack("{s:o}", "pending", list), err);
}

static int run_decide(const sub *sc, const args *a, door *d, const char *cmd,
		      at_error *err)
{
	(void)cmd;
	bool approve = !strcmp(sc->name, "approve");
	long long id = strtoll(a->positional[0], NULL, 10);   /* checked in prepare */
	const char *note = args_get(a, "note");
	if (registry_pending_decide(d, id, approve, note ? note : "", err))
		return -1;
	return commit_print(d, json_pack("{s:I,s:s}", "pending_id", (json_int_t)id, "decision",
					 approve ? "approved" : "rejected"),
			    err);
}

/* ---- The command table ------------------------------------------------------ */

static const arg_spec spec_event[] = {COMMON_FLAGS, {"file", true}, {NULL, false}};
static const arg_spec spec_plain[] = {COMMON_FLAGS, {NULL, false}};
static const arg_spec spec_search[] = {
	COMMON_FLAGS, {"name", true}, {"name-kana", true}, {"birth-date", true},
	{"address", true}, {"household", true}, {"addressee", true}, {"my-number", true},
	{"resident-code", true}, {"include-removed", false}, {"limit", true}, {NULL, false}};
static const arg_spec spec_support[] = {COMMON_FLAGS, {"on", false}, {"off", false},
					{NULL, false}};
static const arg_spec spec_cert[] = {COMMON_FLAGS, {"file", true}, {"out", true},
				     {NULL, false}};
static const arg_spec spec_outbox[] = {COMMON_FLAGS, {"after", true}, {"limit", true},
				       {NULL, false}};
static const arg_spec spec_decide[] = {COMMON_FLAGS, {"note", true}, {NULL, false}};

static const sub subs[] = {
	{"event", DOOR_WRITE, 1, spec_event,
	 "usage: atena registry event TYPE --file BODY.json|- --as STAFF --reason TEXT [--case ID]\n\n"
	 "Applies one change event (異動). TYPE is one of move_in, move_out_planned,\n"
	 "move_out_confirmed, move_out_cancelled, in_ward_move, birth, death, household_change,\n"
	 "ex_officio_entry, ex_officio_removal, ex_officio_correction, resident_code_change,\n"
	 "my_number_change, foreign_status_change; the body's shape per type is in\n"
	 "docs/openapi.yaml. Ex officio acts are held for a second person (pending_id).\n\n"
	 "example: ATENA_PASSWORD=... ATENA_TOTP=123456 atena registry event move_in \\\n"
	 "           --file tennyu.json --as clerk1 --reason '転入届の受付' --case R8-0001",
	 run_event},
	{"person", DOOR_READ, 1, spec_plain,
	 "usage: atena registry person ADDRESSEE_NO --as STAFF --reason TEXT [--case ID]\n\n"
	 "Prints the person's current record (住民票) with their household.\n\n"
	 "example: atena registry person 0000012345 --as clerk1 --reason '住民票の写しの交付'",
	 run_view},
	{"history", DOOR_READ, 1, spec_plain,
	 "usage: atena registry history ADDRESSEE_NO --as STAFF --reason TEXT [--case ID]\n\n"
	 "Prints every version of the person's record, oldest first.\n\n"
	 "example: atena registry history 0000012345 --as clerk1 --reason '異動履歴の確認'",
	 run_view},
	{"household", DOOR_READ, 1, spec_plain,
	 "usage: atena registry household HOUSEHOLD_NO --as STAFF --reason TEXT [--case ID]\n\n"
	 "Prints the household's members, householder first.\n\n"
	 "example: atena registry household 0000000042 --as clerk1 --reason '世帯員の確認'",
	 run_view},
	{"search", DOOR_READ, 0, spec_search,
	 "usage: atena registry search [--name NAME] [--name-kana KANA] [--birth-date YYYY-MM-DD]\n"
	 "                             [--address PREFIX] [--household NO] [--addressee NO]\n"
	 "                             [--my-number NO] [--resident-code NO] [--include-removed]\n"
	 "                             [--limit N] --as STAFF --reason TEXT [--case ID]\n\n"
	 "Finds residents; several criteria intersect. --name-kana matches a prefix in any kana\n"
	 "form (hiragana, katakana, half-width). A result of more than one person carries no\n"
	 "My Number. --limit 1..500.\n\n"
	 "example: atena registry search --name-kana めぐろ --as clerk1 --reason '転入届の受付'",
	 run_search},
	{"support-measure", DOOR_WRITE, 1, spec_support,
	 "usage: atena registry support-measure ADDRESSEE_NO --on|--off --as STAFF --reason TEXT\n\n"
	 "Sets or clears a support measure (支援措置, DV/stalking). While set, every view of the\n"
	 "record raises an alert in the audit log and third-party certificates are refused.\n\n"
	 "example: atena registry support-measure 0000012345 --on --as clerk1 --reason '支援措置申出'",
	 run_support},
	{"certificate", DOOR_READ, 0, spec_cert,
	 "usage: atena registry certificate --file REQUEST.json|- [--out FILE.pdf]\n"
	 "                                  --as STAFF --reason TEXT [--case ID]\n\n"
	 "Issues a certificate (住民票の写し, 除票の写し, 記載事項証明書). Without --out, prints\n"
	 "its data as JSON; with --out, writes the PDF (a new file, mode 0600) and prints a summary.\n"
	 "REQUEST: {\"kind\":\"juminhyo\",\"addressee_no\":\"...\",\"members\":\"all\",\n"
	 "          \"requester\":{\"relation\":\"self\",\"name\":\"...\"},\"purpose\":\"...\"}\n\n"
	 "example: atena registry certificate --file req.json --out juminhyo.pdf --as clerk1 \\\n"
	 "           --reason '住民票の写しの交付'",
	 run_certificate},
	{"outbox", DOOR_READ, 0, spec_outbox,
	 "usage: atena registry outbox [--after SEQ] [--limit N] --as STAFF --reason TEXT\n\n"
	 "Prints change notifications after SEQ, oldest first (at most N, 1..1000, default 100).\n\n"
	 "example: atena registry outbox --after 120 --as clerk1 --reason '異動通知の確認'",
	 run_outbox},
	{"pending", DOOR_WRITE, 0, spec_plain,
	 "usage: atena registry pending --as STAFF --reason TEXT\n\n"
	 "Lists changes held for a second person (four-eyes); needs an update grant.\n\n"
	 "example: atena registry pending --as clerk2 --reason '職権修正の確認'",
	 run_pending},
	{"approve", DOOR_WRITE, 1, spec_decide,
	 "usage: atena registry approve PENDING_ID [--note TEXT] --as STAFF --reason TEXT\n\n"
	 "Approves a held change; the maker cannot approve their own.\n\n"
	 "example: atena registry approve 7 --note '申出書と照合' --as clerk2 --reason '職権修正の確認'",
	 run_decide},
	{"reject", DOOR_WRITE, 1, spec_decide,
	 "usage: atena registry reject PENDING_ID [--note TEXT] --as STAFF --reason TEXT\n\n"
	 "Rejects a held change; the record stays as it was.\n\n"
	 "example: atena registry reject 7 --note '根拠資料なし' --as clerk2 --reason '職権修正の確認'",
	 run_decide},
};
#define NSUBS (sizeof subs / sizeof subs[0])

static void help_all(FILE *f)
{
	fputs("usage: atena registry COMMAND [arguments] --as STAFF --reason TEXT [--case ID]\n\n"
	      "The resident register (住民基本台帳). Commands:\n"
	      "  event TYPE --file BODY.json|-      apply a change event (異動)\n"
	      "  person ADDRESSEE_NO                the person's record\n"
	      "  history ADDRESSEE_NO               every version of it\n"
	      "  household HOUSEHOLD_NO             the household's members\n"
	      "  search [--name ..] [--name-kana ..] [--birth-date ..] [--address ..] [--household ..]\n"
	      "         [--my-number ..] [--include-removed] [--limit N]\n"
	      "  support-measure ADDRESSEE_NO --on|--off\n"
	      "  certificate --file REQUEST.json [--out FILE.pdf]\n"
	      "  outbox [--after N] [--limit N]     change notifications\n"
	      "  pending                            changes held for a second person\n"
	      "  approve|reject PENDING_ID [--note TEXT]\n\n"
	      COMMON_HELP
	      "\nexample: ATENA_PASSWORD=... ATENA_TOTP=$(oathtool --totp=sha256 -b SECRET) \\\n"
	      "           atena registry search --name-kana めぐろ --as clerk1 --reason '転入届の受付'\n"
	      "(atena registry COMMAND --help for each command)\n",
	      f);
}

/* Checks that need no login: positionals, flag values, input files. */
static int prepare(const sub *sc, const args *a, const char *cmd, at_error *err)
{
	if (a->npos != sc->npos)
		return sc->npos ? usage_err(cmd, "expects %d argument(s)", sc->npos)
				: usage_err(cmd, "takes no arguments");
	const char *p0 = a->positional[0];
	if (!strcmp(sc->name, "event")) {
		bool known = false;
		for (size_t i = 0; event_types[i]; i++)
			known = known || !strcmp(event_types[i], p0);
		if (!known)
			return usage_err(cmd, "unknown event type %s", p0);
		const char *f = args_need(a, cmd, "file");
		if (!f)
			return 2;
		return read_json_file(cmd, f, &P.body, err);
	}
	if (!strcmp(sc->name, "person") || !strcmp(sc->name, "history") ||
	    !strcmp(sc->name, "support-measure"))
		if (!ten_digits(p0))
			return usage_err(cmd, "ADDRESSEE_NO must be exactly 10 digits (got %s)", p0);
	if (!strcmp(sc->name, "household") && !ten_digits(p0))
		return usage_err(cmd, "HOUSEHOLD_NO must be exactly 10 digits (got %s)", p0);
	if (!strcmp(sc->name, "support-measure") && args_has(a, "on") == args_has(a, "off"))
		return usage_err(cmd, "give exactly one of --on and --off");
	if (!strcmp(sc->name, "approve") || !strcmp(sc->name, "reject")) {
		char *end = NULL;
		errno = 0;
		long long id = strtoll(p0, &end, 10);
		if (!*p0 || *end || errno || id < 1 || p0[0] == '+' || p0[0] == '-')
			return usage_err(cmd, "PENDING_ID must be a positive whole number (got %s)", p0);
	}
	if (!strcmp(sc->name, "search")) {
		long long limit = 0;
		if (flag_int(cmd, a, "limit", 1, DOOR_FIND_MAX, &limit))
			return 2;
		P.body = json_object();
		size_t given = 0;
		for (size_t i = 0; i < NSEARCH; i++) {
			const char *v = args_get(a, search_map[i].flag);
			if (!v)
				continue;
			if (text_check(v, search_map[i].flag, 256, false, 0, NULL))
				return usage_err(cmd, "--%s must be 1 to 256 characters of text", search_map[i].flag);
			json_object_set_new(P.body, search_map[i].key, json_string(v));
			given++;
		}
		if (!given)
			return usage_err(cmd, "give at least one criterion (--name, --name-kana, "
					 "--birth-date, --address, --household, --addressee, --my-number, "
					 "--resident-code)");
		if (args_has(a, "include-removed"))
			json_object_set_new(P.body, "include_removed", json_true());
		if (limit)
			json_object_set_new(P.body, "limit", json_integer((json_int_t)limit));
	}
	if (!strcmp(sc->name, "outbox")) {
		long long x;
		if (flag_int(cmd, a, "after", 0, (long long)1 << 53, &x) ||
		    flag_int(cmd, a, "limit", 1, OUTBOX_MAX, &x))
			return 2;
	}
	if (!strcmp(sc->name, "certificate")) {
		const char *f = args_need(a, cmd, "file");
		if (!f)
			return 2;
		const char *out = args_get(a, "out");
		if (out) {
			if (!*out)
				return usage_err(cmd, "--out needs a file name");
			/* Opened now, before anything is issued: a certificate holds
			 * personal data, so never overwrite and keep it private. */
			P.out_fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (P.out_fd < 0) {
				fprintf(stderr, "atena %s: cannot create --out %s: %s (it must not exist yet)\n",
					cmd, out, strerror(errno));
				return 2;
			}
			P.out_path = out;
		}
		return read_json_file(cmd, f, &P.body, err);
	}
	return 0;
}

/* Whom a refused command was about: the ADDRESSEE_NO argument, or the
 * body's addressee_no; "" when neither. */
static const char *refusal_subject(const sub *sc, const args *a)
{
	if (!strcmp(sc->name, "person") || !strcmp(sc->name, "history") ||
	    !strcmp(sc->name, "support-measure"))
		return a->positional[0];
	const char *b = json_string_value(json_object_get(P.body, "addressee_no"));
	return ten_digits(b) ? b : "";
}

/* The door rolled back with whatever it noted, so a refusal by the register
 * is logged on its own, naming the person, as the server does: a refused
 * look is as accountable as a granted one. A certificate refused for a
 * support measure is not: the register and the door keep that evidence
 * through the abort themselves (door_note_refusal). */
static void audit_refusal(store *s, const door_ctx *ctx, const char *cmd, const char *subject,
			  const at_error *e)
{
	if (e->status < 400 || e->status >= 500 || e->status == 401 ||
	    !strcmp(e->code, "support_measure"))
		return;
	const char *outcome = e->status == 403 ? AUDIT_DENIED : AUDIT_INVALID;
	char op[64], detail[200];
	snprintf(op, sizeof op, "cli %s", cmd);
	snprintf(detail, sizeof detail, "%s %s", e->code, e->field);
	audit_event ev = {
		.staff_id = ctx->staff_id, .department = ctx->department,
		.terminal_id = ctx->terminal_id, .business = ctx->business, .reason = ctx->reason,
		.case_id = ctx->case_id, .subject = subject, .items = "", .operation = op,
		.outcome = outcome, .detail = detail,
	};
	at_error le;
	if (audit_append_now(s, &ev, &le))
		fprintf(stderr, "atena %s: could not audit the refusal: %s\n", cmd, le.message);
}

static void release_prep(void)
{
	json_decref(P.body);
	P.body = NULL;
	if (P.out_fd >= 0) {
		/* Nothing was written: remove the empty file we created. */
		close(P.out_fd);
		unlink(P.out_path);
		P.out_fd = -1;
	}
}

static int run_sub(const sub *sc, const args *a, const char *cmd)
{
	at_error err;
	at_error_clear(&err);
	const char *as = args_need(a, cmd, "as"), *reason = args_need(a, cmd, "reason");
	if (!as || !reason)
		return 2;
	const char *pw = getenv("ATENA_PASSWORD"), *totp = getenv("ATENA_TOTP");
	const char *newpw = getenv("ATENA_NEW_PASSWORD");
	if (!pw || !*pw)
		return usage_err(cmd, "$ATENA_PASSWORD must hold the password of --as");
	if (!totp || !*totp)
		return usage_err(cmd, "$ATENA_TOTP must hold the current one-time code of --as");
	int prc = prepare(sc, a, cmd, &err);
	if (prc) {
		if (prc == 1)
			cli_error(cmd, &err);
		release_prep();
		return prc;
	}

	store *s = NULL;
	keyring *kr = NULL;
	strbuf tok = STRBUF_INIT;
	sb_init(&tok);
	int rc = 1;
	const char *dir = platform_default_dir(args_get(a, "data"));
	if (platform_open(dir, &s, &kr, &err) || registry_migrate(s, &err)) {
		cli_error(cmd, &err);
		goto out;
	}
	staff_info who;
	memset(&who, 0, sizeof who);
	if (staff_login(s, kr, as, pw, totp, cli_terminal(), newpw && *newpw ? newpw : NULL, &tok,
			&who, &err)) {
		cli_error(cmd, &err);
		goto out;
	}
	door_ctx ctx = {
		.staff_id = who.id,
		.department = who.department,
		.terminal_id = cli_terminal(),
		.business = REGISTRY_BUSINESS,
		.reason = reason,
		.case_id = args_get(a, "case"),
	};
	door *d = NULL;
	if (door_open_owner(s, kr, &ctx, sc->mode, &registry_owner, &d, &err)) {
		cli_error(cmd, &err);
	} else {
		int r = sc->run(sc, a, d, cmd, &err);
		if (r == -1) {
			door_abort(d);   /* refused: nothing the door did stays */
			audit_refusal(s, &ctx, cmd, refusal_subject(sc, a), &err);
		}
		if (r == -1 || r == -2)
			cli_error(cmd, &err);
		rc = r == 0 ? 0 : 1;
	}
	at_error lerr;
	if (staff_logout(s, tok.buf, &lerr))
		fprintf(stderr, "atena %s: logout failed: %s\n", cmd, lerr.message);
out:
	release_prep();
	sb_release(&tok);
	store_close(s);
	keyring_free(kr);
	return rc;
}

int cmd_registry(int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : "";
	if (!*name || !strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		help_all(*name ? stdout : stderr);
		return *name ? 0 : 2;
	}
	const sub *sc = NULL;
	for (size_t i = 0; i < NSUBS; i++)
		if (!strcmp(subs[i].name, name))
			sc = &subs[i];
	if (!sc) {
		fprintf(stderr, "atena registry: unknown command %s (see atena registry --help)\n", name);
		return 2;
	}
	char cmd[48];
	snprintf(cmd, sizeof cmd, "registry %s", sc->name);
	args a;
	if (args_parse(argc - 1, argv + 1, sc->spec, &a))
		return 2;
	if (a.help) {
		puts(sc->help);
		puts("");
		fputs(COMMON_HELP, stdout);
		return 0;
	}
	return run_sub(sc, &a, cmd);
}
