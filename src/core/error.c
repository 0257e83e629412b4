#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void copy(char *dst, size_t n, const char *src)
{
	if (!src)
		src = "";
	snprintf(dst, n, "%s", src);
}

int at_fail(at_error *err, int status, const char *code, const char *field,
	    const char *fmt, ...)
{
	if (!err)
		return -1;
	err->status = status;
	copy(err->code, sizeof err->code, code);
	copy(err->field, sizeof err->field, field);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return -1;
}

void at_error_clear(at_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}
