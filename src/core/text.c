#include "core/text.h"

#include <string.h>

size_t text_utf8_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (*p) {
		unsigned c = *p;
		size_t k;
		unsigned cp;
		if (c < 0x80) {
			k = 0;
			cp = c;
		} else if ((c & 0xE0) == 0xC0) {
			k = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			k = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			k = 3;
			cp = c & 0x07;
		} else {
			return (size_t)-1;
		}
		for (size_t i = 1; i <= k; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return (size_t)-1;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		/* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return (size_t)-1;
		p += k + 1;
		n++;
	}
	return n;
}

static bool has_control(const char *s, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7F) {
			if ((flags & TEXT_MULTILINE) && (*p == '\n' || *p == '\t'))
				continue;
			return true;
		}
		/* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F */
		if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			return true;
	}
	return false;
}

int text_check(const char *s, const char *field, size_t max_chars, bool allow_empty,
	       unsigned flags, at_error *err)
{
	if (!s)
		return at_fail(err, 400, AT_E_MISSING, field, "%s is required", field);
	size_t n = text_utf8_len(s);
	if (n == (size_t)-1)
		return at_fail(err, 400, AT_E_INVALID, field, "%s must be valid UTF-8 text", field);
	if (has_control(s, flags))
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s must not contain control characters", field);
	if (n == 0 && !allow_empty)
		return at_fail(err, 400, AT_E_INVALID, field, "%s must not be empty", field);
	if (n > max_chars)
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s must be at most %zu characters (got %zu)", field, max_chars, n);
	return 0;
}

bool text_is_digits(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool text_in_list(const char *const *list, const char *s)
{
	if (!s)
		return false;
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

bool text_equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = (unsigned char)(la != lb);
	size_t n = la < lb ? la : lb;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}
