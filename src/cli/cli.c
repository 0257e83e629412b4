/*
 * cli.c — what every command shares (cli.h): the error line, the one JSON
 * printer, writing files; and `atena <module> <command>` for every module of
 * the list: help from the module's command table, the one session helper
 * (credentials, login with both factors, door context, logout) and the
 * command's unit of work.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium/utils.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "audit/audit.h"
#include "documents/documents.h"
#include "policy/platform.h"

void cli_error(const char *cmd, const at_error *err)
{
	if (err->field[0])
		fprintf(stderr, "atena %s: %s [%s, field %s]\n", cmd, err->message, err->code, err->field);
	else
		fprintf(stderr, "atena %s: %s [%s]\n", cmd, err->message, err->code);
}

/* All of buf to fd, through short writes and EINTR. */
int cli_write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

void cli_print_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (s) {
		puts(s);
		free(s);
	}
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "atena %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see atena %s --help)\n", cmd);
	va_end(ap);
	return 2;
}

/* ---- --out ------------------------------------------------------------------ */

int cli_out_open(cli_out *o, const char *cmd, const char *path)
{
	o->fd = -1;
	o->path = NULL;
	if (!path)
		return 0;
	if (!*path)
		return cli_usage(cmd, "--out needs a file name");
	o->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (o->fd < 0) {
		fprintf(stderr, "atena %s: cannot create --out %s: %s (it must not exist yet)\n", cmd,
			path, strerror(errno));
		return 2;
	}
	o->path = path;
	return 0;
}

int cli_out_finish(cli_out *o, const strbuf *data, at_error *err)
{
	int wr = cli_write_all(o->fd, data->buf ? data->buf : "", data->len);
	int e = errno;
	if (fsync(o->fd) && !wr) {
		wr = -1;
		e = errno;
	}
	if (close(o->fd) && !wr) {
		wr = -1;
		e = errno;
	}
	o->fd = -1;
	if (!wr)
		return 0;
	unlink(o->path);
	return at_fail(err, 500, AT_E_INTERNAL, "--out",
		       "could not write %s: %s (the issue is in the audit log)", o->path,
		       strerror(e));
}

void cli_out_discard(cli_out *o)
{
	if (o->fd < 0)
		return;
	close(o->fd);
	unlink(o->path);
	o->fd = -1;
}

int cli_out_render(const cli_out *o, const json_t *doc, strbuf *pdf, at_error *err)
{
	if (o->fd < 0)
		return 0;
	int rc = document_render_pdf(doc, pdf, err);
	documents_shutdown();
	return rc;
}

int cli_out_print(cli_out *o, json_t **doc, const strbuf *pdf, at_error *err)
{
	if (o->fd >= 0) {
		json_t *summary = json_pack("{s:s,s:I,s:O*,s:O*}", "file", o->path, "bytes",
					    (json_int_t)pdf->len, "kind",
					    json_object_get(*doc, "kind"), "serial",
					    json_object_get(*doc, "serial"));
		json_decref(*doc);
		*doc = summary;
		if (cli_out_finish(o, pdf, err))
			return -1;
	}
	cli_print_json(*doc);
	return 0;
}

/* ---- The unit of work ------------------------------------------------------ */

static unit call_unit(cli_call *c, const char *subject, char *op, size_t n)
{
	snprintf(op, n, "cli %s", c->cmd);
	return (unit){
		.s = c->s,
		.kr = c->kr,
		.ctx = &c->ctx,
		.mode = c->entry->mode,
		.owner = c->mod->owner,
		.operation = op,
		.subject = subject ? subject : "",
	};
}

int cli_unit(cli_call *c, const char *subject, unit_fn fn, void *arg, at_error *err)
{
	char op[80];
	unit u = call_unit(c, subject, op, sizeof op);
	return unit_run(&u, fn, arg, err) ? -1 : 0;
}

int cli_refused(cli_call *c, const char *subject, const at_error *err)
{
	char op[80];
	unit u = call_unit(c, subject, op, sizeof op);
	unit_refused(&u, err);
	return -1;
}

/* ---- The session ------------------------------------------------------------ */

/* Usage checks before anything is read or opened: 0, or 2 printed. */
static int session_flags(cli_call *c)
{
	const char *as = args_need(c->a, c->cmd, "as");
	if (!as || !args_need(c->a, c->cmd, "reason"))
		return 2;
	/* Both factors before anything is read or opened (cli.h "Secrets"). */
	char prompt[128];
	snprintf(prompt, sizeof prompt, "Password for %.64s: ", as);
	int rc = cli_secret(CLI_SECRET_PASSWORD, c->a, c->cmd, prompt, &c->password);
	if (rc == 1)
		return cli_usage(c->cmd, "the password of --as is needed: --password-fd N,"
				 " $ATENA_PASSWORD or a terminal to type it on");
	if (rc)
		return rc;
	snprintf(prompt, sizeof prompt, "One-time code for %.64s: ", as);
	rc = cli_secret(CLI_SECRET_TOTP, c->a, c->cmd, prompt, &c->totp);
	if (rc == 1)
		return cli_usage(c->cmd, "the current one-time code of --as is needed: --totp-fd N,"
				 " $ATENA_TOTP or a terminal to type it on");
	if (rc)
		return rc;
	/* Asked for only if the login says it must change (session_login). */
	rc = cli_secret(CLI_SECRET_NEW_PASSWORD, c->a, c->cmd, NULL, &c->new_password);
	return rc == 1 ? 0 : rc;
}

/* Log in; when the password must change and none was given, ask for one on
 * the terminal (twice) and log in again with the same code, whose step a
 * login refused for that reason leaves unused (policy/staff.h). */
static int session_login(cli_call *c, at_error *err)
{
	const char *as = args_get(c->a, "as"), *newpw = c->new_password;
	if (staff_login(c->s, c->kr, as, c->password, c->totp, cli_terminal(), newpw, &c->token,
			&c->who, err) == 0)
		return 0;
	if (newpw || strcmp(err->code, "password_change_required"))
		return -1;
	char again[CLI_SECRET_MAX + 1];
	int rc = cli_secret(CLI_SECRET_NEW_PASSWORD, NULL, c->cmd,
			    "The password must be changed. New password: ", &newpw);
	if (rc == 1)
		return at_fail(err, 403, "password_change_required", "new_password",
			       "the password must be changed (first login or expired): give the new one"
			       " with --new-password-fd N, $ATENA_NEW_PASSWORD or on a terminal");
	if (rc)
		return at_fail(err, 400, AT_E_INVALID, "new_password", "no new password was given");
	snprintf(again, sizeof again, "%s", newpw);
	rc = cli_secret(CLI_SECRET_NEW_PASSWORD, NULL, c->cmd, "The new password again: ", &newpw);
	bool same = rc == 0 && !strcmp(again, newpw);
	sodium_memzero(again, sizeof again);
	if (!same)
		return at_fail(err, 400, AT_E_INVALID, "new_password",
			       "the two new passwords differ; nothing was changed");
	return staff_login(c->s, c->kr, as, c->password, c->totp, cli_terminal(), newpw,
			   &c->token, &c->who, err);
}

/* Open the data directory, the modules' tables, log in, fill the context. */
static int session_open(cli_call *c, at_error *err)
{
	const char *dir = platform_default_dir(args_get(c->a, "data"));
	if (platform_open(dir, &c->s, &c->kr, err) || modules_init(err) ||
	    modules_migrate(c->s, err))
		return -1;
	if (session_login(c, err))
		return -1;
	/* One CLI run at a time per staff member and terminal: a run killed
	 * before its logout left its session open until the idle timeout
	 * (issue 9 §4), so it ends now, audited with its cause. */
	if (staff_session_replace(c->s, c->token.buf, err))
		return -1;
#ifdef ATENA_TEST_CLOCK
	/* Test builds only: stop here, logged in, so that a test can look at
	 * the running process and kill it before its logout (tests/e2e/t0057). */
	if (getenv("ATENA_TEST_STOP_AFTER_LOGIN"))
		raise(SIGSTOP);
#endif
	/* One command per process: the operation every door it opens names in
	 * the refusals it writes (a batch opens its own doors with this context). */
	static char op[80];
	snprintf(op, sizeof op, "cli %s", c->cmd);
	c->ctx = (door_ctx){
		.staff_id = c->who.id,
		.department = c->who.department,
		.terminal_id = cli_terminal(),
		.business = c->entry->business,
		.reason = args_get(c->a, "reason"),
		.case_id = args_get(c->a, "case"),
		.operation = op,
	};
	return 0;
}

int cli_seal(store *s, const keyring *kr, const char *cmd)
{
	if (!s || !kr)
		return 0;
	at_error e;
	at_error_clear(&e);
	if (audit_checkpoint(s, kr, &e) == 0)
		return 0;
	fprintf(stderr, "atena %s: the audit log was not signed: %s\n", cmd, e.message);
	return -1;
}

static void session_close(cli_call *c)
{
	if (c->token.len) {
		at_error lerr;
		at_error_clear(&lerr);
		if (staff_logout(c->s, c->token.buf, &lerr))
			fprintf(stderr, "atena %s: logout failed: %s\n", c->cmd, lerr.message);
	}
	/* After the logout: its event is signed too. */
	cli_seal(c->s, c->kr, c->cmd);
	sb_release(&c->token);
	store_close(c->s);
	keyring_free(c->kr);
	c->s = NULL;
	c->kr = NULL;
}

/* ---- The runner --------------------------------------------------------------- */

static void module_help(const module *m, FILE *f)
{
	fprintf(f, "usage: atena %s COMMAND [arguments]\n\natena %s: %s.\n\nCommands:\n", m->name,
		m->name, m->summary);
	bool session = false;
	for (const module_command *k = m->commands; k && k->name; k++) {
		fprintf(f, "  %-18s %s%s\n", k->name, k->summary, k->business ? "" : " (no login)");
		session = session || k->business;
	}
	if (session)
		fprintf(f, "\nCommands that act on data: --as STAFF --reason TEXT [--case ID]; the\n"
			   "password and one-time code are asked for, or --password-fd N, --totp-fd N\n"
			   "(see atena %s COMMAND --help).\n", m->name);
	else
		fprintf(f, "\nSee atena %s COMMAND --help.\n", m->name);
	if (m->example)
		fprintf(f, "\nexample: %s\n", m->example);
}

static int run_call(cli_call *c, at_error *err)
{
	const module_command *k = c->entry;
	if (c->a->npos != k->npos)
		return k->npos ? cli_usage(c->cmd, "expects %d argument(s)", k->npos)
			       : cli_usage(c->cmd, "takes no arguments");
	int rc = k->business ? session_flags(c) : 0;
	if (rc)
		return rc;
	rc = k->prepare ? k->prepare(c, err) : 0;
	if (rc == 1)
		cli_error(c->cmd, err);
	if (rc)
		return rc;
	if (k->business && session_open(c, err)) {
		cli_error(c->cmd, err);
		return 1;
	}
	/* A command without a door of its own still needs a grant for its
	 * business (module/unit.h unit_need_grant), checked once, here. */
	if (k->business && !k->mode) {
		char op[80];
		unit u = call_unit(c, "", op, sizeof op);
		if (unit_need_grant(&u, err)) {
			cli_error(c->cmd, err);
			return 1;
		}
	}
	rc = k->run(c, err);
	if (rc < 0) {
		cli_error(c->cmd, err);
		rc = 1;
	}
	return rc;
}

int cli_module_main(const module *m, int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : "";
	if (!*name || !strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		module_help(m, *name ? stdout : stderr);
		return *name ? 0 : 2;
	}
	const module_command *k = m->commands;
	while (k && k->name && strcmp(k->name, name))
		k++;
	if (!k || !k->name) {
		fprintf(stderr, "atena %s: unknown command %s (see atena %s --help)\n", m->name, name,
			m->name);
		return 2;
	}
	char cmd[64];
	snprintf(cmd, sizeof cmd, "%s %s", m->name, k->name);
	args a;
	if (args_parse(argc - 1, argv + 1, k->spec, &a))
		return 2;
	if (a.help) {
		puts(k->help);
		if (k->more_help)
			k->more_help(stdout);
		if (k->business)
			printf("\n%s", CLI_SESSION_HELP);
		return 0;
	}
	at_error err;
	at_error_clear(&err);
	cli_call c = {.mod = m, .entry = k, .cmd = cmd, .a = &a};
	sb_init(&c.token);
	int rc = run_call(&c, &err);
	if (k->release)
		k->release(&c);
	session_close(&c);
	return rc;
}
