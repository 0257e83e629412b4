/*
 * kana — the normalised search key for names in kana.
 *
 * Search by name must find a person however the clerk types the reading:
 * katakana or hiragana, full or half width, with or without voicing marks.
 * The key follows the CS's 清音化かな氏名 (seed 001 §3 (2), item 5):
 *   1. NFKC (half-width katakana and full-width Latin become standard width);
 *   2. katakana → hiragana;
 *   3. voicing marks removed (が→か, ぱ→は: 清音化);
 *   4. small kana made full size (ゃ→や, っ→つ), as the CS's key does;
 *   5. spaces (ASCII and ideographic) removed; Latin letters lower-cased.
 * Names themselves are stored as given; only the index holds the key.
 */
#ifndef ATENA_CORE_KANA_H
#define ATENA_CORE_KANA_H

#include "core/error.h"
#include "core/strbuf.h"

/* Appends the key for UTF-8 text s to out. -1 when s is not valid UTF-8. */
int kana_search_key(const char *s, strbuf *out, at_error *err);

#endif
