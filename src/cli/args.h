/*
 * args — the CLI's flag parser: `--name value` and `--switch`, each command
 * declaring the flags it accepts, so a misspelt flag is an error.
 */
#ifndef ATENA_CLI_ARGS_H
#define ATENA_CLI_ARGS_H

#include <stdbool.h>

#define ARGS_MAX 24

typedef struct arg_spec {
	const char *name;    /* without the dashes */
	bool takes_value;    /* false: a switch */
} arg_spec;

typedef struct args {
	const char *names[ARGS_MAX];
	const char *values[ARGS_MAX];   /* "" for switches */
	int n;
	const char *positional[4];
	int npos;
	bool help;
} args;

/* 0 on success; -1 after printing a message naming the flag to stderr. */
int args_parse(int argc, char **argv, const arg_spec *spec, args *out);
const char *args_get(const args *a, const char *name);   /* NULL when absent */
bool args_has(const args *a, const char *name);
/* Required flag: prints "atena CMD: --name is required" and returns NULL. */
const char *args_need(const args *a, const char *cmd, const char *name);

#endif
