/*
 * atena — the one binary: administrator commands and the server.
 *
 * Every command has --help with an example. Exit status: 0 done, 1 the
 * operation was refused or failed (the message says why), 2 a usage error;
 * `mynumber check` and `audit verify` document their own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "core/error.h"
#include "registry/registry.h"
#include "tax/tax.h"

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
	{"registry", cmd_registry, "the resident register: events, views, search, certificates"},
	{"tax", cmd_tax, "the individual resident tax: compute, intake, assess, notices"},
	{NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: atena COMMAND [flags]   (atena COMMAND --help for details)\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-13s %s\n", c->name, c->summary);
	fprintf(f, "\nThe data directory is --data DIR, else $ATENA_DATA, else ./atena-data.\n");
}

void cli_error(const char *cmd, const at_error *err)
{
	if (err->field[0])
		fprintf(stderr, "atena %s: %s [%s, field %s]\n", cmd, err->message, err->code, err->field);
	else
		fprintf(stderr, "atena %s: %s [%s]\n", cmd, err->message, err->code);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	at_error err;
	if (registry_init(&err) || tax_init(&err)) {   /* the modules' owner handles (door.h) */
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
	fprintf(stderr, "atena: unknown command %s\n\n", argv[1]);
	usage(stderr);
	return 2;
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
