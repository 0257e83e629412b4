/*
 * strbuf — the one growable string buffer every Atena module uses.
 *
 * A strbuf always holds a NUL-terminated string (buf is never NULL after
 * sb_init), so it can be handed to any C string API. Allocation failure
 * aborts: Atena treats out-of-memory as fatal rather than threading an error
 * through every append.
 */
#ifndef ATENA_CORE_STRBUF_H
#define ATENA_CORE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
	char *buf;   /* NUL-terminated contents */
	size_t len;  /* bytes used, excluding the NUL */
	size_t cap;  /* bytes allocated */
} strbuf;

#define STRBUF_INIT {0}

void sb_init(strbuf *sb);
void sb_release(strbuf *sb);              /* free and reset to empty */
void sb_reset(strbuf *sb);                /* keep memory, set length 0 */
char *sb_detach(strbuf *sb);              /* caller owns the returned string */
void sb_grow(strbuf *sb, size_t extra);
void sb_add(strbuf *sb, const void *data, size_t len);
void sb_adds(strbuf *sb, const char *s);
void sb_addch(strbuf *sb, char c);
void sb_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(strbuf *sb, const char *fmt, va_list ap);
void sb_add_hex(strbuf *sb, const unsigned char *data, size_t len);

#endif
