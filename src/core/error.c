#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Cut a string that was truncated to fit back to a whole UTF-8 character, so
 * a long Japanese message never ends in half a character (JSON would refuse it). */
static void utf8_trim(char *s)
{
	size_t n = strlen(s);
	size_t i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	if (n - (i - 1) < want)
		s[i - 1] = '\0';
}

static void copy(char *dst, size_t n, const char *src)
{
	if (!src)
		src = "";
	if ((size_t)snprintf(dst, n, "%s", src) >= n)
		utf8_trim(dst);
}

int at_fail(at_error *err, int status, const char *code, const char *field,
	    const char *fmt, ...)
{
	if (!err)
		return -1;
	err->status = status;
	err->audited = false;   /* a new error is nobody's record yet */
	copy(err->code, sizeof err->code, code);
	copy(err->field, sizeof err->field, field);
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(err->message, sizeof err->message, fmt, ap) >= (int)sizeof err->message)
		utf8_trim(err->message);
	va_end(ap);
	return -1;
}

void at_error_clear(at_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}
