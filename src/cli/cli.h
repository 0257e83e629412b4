/*
 * cli — the console's commands and what every command shares: the error
 * line, the one JSON printer, the terminal id, and for the commands of a
 * business module (`atena <module> <command>`, module/module.h) the one
 * session helper and the unit of work.
 *
 * A module command that names a business acts as a named staff member with
 * both factors, exactly as over HTTP: --as STAFF, the password and the
 * current one-time code (never as flag values, so they stay out of `ps` and
 * shell history: see "Secrets" below). The runner (cli_module_main) logs in
 * (staff_login, audited, terminal cli_terminal()), ends the sessions an
 * earlier run of the same staff member on this terminal left open (a run
 * killed before its logout), fills the door context with the
 * command entry's business, --reason and --case, runs the command, whose
 * unit of work goes through cli_unit (module/unit.h: refusals audited with
 * their subject by the same rule as the server's), and logs out.
 * Exit status: 0 done, 1 refused or failed (code and field on stderr), 2 usage.
 */
#ifndef ATENA_CLI_CLI_H
#define ATENA_CLI_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/args.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "crypto/crypto.h"
#include "module/module.h"
#include "module/unit.h"
#include "policy/door.h"
#include "policy/staff.h"
#include "store/store.h"

/* ---- The platform's commands (one file per group) ------------------------ */
int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_grant(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_grants(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_mynumber(int argc, char **argv);
int cmd_declarations(int argc, char **argv);

/* ---- Shared helpers ------------------------------------------------------- */
/* "atena CMD: message [code, field F]" on stderr. */
void cli_error(const char *cmd, const at_error *err);
/* A usage error: "atena CMD: message (see atena CMD --help)", returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* v as indented JSON with sorted keys on stdout: every command's output. */
void cli_print_json(const json_t *v);
/* Write all of buf to fd (0, or -1 with errno). */
int cli_write_all(int fd, const char *buf, size_t n);
/* The terminal id the CLI records in the audit log: "console@<host>". */
const char *cli_terminal(void);
/* Sign a checkpoint if the command wrote events (issue 9 §1: the end of
 * every CLI command that wrote events). A refusal (the log was tampered
 * with) is printed; -1 then, 0 otherwise. No-op when s or kr is NULL. */
int cli_seal(store *s, const keyring *kr, const char *cmd);

/* --out FILE for a document: created before anything is issued (it must not
 * exist yet; mode 0600, since a certificate or notice holds personal data),
 * written only after the unit that issued it committed. */
typedef struct cli_out {
	int fd;              /* -1: none */
	const char *path;
} cli_out;
#define CLI_OUT_NONE {-1, NULL}
/* Create path (NULL: no --out). 0, or 2 after printing why. */
int cli_out_open(cli_out *o, const char *cmd, const char *path);
/* Write data, fsync, close: 0, or -1 with err (the file is removed). */
int cli_out_finish(cli_out *o, const strbuf *data, at_error *err);
/* Close and remove a file nothing was written to. */
void cli_out_discard(cli_out *o);
/* Inside the unit that issues doc: with --out, render it as PDF into pdf
 * (so a document that could not be produced is not recorded as issued);
 * without, nothing. One document per process: the renderer is released. */
int cli_out_render(const cli_out *o, const json_t *doc, strbuf *pdf, at_error *err);
/* After that unit committed: with --out, write pdf and replace *doc by a
 * summary {file, bytes, kind, serial}; then print *doc. 0, or -1 with err. */
int cli_out_print(cli_out *o, json_t **doc, const strbuf *pdf, at_error *err);

/* ---- Secrets (issue 9 §4) ------------------------------------------------ */
/* A secret comes, in this order, from its --*-fd N flag (one line read from
 * descriptor N), from its environment variable, or from a prompt on the
 * controlling terminal with echo off. The variables are taken at the very
 * start of main (cli_secrets_take_env): copied, wiped in the process's own
 * copy of the environment and unset, so /proc/PID/environ does not show
 * them while the command runs. Copies are wiped at exit. */
typedef enum cli_secret_kind {
	CLI_SECRET_PASSWORD,        /* $ATENA_PASSWORD, --password-fd */
	CLI_SECRET_TOTP,            /* $ATENA_TOTP, --totp-fd */
	CLI_SECRET_NEW_PASSWORD,    /* $ATENA_NEW_PASSWORD, --new-password-fd */
	CLI_SECRET_KINDS
} cli_secret_kind;
#define CLI_SECRET_MAX 1024     /* bytes; longer is refused, never cut */
/* First thing in main, before anything else can read or copy them. */
void cli_secrets_take_env(void);
/* The secret of kind from a's flag, the environment, or (prompt not NULL)
 * the terminal: 0 with *out set (valid until exit), 1 when none is given
 * and there is no terminal, 2 after a usage message naming the flag. */
int cli_secret(cli_secret_kind kind, const args *a, const char *cmd, const char *prompt,
	       const char **out);

/* ---- Module commands ---------------------------------------------------- */

/* Flags every session command takes (who, why, where), and their help. */
#define CLI_SESSION_FLAGS {"data", true}, {"as", true}, {"reason", true}, {"case", true}, \
	{"password-fd", true}, {"totp-fd", true}, {"new-password-fd", true}
#define CLI_SESSION_HELP \
	"Acts as a staff member with two factors, like the web:\n" \
	"  --as STAFF       the staff id (with a grant for the command's business)\n" \
	"  --reason TEXT    why (recorded in the audit log with every access)\n" \
	"  --case ID        optional application or case number\n" \
	"  --data DIR       data directory (default $ATENA_DATA, then ./atena-data)\n" \
	"The password and the current one-time code (each code is accepted once) are\n" \
	"asked for on the terminal, without echo, unless given as one line each on a\n" \
	"descriptor or (cleared from the environment as the command starts) in:\n" \
	"  --password-fd N      or $ATENA_PASSWORD\n" \
	"  --totp-fd N          or $ATENA_TOTP\n" \
	"  --new-password-fd N  or $ATENA_NEW_PASSWORD: when the password must change\n" \
	"                       (first login, expiry); asked for on a terminal\n" \
	"example: atena registry person 0000001001 --as clerk1 --reason 交付 \\\n" \
	"           --password-fd 3 3<~/.atena-pw --totp-fd 4 4< <(oathtool --totp -b SECRET)\n" \
	"An earlier run of --as on this terminal that left its session open (killed)\n" \
	"has that session ended, cause cli_replaced, in the audit log.\n" \
	"Output is JSON on stdout. Exit 0 done, 1 refused (code and field on stderr), 2 usage.\n"

/* One invocation of a module command. */
struct cli_call {
	const module *mod;
	const module_command *entry;
	const char *cmd;        /* "registry person", for messages */
	const args *a;
	void *state;            /* the command's own, from prepare */
	/* The session (NULL/empty for a pure command). */
	store *s;
	keyring *kr;
	staff_info who;
	door_ctx ctx;           /* business from the entry, --reason, --case */
	strbuf token;
	const char *password;   /* cli_secret: both factors, read before anything runs */
	const char *totp;
	const char *new_password;   /* NULL: asked for if the login needs one */
};

/* `atena <module> ...`: the module's help, or one command run as above. */
int cli_module_main(const module *m, int argc, char **argv);
/* The command's unit of work: door in the entry's mode with the module's
 * owner handle, fn, commit; a refusal aborts and is audited naming subject.
 * 0 done, -1 with err set. */
int cli_unit(cli_call *c, const char *subject, unit_fn fn, void *arg, at_error *err);
/* A refusal outside any door (a batch that opens its own), audited by the
 * same rule. Returns -1. */
int cli_refused(cli_call *c, const char *subject, const at_error *err);

#endif
