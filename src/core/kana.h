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
 *
 * It also holds the one rule for what a reading (フリガナ) may contain, used by
 * the door for "kana" items, by the register and by the tax file layouts.
 */
#ifndef ATENA_CORE_KANA_H
#define ATENA_CORE_KANA_H

#include <stdbool.h>

#include "core/error.h"
#include "core/strbuf.h"

/* What kana_reading_ok accepts besides spaces, ー, ・ and half-width katakana. */
#define KANA_READING_ANY 0u        /* hiragana or katakana: a reading as a person writes it */
#define KANA_READING_KATAKANA 1u   /* katakana only: file layouts whose column is カナ */

/* true when s is valid UTF-8 made only of kana (hiragana U+3041..U+309F, katakana
 * U+30A0..U+30FF with ・ and ー; with KANA_READING_KATAKANA only U+30A1..U+30FC),
 * half-width katakana U+FF65..U+FF9F and spaces (ASCII and U+3000). "" is true:
 * whether a reading may be empty is the field's rule (text_check). */
bool kana_reading_ok(const char *s, unsigned flags);

/* Appends the key for UTF-8 text s to out. -1 when s is not valid UTF-8. */
int kana_search_key(const char *s, strbuf *out, at_error *err);

#endif
