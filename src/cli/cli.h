/* The CLI's commands (one file per group) and their shared helpers. */
#ifndef ATENA_CLI_CLI_H
#define ATENA_CLI_CLI_H

#include <stddef.h>

#include "core/error.h"

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
int cmd_registry(int argc, char **argv);
int cmd_tax(int argc, char **argv);

/* "atena CMD: message [code, field F]" on stderr. */
void cli_error(const char *cmd, const at_error *err);
/* Write all of buf to fd (0, or -1 with errno). */
int cli_write_all(int fd, const char *buf, size_t n);
/* The terminal id the CLI records in the audit log: "console:<host>". */
const char *cli_terminal(void);

#endif
