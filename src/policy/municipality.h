/*
 * municipality — who the installation is: the identity of the municipality
 * a data directory serves, as data (data/municipalities/CODE.json, built into
 * the binary), never as C.
 *
 * A municipality file gives the name (目黒区), the prefecture (東京都), the
 * kind (区, 市, 町 or 村), the head's title and name (目黒区長; the name may
 * be null where no source was found, and then only the title is printed),
 * the names of its two levies (特別区民税・都民税, 市民税・県民税; 地方税法1条
 * 2項), and the months of ordinary collection (普通徴収の納期, 地方税法320条).
 * Files are validated when read: a missing, mistyped or unknown key is an
 * error naming the field ("municipalities/131105.json: head.title is
 * required").
 *
 * `atena init --municipality CODE` (platform_init) refuses a code without a
 * file and stores the file's text with the database, so a data directory
 * keeps the identity it was initialised with; certificates and notices read
 * it with municipality_of. A directory initialised before identities were
 * data falls back to the built-in file of its recorded code.
 *
 * Typical use:
 *   at_municipality m;
 *   if (municipality_of(door_store(d), &m, err)) return -1;
 *   municipality_issuer(&m, issuer);      // "東京都目黒区長"
 */
#ifndef ATENA_POLICY_MUNICIPALITY_H
#define ATENA_POLICY_MUNICIPALITY_H

#include <stddef.h>

#include "core/error.h"
#include "store/store.h"

#define MUNICIPALITY_MAX_MONTHS 12   /* at most one 納期 a month */
#define MUNICIPALITY_TEXT 96          /* bytes for a name or title: 31 characters (UTF-8) */
#define MUNICIPALITY_ISSUER (5 * MUNICIPALITY_TEXT)   /* bytes for municipality_issuer */

typedef struct at_municipality {
	char code[7];                        /* 全国地方公共団体コード, with check digit */
	char name[MUNICIPALITY_TEXT];        /* 目黒区 */
	char prefecture[MUNICIPALITY_TEXT];  /* 東京都 */
	char kind[8];                        /* 区 | 市 | 町 | 村 */
	char head_title[MUNICIPALITY_TEXT];  /* 目黒区長 */
	char head_name[MUNICIPALITY_TEXT];   /* "" when the file has none (要確認) */
	char municipal_tax[MUNICIPALITY_TEXT];    /* 特別区民税 / 市民税 / 町民税 / 村民税 */
	char prefectural_tax[MUNICIPALITY_TEXT];  /* 都民税 / 道民税 / 府民税 / 県民税 */
	int ordinary_months[MUNICIPALITY_MAX_MONTHS];  /* calendar months, June..May order */
	size_t n_ordinary_months;
} at_municipality;

/* Parse and validate a municipality file's text with the strict reader of
 * core/json.h; `source` names it in errors ("municipalities/131105.json").
 * A file that breaks a rule is Atena's own fault: 500, naming the field. */
int municipality_parse(const char *json_text, const char *source, at_municipality *out,
		       at_error *err);
/* The built-in file of a code, its text in *text (static) when not NULL:
 * 404 naming `field` when Atena has no file for it. */
int municipality_builtin(const char *code, const char *field, at_municipality *out,
			 const char **text, at_error *err);
/* The identity of the installation (stored at init). */
int municipality_of(store *s, at_municipality *out, at_error *err);
/* Store a built-in identity with the database (platform_init). */
int municipality_store(store *s, const char *code, at_error *err);

/* "東京都目黒区" (prefecture and name; a name that already starts with the
 * prefecture is not doubled). */
void municipality_full_name(const at_municipality *m, char out[2 * MUNICIPALITY_TEXT]);
/* The issuer printed under a certificate or notice: "東京都目黒区長", and
 * "東京都目黒区長　氏名" when the head's name is known. */
void municipality_issuer(const at_municipality *m, char out[MUNICIPALITY_ISSUER]);

#endif
