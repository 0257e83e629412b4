/*
 * synth_migration — a synthetic household (synth.h) as the previous register
 * system would hand it over: one entry of registry_import's batch
 * (registry.h), {"household_no", "members": [register items ...]}.
 *
 * Header-only (static inline) because three programs must load the very same
 * ward from the same seed: `atena demo`, bench_registry and
 * test_registry_import.
 *
 * It adds what a living register has and the generator does not:
 *  - each record's last change: 転入 (from another municipality, or 国外転入
 *    for some foreign residents) or 出生 on the day the person became a
 *    resident, notified within the 14 days of 住基法22条 / 戸籍法49条;
 *  - removed records (除票), from a stream of their own seeded by the ward's
 *    seed: about 2% of households moved out whole (転出, with the confirmed
 *    destination), and some older residents died (死亡) — a householder only
 *    when living alone, so no household is left without one. About 3% of
 *    records end up removed;
 *  - stays of foreign residents that would have ended by the migration date
 *    are renewed period by period (在留期間の更新, 入管法21条), as the
 *    register of a ward where people renew on time shows them; a 永住者's
 *    period is 無期限 (入管法施行規則 別表第二) and has no expiry.
 * Removals happen before the generator's as-of date, so the ward is the same
 * whatever the migration date; only renewed expiries follow it.
 */
#ifndef ATENA_SANDBOX_SYNTH_MIGRATION_H
#define ATENA_SANDBOX_SYNTH_MIGRATION_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "sandbox/synth.h"

#define SYNTH_MOVED_OUT_PERMILLE 20   /* households that moved out whole (転出) */

typedef struct synth_migration {
	synth_rng rng;        /* removals and notification delays */
	at_date as_of;        /* the generator's as-of date: removals happen before it */
	at_date date;         /* the migration date: stays are renewed past it */
	size_t persons, removed;
} synth_migration;

/* seed: the ward's seed (the stream is derived from it, not shared with the
 * generator); as_of: the generator's (NULL = SYNTH_DEFAULT_AS_OF); date: the
 * migration date, "YYYY-MM-DD" (NULL = today). */
static inline int synth_migration_init(synth_migration *m, uint64_t seed, const char *as_of,
				       const char *date, at_error *err)
{
	memset(m, 0, sizeof *m);
	synth_rng_seed(&m->rng, seed ^ 0x6d6967726174696fULL);   /* "migratio" */
	if (date_parse(as_of ? as_of : SYNTH_DEFAULT_AS_OF, &m->as_of, "as_of", err))
		return -1;
	if (!date)
		m->date = date_today();
	else if (date_parse(date, &m->date, "date", err))
		return -1;
	return 0;
}

/* Other municipalities: where movers came from and went to (real codes with
 * their check digits). */
static const struct {
	const char *code, *address;
} synth_migration_places[] = {
	{"131121", "東京都世田谷区"}, {"131130", "東京都渋谷区"}, {"131091", "東京都品川区"},
	{"131113", "東京都大田区"},   {"131032", "東京都港区"},   {"131148", "東京都中野区"},
	{"141003", "神奈川県横浜市"}, {"141305", "神奈川県川崎市"}, {"111007", "埼玉県さいたま市"},
	{"121002", "千葉県千葉市"},   {"271004", "大阪府大阪市"}, {"231002", "愛知県名古屋市"},
	{"011002", "北海道札幌市"},   {"401307", "福岡県福岡市"},
};
#define SYNTH_MIGRATION_NPLACES (sizeof synth_migration_places / sizeof synth_migration_places[0])

static inline void synth_migration_day(int64_t days, char out[11])
{
	date_format(date_from_days(days), out);
}

static inline int64_t synth_migration_days(const char *iso)
{
	at_date d;
	at_error e;
	return date_parse(iso, &d, "date", &e) ? 0 : date_to_days(d);
}

/* The expiry, renewed by whole periods ("5年", "1年3月") until it is not
 * before the migration date. */
static inline void synth_migration_renew(const synth_migration *m, const char *period,
					 const char *expiry, char out[11])
{
	at_date d;
	at_error e;
	snprintf(out, 11, "%s", expiry);
	if (date_parse(expiry, &d, "expiry", &e))
		return;
	int years = atoi(period), months = 0;
	const char *nen = strstr(period, "年");
	if (nen)
		months = atoi(nen + strlen("年"));
	if (years <= 0 && months <= 0)
		years = 1;
	while (date_cmp(d, m->date) < 0) {
		int mm = d.month - 1 + months;
		d.year += years + mm / 12;
		d.month = mm % 12 + 1;
		int dim = date_days_in_month(d.year, d.month);
		if (d.day > dim)
			d.day = dim;
	}
	date_format(d, out);
}

static inline void synth_migration_set(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

/* One person's record as the old system held it. */
static inline json_t *synth_migration_person(synth_migration *m, const synth_household *h,
					     const synth_person *p)
{
	json_t *o = json_object();
	char pc[8], d1[11], d2[11];
	size_t n = 0;
	for (const char *c = h->postcode; *c && n < 7; c++)   /* "152-0035" -> "1520035" */
		if (*c >= '0' && *c <= '9')
			pc[n++] = *c;
	pc[n] = '\0';
	synth_migration_set(o, "addressee_no", p->addressee_no);
	synth_migration_set(o, "name", p->name);
	synth_migration_set(o, "name_kana", p->name_kana);
	synth_migration_set(o, "birth_date", p->birth_date);
	synth_migration_set(o, "sex", p->sex == SYNTH_MALE ? "1" : "2");
	synth_migration_set(o, "relationship", p->relationship);
	synth_migration_set(o, "resident_code", p->resident_code);
	synth_migration_set(o, "my_number", p->my_number);
	synth_migration_set(o, "postcode", pc);
	synth_migration_set(o, "town_code", h->town_code);
	synth_migration_set(o, "address", h->address);
	synth_migration_set(o, "address_supplement", h->address_extra);
	/* The last change: born here, or moved in (from abroad for some foreign
	 * residents), notified within 14 days (住基法22条, 戸籍法49条). */
	bool born = !strcmp(p->resident_since, p->birth_date);
	bool abroad = !born && p->foreign && synth_rng_below(&m->rng, 2);
	const char *reason = born ? "出生" : abroad ? "国外転入" : "転入";
	int64_t since = synth_migration_days(p->resident_since);
	int64_t notified = since + (int64_t)synth_rng_below(&m->rng, 14);
	if (notified > date_to_days(m->as_of))
		notified = date_to_days(m->as_of) > since ? date_to_days(m->as_of) : since;
	synth_migration_day(notified, d1);
	synth_migration_set(o, "change_reason", reason);
	synth_migration_set(o, "change_date", p->resident_since);
	synth_migration_set(o, "notification_date", d1);
	synth_migration_set(o, "residence_date", p->resident_since);
	synth_migration_set(o, "residence_reason", reason);
	synth_migration_set(o, "residence_notification_date", d1);
	synth_migration_set(o, "residence_notification_reason", born ? "出生届" : "転入届");
	if (abroad) {
		char prev[80];
		snprintf(prev, sizeof prev, "国外（%s）", p->nationality);
		synth_migration_set(o, "previous_address", prev);
	} else if (!born) {
		size_t i = (size_t)synth_rng_below(&m->rng, SYNTH_MIGRATION_NPLACES);
		synth_migration_set(o, "previous_municipality_code", synth_migration_places[i].code);
		synth_migration_set(o, "previous_address", synth_migration_places[i].address);
	}
	if (p->foreign) {
		bool special = !strcmp(p->category, "特別永住者");
		synth_migration_set(o, "article_30_45_category", special ? "2" : "1");
		synth_migration_set(o, "nationality_code", p->nationality_code);
		synth_migration_set(o, "nationality", p->nationality);
		synth_migration_set(o, "residence_card_no", p->card_no);
		synth_migration_set(o, "foreign_name", p->name);
		synth_migration_set(o, "foreign_name_kana", p->name_kana);
		synth_migration_set(o, "foreign_birth_date", p->birth_date);
		synth_migration_set(o, "foreign_residence_date", p->resident_since);
		synth_migration_set(o, "foreign_residence_reason", reason);
		json_object_set_new(o, "residence_notified_flag", json_true());
		if (!special) {
			synth_migration_set(o, "residence_status", p->status);
			if (*p->period) {
				synth_migration_set(o, "period_of_stay", p->period);
				synth_migration_renew(m, p->period, p->stay_expiry, d2);
				synth_migration_set(o, "period_of_stay_expiry", d2);
			} else {
				synth_migration_set(o, "period_of_stay", "無期限");   /* 永住者 */
			}
		}
		if (*p->alias_name) {
			char hist[200];
			synth_migration_set(o, "foreign_alias", p->alias_name);
			synth_migration_set(o, "foreign_alias_kana", p->alias_kana);
			snprintf(hist, sizeof hist, "%s 記載 %s", p->resident_since, p->alias_name);
			synth_migration_set(o, "alias_history", hist);
		}
	}
	return o;
}

/* Mark o removed (除票) on a day in (since, as_of]; false when there is none. */
static inline bool synth_migration_remove(synth_migration *m, json_t *o, int64_t since,
					  int64_t day_pick, const char *type)
{
	int64_t last = date_to_days(m->as_of);
	if (day_pick <= since || day_pick > last)
		return false;
	char d[11], n[11];
	synth_migration_day(day_pick, d);
	int64_t nd = day_pick + (int64_t)synth_rng_below(&m->rng, 8);
	synth_migration_day(nd > last ? last : nd, n);
	json_object_set_new(o, "state", json_string("removed"));
	synth_migration_set(o, "removal_type", type);
	synth_migration_set(o, "removal_date", d);
	synth_migration_set(o, "removal_notification_date", n);
	synth_migration_set(o, "removal_notification_reason", !strcmp(type, "死亡") ? "死亡届"
										   : "転出届");
	synth_migration_set(o, "change_reason", type);
	synth_migration_set(o, "change_date", d);
	synth_migration_set(o, "notification_date", n);
	m->removed++;
	return true;
}

/* The household as one entry of registry_import's "households". */
static inline json_t *synth_migration_household(synth_migration *m, const synth_household *h)
{
	json_t *members = json_array();
	int64_t latest = 0;   /* the household moved out after everyone had moved in */
	for (size_t i = 0; i < h->count; i++) {
		int64_t s = synth_migration_days(h->members[i].resident_since);
		latest = s > latest ? s : latest;
	}
	int64_t as_of = date_to_days(m->as_of);
	bool moved_out = synth_rng_below(&m->rng, 1000) < SYNTH_MOVED_OUT_PERMILLE && latest < as_of;
	int64_t out_day = moved_out ? latest + 1 + (int64_t)synth_rng_below(&m->rng,
									    (uint64_t)(as_of - latest))
				    : 0;
	size_t dest = (size_t)synth_rng_below(&m->rng, SYNTH_MIGRATION_NPLACES);
	for (size_t i = 0; i < h->count; i++) {
		const synth_person *p = &h->members[i];
		json_t *o = synth_migration_person(m, h, p);
		int64_t since = synth_migration_days(p->resident_since);
		m->persons++;
		if (moved_out) {
			/* 転出: the destination confirmed by the 転入通知 (住基法9条1項). */
			synth_migration_set(o, "planned_municipality_code", synth_migration_places[dest].code);
			synth_migration_set(o, "planned_address", synth_migration_places[dest].address);
			synth_migration_set(o, "confirmed_municipality_code",
					    synth_migration_places[dest].code);
			synth_migration_set(o, "confirmed_address", synth_migration_places[dest].address);
			synth_migration_remove(m, o, since, out_day, "転出");
		} else if (p->age >= 65 && (i > 0 || h->count == 1)) {
			/* Deaths rise with age; a householder only when living alone. */
			unsigned permille = p->age >= 85 ? 120 : p->age >= 75 ? 45 : 15;
			if (synth_rng_below(&m->rng, 1000) < permille && as_of > since)
				synth_migration_remove(m, o, since,
						       since + 1 + (int64_t)synth_rng_below(
								   &m->rng, (uint64_t)(as_of - since)),
						       "死亡");
		}
		json_array_append_new(members, o);
	}
	return json_pack("{s:s,s:o}", "household_no", h->household_no, "members", members);
}

#endif
