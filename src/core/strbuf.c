#include "core/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char sb_empty[1];

void sb_init(strbuf *sb)
{
	sb->buf = sb_empty;
	sb->len = 0;
	sb->cap = 0;
}

void sb_release(strbuf *sb)
{
	if (sb->cap)
		free(sb->buf);
	sb_init(sb);
}

void sb_reset(strbuf *sb)
{
	if (!sb->cap) {
		sb_init(sb);
		return;
	}
	sb->len = 0;
	sb->buf[0] = '\0';
}

char *sb_detach(strbuf *sb)
{
	char *s;
	if (!sb->cap) {
		s = malloc(1);
		if (!s)
			abort();
		s[0] = '\0';
	} else {
		s = sb->buf;
	}
	sb_init(sb);
	return s;
}

void sb_grow(strbuf *sb, size_t extra)
{
	if (!sb->buf)
		sb_init(sb);
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	char *nb = sb->cap ? realloc(sb->buf, cap) : malloc(cap);
	if (!nb)
		abort();
	if (!sb->cap)
		nb[0] = '\0';
	sb->buf = nb;
	sb->cap = cap;
}

void sb_add(strbuf *sb, const void *data, size_t len)
{
	sb_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_adds(strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addch(strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void sb_vaddf(strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		abort();
	sb_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_addf(strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sb_add_hex(strbuf *sb, const unsigned char *data, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	sb_grow(sb, len * 2);
	for (size_t i = 0; i < len; i++) {
		sb->buf[sb->len++] = hx[data[i] >> 4];
		sb->buf[sb->len++] = hx[data[i] & 15];
	}
	sb->buf[sb->len] = '\0';
}
