/*
 * Certificates of the resident register as forms (see registry_cert_form.h
 * for the input): what a certificate contains and the legal wording it
 * must carry live here, with the register; documents/ only draws the form.
 *
 * Law encoded here:
 *   住基法12条1項     住民票の写し and 住民票記載事項証明書 issued on request
 *   住基法12条5項     items may be left out of a 写し; 個人番号 and 住民票コード are
 *                    printed only when the request asks for them — the
 *                    registry decides, this layer prints a row only when the
 *                    item is present
 *   住基法15条の4     除票の写し and 除票記載事項証明書
 *   住民基本台帳法施行令15条  a 写し carries at its end the statement that it
 *                    does not differ from the original (原本と相違ない旨), with
 *                    the date and the certifying mayor
 */
#include "registry/registry_cert_form.h"

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/json.h"
#include "core/mynumber.h"
#include "core/text.h"
#include "core/wareki.h"
#include "registry/registry.h"

/* Longest text a field may hold (characters): generous for real data, small
 * enough that one field always fits on a page at the smallest type size. */
#define MAX_SHORT FORM_MAX_SHORT
#define MAX_TEXT FORM_MAX_TEXT
#define MAX_LONG FORM_MAX_LONG
#define MAX_PERSONS 500
#define MAX_HISTORY 200

/* ---- Reading a JSON object, remembering which keys were read ------------- */

typedef struct obj {
	const json_t *o;
	char path[192];         /* "" at top, "persons[3].change_history[2]" */
	char seen[128][48];     /* keys read so far */
	int nseen;
} obj;

/* "path.key". Paths are short ("persons[3].change_history[2].date"); one
 * that did not fit would be cut, which only shortens an error message. */
static void field(char *out, size_t n, const obj *x, const char *key)
{
	int k = x->path[0] ? snprintf(out, n, "%s.%s", x->path, key)
			   : snprintf(out, n, "%s", key);
	if (k < 0)
		out[0] = '\0';
}

static const json_t *take(obj *x, const char *key)
{
	if (x->nseen < (int)(sizeof x->seen / sizeof x->seen[0]))
		snprintf(x->seen[x->nseen++], sizeof x->seen[0], "%s", key);
	const json_t *v = json_object_get(x->o, key);
	return v && !json_is_null(v) ? v : NULL;
}

/* A text item: *out is NULL when absent, null or "" (the core strict reader,
 * core/json.h). */
static int str_item(obj *x, const char *key, size_t max, unsigned flags, const char **out,
		    at_error *err)
{
	jr r = JR_REQUEST(err);
	const char *s = NULL;
	*out = NULL;
	take(x, key);
	if (jr_string(&r, (json_t *)x->o, x->path, key,
		      JR_OPT | ((flags & TEXT_MULTILINE) ? JR_MULTILINE : 0), max, &s))
		return -1;
	*out = s && *s ? s : NULL;
	return 0;
}

/* ISO when it starts with a digit, 和暦 otherwise: each parser explains its
 * own refusal (an era date out of its era names the era's range). */
static int parse_any_date(const char *s, const char *f, at_date *d, at_error *err)
{
	if (*s >= '0' && *s <= '9')
		return date_parse(s, d, f, err);
	return wareki_parse(s, d, f, err);
}

/* A date item K, with an optional K_wareki beside it that must agree.
 * out gets the 和暦 form, or "" when absent. */
static int date_item(obj *x, const char *key, char out[WAREKI_MAX], at_error *err)
{
	const char *iso, *wa;
	char f[160], fw[160], wkey[48];
	at_date d = {0, 0, 0}, dw = {0, 0, 0};
	out[0] = '\0';
	snprintf(wkey, sizeof wkey, "%s_wareki", key);
	if (str_item(x, key, 40, 0, &iso, err) || str_item(x, wkey, 40, 0, &wa, err))
		return -1;
	field(f, sizeof f, x, key);
	field(fw, sizeof fw, x, wkey);
	if (iso && parse_any_date(iso, f, &d, err))
		return -1;
	if (wa && parse_any_date(wa, fw, &dw, err))
		return -1;
	if (iso && wa && date_cmp(d, dw))
		return at_fail(err, 400, AT_E_INVALID, fw, "%s (%s) does not agree with %s (%s)", fw,
			       wa, f, iso);
	if (!iso && !wa)
		return 0;
	if (!iso)
		d = dw;
	if (wareki_format(d, out, WAREKI_MAX))
		return at_fail(err, 400, AT_E_INVALID, f, "%s cannot be written in 和暦", f);
	return 0;
}

/* Every key of x was read, or is one the certificate accepts and never
 * prints (jr_known over the two lists). */
static int no_unknown(const obj *x, const char *const *ignored, at_error *err)
{
	const char *all[sizeof x->seen / sizeof x->seen[0] + 64];
	size_t n = 0;
	for (int i = 0; i < x->nseen; i++)
		all[n++] = x->seen[i];
	for (const char *const *a = ignored; *a && n + 1 < sizeof all / sizeof all[0]; a++)
		all[n++] = *a;
	all[n] = NULL;
	jr r = JR_REQUEST(err);
	return jr_known(&r, (json_t *)x->o, x->path, all);
}

/* ---- Markup pieces ----------------------------------------------------------- */

/* The present parts, escaped, joined by an ideographic space; NULL if none. */
static char *joined(const char *a, const char *b, const char *c)
{
	const char *parts[] = {a, b, c};
	GString *g = g_string_new(NULL);
	for (size_t i = 0; i < 3; i++) {
		if (!parts[i] || !*parts[i])
			continue;
		if (g->len)
			g_string_append(g, "　");
		char *e = form_esc(parts[i]);
		g_string_append(g, e);
		g_free(e);
	}
	if (!g->len) {
		g_string_free(g, TRUE);
		return NULL;
	}
	return g_string_free(g, FALSE);
}

/* "date　reason　detail（nd届出）", the notification part smaller; on a line
 * of its own when `below` (narrow cells), as the forms print it. */
static char *dated(const char *date, const char *reason, const char *detail, const char *nd,
		   bool below)
{
	char *base = joined(date, reason, detail);
	if (!nd || !*nd)
		return base;
	char *e = form_esc(nd);
	char *r = form_fmt("%s%s<span size=\"smaller\">（%s届出）</span>", base ? base : "",
			   base && below ? "\n" : "", e);
	g_free(e);
	g_free(base);
	return r;
}

static void cell(form_row *r, const char *label, form_style st, double w, char *markup)
{
	form_add_cell(r, label, st, w, markup, NULL);
}

#define CELL FORM_CELL   /* rows of optional items: documents/form.h */
#define RUBY FORM_RUBY
#define ROW FORM_ROW

/* Markup of plain text, or NULL for absent text. */
static char *esc(const char *s)
{
	return s && *s ? form_esc(s) : NULL;
}

/* ---- A person ------------------------------------------------------------------ */

static const char *const PERSON_IGNORED[] = {
	/* codes and bookkeeping that a certificate does not print */
	"addressee_no", "household_no", "record_id", "version", "state",
	"sex_code",   /* the register's 性別コード beside the printed 性別 */
	"municipality_code", "town_code", "district_code", "postcode",
	"address_supplement_code", "householder_name_kana", "domicile_municipality_code",
	"domicile_postcode", "previous_municipality_code", "previous_postcode",
	"planned_municipality_code", "planned_postcode", "confirmed_municipality_code",
	"confirmed_postcode", "last_municipality_code", "last_postcode", "nationality_code",
	"residence_status_code", "serial_no", "residence_notified_flag",
	/* the second copies of items seed 001 別添2 lists twice (55/56, 76/78) */
	"removal_notification_date_2", "foreign_residence_reason_2", NULL};

/* One row per entry of change_history (異動履歴), oldest first as given. */
static int history_rows(obj *x, form_table *t, at_error *err)
{
	const json_t *h = take(x, "change_history");
	char f[160];
	field(f, sizeof f, x, "change_history");
	if (!h)
		return 0;
	if (!json_is_array(h))
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be an array", f);
	if (json_array_size(h) > MAX_HISTORY)
		return at_fail(err, 400, AT_E_INVALID, f, "%s may hold at most %d entries", f,
			       MAX_HISTORY);
	bool first = true;
	for (size_t i = 0; i < json_array_size(h); i++) {
		const json_t *e = json_array_get(h, i);
		obj y = {.o = e};
		if (snprintf(y.path, sizeof y.path, "%s[%zu]", f, i) < 0)
			y.path[0] = '\0';
		char *m;
		if (json_is_string(e)) {
			if (text_check(json_string_value(e), y.path, MAX_TEXT, true, 0, err))
				return -1;
			m = joined(json_string_value(e), NULL, NULL);
		} else if (json_is_object(e)) {
			char d[WAREKI_MAX], nd[WAREKI_MAX];
			const char *type, *reason, *detail;
			if (date_item(&y, "date", d, err) ||
			    date_item(&y, "notification_date", nd, err) ||
			    str_item(&y, "type", MAX_SHORT, 0, &type, err) ||
			    str_item(&y, "reason", MAX_SHORT, 0, &reason, err) ||
			    str_item(&y, "detail", MAX_TEXT, 0, &detail, err) ||
			    no_unknown(&y, (const char *const[]){"event_id", NULL}, err))
				return -1;
			/* the 異動事由 of the register's one list of event types */
			const registry_event_type *et = registry_event_type_find(type);
			if (et)
				type = et->label;
			m = dated(d, reason ? reason : type, detail, nd, false);
		} else {
			return at_fail(err, 400, AT_E_INVALID, y.path,
				       "%s must be an object or a string", y.path);
		}
		if (!m)
			continue;
		cell(form_add_row(t), first ? "異動履歴" : "", FS_WIDE, 1, m);
		first = false;
	}
	return 0;
}

static const char *sex_word(const char *s)
{
	if (s && !strcmp(s, "1"))
		return "男";
	if (s && !strcmp(s, "2"))
		return "女";
	return s;
}

static int person(const json_t *p, size_t i, form *f, at_error *err)
{
	obj x = {.o = p};
	if (snprintf(x.path, sizeof x.path, "persons[%zu]", i) < 0)
		x.path[0] = '\0';
	if (!json_is_object(p))
		return at_fail(err, 400, AT_E_INVALID, x.path, "%s must be an object", x.path);

	const char *name, *kana, *fname, *fkana, *alias, *alias_kana, *par, *par_kana;
	const char *former, *former_kana, *former_surname, *sex, *rel;
	const char *addr, *addr_sup, *hh, *prev, *prev_sup, *prev_hh, *dom, *head;
	const char *nat, *status, *cat, *period, *card, *pl, *pl_sup, *pl_hh, *cf, *cf_sup,
		*cf_hh, *last, *last_sup, *last_hh, *res_reason, *res_nreason, *rm_reason,
		*rm_type, *ch_reason, *mn, *rc, *remarks, *alias_hist, *fres_reason;
	char birth[WAREKI_MAX], fbirth[WAREKI_MAX], became[WAREKI_MAX], fbecame[WAREKI_MAX],
		resd[WAREKI_MAX], fresd[WAREKI_MAX], resnd[WAREKI_MAX], fresnd[WAREKI_MAX],
		expiry[WAREKI_MAX], rmd[WAREKI_MAX], rmnd[WAREKI_MAX], chd[WAREKI_MAX],
		chnd[WAREKI_MAX], fnd[WAREKI_MAX], unf[WAREKI_MAX], unt[WAREKI_MAX];

	if (str_item(&x, "name", MAX_SHORT, 0, &name, err) ||
	    str_item(&x, "name_kana", MAX_SHORT, 0, &kana, err) ||
	    str_item(&x, "foreign_name", MAX_SHORT, 0, &fname, err) ||
	    str_item(&x, "foreign_name_kana", MAX_SHORT, 0, &fkana, err) ||
	    str_item(&x, "foreign_alias", MAX_SHORT, 0, &alias, err) ||
	    str_item(&x, "foreign_alias_kana", MAX_SHORT, 0, &alias_kana, err) ||
	    str_item(&x, "foreign_parallel_name", MAX_SHORT, 0, &par, err) ||
	    str_item(&x, "foreign_parallel_name_kana", MAX_SHORT, 0, &par_kana, err) ||
	    str_item(&x, "former_name", MAX_SHORT, 0, &former, err) ||
	    str_item(&x, "former_name_kana", MAX_SHORT, 0, &former_kana, err) ||
	    str_item(&x, "former_surname", MAX_SHORT, 0, &former_surname, err) ||
	    str_item(&x, "sex", 10, 0, &sex, err) ||
	    str_item(&x, "relationship", MAX_SHORT, 0, &rel, err) ||
	    str_item(&x, "address", MAX_TEXT, 0, &addr, err) ||
	    str_item(&x, "address_supplement", MAX_SHORT, 0, &addr_sup, err) ||
	    str_item(&x, "householder_name", MAX_SHORT, 0, &hh, err) ||
	    str_item(&x, "previous_address", MAX_TEXT, 0, &prev, err) ||
	    str_item(&x, "previous_address_supplement", MAX_SHORT, 0, &prev_sup, err) ||
	    str_item(&x, "previous_householder", MAX_SHORT, 0, &prev_hh, err) ||
	    str_item(&x, "domicile", MAX_TEXT, 0, &dom, err) ||
	    str_item(&x, "family_register_head", MAX_SHORT, 0, &head, err) ||
	    str_item(&x, "nationality", MAX_SHORT, 0, &nat, err) ||
	    str_item(&x, "residence_status", MAX_SHORT, 0, &status, err) ||
	    str_item(&x, "article_30_45_category", MAX_SHORT, 0, &cat, err) ||
	    str_item(&x, "period_of_stay", MAX_SHORT, 0, &period, err) ||
	    str_item(&x, "residence_card_no", MAX_SHORT, 0, &card, err) ||
	    str_item(&x, "planned_address", MAX_TEXT, 0, &pl, err) ||
	    str_item(&x, "planned_address_supplement", MAX_SHORT, 0, &pl_sup, err) ||
	    str_item(&x, "planned_householder", MAX_SHORT, 0, &pl_hh, err) ||
	    str_item(&x, "confirmed_address", MAX_TEXT, 0, &cf, err) ||
	    str_item(&x, "confirmed_address_supplement", MAX_SHORT, 0, &cf_sup, err) ||
	    str_item(&x, "confirmed_householder", MAX_SHORT, 0, &cf_hh, err) ||
	    str_item(&x, "last_address", MAX_TEXT, 0, &last, err) ||
	    str_item(&x, "last_address_supplement", MAX_SHORT, 0, &last_sup, err) ||
	    str_item(&x, "last_householder", MAX_SHORT, 0, &last_hh, err) ||
	    str_item(&x, "residence_reason", MAX_SHORT, 0, &res_reason, err) ||
	    str_item(&x, "residence_notification_reason", MAX_SHORT, 0, &res_nreason, err) ||
	    str_item(&x, "foreign_residence_reason", MAX_SHORT, 0, &fres_reason, err) ||
	    str_item(&x, "removal_notification_reason", MAX_SHORT, 0, &rm_reason, err) ||
	    str_item(&x, "removal_type", MAX_SHORT, 0, &rm_type, err) ||
	    str_item(&x, "change_reason", MAX_SHORT, 0, &ch_reason, err) ||
	    str_item(&x, "my_number", 12, 0, &mn, err) ||
	    str_item(&x, "resident_code", 11, 0, &rc, err) ||
	    str_item(&x, "remarks", MAX_LONG, TEXT_MULTILINE, &remarks, err) ||
	    str_item(&x, "alias_history", MAX_LONG, TEXT_MULTILINE, &alias_hist, err))
		return -1;
	if (date_item(&x, "birth_date", birth, err) ||
	    date_item(&x, "foreign_birth_date", fbirth, err) ||
	    date_item(&x, "became_resident_date", became, err) ||
	    date_item(&x, "foreign_change_date", fbecame, err) ||
	    date_item(&x, "residence_date", resd, err) ||
	    date_item(&x, "foreign_residence_date", fresd, err) ||
	    date_item(&x, "residence_notification_date", resnd, err) ||
	    date_item(&x, "foreign_residence_notification_date", fresnd, err) ||
	    date_item(&x, "period_of_stay_expiry", expiry, err) ||
	    date_item(&x, "removal_date", rmd, err) ||
	    date_item(&x, "removal_notification_date", rmnd, err) ||
	    date_item(&x, "change_date", chd, err) ||
	    date_item(&x, "notification_date", chnd, err) ||
	    date_item(&x, "foreign_notification_date", fnd, err) ||
	    date_item(&x, "unnotified_from", unf, err) ||
	    date_item(&x, "unnotified_to", unt, err))
		return -1;

	/* A foreign resident's register carries the legal name as 外国人本名;
	 * the certificate's 氏名 is that name when no other is given. */
	if (!name) {
		name = fname;
		if (!kana)
			kana = fkana;
		fname = fkana = NULL;
	}
	if (!name) {
		char fld[160];
		field(fld, sizeof fld, &x, "name");
		return at_fail(err, 400, AT_E_MISSING, fld, "%s is required", fld);
	}
	if (mn) {
		char fld[160];
		field(fld, sizeof fld, &x, "my_number");
		if (mynumber_validate(mn, fld, err))
			return -1;
	}
	if (rc && !text_is_digits(rc, 11)) {
		char fld[160];
		field(fld, sizeof fld, &x, "resident_code");
		return at_fail(err, 400, AT_E_INVALID, fld, "%s must be 11 digits", fld);
	}

	/* Cells are laid on a grid of 12 units across (label column included),
	 * so the column lines of one person's rows meet: 5 | 3 | 4 and 8 | 4. */
	form_table *t = form_add_table(f, x.path);

	/* 氏名 with its ふりがな above; 旧氏 beside it (住基法7条1号, 施行令30条の13) */
	const char *fm = former ? former : former_surname;
	ROW(t, RUBY("氏名", FS_NAME, 8, esc(name), esc(kana)),
	    RUBY(former ? "旧氏" : "旧姓", FS_VALUE, 4, esc(fm), former ? esc(former_kana) : NULL));
	if (former && former_surname)
		ROW(t, CELL("旧姓", FS_VALUE, 12, esc(former_surname)));
	ROW(t, RUBY("本名", FS_VALUE, 4, esc(fname), fname ? esc(fkana) : NULL),
	    RUBY("通称", FS_VALUE, 4, esc(alias), alias ? esc(alias_kana) : NULL),
	    RUBY("併記名", FS_VALUE, 4, esc(par), par ? esc(par_kana) : NULL));

	ROW(t, CELL("生年月日", FS_VALUE, 5, esc(birth[0] ? birth : fbirth)),
	    CELL("性別", FS_VALUE, 3, esc(sex_word(sex))), CELL("続柄", FS_VALUE, 4, esc(rel)));

	const char *rd = resd[0] ? resd : fresd;
	const char *rr = res_reason ? res_reason : res_nreason ? res_nreason : fres_reason;
	ROW(t, CELL("住民となった日", FS_VALUE, 5, esc(became[0] ? became : fbecame)),
	    CELL("住所を定めた日", FS_VALUE, 7,
		 (rd[0] || rr) ? dated(rd, rr, NULL, resnd[0] ? resnd : fresnd, true) : NULL));

	ROW(t, CELL("住所", FS_WIDE, 8, joined(addr, addr_sup, NULL)),
	    CELL("世帯主", FS_VALUE, 4, esc(hh)));
	ROW(t, CELL("前住所", FS_WIDE, 8, joined(prev, prev_sup, NULL)),
	    CELL("世帯主", FS_VALUE, 4, esc(prev_hh)));
	ROW(t, CELL("本籍", FS_WIDE, 8, esc(dom)), CELL("筆頭者", FS_VALUE, 4, esc(head)));
	/* 外国人住民の記載事項 (住基法30条の45) */
	ROW(t, CELL("国籍・地域", FS_VALUE, 3, esc(nat)),
	    CELL("在留資格", FS_VALUE, 5, esc(status)),
	    CELL("第30条の45区分", FS_VALUE, 4, esc(cat)));
	ROW(t, CELL("在留期間", FS_VALUE, 3, esc(period)),
	    CELL("在留期間の満了の日", FS_VALUE, 5, esc(expiry)),
	    CELL("在留カード等番号", FS_VALUE, 4, esc(card)));
	ROW(t, CELL("転出予定地", FS_WIDE, 8, joined(pl, pl_sup, NULL)),
	    CELL("世帯主", FS_VALUE, 4, esc(pl_hh)));
	ROW(t, CELL("転出先", FS_WIDE, 8, joined(cf, cf_sup, NULL)),
	    CELL("世帯主", FS_VALUE, 4, esc(cf_hh)));
	ROW(t, CELL("最終住民登録地", FS_WIDE, 8, joined(last, last_sup, NULL)),
	    CELL("世帯主", FS_VALUE, 4, esc(last_hh)));
	ROW(t, CELL("異動日", FS_VALUE, 5,
		    (chd[0] || chnd[0] || fnd[0]) ? dated(chd, NULL, NULL, chnd[0] ? chnd : fnd, true) : NULL),
	    CELL("異動事由", FS_VALUE, 7, esc(ch_reason)));
	/* 除票: the day and reason of removal (住基法8条, 施行令8条) */
	ROW(t, CELL("消除日", FS_VALUE, 5, (rmd[0] || rmnd[0]) ? dated(rmd, NULL, NULL, rmnd, true) : NULL),
	    CELL("消除事由", FS_VALUE, 7, esc(rm_reason ? rm_reason : rm_type)));
	if (unf[0] || unt[0])   /* 和暦 strings hold no markup characters */
		ROW(t, CELL("未届期間", FS_VALUE, 12, form_fmt("%s〜%s", unf, unt)));
	/* 住基法12条5項: present only when the request asked for them */
	ROW(t, CELL("個人番号", FS_VALUE, 5, esc(mn)), CELL("住民票コード", FS_VALUE, 7, esc(rc)));
	if (history_rows(&x, t, err))
		return -1;
	ROW(t, CELL("通称履歴", FS_WIDE, 12, esc(alias_hist)));
	ROW(t, CELL("備考", FS_WIDE, 12, esc(remarks)));

	return no_unknown(&x, PERSON_IGNORED, err);
}

/* ---- The certificate ------------------------------------------------------------ */

static const char *const TOP_IGNORED[] = {
	"household_no", "addressee_no", "requester", "purpose", "members", "items",
	"include_my_number", "include_resident_code",
	"municipality_code",   /* the register's code beside the printed name */
	"issued_date",         /* the ISO form of the day of issued_at, which is what is printed */
	NULL};

static const char *default_title(const char *kind)
{
	if (!strcmp(kind, "joshu"))
		return "除票の写し";
	if (!strcmp(kind, "kisai_jiko"))
		return "住民票記載事項証明書";
	return "住民票の写し";
}

/* The sentence 施行令15条 requires at the end of a 写し, worded as the
 * standard forms (住民基本台帳事務処理要領) word it. */
static const char *certification(const char *kind, bool whole_household)
{
	if (!strcmp(kind, "joshu"))
		return "この写しは、除票の原本と相違ないことを証明する。";
	if (!strcmp(kind, "kisai_jiko"))
		return "上記の事項は、住民票に記載されていることを証明する。";
	return whole_household ? "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
			       : "この写しは、住民票の原本と相違ないことを証明する。";
}

static int issue_date(obj *x, form *f, at_error *err)
{
	const char *at, *wa;
	if (str_item(x, "issued_at", 40, 0, &at, err) ||
	    str_item(x, "issued_date_wareki", 40, 0, &wa, err))
		return -1;
	at_date d = {0, 0, 0}, dw = {0, 0, 0};
	if (at) {
		int64_t t;
		if (time_parse(at, &t, "issued_at", err))
			return -1;
		/* the day of issue is the day in Japan (UTC+9) */
		int64_t jst = t + 9 * 3600;
		int64_t days = jst >= 0 ? jst / 86400 : -((-jst + 86399) / 86400);
		d = date_from_days(days);
		char iso[21];
		time_format(t, iso);
		f->meta_date = g_strdup(iso);
	}
	if (wa && wareki_parse(wa, &dw, "issued_date_wareki", err))
		return -1;
	if (at && wa && date_cmp(d, dw))
		return at_fail(err, 400, AT_E_INVALID, "issued_date_wareki",
			       "issued_date_wareki (%s) is not the day of issued_at (%s) in Japan",
			       wa, at);
	if (!at && !wa)
		return at_fail(err, 400, AT_E_MISSING, "issued_at",
			       "issued_at or issued_date_wareki is required: a certificate is dated");
	char w[WAREKI_MAX];
	if (wareki_format(at ? d : dw, w, sizeof w))
		return at_fail(err, 400, AT_E_INVALID, "issued_at",
			       "issued_at cannot be written in 和暦");
	f->date = form_esc(w);
	return 0;
}

static int certificate_build(const json_t *doc, const char *kind, form *f, at_error *err)
{
	obj x = {.o = doc};
	const char *title, *muni, *certifier, *addr, *addr_sup, *hh, *hh_kana, *serial_s = NULL;
	bool whole = false;
	take(&x, "kind");   /* read by the caller */
	if (str_item(&x, "title", 60, 0, &title, err) ||
	    str_item(&x, "municipality", MAX_SHORT, 0, &muni, err) ||
	    str_item(&x, "certifier", MAX_SHORT, 0, &certifier, err) ||
	    str_item(&x, "address", MAX_TEXT, 0, &addr, err) ||
	    str_item(&x, "address_supplement", MAX_SHORT, 0, &addr_sup, err) ||
	    str_item(&x, "householder", MAX_SHORT, 0, &hh, err) ||
	    str_item(&x, "householder_kana", MAX_SHORT, 0, &hh_kana, err) ||
	    issue_date(&x, f, err))
		return -1;
	if (!certifier)
		return at_fail(err, 400, AT_E_MISSING, "certifier",
			       "certifier is required: a certificate names the mayor who certifies it");
	const json_t *v = take(&x, "whole_household");
	if (v) {
		if (!json_is_boolean(v))
			return at_fail(err, 400, AT_E_INVALID, "whole_household",
				       "whole_household must be true or false");
		whole = json_is_true(v);
	}
	char serial_n[32];
	v = take(&x, "serial");
	if (v && json_is_integer(v)) {
		snprintf(serial_n, sizeof serial_n, "%lld", (long long)json_integer_value(v));
		serial_s = serial_n;
	} else if (v && !json_is_string(v)) {
		return at_fail(err, 400, AT_E_INVALID, "serial", "serial must be a string or an integer");
	} else if (str_item(&x, "serial", 40, 0, &serial_s, err)) {
		return -1;
	}

	f->meta_title = g_strdup(default_title(kind));
	f->title = form_esc(title ? title : default_title(kind));
	f->issuer = muni ? form_esc(muni) : NULL;
	f->serial = serial_s ? form_esc(serial_s) : NULL;
	f->certification = form_esc(certification(kind, whole));
	f->certifier = form_esc(certifier);

	if (addr || hh) {
		form_table *h = &f->header;
		h->field = g_strdup("address");
		ROW(h, CELL("住所", FS_WIDE, 1, joined(addr, addr_sup, NULL)));
		ROW(h, RUBY("世帯主", FS_VALUE, 1, esc(hh), hh ? esc(hh_kana) : NULL));
	}

	const json_t *ps = take(&x, "persons");
	if (!ps)
		return at_fail(err, 400, AT_E_MISSING, "persons", "persons is required");
	if (!json_is_array(ps))
		return at_fail(err, 400, AT_E_INVALID, "persons", "persons must be an array");
	if (json_array_size(ps) == 0 || json_array_size(ps) > MAX_PERSONS)
		return at_fail(err, 400, AT_E_INVALID, "persons",
			       "persons must list between 1 and %d persons", MAX_PERSONS);
	for (size_t i = 0; i < json_array_size(ps); i++)
		if (person(json_array_get(ps, i), i, f, err))
			return -1;

	const json_t *notes = take(&x, "notes");
	if (form_add_notes(f, notes, err))
		return -1;
	return no_unknown(&x, TOP_IGNORED, err);
}

/* The kinds the renderer learns from this module (documents.h). */
const document_kind registry_document_kinds[] = {
	{"juminhyo", certificate_build},
	{"joshu", certificate_build},
	{"kisai_jiko", certificate_build},
	{NULL, NULL},
};
