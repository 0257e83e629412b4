/*
 * text — validation of text that comes from outside.
 *
 * Every string an Atena user or file supplies passes text_check before it is
 * stored: it must be valid UTF-8, contain no control characters (C0, DEL, C1)
 * and fit the field's length in characters. Tabs and newlines are refused too
 * unless the caller allows multi-line text.
 */
#ifndef ATENA_CORE_TEXT_H
#define ATENA_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define TEXT_MULTILINE 1u   /* allow \n and \t */

/* 0 when s is valid UTF-8 without control characters and has 1..max_chars
 * characters (0..max_chars when allow_empty); -1 with an error naming field. */
int text_check(const char *s, const char *field, size_t max_chars, bool allow_empty,
	       unsigned flags, at_error *err);

/* Number of code points, or (size_t)-1 when s is not valid UTF-8. */
size_t text_utf8_len(const char *s);

/* true when s is exactly n ASCII digits. */
bool text_is_digits(const char *s, size_t n);

/* true when s equals one entry of the NULL-terminated list (s may be NULL: false). */
bool text_in_list(const char *const *list, const char *s);

/* Constant-time comparison of two NUL-terminated strings of equal length. */
bool text_equal_ct(const char *a, const char *b);

#endif
