#include "core/kana.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

bool kana_reading_ok(const char *s, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x80) {
			if (*p != ' ')
				return false;
			p++;
			continue;
		}
		/* every accepted character is 3 bytes in UTF-8: E3 or EF lead */
		if ((p[0] & 0xF0) != 0xE0 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return false;
		unsigned cp = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) |
			      (p[2] & 0x3Fu);
		bool kana = (flags & KANA_READING_KATAKANA) ? cp >= 0x30A1 && cp <= 0x30FC
							    : cp >= 0x3041 && cp <= 0x30FF;
		if (!kana && cp != 0x3000 && !(cp >= 0xFF65 && cp <= 0xFF9F))
			return false;
		p += 3;
	}
	return true;
}

/* Small kana (hiragana, after katakana→hiragana) and their full-size forms. */
static UChar full_size(UChar c)
{
	switch (c) {
	case 0x3041: case 0x3043: case 0x3045: case 0x3047: case 0x3049:   /* ぁぃぅぇぉ */
	case 0x3063: case 0x3083: case 0x3085: case 0x3087: case 0x308E:   /* っゃゅょゎ */
		return (UChar)(c + 1);
	case 0x3095:   /* ゕ → か */
		return 0x304B;
	case 0x3096:   /* ゖ → け */
		return 0x3051;
	default:
		return c;
	}
}

int kana_search_key(const char *s, strbuf *out, at_error *err)
{
	UErrorCode ue = U_ZERO_ERROR;
	int32_t n16 = 0;
	u_strFromUTF8(NULL, 0, &n16, s, -1, &ue);
	if (ue != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(ue))
		return at_fail(err, 400, AT_E_INVALID, "value", "the search text is not valid UTF-8");
	ue = U_ZERO_ERROR;
	size_t cap = (size_t)n16 * 4 + 8;   /* NFKC/NFD can expand */
	UChar *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b);
	if (!a || !b)
		abort();
	int rc = -1;
	u_strFromUTF8(a, (int32_t)cap, &n16, s, -1, &ue);
	if (U_FAILURE(ue)) {
		at_fail(err, 400, AT_E_INVALID, "value", "the search text is not valid UTF-8");
		goto out;
	}
	const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&ue);
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&ue);
	int32_t nb = unorm2_normalize(nfkc, a, n16, b, (int32_t)cap, &ue);
	/* Katakana → hiragana (U+30A1..U+30F6 map 0x60 down), then NFD to split voicing marks. */
	for (int32_t i = 0; i < nb; i++)
		if (b[i] >= 0x30A1 && b[i] <= 0x30F6)
			b[i] = (UChar)(b[i] - 0x60);
	int32_t na = unorm2_normalize(nfd, b, nb, a, (int32_t)cap, &ue);
	if (U_FAILURE(ue)) {
		at_fail(err, 500, AT_E_INTERNAL, "value", "normalising the search text failed: %s",
			u_errorName(ue));
		goto out;
	}
	int32_t k = 0;
	for (int32_t i = 0; i < na; i++) {
		UChar c = a[i];
		if (c == 0x3099 || c == 0x309A || c == 0x309B || c == 0x309C)   /* voicing marks */
			continue;
		if (c == 0x0020 || c == 0x3000)
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (UChar)(c + 32);
		b[k++] = full_size(c);
	}
	/* Recompose whatever is left (Latin accents) so keys are canonical. */
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&ue);
	na = unorm2_normalize(nfc, b, k, a, (int32_t)cap, &ue);
	int32_t n8 = 0;
	u_strToUTF8(NULL, 0, &n8, a, na, &ue);
	ue = U_ZERO_ERROR;
	sb_grow(out, (size_t)n8 + 1);
	u_strToUTF8(out->buf + out->len, (int32_t)(out->cap - out->len), &n8, a, na, &ue);
	if (U_FAILURE(ue)) {
		at_fail(err, 500, AT_E_INTERNAL, "value", "encoding the search key failed");
		goto out;
	}
	out->len += (size_t)n8;
	out->buf[out->len] = '\0';
	rc = 0;
out:
	free(a);
	free(b);
	return rc;
}
