/*
 * secret.c — the staff member's password, one-time code and new password
 * for a module command (cli.h "Secrets"): taken out of the environment at
 * the start of main, read from a descriptor, or asked for on the terminal.
 *
 * Why: a variable in the environment stays readable in /proc/PID/environ
 * (by the same user, and by root) for as long as the process runs, and the
 * kernel keeps the copy made at exec, whatever unsetenv does to `environ`
 * (issue 9 §4). So the value is copied, then wiped in that copy, then unset.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium/utils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"

extern char **environ;

static const struct secret_kind {
	const char *env;     /* the variable */
	const char *flag;    /* the --flag that names a descriptor */
	const char *what;    /* for messages and the prompt */
} kinds[CLI_SECRET_KINDS] = {
	[CLI_SECRET_PASSWORD] = {"ATENA_PASSWORD", "password-fd", "password"},
	[CLI_SECRET_TOTP] = {"ATENA_TOTP", "totp-fd", "one-time code"},
	[CLI_SECRET_NEW_PASSWORD] = {"ATENA_NEW_PASSWORD", "new-password-fd", "new password"},
};

/* The copies taken from the environment, and the values read for this run. */
static struct secret {
	char env[CLI_SECRET_MAX + 1];
	bool env_set, env_too_long;
	char value[CLI_SECRET_MAX + 1];
} secrets[CLI_SECRET_KINDS];

static void secrets_wipe(void)
{
	sodium_memzero(secrets, sizeof secrets);
}

/* Copy the first NAME=value of environ (getenv's choice), unset NAME, then
 * wipe every NAME=... string in place, name and value. */
static void take_one(const char *name, struct secret *sec)
{
	size_t n = strlen(name), count = 0;
	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			count++;
	if (!count)
		return;
	char **found = malloc(count * sizeof *found);
	if (!found)
		abort();
	size_t k = 0;
	for (char **e = environ; e && *e && k < count; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			found[k++] = *e;
	const char *v = found[0] + n + 1;
	size_t len = strlen(v);
	if (len > CLI_SECRET_MAX) {
		sec->env_too_long = true;
	} else {
		memcpy(sec->env, v, len + 1);
		sec->env_set = len > 0;
	}
	/* unsetenv drops the pointers from environ but not the strings: those
	 * are the kernel's copy that /proc/PID/environ shows. */
	unsetenv(name);
	for (size_t i = 0; i < count; i++)
		sodium_memzero(found[i], strlen(found[i]));
	free(found);
}

void cli_secrets_take_env(void)
{
	static bool registered;
	if (!registered && atexit(secrets_wipe) == 0)
		registered = true;
	for (int k = 0; k < CLI_SECRET_KINDS; k++)
		take_one(kinds[k].env, &secrets[k]);
}

/* One line (without its newline) from fd into out, a byte at a time so that
 * nothing after it is consumed: two secrets may share one descriptor.
 * 0, 1 when longer than CLI_SECRET_MAX, -1 with errno. */
static int read_line(int fd, char *out)
{
	size_t len = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (len == CLI_SECRET_MAX) {
			sodium_memzero(out, CLI_SECRET_MAX + 1);
			return 1;
		}
		out[len++] = c;
	}
	if (len && out[len - 1] == '\r')
		len--;
	out[len] = '\0';
	return 0;
}

/* --FLAG N: one line from descriptor N. 0, or 2 after a usage message. */
static int from_fd(const struct secret_kind *k, const char *cmd, const char *arg, char *out)
{
	char *end = NULL;
	errno = 0;
	long fd = strtol(arg, &end, 10);
	if (!*arg || *end || errno || fd < 0 || fd > 1000000)
		return cli_usage(cmd, "--%s takes a file descriptor number, not '%s'", k->flag, arg);
	if (fcntl((int)fd, F_GETFD) < 0)
		return cli_usage(cmd, "--%s %ld: descriptor %ld is not open", k->flag, fd, fd);
	int r = read_line((int)fd, out);
	if (r < 0)
		return cli_usage(cmd, "--%s %ld: cannot read the %s: %s", k->flag, fd, k->what,
				 strerror(errno));
	if (r > 0)
		return cli_usage(cmd, "--%s %ld: the %s is longer than %d bytes", k->flag, fd,
				 k->what, CLI_SECRET_MAX);
	if (!*out)
		return cli_usage(cmd, "--%s %ld gave an empty %s", k->flag, fd, k->what);
	return 0;
}

/* Ask on the controlling terminal with echo off. Only when a person is
 * there: stdin a terminal (a script or a test with stdin redirected gets
 * the usage error instead of a prompt nobody answers). 0, 1 when there is
 * no terminal, 2 after a message. */
static int from_tty(const struct secret_kind *k, const char *cmd, const char *prompt, char *out)
{
	if (!isatty(STDIN_FILENO))
		return 1;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	struct termios saved, quiet;
	bool restore = tcgetattr(fd, &saved) == 0;
	if (restore) {
		quiet = saved;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	(void)cli_write_all(fd, prompt, strlen(prompt));
	int r = read_line(fd, out);
	int e = errno;
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &saved);
	(void)cli_write_all(fd, "\n", 1);
	close(fd);
	if (r < 0)
		return cli_usage(cmd, "cannot read the %s from the terminal: %s", k->what, strerror(e));
	if (r > 0)
		return cli_usage(cmd, "the %s is longer than %d bytes", k->what, CLI_SECRET_MAX);
	if (!*out)
		return cli_usage(cmd, "no %s was typed", k->what);
	return 0;
}

int cli_secret(cli_secret_kind kind, const args *a, const char *cmd, const char *prompt,
	       const char **out)
{
	*out = NULL;
	if ((int)kind < 0 || (int)kind >= CLI_SECRET_KINDS)
		abort();
	const struct secret_kind *k = &kinds[kind];
	struct secret *sec = &secrets[kind];
	/* The flag wins over the environment, as --data does over $ATENA_DATA. */
	const char *fd = a ? args_get(a, k->flag) : NULL;
	int rc;
	if (fd) {
		rc = from_fd(k, cmd, fd, sec->value);
	} else if (sec->env_too_long) {
		rc = cli_usage(cmd, "$%s is longer than %d bytes", k->env, CLI_SECRET_MAX);
	} else if (sec->env_set) {
		memcpy(sec->value, sec->env, sizeof sec->value);
		rc = 0;
	} else if (prompt) {
		rc = from_tty(k, cmd, prompt, sec->value);
	} else {
		rc = 1;
	}
	if (rc == 0)
		*out = sec->value;
	return rc;
}
