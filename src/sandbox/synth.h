/*
 * synth — a reproducible synthetic municipality (src/sandbox, DESIGN.md: the
 * synthetic ward of the demo), for `atena demo`, the tests and the benchmarks.
 *
 * Generates households one at a time (so a million persons never sit in
 * memory at once) with the record items of the resident register that the
 * benchmarks need (seed 001 §3 (1)): household number, addressee number
 * (宛名番号), resident record code (住民票コード), a valid My Number,
 * name in kanji and katakana, sex, date of birth, relationship to the
 * householder, address in the ward's own form, and for foreign residents
 * nationality and status of residence (在留資格).
 *
 * Guarantees:
 *  - Deterministic: the same config gives byte-identical output on every run
 *    and machine. Only integer arithmetic is used, and ages are counted to a
 *    fixed date (as_of), never to today.
 *  - Every My Number passes mynumber_check (11 digits + the statutory check
 *    digit). My Numbers, addressee numbers, resident record codes and
 *    household numbers are unique within one run: each is a keyed
 *    permutation of a counter, so uniqueness needs no memory.
 *  - Nothing here is real: the names are common names, the numbers are
 *    random. The PRNG is xoshiro256** — fast and reproducible, not
 *    cryptographic, and never to be used for keys or tokens.
 */
#ifndef ATENA_SANDBOX_SYNTH_H
#define ATENA_SANDBOX_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"

#define SYNTH_DEFAULT_MUNICIPALITY "131105"   /* 東京都目黒区 */
#define SYNTH_DEFAULT_AS_OF "2025-01-01"      /* the date ages and stays are counted to */
#define SYNTH_MAX_MEMBERS 6                   /* largest household generated */
#define SYNTH_MAX_HOUSEHOLDS 100000000u       /* 1e8 households, about 1.9e8 persons */

/* ---- Deterministic PRNG (xoshiro256**, seeded by splitmix64) ---------- */
typedef struct synth_rng {
	uint64_t s[4];
} synth_rng;

void synth_rng_seed(synth_rng *r, uint64_t seed);
uint64_t synth_rng_next(synth_rng *r);
/* Uniform in [0, n); n must be > 0. Unbiased (rejection). */
uint64_t synth_rng_below(synth_rng *r, uint64_t n);

/* ---- Configuration ------------------------------------------------------ */
typedef struct synth_config {
	uint64_t seed;
	size_t households;          /* households to generate, 1..SYNTH_MAX_HOUSEHOLDS */
	const char *municipality;   /* 6-digit code with check digit; NULL = 131105 */
	const char *as_of;          /* "YYYY-MM-DD"; NULL = SYNTH_DEFAULT_AS_OF */
} synth_config;

/* Municipalities with a town list: "131105 東京都目黒区, 131075 東京都墨田区". */
const char *synth_known_municipalities(void);

/* ---- One person and one household -------------------------------------- */
#define SYNTH_MALE 1     /* 性別コード 1 男 */
#define SYNTH_FEMALE 2   /* 性別コード 2 女 */

typedef struct synth_person {
	char addressee_no[11];      /* 宛名番号, 10 digits */
	char resident_code[12];     /* 住民票コード, 11 digits */
	char my_number[13];         /* 個人番号, 12 digits, valid check digit */
	char family_name[64];       /* kanji; Latin capitals for foreign residents */
	char given_name[64];
	char family_kana[96];       /* katakana reading */
	char given_kana[96];
	char name[132];             /* "佐藤　太郎" (full-width space); "SMITH JOHN" */
	char name_kana[196];        /* "サトウ　タロウ" */
	int sex;                    /* SYNTH_MALE or SYNTH_FEMALE */
	char birth_date[11];        /* YYYY-MM-DD */
	int age;                    /* full years at as_of */
	const char *relationship;   /* 続柄: 世帯主 妻 夫 子 父 母 妻の父 妻の母 孫 同居人 */
	char resident_since[11];    /* 住定異動日: moved in, or born here */
	bool foreign;               /* 外国人住民 */
	/* Foreign residents only ("" / NULL otherwise). */
	const char *nationality_code;   /* ISO 3166-1 alpha-2 */
	const char *nationality;        /* 国籍 in Japanese: 中国, 韓国, ... */
	const char *status;             /* 在留資格: 永住者, 留学, ... */
	const char *category;           /* 住基法30条の45区分: 中長期在留者 / 特別永住者 */
	const char *period;             /* 在留期間: "5年", "" when indefinite */
	char stay_expiry[11];           /* 在留期間満了日, "" when indefinite */
	char card_no[13];               /* 在留カード等番号: AB12345678CD */
	char alias_name[64];            /* 通称 (some special permanent residents), "" if none */
	char alias_kana[96];
} synth_person;

typedef struct synth_household {
	char household_no[11];      /* 世帯番号, 10 digits */
	char municipality[7];
	char postcode[9];           /* 152-0035 */
	char town_code[7];          /* 町字コード (synthetic: town index + 丁目) */
	char address[192];          /* 東京都目黒区自由が丘二丁目3番4号 */
	char address_extra[96];     /* 方書: "メゾン自由が丘203号室", "" for a house */
	size_t count;               /* members, 1..SYNTH_MAX_MEMBERS */
	synth_person members[SYNTH_MAX_MEMBERS];   /* members[0] is the householder */
} synth_household;

/* ---- Generator ------------------------------------------------------------ */
typedef struct synth synth;

/* Validates the config (naming the field: households, municipality, as_of). */
int synth_new(const synth_config *cfg, synth **out, at_error *err);
/* 1 with *out filled; 0 when every household has been produced. */
int synth_next_household(synth *g, synth_household *out);
void synth_free(synth *g);
/* Persons produced so far. */
size_t synth_persons(const synth *g);

/* Member i of h as one JSON object on one line (no newline), keys in a fixed
 * order, appended to out. */
void synth_person_json(const synth_household *h, size_t i, strbuf *out);

#endif
