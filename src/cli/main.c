/*
 * atena — the one binary: the platform's commands (administration, the
 * server, the demo) and one command per business module of the list in
 * src/modules.c (`atena registry ...`, `atena tax ...`; cli/cli.h).
 *
 * Every command has --help with an example. Exit status: 0 done, 1 the
 * operation was refused or failed (the message says why), 2 a usage error;
 * `mynumber check` and `audit verify` document their own.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "cli.h"
#include "core/error.h"
#include "module/module.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"init", cmd_init, "create a data directory for a municipality"},
	{"serve", cmd_serve, "start the HTTP API"},
	{"demo", cmd_demo, "create (once) and serve a demo municipality with demo staff"},
	{"user", cmd_user, "staff accounts: add, reset, lock, unlock, show"},
	{"grant", cmd_grant, "grant a staff member view or update for a business"},
	{"revoke", cmd_revoke, "revoke a staff member's grant"},
	{"grants", cmd_grants, "print the grants ledger"},
	{"audit", cmd_audit, "the access log: verify, query, export, checkpoint, pubkey"},
	{"keys", cmd_keys, "encryption keys: rotate, status"},
	{"mynumber", cmd_mynumber, "check a My Number's check digit"},
	{"declarations", cmd_declarations, "print the declared businesses, files and items"},
	{NULL, NULL, NULL},
};
/* Then one command per business module (src/modules.c): `atena <module> ...`. */

static void usage(FILE *f)
{
	fprintf(f, "usage: atena COMMAND [flags]   (atena COMMAND --help for details)\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-13s %s\n", c->name, c->summary);
	for (const module *const *m = atena_modules; *m; m++)
		fprintf(f, "  %-13s %s\n", (*m)->name, (*m)->summary);
	fprintf(f, "\nThe data directory is --data DIR, else $ATENA_DATA, else ./atena-data.\n");
}

int main(int argc, char **argv)
{
	/* Before anything else runs: the secrets out of the environment, and
	 * every file this process creates private to its owner (issue 9 §4; the
	 * files that matter are also opened 0600 explicitly). */
	cli_secrets_take_env();
	umask(077);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	at_error err;
	if (modules_init(&err)) {   /* the modules' owner handles (door.h) */
		fprintf(stderr, "atena: %s\n", err.message);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->run(argc - 2, argv + 2);
	const module *m = module_find(argv[1]);
	if (m)
		return cli_module_main(m, argc - 2, argv + 2);
	fprintf(stderr, "atena: unknown command %s\n\n", argv[1]);
	usage(stderr);
	return 2;
}
