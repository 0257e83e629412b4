/*
 * synth_tax — the generator behind sandbox/synth_tax.h.
 *
 * Per household: draw each member's income (salary, public pension,
 * business), pick the main earner, let them claim the spouse and the
 * dependants the household gives, then write each person's documents through
 * tax_doc_format, so every line is in the real layout. Draws come from one
 * xoshiro256** stream (synth_rng) in a fixed order; the amounts use integer
 * arithmetic and the statutory tables the documents need (給与所得控除
 * 所得税法28条3項, 公的年金等控除 措置法41条の15の3, 配偶者(特別)控除 所得税法83条・
 * 83条の2) in simplified form: they shape plausible documents, they do not
 * assess anything.
 */
#include "sandbox/synth_tax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mynumber.h"
#include "tax/layout.h"

struct synth_tax {
	synth_tax_config cfg;
	char ward[7];
	int fiscal_year, income_year;
	unsigned pm_salary, pm_pension, pm_return, pm_onestop, pm_nonres, pm_mismatch;
	synth_rng rng;
	uint64_t serial;   /* receipt numbers, outsiders' My Numbers */
	synth_tax_stats st;
};

void synth_tax_config_defaults(synth_tax_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->seed = 1;
	cfg->share_salary = 0.52;
	cfg->share_pension = 0.95;
	cfg->share_return = 0.12;
	cfg->share_onestop = 0.08;
	cfg->share_nonresident_docs = 0.01;
	cfg->share_mismatch = 0.005;
}

/* Copy with truncation (names and addresses here are far below the limits). */
static void cpy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* a + sep + b, truncated to cap. */
static void cat3(char *dst, size_t cap, const char *a, const char *sep, const char *b)
{
	cpy(dst, cap, a);
	size_t n = strlen(dst);
	cpy(dst + n, cap - n, sep);
	n = strlen(dst);
	cpy(dst + n, cap - n, b);
}

static int permille(double x, const char *field, unsigned *out, at_error *err)
{
	if (!(x >= 0.0 && x <= 1.0))
		return at_fail(err, 400, AT_E_INVALID, field, "%s must be between 0 and 1", field);
	*out = (unsigned)(x * 1000.0 + 0.5);
	return 0;
}

int synth_tax_new(const synth_tax_config *cfg, synth_tax **out, at_error *err)
{
	synth_tax g;
	memset(&g, 0, sizeof g);
	g.cfg = *cfg;
	g.fiscal_year = cfg->fiscal_year ? cfg->fiscal_year : 2025;
	if (g.fiscal_year < 2020 || g.fiscal_year > 2100)
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year",
			       "fiscal_year must be 2020..2100 (令和 income years)");
	g.income_year = g.fiscal_year - 1;
	const char *m = cfg->municipality ? cfg->municipality : SYNTH_DEFAULT_MUNICIPALITY;
	if (municipality_code_validate(m, "municipality", err))
		return -1;
	cpy(g.ward, sizeof g.ward, m);
	if (permille(cfg->share_salary, "share_salary", &g.pm_salary, err) ||
	    permille(cfg->share_pension, "share_pension", &g.pm_pension, err) ||
	    permille(cfg->share_return, "share_return", &g.pm_return, err) ||
	    permille(cfg->share_onestop, "share_onestop", &g.pm_onestop, err) ||
	    permille(cfg->share_nonresident_docs, "share_nonresident_docs", &g.pm_nonres, err) ||
	    permille(cfg->share_mismatch, "share_mismatch", &g.pm_mismatch, err))
		return -1;
	/* A stream of its own, so the tax year never disturbs the households. */
	synth_rng_seed(&g.rng, cfg->seed ^ 0x7461785f79656172ull);   /* "tax_year" */
	*out = malloc(sizeof g);
	if (!*out)
		abort();
	**out = g;
	return 0;
}

void synth_tax_free(synth_tax *g)
{
	free(g);
}

const synth_tax_stats *synth_tax_get_stats(const synth_tax *g)
{
	return &g->st;
}

/* ---- Draws ------------------------------------------------------------- */

static unsigned tx_below(synth_tax *g, unsigned n)
{
	return (unsigned)synth_rng_below(&g->rng, n);
}

static bool tx_pm(synth_tax *g, unsigned permil)
{
	return tx_below(g, 1000) < permil;
}

static int64_t between(synth_tax *g, int64_t lo, int64_t hi)
{
	return lo + (int64_t)synth_rng_below(&g->rng, (uint64_t)(hi - lo + 1));
}

static int64_t round_to(int64_t v, int64_t unit)
{
	return v / unit * unit;
}

/* exp(0.55 z) in 1/1000 for z = -3.5 .. 3.5 in steps of 0.25 (log-normal with
 * sigma 0.55, about the spread of Japanese full-time salaries). */
static const int LOGN[29] = {146,  167,  192,  220,  253,  290,  333,  382,  438,  503,
			     577,  662,  760,  872,  1000, 1147, 1317, 1511, 1733, 1989,
			     2282, 2618, 3004, 3447, 3955, 4538, 5207, 5975, 6855};

static int64_t lognormal(synth_tax *g, int64_t median)
{
	/* Sum of four uniforms ~ normal: mean 1998, sd 577. */
	int64_t u = 0;
	for (int i = 0; i < 4; i++)
		u += tx_below(g, 1000);
	int64_t z100 = (u - 1998) * 100 / 577;   /* z x 100, |z| <= 3.47 */
	int64_t pos = (z100 + 350) * 4;          /* in 1/100 steps of 0.25 */
	int64_t i = pos / 100, frac = pos % 100;
	if (i < 0)
		i = 0, frac = 0;
	if (i >= 28)
		i = 27, frac = 100;
	int64_t mult = LOGN[i] + (LOGN[i + 1] - LOGN[i]) * frac / 100;
	return median * mult / 1000;
}

/* ---- Statutory shapes (simplified) -------------------------------------- */

static int64_t salary_income(int64_t rev)   /* 給与所得, 所得税法28条3項 (令和2年分以後) */
{
	int64_t ded = rev <= 1625000   ? 550000
		      : rev <= 1800000 ? rev * 40 / 100 - 100000
		      : rev <= 3600000 ? rev * 30 / 100 + 80000
		      : rev <= 6600000 ? rev * 20 / 100 + 440000
		      : rev <= 8500000 ? rev / 10 + 1100000 : 1950000;
	return rev > ded ? rev - ded : 0;
}

static int64_t pension_income(int64_t rev, int age)   /* 措置法41条の15の3, other income <= 1000万 */
{
	int64_t ded;
	if (age >= 65)
		ded = rev <= 3300000 ? 1100000 : rev <= 4100000 ? rev / 4 + 275000
		      : rev <= 7700000 ? rev * 15 / 100 + 685000 : rev / 20 + 1455000;
	else
		ded = rev <= 1300000 ? 600000 : rev <= 4100000 ? rev / 4 + 275000
		      : rev <= 7700000 ? rev * 15 / 100 + 685000 : rev / 20 + 1455000;
	return rev > ded ? rev - ded : 0;
}

/* 所得税 with 復興特別所得税, on taxable income (所得税法89条; rough). */
static int64_t income_tax(int64_t taxable)
{
	if (taxable <= 0)
		return 0;
	taxable = round_to(taxable, 1000);
	int64_t t = taxable <= 1950000   ? taxable * 5 / 100
		    : taxable <= 3300000 ? taxable / 10 - 97500
		    : taxable <= 6950000 ? taxable / 5 - 427500
		    : taxable <= 9000000 ? taxable * 23 / 100 - 636000
		    : taxable <= 18000000 ? taxable * 33 / 100 - 1536000
		    : taxable * 40 / 100 - 2796000;
	return t * 1021 / 1000;
}

/* 配偶者(特別)控除 for a taxpayer with 合計所得 <= 900万 (所得税法83条, 83条の2). */
static int64_t spouse_deduction(int64_t spouse_income, bool spouse_old)
{
	if (spouse_income <= 480000)
		return spouse_old ? 480000 : 380000;
	static const int64_t steps[][2] = {{950000, 380000},  {1000000, 360000}, {1050000, 310000},
					   {1100000, 260000}, {1150000, 210000}, {1200000, 160000},
					   {1250000, 110000}, {1300000, 60000},  {1330000, 30000}};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (spouse_income <= steps[i][0])
			return steps[i][1];
	return 0;
}

/* ---- Fixed lists ----------------------------------------------------------- */

typedef struct payer {
	const char *id, *name, *address;
} payer;

static const payer EMPLOYERS[] = {
	{"00120001", "株式会社目黒精機", "東京都目黒区下目黒二丁目1番1号"},
	{"00120002", "株式会社青葉商事", "東京都品川区大崎一丁目11番2号"},
	{"00120003", "東都運輸株式会社", "東京都大田区平和島三丁目4番5号"},
	{"00120004", "株式会社さくら情報システム", "東京都港区芝浦三丁目1番21号"},
	{"00120005", "医療法人社団緑風会", "東京都世田谷区三軒茶屋二丁目8番3号"},
	{"00120006", "株式会社丸の内フィナンシャル", "東京都千代田区丸の内二丁目7番2号"},
	{"00120007", "学校法人碑文谷学園", "東京都目黒区碑文谷五丁目6番7号"},
	{"00120008", "株式会社自由が丘フーズ", "東京都目黒区自由が丘一丁目29番16号"},
	{"00120009", "新宿電機工業株式会社", "東京都新宿区西新宿六丁目5番1号"},
	{"00120010", "株式会社渋谷メディア", "東京都渋谷区道玄坂一丁目12番1号"},
	{"00120011", "有限会社中目黒ベーカリー", "東京都目黒区上目黒三丁目2番1号"},
	{"00120012", "川崎化学工業株式会社", "神奈川県川崎市川崎区駅前本町11番2号"},
};
#define N_EMPLOYERS (sizeof EMPLOYERS / sizeof EMPLOYERS[0])

static const payer PENSION_PAYERS[] = {
	{"90000001", "日本年金機構", "東京都杉並区高井戸西三丁目5番24号"},
	{"90000002", "国家公務員共済組合連合会", "東京都千代田区九段南一丁目1番10号"},
	{"90000003", "地方職員共済組合", "東京都千代田区平河町二丁目4番9号"},
	{"90000004", "企業年金連合会", "東京都港区芝公園二丁目4番1号"},
};

/* Donees: 5-digit codes of municipalities known for ふるさと納税; the check
 * digit is computed (core/mynumber.h's rule), so every code validates. */
static const struct {
	const char *code5, *name;
} DONEES[] = {
	{"27213", "泉佐野市"}, {"45202", "都城市"}, {"01219", "紋別市"}, {"01223", "根室市"},
	{"01668", "白糠町"},   {"22212", "焼津市"}, {"08542", "境町"},   {"06206", "寒河江市"},
	{"42202", "佐世保市"}, {"19201", "甲府市"},
};
#define N_DONEES (sizeof DONEES / sizeof DONEES[0])

static void muni_code(const char *code5, char out[7])
{
	int sum = 0;
	for (int i = 0; i < 5; i++)
		sum += (code5[i] - '0') * (6 - i);
	snprintf(out, 7, "%s%d", code5, (11 - sum % 11) % 10);
}

static const char *const OUTSIDE_ADDRESSES[] = {
	"神奈川県川崎市中原区小杉町三丁目1番地", "埼玉県所沢市並木一丁目1番地の1",
	"千葉県船橋市本町二丁目10番25号", "東京都杉並区阿佐谷南一丁目15番1号",
	"大阪府大阪市北区中之島一丁目3番20号",
};
static const char *const OUTSIDE_GIVEN[][2] = {
	{"健一", "ケンイチ"}, {"美咲", "ミサキ"}, {"大輔", "ダイスケ"}, {"由美", "ユミ"}, {"翔太", "ショウタ"},
};

/* ---- One household --------------------------------------------------------- */

typedef struct member {
	const synth_person *p;
	at_date birth;
	int age;
	int64_t salary, pension, business, social, sbma;
	int64_t medical, donation_total;
	int n_donations;
	const payer *employer;
	bool files_return, final_return, claimed;
	tax_disability disability;
} member;

static bool is_parent(const char *rel)
{
	return !strcmp(rel, "父") || !strcmp(rel, "母") || !strcmp(rel, "妻の父") ||
	       !strcmp(rel, "妻の母");
}

static bool is_spouse_rel(const char *rel)
{
	return !strcmp(rel, "妻") || !strcmp(rel, "夫");
}

static int64_t total_income(const member *m)
{
	return salary_income(m->salary) + pension_income(m->pension, m->age) + m->business;
}

static void base_doc(synth_tax *g, tax_doc *d, tax_doc_kind kind, const synth_household *h,
		     const member *m)
{
	memset(d, 0, sizeof *d);
	d->kind = kind;
	d->fiscal_year = d->body.fiscal_year = g->fiscal_year;
	cpy(d->addressed_to, sizeof d->addressed_to, g->ward);
	cpy(d->body.municipality, sizeof d->body.municipality, g->ward);
	cpy(d->my_number, sizeof d->my_number, m->p->my_number);
	cpy(d->name, sizeof d->name, m->p->name);
	cpy(d->name_kana, sizeof d->name_kana, m->p->name_kana);
	d->birth_date = d->body.birth_date = m->birth;
	if (h->address_extra[0])
		cat3(d->address, sizeof d->address, h->address, "　", h->address_extra);
	else
		cpy(d->address, sizeof d->address, h->address);
	d->body.disability = m->disability;
}

/* A misstated name or birth date, as a payer's typing error would make. */
static void maybe_mismatch(synth_tax *g, tax_doc *d)
{
	if (!tx_pm(g, g->pm_mismatch))
		return;
	g->st.mismatched++;
	if (tx_below(g, 2)) {
		at_date b = d->birth_date;
		b.day = b.day == 1 ? 2 : 1;   /* always a real, different day */
		d->birth_date = d->body.birth_date = b;
	} else {
		char *sp = strstr(d->name, "　");
		const char *given = OUTSIDE_GIVEN[tx_below(g, 5)][0];
		if (sp)
			cpy(sp + strlen("　"), sizeof d->name - (size_t)(sp - d->name) - 3, given);
		else
			cpy(d->name, sizeof d->name, given);
	}
}

static int emit(synth_tax *g, tax_doc *d, strbuf *sb, size_t *counter, at_error *err)
{
	maybe_mismatch(g, d);
	if (!sb)
		return 0;
	if (tax_doc_format(d, sb, err))
		return -1;
	sb_addch(sb, '\n');
	(*counter)++;
	return 0;
}

/* The claims of the main earner: spouse and dependants from the household. */
static void add_claims(const synth_household *h, member *ms, size_t n, size_t main_i, tax_doc *d,
		       int income_year)
{
	tax_case *b = &d->body;
	const char *mrel = ms[main_i].p->relationship;
	bool main_is_head = main_i == 0;
	for (size_t i = 0; i < n; i++) {
		if (i == main_i || ms[i].claimed)
			continue;
		const char *rel = ms[i].p->relationship;
		/* the main earner's spouse: head <-> 妻/夫 */
		bool spouse = (main_is_head && is_spouse_rel(rel)) ||
			      (is_spouse_rel(mrel) && i == 0);
		int64_t inc = total_income(&ms[i]);
		if (spouse) {
			if (inc > 1330000 || b->has_spouse)
				continue;
			bool old = income_year - ms[i].birth.year >= 70;
			b->has_spouse = true;
			b->spouse.birth_date = ms[i].birth;
			b->spouse.total_income = inc;
			b->spouse.disability = ms[i].disability;
			d->spouse_deduction = spouse_deduction(inc, old);
			cpy(d->spouse_id.my_number, sizeof d->spouse_id.my_number, ms[i].p->my_number);
			cpy(d->spouse_id.name, sizeof d->spouse_id.name, ms[i].p->name);
			cpy(d->spouse_id.name_kana, sizeof d->spouse_id.name_kana, ms[i].p->name_kana);
			ms[i].claimed = true;
			continue;
		}
		/* dependants: children and grandchildren of the head, the head's (or
		 * spouse's) parents, with 合計所得 <= 48万円; never lodgers */
		bool kin = !strcmp(rel, "子") || !strcmp(rel, "孫") || is_parent(rel);
		if (!kin || inc > 480000 || b->n_dependants >= TAX_MAX_DEPENDANTS)
			continue;
		if (!main_is_head && is_parent(rel) && !is_spouse_rel(mrel))
			continue;   /* a child earning more than the head claims only siblings */
		tax_relative *r = &b->dependants[b->n_dependants];
		memset(r, 0, sizeof *r);
		r->birth_date = ms[i].birth;
		r->total_income = inc;
		r->disability = ms[i].disability;
		if (is_parent(rel) && income_year - ms[i].birth.year >= 70)
			r->cohabiting = r->lineal_ascendant = true;   /* 同居老親等 */
		tax_doc_relative_id *id = &d->dependant_ids[b->n_dependants];
		cpy(id->my_number, sizeof id->my_number, ms[i].p->my_number);
		cpy(id->name, sizeof id->name, ms[i].p->name);
		cpy(id->name_kana, sizeof id->name_kana, ms[i].p->name_kana);
		b->n_dependants++;
		ms[i].claimed = true;
	}
	(void)h;
}

static void life_insurance(synth_tax *g, tax_case *b)
{
	tax_life_insurance *li = &b->deductions.life_insurance;
	if (!tx_pm(g, 500))
		return;
	if (tx_pm(g, 800))
		li->new_general = round_to(between(g, 24000, 150000), 100);
	else
		li->old_general = round_to(between(g, 30000, 200000), 100);
	if (tx_pm(g, 350))
		li->new_care_medical = round_to(between(g, 18000, 90000), 100);
	if (tx_pm(g, 200))
		li->new_pension = round_to(between(g, 60000, 120000), 100);
	else if (tx_pm(g, 60))
		li->old_pension = round_to(between(g, 60000, 150000), 100);
}

int synth_tax_household(synth_tax *g, const synth_household *h, strbuf *salary, strbuf *pension,
			strbuf *returns, strbuf *onestop, at_error *err)
{
	member ms[SYNTH_MAX_MEMBERS];
	size_t n = h->count < SYNTH_MAX_MEMBERS ? h->count : SYNTH_MAX_MEMBERS;
	int Y = g->income_year;
	g->st.households++;
	/* share_salary scales the age profile (calibrated on synth's ward: 0.52 gives ~52% of adults). */
	unsigned scale = g->pm_salary;

	/* 1. Incomes. */
	for (size_t i = 0; i < n; i++) {
		member *m = &ms[i];
		memset(m, 0, sizeof *m);
		m->p = &h->members[i];
		if (date_parse(m->p->birth_date, &m->birth, "birth_date", err))
			return -1;
		m->age = Y - m->birth.year;   /* on 31 December of the income year */
		bool female = m->p->sex == SYNTH_FEMALE;
		if (tx_pm(g, 30))
			m->disability = tx_pm(g, 250) ? TAX_DIS_SPECIAL : TAX_DIS_GENERAL;
		unsigned p_sal = m->age < 18   ? 0
				 : m->age < 20 ? 250
				 : m->age < 25 ? 700
				 : m->age < 60 ? (female ? 700u : 850u)
				 : m->age < 65 ? 650
				 : m->age < 70 ? 420
				 : m->age < 75 ? 220 : 50;
		p_sal = p_sal * scale / 600;
		if (tx_pm(g, p_sal)) {
			int64_t median = m->age < 25 ? 2800000 : m->age < 35 ? 4000000
					 : m->age < 45 ? 4900000 : m->age < 60 ? 5400000 : 3200000;
			if (female)
				median = median * 80 / 100;
			bool part = m->age >= 65 ? tx_pm(g, 500) : tx_pm(g, female ? 380 : 100);
			if (part)
				m->salary = round_to(between(g, 500000, 2000000), 1000);
			else if (tx_pm(g, 15))
				m->salary = round_to(between(g, 10000000, 30000000), 1000);
			else
				m->salary = round_to(lognormal(g, median), 1000);
			if (m->salary < 100000)
				m->salary = 100000;
			m->employer = &EMPLOYERS[tx_below(g, (unsigned)N_EMPLOYERS)];
			/* 健康保険・厚生年金・雇用保険: about 14.5%, the 標準報酬 caps bind high up */
			int64_t s = m->salary * 145 / 1000;
			m->social = s > 1900000 ? 1900000 : s;
			if (part && m->salary < 1060000)
				m->social = m->salary * 5 / 1000;   /* 雇用保険 only */
			if (m->age >= 20 && m->age < 60 && tx_pm(g, 40))
				m->sbma = round_to(between(g, 60000, 276000), 1000);   /* iDeCo */
		} else if (m->age >= 25 && m->age < 80 && tx_pm(g, 120)) {
			m->business = round_to(between(g, 500000, 8000000), 1000);
			m->files_return = m->final_return = true;
			m->social = round_to(m->business * 12 / 100, 100);   /* 国保 + 国民年金 */
		}
		unsigned p_pen = m->age >= 65 ? g->pm_pension : m->age >= 60 ? 80 : 0;
		if (tx_pm(g, p_pen))
			m->pension = round_to(female ? between(g, 700000, 2000000)
						     : between(g, 1400000, 3200000), 100);
	}

	/* 2. The main earner claims the household. */
	size_t main_i = 0;
	int64_t best = -1;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(ms[i].p->relationship, "同居人"))
			continue;
		int64_t t = total_income(&ms[i]);
		if (t > best)
			best = t, main_i = i;
	}

	/* 3. Returns and donations. */
	unsigned ret_scale = g->pm_return;   /* default 120: the shares below are tuned to it */
	for (size_t i = 0; i < n; i++) {
		member *m = &ms[i];
		if (m->age < 16)
			continue;
		if (m->salary && tx_pm(g, 60 * ret_scale / 120)) {
			m->files_return = m->final_return = true;
			m->medical = round_to(between(g, 110000, 800000), 100);
		}
		if (m->pension && m->age >= 65 && tx_pm(g, 120 * ret_scale / 120)) {
			m->files_return = m->final_return = true;
			m->medical = round_to(between(g, 110000, 600000), 100);
		}
		if (!m->salary && !m->pension && !m->business && m->age >= 20 &&
		    tx_pm(g, 80 * ret_scale / 120))
			m->files_return = true;   /* 住民税申告: no income (国保・非課税証明のため) */
		int64_t inc = total_income(m);
		unsigned p_don = inc < 2000000 ? 0 : inc < 4000000 ? 50 : inc < 7000000 ? 110
				 : inc < 10000000 ? 200 : 350;
		if ((m->salary || m->business) && tx_pm(g, p_don * g->pm_onestop / 80)) {
			m->n_donations = 1 + (int)tx_below(g, 7);
			m->donation_total = 0;
		}
	}

	/* 4. Documents. */
	tax_doc d;
	for (size_t i = 0; i < n; i++) {
		member *m = &ms[i];
		int64_t amounts[8];
		const char *donee_names[8];
		char donee_codes[8][7];
		for (int k = 0; k < m->n_donations; k++) {
			amounts[k] = round_to(between(g, 10000, 100000), 1000);
			m->donation_total += amounts[k];
			size_t di = tx_below(g, (unsigned)N_DONEES);
			donee_names[k] = DONEES[di].name;
			muni_code(DONEES[di].code5, donee_codes[k]);
		}
		bool one_stop = m->n_donations > 0 && m->n_donations <= 5 && !m->files_return &&
				!m->business;
		if (m->n_donations && !one_stop)
			m->files_return = m->final_return = true;
		bool claims = i == main_i;

		if (m->salary) {
			base_doc(g, &d, TAX_DOC_SALARY, h, m);
			tax_case *b = &d.body;
			cpy(d.payer_id, sizeof d.payer_id, m->employer->id);
			cpy(d.payer_name, sizeof d.payer_name, m->employer->name);
			cpy(d.payer_address, sizeof d.payer_address, m->employer->address);
			b->income.salary_revenue = m->salary;
			b->deductions.social_insurance = m->social;
			b->deductions.small_business_mutual_aid = m->sbma;
			life_insurance(g, b);
			if (tx_pm(g, 300))
				b->deductions.earthquake_insurance = round_to(between(g, 5000, 50000), 100);
			if (claims)
				add_claims(h, ms, n, i, &d, Y);
			int64_t taxable = salary_income(m->salary) - m->social - m->sbma - 480000 -
					  d.spouse_deduction - (int64_t)d.body.n_dependants * 380000;
			int64_t tax = income_tax(taxable);
			if (m->age >= 30 && m->age < 60 && tx_pm(g, 120)) {
				int64_t credit = round_to(between(g, 100000, 350000), 100);
				int64_t applied = credit < tax ? credit : tax;
				d.housing_loan_credit = applied;
				b->housing_loan_carryover = credit - applied;
				tax -= applied;
			}
			d.withheld_income_tax = round_to(tax, 100);
			b->widow = m->p->sex == SYNTH_FEMALE && m->age >= 50 && tx_pm(g, 20);
			b->working_student = m->age < 25 && m->salary < 1300000 && tx_pm(g, 150);
			if (m->salary < 930000 && tx_pm(g, 300)) {
				d.ordinary_collection = true;   /* 普B: 年間給与が93万円以下 */
				snprintf(d.ordinary_reason, sizeof d.ordinary_reason, "普B");
			}
			if (emit(g, &d, salary, &g->st.salary, err))
				return -1;
		}
		if (m->pension) {
			base_doc(g, &d, TAX_DOC_PENSION, h, m);
			const payer *pp = &PENSION_PAYERS[tx_pm(g, 850) ? 0 : 1 + tx_below(g, 3)];
			cpy(d.payer_id, sizeof d.payer_id, pp->id);
			cpy(d.payer_name, sizeof d.payer_name, pp->name);
			cpy(d.payer_address, sizeof d.payer_address, pp->address);
			d.body.income.public_pension_revenue = m->pension;
			d.body.deductions.social_insurance =
				m->age >= 65 ? round_to(m->pension * 9 / 100, 100) : 0;   /* 介護・後期高齢 */
			if (claims && !m->salary)
				add_claims(h, ms, n, i, &d, Y);
			int64_t taxable = m->pension - 1100000 - d.body.deductions.social_insurance -
					  d.spouse_deduction;
			d.withheld_income_tax = taxable > 0 ? round_to(taxable * 5105 / 100000, 100) : 0;
			d.spouse_deduction = 0;   /* 331 carries no such amount */
			if (emit(g, &d, pension, &g->st.pension, err))
				return -1;
		}
		if (m->files_return) {
			base_doc(g, &d, TAX_DOC_RETURN, h, m);
			tax_case *b = &d.body;
			d.final_return = m->final_return;
			d.sex = b->sex = m->p->sex == SYNTH_MALE ? TAX_SEX_MALE : TAX_SEX_FEMALE;
			b->income.salary_revenue = m->salary;
			b->income.public_pension_revenue = m->pension;
			b->income.business = m->business;
			if (m->business && tx_pm(g, 150))
				b->income.real_estate = round_to(between(g, 200000, 3000000), 1000);
			b->deductions.social_insurance = m->social +
				(m->pension && m->age >= 65 ? round_to(m->pension * 9 / 100, 100) : 0);
			b->deductions.small_business_mutual_aid = m->sbma;
			b->deductions.medical_expenses = m->medical;
			life_insurance(g, b);
			b->donations.hometown = m->donation_total;
			if (claims && !m->salary && !m->pension)
				add_claims(h, ms, n, i, &d, Y);
			else if (claims) {
				/* the same claims as on the reports: re-derive from the household */
				for (size_t j = 0; j < n; j++)
					if (j != i)
						ms[j].claimed = false;
				add_claims(h, ms, n, i, &d, Y);
			}
			if (emit(g, &d, returns, &g->st.returns, err))
				return -1;
		}
		if (one_stop) {
			for (int k = 0; k < m->n_donations; k++) {
				base_doc(g, &d, TAX_DOC_ONESTOP, h, m);
				d.sex = d.body.sex = m->p->sex == SYNTH_MALE ? TAX_SEX_MALE : TAX_SEX_FEMALE;
				cpy(d.payer_id, sizeof d.payer_id, donee_codes[k]);
				cpy(d.payer_name, sizeof d.payer_name, donee_names[k]);
				d.body.donations.hometown = amounts[k];
				d.body.donations.one_stop = true;
				at_date dd = {Y, 1 + (int)tx_below(g, 12), 1 + (int)tx_below(g, 28)};
				d.donation_date = dd;
				if (emit(g, &d, onestop, &g->st.onestop, err))
					return -1;
			}
		}
	}

	/* 5. Now and then, a report for someone who does not live here on 1
	 * January (moved out, or the employer has an old address): a valid My
	 * Number from a range the ward's generator does not use with any
	 * likelihood (a collision needs the same 11 random digits). */
	if (tx_pm(g, g->pm_nonres)) {
		member m;
		memset(&m, 0, sizeof m);
		synth_person p = h->members[0];
		char d11[12];
		snprintf(d11, sizeof d11, "9%010llu",
			 (unsigned long long)(synth_rng_next(&g->rng) % 10000000000ull));
		snprintf(p.my_number, sizeof p.my_number, "%s%d", d11, mynumber_check_digit(d11));
		unsigned gi = tx_below(g, 5);
		cat3(p.name, sizeof p.name, p.family_name, "　", OUTSIDE_GIVEN[gi][0]);
		cat3(p.name_kana, sizeof p.name_kana, p.family_kana, "　", OUTSIDE_GIVEN[gi][1]);
		int age = 25 + (int)tx_below(g, 35);
		at_date pb = {Y - age, 1 + (int)tx_below(g, 12), 1 + (int)tx_below(g, 28)};
		date_format(pb, p.birth_date);
		m.p = &p;
		if (date_parse(p.birth_date, &m.birth, "birth_date", err))
			return -1;
		m.age = age;
		base_doc(g, &d, TAX_DOC_SALARY, h, &m);
		cpy(d.address, sizeof d.address, OUTSIDE_ADDRESSES[tx_below(g, 5)]);
		const payer *e = &EMPLOYERS[tx_below(g, (unsigned)N_EMPLOYERS)];
		cpy(d.payer_id, sizeof d.payer_id, e->id);
		cpy(d.payer_name, sizeof d.payer_name, e->name);
		cpy(d.payer_address, sizeof d.payer_address, e->address);
		d.body.income.salary_revenue = round_to(lognormal(g, 4000000), 1000);
		d.body.deductions.social_insurance = d.body.income.salary_revenue * 145 / 1000;
		d.withheld_income_tax = round_to(income_tax(salary_income(d.body.income.salary_revenue) -
							    d.body.deductions.social_insurance - 480000),
						 100);
		g->st.nonresident++;
		if (salary) {
			if (tax_doc_format(&d, salary, err))
				return -1;
			sb_addch(salary, '\n');
			g->st.salary++;
		}
	}
	return 0;
}
