/*
 * synth — the generator behind sandbox/synth.h.
 *
 * One household at a time: pick a household type (single, couple, family,
 * single parent, three generations, adult child with parent, roommates, or a
 * foreign-resident household), draw the ages that type implies from the
 * national age pyramid, then names, identifiers and the address. All draws
 * come from one xoshiro256** stream in a fixed order, so output depends on
 * the config alone.
 */
#include "sandbox/synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mynumber.h"
#include "sandbox/synth_names.h"

/* ---- PRNG --------------------------------------------------------------- */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t mix64(uint64_t x)
{
	return splitmix64(&x);
}

void synth_rng_seed(synth_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t synth_rng_next(synth_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t synth_rng_below(synth_rng *r, uint64_t n)
{
	uint64_t threshold = (0 - n) % n;   /* 2^64 mod n: values below it are biased */
	for (;;) {
		uint64_t x = synth_rng_next(r);
		if (x >= threshold)
			return x % n;
	}
}

/* ---- Unique identifiers: a keyed permutation of a counter ---------------
 * A balanced Feistel network on Z_a x Z_a (a*a >= n) with cycle walking is a
 * bijection on [0, n): distinct counters give distinct identifiers. */
typedef struct perm {
	uint64_t n, a, key;
} perm;

static perm perm_make(uint64_t n, uint64_t key)
{
	uint64_t a = 1;
	while (a * a < n)
		a++;
	perm p = {n, a, key};
	return p;
}

static uint64_t perm_apply(const perm *p, uint64_t x)
{
	do {
		uint64_t l = x / p->a, r = x % p->a;
		for (uint64_t round = 0; round < 6; round++) {
			uint64_t f = mix64(p->key ^ (round << 56) ^ r) % p->a;
			uint64_t nl = r;
			r = (l + f) % p->a;
			l = nl;
		}
		x = l * p->a + r;
	} while (x >= p->n);
	return x;
}

/* ---- The generator ------------------------------------------------------- */
struct synth {
	synth_config cfg;
	char municipality[7];
	const sn_ward *ward;
	int64_t as_of_days;
	at_date as_of;
	synth_rng rng;
	perm p_my_number, p_resident, p_addressee, p_household;
	uint64_t persons;       /* persons produced: the counter behind person ids */
	uint64_t households;    /* households produced */
	const sn_name *alias;   /* the current household's 通称 surname, once drawn */
};

const char *synth_known_municipalities(void)
{
	return "131105 東京都目黒区, 131075 東京都墨田区";
}

int synth_new(const synth_config *cfg, synth **out, at_error *err)
{
	*out = NULL;
	if (cfg->households < 1 || cfg->households > SYNTH_MAX_HOUSEHOLDS)
		return at_fail(err, 400, AT_E_INVALID, "households",
			       "households must be between 1 and %u", SYNTH_MAX_HOUSEHOLDS);
	const char *code = cfg->municipality ? cfg->municipality : SYNTH_DEFAULT_MUNICIPALITY;
	if (municipality_code_validate(code, "municipality", err))
		return -1;
	const sn_ward *ward = NULL;
	for (size_t i = 0; i < sizeof SN_WARDS / sizeof SN_WARDS[0]; i++)
		if (strcmp(SN_WARDS[i].code, code) == 0)
			ward = &SN_WARDS[i];
	if (!ward)
		return at_fail(err, 400, AT_E_INVALID, "municipality",
			       "municipality %s has no town list in the generator; known: %s", code,
			       synth_known_municipalities());
	at_date as_of;
	if (date_parse(cfg->as_of ? cfg->as_of : SYNTH_DEFAULT_AS_OF, &as_of, "as_of", err))
		return -1;
	if (as_of.month == 2 && as_of.day == 29)
		return at_fail(err, 400, AT_E_INVALID, "as_of",
			       "as_of may not be 29 February (ages would be ambiguous)");

	synth *g = calloc(1, sizeof *g);
	if (!g)
		abort();
	g->cfg = *cfg;
	memcpy(g->municipality, code, 7);
	g->cfg.municipality = g->municipality;
	g->cfg.as_of = NULL;
	g->ward = ward;
	g->as_of = as_of;
	g->as_of_days = date_to_days(as_of);
	synth_rng_seed(&g->rng, cfg->seed);
	/* Keys for the identifier permutations, derived from the seed. */
	uint64_t k = cfg->seed ^ 0x61746E61u;   /* "atna" */
	g->p_my_number = perm_make(100000000000ull, splitmix64(&k));
	g->p_resident = perm_make(100000000000ull, splitmix64(&k));
	g->p_addressee = perm_make(10000000000ull, splitmix64(&k));
	g->p_household = perm_make(10000000000ull, splitmix64(&k));
	*out = g;
	return 0;
}

void synth_free(synth *g)
{
	free(g);
}

size_t synth_persons(const synth *g)
{
	return (size_t)g->persons;
}

/* ---- Draws ------------------------------------------------------------- */
static unsigned below(synth *g, unsigned n)
{
	return (unsigned)synth_rng_below(&g->rng, n);
}

/* true with probability pct/100. */
static bool chance(synth *g, unsigned pct)
{
	return below(g, 100) < pct;
}

static int range(synth *g, int lo, int hi)
{
	if (hi < lo)
		hi = lo;
	return lo + (int)below(g, (unsigned)(hi - lo + 1));
}

/* Age in [lo, hi] with the shape of the national pyramid. */
static int age_in(synth *g, int lo, int hi)
{
	if (lo < 0)
		lo = 0;
	if (hi > 104)
		hi = 104;
	if (hi < lo)
		hi = lo;
	for (;;) {
		int a = range(g, lo, hi);
		if (below(g, 200) < SN_AGE_W[a / 5])
			return a;
	}
}

static const sn_name *pick_weighted(synth *g, const sn_name *t, size_t n)
{
	unsigned total = 0;
	for (size_t i = 0; i < n; i++)
		total += t[i].w;
	unsigned r = below(g, total);
	for (size_t i = 0; i < n; i++) {
		if (r < t[i].w)
			return &t[i];
		r -= t[i].w;
	}
	return &t[n - 1];
}

/* Uniform pick; used for foreign names. */
static const sn_name *pick_any(synth *g, const sn_name *t, size_t n)
{
	return &t[below(g, (unsigned)n)];
}

/* Given names: earlier entries of a list are the more common (weight 2n - i);
 * within five years of an era's edge, a third of people get a name from the
 * neighbouring era. */
static const sn_name *pick_given(synth *g, int sex, int birth_year)
{
	int era = birth_year < 1960 ? 0 : birth_year < 1990 ? 1 : 2;
	if (chance(g, 33)) {
		if (birth_year >= 1955 && birth_year < 1965)
			era = era == 0 ? 1 : 0;
		else if (birth_year >= 1985 && birth_year < 1995)
			era = era == 1 ? 2 : 1;
	}
	const sn_name *t;
	size_t n;
	if (sex == SYNTH_MALE) {
		t = era == 0 ? SN_MALE_0 : era == 1 ? SN_MALE_1 : SN_MALE_2;
		n = era == 0 ? sizeof SN_MALE_0 / sizeof SN_MALE_0[0]
		    : era == 1 ? sizeof SN_MALE_1 / sizeof SN_MALE_1[0]
			       : sizeof SN_MALE_2 / sizeof SN_MALE_2[0];
	} else {
		t = era == 0 ? SN_FEMALE_0 : era == 1 ? SN_FEMALE_1 : SN_FEMALE_2;
		n = era == 0 ? sizeof SN_FEMALE_0 / sizeof SN_FEMALE_0[0]
		    : era == 1 ? sizeof SN_FEMALE_1 / sizeof SN_FEMALE_1[0]
			       : sizeof SN_FEMALE_2 / sizeof SN_FEMALE_2[0];
	}
	for (;;) {   /* rejection: accept entry i with probability (2n - i) / 2n */
		unsigned i = below(g, (unsigned)n);
		if (below(g, 2 * (unsigned)n) < 2 * (unsigned)n - i)
			return &t[i];
	}
}

static const sn_name *pick_surname(synth *g)
{
	return pick_weighted(g, SN_SURNAMES, sizeof SN_SURNAMES / sizeof SN_SURNAMES[0]);
}

static const sn_nation *pick_nation(synth *g)
{
	unsigned total = 0;
	size_t n = sizeof SN_NATIONS / sizeof SN_NATIONS[0];
	for (size_t i = 0; i < n; i++)
		total += SN_NATIONS[i].w;
	unsigned r = below(g, total);
	for (size_t i = 0; i < n; i++) {
		if (r < SN_NATIONS[i].w)
			return &SN_NATIONS[i];
		r -= SN_NATIONS[i].w;
	}
	return &SN_NATIONS[0];
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

static void format_days(int64_t days, char out[11])
{
	date_format(date_from_days(days), out);
}

/* v as exactly `width` decimal digits (v < 10^width), NUL-terminated. */
static void put_digits(char *out, uint64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	out[width] = '\0';
}

/* ---- Person ------------------------------------------------------------ */
static const char *const REL_HEAD = "世帯主";
static const char *const REL_WIFE = "妻";
static const char *const REL_HUSBAND = "夫";
static const char *const REL_CHILD = "子";
static const char *const REL_FATHER = "父";
static const char *const REL_MOTHER = "母";
static const char *const REL_WIFE_FATHER = "妻の父";
static const char *const REL_WIFE_MOTHER = "妻の母";
static const char *const REL_LODGER = "同居人";

/* Identifiers, sex, age and date of birth; names are set by the caller. */
static void person_base(synth *g, synth_person *p, int sex, int age, const char *rel)
{
	memset(p, 0, sizeof *p);
	uint64_t i = g->persons++;
	put_digits(p->addressee_no, perm_apply(&g->p_addressee, i), 10);
	put_digits(p->resident_code, perm_apply(&g->p_resident, i), 11);
	put_digits(p->my_number, perm_apply(&g->p_my_number, i), 11);
	p->my_number[11] = (char)('0' + mynumber_check_digit(p->my_number));
	p->my_number[12] = '\0';
	p->sex = sex;
	p->age = age;
	p->relationship = rel;
	/* Born in (as_of - (age+1) years, as_of - age years]. */
	at_date hi = g->as_of, lo = g->as_of;
	hi.year -= age;
	lo.year -= age + 1;
	int64_t dlo = date_to_days(lo) + 1, dhi = date_to_days(hi);
	int64_t born = dlo + (int64_t)synth_rng_below(&g->rng, (uint64_t)(dhi - dlo + 1));
	format_days(born, p->birth_date);
	p->nationality_code = "";
	p->nationality = "";
	p->status = "";
	p->category = "";
	p->period = "";
}

static int birth_year(const synth_person *p)
{
	return atoi(p->birth_date);
}

static void set_names(synth_person *p, const char *fam, const char *fam_kana, const char *given,
		      const char *given_kana, const char *sep)
{
	copy(p->family_name, sizeof p->family_name, fam);
	copy(p->family_kana, sizeof p->family_kana, fam_kana);
	copy(p->given_name, sizeof p->given_name, given);
	copy(p->given_kana, sizeof p->given_kana, given_kana);
	snprintf(p->name, sizeof p->name, "%s%s%s", fam, sep, given);
	snprintf(p->name_kana, sizeof p->name_kana, "%s　%s", fam_kana, given_kana);
}

static void japanese(synth *g, synth_person *p, int sex, int age, const char *rel,
		     const sn_name *surname)
{
	person_base(g, p, sex, age, rel);
	const sn_name *given = pick_given(g, sex, birth_year(p));
	set_names(p, surname->kanji, surname->kana, given->kanji, given->kana, "　");
}

typedef struct period {
	const char *text;
	int days;
} period;

static const period P_SHORT[] = {{"1年", 365}, {"1年3月", 456}, {"2年", 730}, {"2年3月", 821}};
static const period P_WORK[] = {{"1年", 365}, {"3年", 1095}, {"5年", 1826}};

/* Status of residence and what follows from it. */
static void set_status(synth *g, synth_person *p, const char *status)
{
	p->status = status;
	bool indefinite = strcmp(status, "永住者") == 0 || strcmp(status, "特別永住者") == 0;
	p->category = strcmp(status, "特別永住者") == 0 ? "特別永住者" : "中長期在留者";
	if (indefinite) {
		p->period = "";
		p->stay_expiry[0] = '\0';
	} else {
		const period *pd = strcmp(status, "留学") == 0 ? &P_SHORT[below(g, 4)]
								: &P_WORK[below(g, 3)];
		p->period = pd->text;
		format_days(g->as_of_days + 1 + (int64_t)below(g, (unsigned)pd->days),
			    p->stay_expiry);
	}
	static const char L[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
	char *c = p->card_no;
	c[0] = L[below(g, 24)];
	c[1] = L[below(g, 24)];
	for (int i = 2; i < 10; i++)
		c[i] = (char)('0' + below(g, 10));
	c[10] = L[below(g, 24)];
	c[11] = L[below(g, 24)];
	c[12] = '\0';
}

/* A foreign resident of nation n; fam is the surname to use (NULL = draw). */
static void foreigner(synth *g, synth_person *p, int sex, int age, const char *rel,
		      const sn_nation *n, const sn_name *fam, const char *status)
{
	person_base(g, p, sex, age, rel);
	if (!fam)
		fam = pick_any(g, n->family, n->nfamily);
	const sn_name *given = sex == SYNTH_MALE ? pick_any(g, n->male, n->nmale)
						 : pick_any(g, n->female, n->nfemale);
	set_names(p, fam->kanji, fam->kana, given->kanji, given->kana, " ");
	p->foreign = true;
	p->nationality_code = n->code;
	p->nationality = n->name_ja;
	set_status(g, p, status);
	/* Many special permanent residents use a registered Japanese alias (通称). */
	if (strcmp(status, "特別永住者") == 0 && chance(g, 60)) {
		if (!g->alias)
			g->alias = pick_surname(g);   /* one alias surname per household */
		const sn_name *s = g->alias;
		const sn_name *gv = pick_given(g, sex, birth_year(p));
		snprintf(p->alias_name, sizeof p->alias_name, "%s　%s", s->kanji, gv->kanji);
		snprintf(p->alias_kana, sizeof p->alias_kana, "%s　%s", s->kana, gv->kana);
	}
}

/* ---- Households ------------------------------------------------------------ */
static int other_sex(int sex)
{
	return sex == SYNTH_MALE ? SYNTH_FEMALE : SYNTH_MALE;
}

/* Spouse of the householder: the wife is 0..6 years younger, sometimes older. */
static int spouse_age(synth *g, int hh_age, int hh_sex)
{
	int d = range(g, -2, 6);
	int a = hh_sex == SYNTH_MALE ? hh_age - d : hh_age + d;
	return a < 20 ? 20 : a > 102 ? 102 : a;
}

/* Children of a mother aged m: born when she was 22..44, at most 30 now. */
static int child_age(synth *g, int m)
{
	int lo = m - 44, hi = m - 22;
	if (hi > 30)
		hi = 30;
	if (lo < 0)
		lo = 0;
	return age_in(g, lo, hi < lo ? lo : hi);
}

/* A child's age not equal to any of the n siblings' already drawn (a few tries,
 * then twins are allowed). */
static int sibling_age(synth *g, int mother_age, const int *ages, int n)
{
	int a = child_age(g, mother_age);
	for (int tries = 0; tries < 8; tries++) {
		bool clash = false;
		for (int i = 0; i < n; i++)
			clash |= ages[i] == a;
		if (!clash)
			break;
		a = child_age(g, mother_age);
	}
	return a;
}

static void sort_desc(int *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] > v[j - 1]; j--) {
			int t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static void add_children(synth *g, synth_household *h, int mother_age, const sn_name *surname,
			 int max)
{
	unsigned r = below(g, 100);
	int n = r < 45 ? 1 : r < 88 ? 2 : 3;
	if (n > max)
		n = max;
	int ages[SYNTH_MAX_MEMBERS] = {0};
	for (int i = 0; i < n; i++)
		ages[i] = sibling_age(g, mother_age, ages, i);
	sort_desc(ages, n);   /* eldest first, as the register lists them */
	for (int i = 0; i < n && h->count < SYNTH_MAX_MEMBERS; i++) {
		int sex = chance(g, 51) ? SYNTH_MALE : SYNTH_FEMALE;
		japanese(g, &h->members[h->count++], sex, ages[i], REL_CHILD, surname);
	}
}

/* Householder plus, with 2% chance, a foreign spouse (日本人の配偶者等). */
static void couple(synth *g, synth_household *h, int hh_age, const sn_name *surname,
		   int *mother_age)
{
	int hh_sex = chance(g, 88) ? SYNTH_MALE : SYNTH_FEMALE;
	japanese(g, &h->members[h->count++], hh_sex, hh_age, REL_HEAD, surname);
	int sp_sex = other_sex(hh_sex);
	int sp_age = spouse_age(g, hh_age, hh_sex);
	const char *rel = sp_sex == SYNTH_FEMALE ? REL_WIFE : REL_HUSBAND;
	synth_person *sp = &h->members[h->count++];
	if (chance(g, 2))
		foreigner(g, sp, sp_sex, sp_age, rel, pick_nation(g), NULL, "日本人の配偶者等");
	else
		japanese(g, sp, sp_sex, sp_age, rel, surname);
	*mother_age = hh_sex == SYNTH_FEMALE ? hh_age : sp_age;
}

static void japanese_household(synth *g, synth_household *h)
{
	const sn_name *surname = pick_surname(g);
	unsigned r = below(g, 1000);
	int mother;
	if (r < 470) {                                   /* single (単身) */
		unsigned band = below(g, 100);
		int age = band < 44 ? age_in(g, 19, 39) : band < 74 ? age_in(g, 40, 69)
								    : age_in(g, 65, 100);
		unsigned male_pct = age < 40 ? 55 : age < 65 ? 60 : 30;
		int sex = chance(g, male_pct) ? SYNTH_MALE : SYNTH_FEMALE;
		japanese(g, &h->members[h->count++], sex, age, REL_HEAD, surname);
	} else if (r < 690) {                            /* couple (夫婦のみ) */
		unsigned band = below(g, 100);
		int age = band < 28 ? age_in(g, 25, 39) : band < 52 ? age_in(g, 40, 69)
								    : age_in(g, 60, 95);
		couple(g, h, age, surname, &mother);
	} else if (r < 885) {                            /* couple and children */
		couple(g, h, age_in(g, 28, 62), surname, &mother);
		if (mother < 26)
			mother = 26;
		add_children(g, h, mother, surname, 4);
	} else if (r < 940) {                            /* single parent */
		int sex = chance(g, 85) ? SYNTH_FEMALE : SYNTH_MALE;
		int age = age_in(g, 28, 58);
		japanese(g, &h->members[h->count++], sex, age, REL_HEAD, surname);
		add_children(g, h, age, surname, 2);
	} else if (r < 975) {                            /* three generations */
		couple(g, h, age_in(g, 40, 62), surname, &mother);
		const synth_person *head = &h->members[0];
		if (mother < 26)
			mother = 26;
		add_children(g, h, mother, surname, 2);
		/* the householder's parents, or (a fifth of the time) the wife's */
		bool wife_side = head->sex == SYNTH_MALE && !h->members[1].foreign && chance(g, 20);
		const sn_name *psur = wife_side ? pick_surname(g) : surname;
		int base = wife_side ? h->members[1].age : head->age;
		int n = chance(g, 50) ? 2 : 1;
		bool mother_only = chance(g, 70);
		for (int i = 0; i < n && h->count < SYNTH_MAX_MEMBERS; i++) {
			bool is_mother = n == 1 ? mother_only : i == 1;
			int age = age_in(g, base + 24, base + 40);
			const char *rel = is_mother ? (wife_side ? REL_WIFE_MOTHER : REL_MOTHER)
						    : (wife_side ? REL_WIFE_FATHER : REL_FATHER);
			japanese(g, &h->members[h->count++], is_mother ? SYNTH_FEMALE : SYNTH_MALE,
				 age, rel, psur);
		}
	} else if (r < 990) {                            /* adult child with a parent */
		int sex = chance(g, 55) ? SYNTH_MALE : SYNTH_FEMALE;
		int age = age_in(g, 42, 68);
		japanese(g, &h->members[h->count++], sex, age, REL_HEAD, surname);
		bool is_mother = chance(g, 75);
		japanese(g, &h->members[h->count++], is_mother ? SYNTH_FEMALE : SYNTH_MALE,
			 age_in(g, age + 22, age + 40), is_mother ? REL_MOTHER : REL_FATHER, surname);
	} else {                                         /* two unrelated adults */
		/* One draw per statement: the order in which a call's arguments are
		 * evaluated is unspecified, and gcc and clang differ. */
		int sex = chance(g, 50) ? SYNTH_MALE : SYNTH_FEMALE;
		int age = age_in(g, 20, 35);
		japanese(g, &h->members[h->count++], sex, age, REL_HEAD, surname);
		int sex2 = chance(g, 70) ? sex : other_sex(sex);
		int age2 = age_in(g, 20, 35);
		const sn_name *sur2 = pick_surname(g);
		japanese(g, &h->members[h->count++], sex2, age2, REL_LODGER, sur2);
	}
}

static void foreign_household(synth *g, synth_household *h)
{
	const sn_nation *n = pick_nation(g);
	bool special = strcmp(n->code, "KR") == 0 && chance(g, 45);
	unsigned kind = below(g, 100);
	int hh_sex = chance(g, 55) ? SYNTH_MALE : SYNTH_FEMALE;
	if (kind < 62) {                                 /* single */
		int age;
		const char *status;
		if (special) {
			age = age_in(g, 20, 95);
			status = "特別永住者";
		} else {
			unsigned band = below(g, 100);
			age = band < 45 ? range(g, 19, 29) : band < 90 ? range(g, 30, 59)
								       : range(g, 60, 85);
			unsigned s = below(g, 100);
			if (age < 30)
				status = s < 50 ? "留学" : s < 85 ? "技術・人文知識・国際業務" : "永住者";
			else if (age < 60)
				status = s < 55 ? "技術・人文知識・国際業務" : s < 90 ? "永住者" : "経営・管理";
			else
				status = "永住者";
		}
		foreigner(g, &h->members[h->count++], hh_sex, age, REL_HEAD, n, NULL, status);
		return;
	}
	/* A couple, with children in a family. */
	hh_sex = chance(g, 85) ? SYNTH_MALE : SYNTH_FEMALE;
	int age = special ? age_in(g, 28, 85) : range(g, 27, 60);
	unsigned s = below(g, 100);
	const char *head_status = special ? "特別永住者"
				  : s < 55 ? "技術・人文知識・国際業務"
				  : s < 90 ? "永住者"
					   : "経営・管理";
	const char *family_status = special ? "特別永住者"
				    : strcmp(head_status, "永住者") == 0 ? "永住者の配偶者等"
									  : "家族滞在";
	synth_person *head = &h->members[h->count++];
	foreigner(g, head, hh_sex, age, REL_HEAD, n, NULL, head_status);
	const sn_name *fam = NULL;
	for (size_t i = 0; i < n->nfamily; i++)
		if (strcmp(n->family[i].kanji, head->family_name) == 0)
			fam = &n->family[i];
	int sp_sex = other_sex(hh_sex);
	int sp_age = spouse_age(g, age, hh_sex);
	foreigner(g, &h->members[h->count++], sp_sex, sp_age,
		  sp_sex == SYNTH_FEMALE ? REL_WIFE : REL_HUSBAND, n,
		  n->spouse_keeps_name ? NULL : fam, family_status);
	if (kind >= 78) {
		int mother = hh_sex == SYNTH_FEMALE ? age : sp_age;
		if (mother < 26)
			mother = 26;
		/* children carry the father's surname */
		const sn_name *kids = fam;
		if (hh_sex == SYNTH_FEMALE) {
			kids = NULL;
			for (size_t i = 0; i < n->nfamily; i++)
				if (strcmp(n->family[i].kanji, h->members[1].family_name) == 0)
					kids = &n->family[i];
		}
		int nk = chance(g, 55) ? 1 : 2;
		int ages[2] = {0, 0};
		for (int i = 0; i < nk; i++)
			ages[i] = sibling_age(g, mother, ages, i);
		sort_desc(ages, nk);
		for (int i = 0; i < nk; i++) {
			int sex = chance(g, 51) ? SYNTH_MALE : SYNTH_FEMALE;
			foreigner(g, &h->members[h->count++], sex, ages[i], REL_CHILD, n, kids,
				  family_status);
		}
	}
}

static void address(synth *g, synth_household *h, bool apartment)
{
	static const char *const KANJI[] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
	unsigned total = 0;
	for (size_t i = 0; i < g->ward->ntowns; i++)
		total += g->ward->towns[i].w;
	unsigned r = below(g, total);
	size_t ti = 0;
	while (r >= g->ward->towns[ti].w) {
		r -= g->ward->towns[ti].w;
		ti++;
	}
	const sn_town *t = &g->ward->towns[ti];
	int chome = range(g, 1, t->chome);
	int ban = range(g, 1, 28);
	int go = range(g, 1, 22);
	copy(h->postcode, sizeof h->postcode, t->postcode);
	put_digits(h->town_code, (uint64_t)(ti + 1) * 1000 + (uint64_t)chome, 6);
	snprintf(h->address, sizeof h->address, "%s%s%s丁目%d番%d号", g->ward->prefix, t->name,
		 KANJI[chome], ban, go);
	if (apartment) {
		const char *fmt = SN_BUILDINGS[below(g, sizeof SN_BUILDINGS / sizeof SN_BUILDINGS[0])];
		char building[80];
		/* The formats hold exactly one %s (the town name). */
		const char *at = strstr(fmt, "%s");
		snprintf(building, sizeof building, "%.*s%s%s", (int)(at - fmt), fmt, t->name, at + 2);
		int floor = range(g, 1, 8);
		int room = floor * 100 + range(g, 1, 8);
		snprintf(h->address_extra, sizeof h->address_extra, "%s%d号室", building, room);
	} else {
		h->address_extra[0] = '\0';
	}
}

/* When each member came to live here: the household's move-in date, or the
 * date of birth for those born since. */
static void moved_in(synth *g, synth_household *h)
{
	int adult = h->members[0].age;
	int years = adult - 18;
	if (years > 30)
		years = 30;
	if (years < 0)
		years = 0;
	int64_t day = g->as_of_days - (int64_t)synth_rng_below(&g->rng, (uint64_t)years * 365 + 1);
	for (size_t i = 0; i < h->count; i++) {
		synth_person *p = &h->members[i];
		at_date b;
		at_error e;
		int64_t since = day;
		if (date_parse(p->birth_date, &b, "birth_date", &e) == 0 && date_to_days(b) > day)
			since = date_to_days(b);
		format_days(since, p->resident_since);
	}
}

int synth_next_household(synth *g, synth_household *out)
{
	if (g->households >= g->cfg.households)
		return 0;
	memset(out, 0, sizeof *out);
	memcpy(out->municipality, g->municipality, 7);
	put_digits(out->household_no, perm_apply(&g->p_household, g->households), 10);
	g->households++;
	g->alias = NULL;
	bool foreign = below(g, 1000) < 31;
	if (foreign)
		foreign_household(g, out);
	else
		japanese_household(g, out);
	/* Singles and young households mostly live in flats; older families in houses. */
	unsigned pct = foreign ? 85 : out->count == 1 ? (out->members[0].age < 65 ? 85 : 45)
				   : out->members[0].age < 45 ? 65 : 40;
	address(g, out, chance(g, pct));
	moved_in(g, out);
	return 1;
}

/* ---- JSON ---------------------------------------------------------------- */
static void j_str(strbuf *sb, const char *key, const char *v, bool comma)
{
	if (comma)
		sb_addch(sb, ',');
	sb_addf(sb, "\"%s\":\"", key);
	for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
		if (*c == '"' || *c == '\\') {
			sb_addch(sb, '\\');
			sb_addch(sb, (char)*c);
		} else if (*c < 0x20) {
			sb_addf(sb, "\\u%04x", *c);
		} else {
			sb_addch(sb, (char)*c);
		}
	}
	sb_addch(sb, '"');
}

void synth_person_json(const synth_household *h, size_t i, strbuf *out)
{
	const synth_person *p = &h->members[i];
	const synth_person *head = &h->members[0];
	sb_addch(out, '{');
	j_str(out, "municipality", h->municipality, false);
	j_str(out, "household_no", h->household_no, true);
	j_str(out, "addressee_no", p->addressee_no, true);
	j_str(out, "resident_code", p->resident_code, true);
	j_str(out, "my_number", p->my_number, true);
	j_str(out, "name", p->name, true);
	j_str(out, "name_kana", p->name_kana, true);
	j_str(out, "family_name", p->family_name, true);
	j_str(out, "given_name", p->given_name, true);
	j_str(out, "family_name_kana", p->family_kana, true);
	j_str(out, "given_name_kana", p->given_kana, true);
	sb_addf(out, ",\"sex\":%d", p->sex);
	j_str(out, "birth_date", p->birth_date, true);
	sb_addf(out, ",\"age\":%d", p->age);
	j_str(out, "relationship", p->relationship, true);
	j_str(out, "householder_name", head->name, true);
	j_str(out, "householder_name_kana", head->name_kana, true);
	j_str(out, "postcode", h->postcode, true);
	j_str(out, "town_code", h->town_code, true);
	j_str(out, "address", h->address, true);
	j_str(out, "address_extra", h->address_extra, true);
	j_str(out, "resident_since", p->resident_since, true);
	sb_addf(out, ",\"foreign\":%s", p->foreign ? "true" : "false");
	if (p->foreign) {
		j_str(out, "nationality_code", p->nationality_code, true);
		j_str(out, "nationality", p->nationality, true);
		j_str(out, "residence_status", p->status, true);
		j_str(out, "residence_category", p->category, true);
		j_str(out, "period_of_stay", p->period, true);
		j_str(out, "stay_expiry", p->stay_expiry, true);
		j_str(out, "residence_card_no", p->card_no, true);
		if (p->alias_name[0]) {
			j_str(out, "alias_name", p->alias_name, true);
			j_str(out, "alias_name_kana", p->alias_kana, true);
		}
	}
	sb_addch(out, '}');
}
