/*
 * Small fixtures the module tests share: a fresh data directory, JSON bodies written with
 * single quotes, and My Numbers with a valid check digit.
 * Header-only, like test.h; include after test.h.
 */
#ifndef ATENA_TEST_FIXTURES_H
#define ATENA_TEST_FIXTURES_H

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mynumber.h"

/* A fresh empty directory under $ATENA_TEST_TMP (or /tmp) named PREFIX-XXXXXX; dir becomes
 * its "data" subdirectory, not yet created (platform_init makes it 0700). Exits on failure. */
static inline void fixture_data_dir(char *dir, size_t n, const char *prefix)
{
	const char *tmp = getenv("ATENA_TEST_TMP");
	snprintf(dir, n, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
	if (!mkdtemp(dir) || strlen(dir) + sizeof "/data" > n) {
		perror("mkdtemp");
		exit(1);
	}
	strcat(dir, "/data");
}

/* A valid My Number from its first 11 digits (the check digit computed). */
static inline void mk_mynumber(const char *first11, char out[13])
{
	memcpy(out, first11, 11);
	out[11] = (char)('0' + mynumber_check_digit(first11));
	out[12] = '\0';
}

/* Build a JSON value from a printf format (single quotes stand for double). */
static inline __attribute__((format(printf, 1, 2))) json_t *J(const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if (*p == '\'')
			*p = '"';
	json_error_t je;
	json_t *v = json_loads(buf, JSON_DECODE_ANY, &je);
	if (!v) {
		fprintf(stderr, "bad test JSON: %s: %s\n", je.text, buf);
		exit(2);
	}
	return v;
}

#endif
