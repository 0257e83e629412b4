/*
 * The door (door.h), search volume: how many searches a staff member makes
 * and how many people they list within a window, against the limits of
 * data/policy/search_volume.json (issue 9 §5: 71 prefix searches in 0.3 s
 * listed 981 of 983 residents and nobody was told).
 *
 * The counts live in the store (sp_search_window, sp_search_seen), written in
 * the search's own unit of work: they survive a restart, a refused or aborted
 * search counts nothing, and since every door holds the write lock from its
 * open (store_begin), two server threads cannot both pass the last free place.
 * Everything here runs inside a spine section (door_int.h).
 */
#include "door_int.h"

#include <pthread.h>

#include "policy/decl_builtin.h"

/* ---- The limits ---- */

extern const struct decl_builtin policy_data_builtins[];
#define LIMITS_FILE "search_volume.json"

#define WINDOW_MIN 60        /* a window shorter than a minute alerts on every burst */
#define WINDOW_MAX 86400     /* a day: longer windows forget nothing */
#define COUNT_MAX 1000000

/* The rules a set of limits keeps, wherever it comes from. */
static int check_limits(const jr *r, const door_search_limits *l)
{
	if (l->window_seconds < WINDOW_MIN || l->window_seconds > WINDOW_MAX)
		return jr_fail(r, AT_E_INVALID, "window_seconds", "must be %d to %d seconds",
			       WINDOW_MIN, WINDOW_MAX);
	const struct {
		const char *path;
		int64_t v;
	} counts[] = {{"alert.searches", l->alert_searches}, {"alert.people", l->alert_people},
		      {"refuse.searches", l->refuse_searches}, {"refuse.people", l->refuse_people}};
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
		if (counts[i].v < 1 || counts[i].v > COUNT_MAX)
			return jr_fail(r, AT_E_INVALID, counts[i].path, "must be 1 to %d", COUNT_MAX);
	/* An alert that could only come after the refusal would never be raised. */
	if (l->refuse_searches < l->alert_searches)
		return jr_fail(r, AT_E_INVALID, "refuse.searches", "must be at least alert.searches");
	if (l->refuse_people < l->alert_people)
		return jr_fail(r, AT_E_INVALID, "refuse.people", "must be at least alert.people");
	return 0;
}

static int read_pair(const jr *r, json_t *doc, const char *key, int64_t *searches,
		     int64_t *people)
{
	static const char *const keys[] = {"searches", "people", NULL};
	json_t *o;
	char q[JR_PATH];
	return jr_object(r, doc, "", key, JR_REQ, &o, q) || jr_known(r, o, q, keys) ||
	       jr_int(r, o, q, "searches", JR_REQ, 1, COUNT_MAX, searches) ||
	       jr_int(r, o, q, "people", JR_REQ, 1, COUNT_MAX, people) ? -1 : 0;
}

static int parse_limits(const char *text, door_search_limits *l, at_error *err)
{
	jr r = JR_DATA(err, "policy/" LIMITS_FILE);
	static const char *const keys[] = {"about", "basis", "note", "window_seconds", "alert",
					   "refuse", NULL};
	json_t *doc = jr_parse_object(&r, text, strlen(text));
	const char *basis = NULL;
	int rc = !doc || jr_known(&r, doc, "", keys) ||
			 jr_string(&r, doc, "", "basis", JR_REQ, 1000, &basis) ||
			 jr_int(&r, doc, "", "window_seconds", JR_REQ, WINDOW_MIN, WINDOW_MAX,
				&l->window_seconds) ||
			 read_pair(&r, doc, "alert", &l->alert_searches, &l->alert_people) ||
			 read_pair(&r, doc, "refuse", &l->refuse_searches, &l->refuse_people) ||
			 check_limits(&r, l)
		 ? -1 : 0;
	json_decref(doc);
	return rc;
}

/* The file's limits, read once; then what door_search_limits_use set. */
static pthread_once_t limits_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t limits_mu = PTHREAD_MUTEX_INITIALIZER;
static door_search_limits limits;
static at_error limits_err;
static bool limits_ok;

static void limits_load(void)
{
	at_error_clear(&limits_err);
	for (const struct decl_builtin *b = policy_data_builtins; b->name; b++)
		if (!strcmp(b->name, LIMITS_FILE)) {
			limits_ok = parse_limits(b->json, &limits, &limits_err) == 0;
			return;
		}
	at_fail(&limits_err, 500, AT_E_INTERNAL, "policy/" LIMITS_FILE,
		"the build carries no data/policy/" LIMITS_FILE);
}

int door_search_limits_get(door_search_limits *out, at_error *err)
{
	pthread_once(&limits_once, limits_load);
	pthread_mutex_lock(&limits_mu);
	int rc = 0;
	if (limits_ok)
		*out = limits;
	else {
		*err = limits_err;
		rc = -1;
	}
	pthread_mutex_unlock(&limits_mu);
	return rc;
}

int door_search_limits_use(const door_search_limits *l, at_error *err)
{
	jr r = JR_REQUEST(err);
	if (check_limits(&r, l))
		return -1;
	pthread_once(&limits_once, limits_load);
	pthread_mutex_lock(&limits_mu);
	limits = *l;
	limits_ok = true;
	pthread_mutex_unlock(&limits_mu);
	return 0;
}

/* ---- Counting ---- */

typedef struct volume {
	int64_t start, searches, people;
	bool alerted;
} volume;

/* The staff member's counts in the window that starts at `start` (a row of
 * an older window counts as empty, and its people are forgotten). */
static int load_volume(door *d, int64_t start, volume *v, at_error *err)
{
	*v = (volume){.start = start};
	store_stmt *st = store_prepare(d->s,
		"SELECT window_start, searches, people, alerted FROM sp_search_window"
		" WHERE staff_id = ?", err);
	if (!st)
		return -1;
	store_bind_text(st, 1, d->staff);
	int r = store_step(st, err);
	bool current = r == STORE_ROW && store_col_int(st, 0) == start;
	if (current) {
		v->searches = store_col_int(st, 1);
		v->people = store_col_int(st, 2);
		v->alerted = store_col_int(st, 3) != 0;
	}
	store_done(st);
	if (r < 0)
		return -1;
	if (r == STORE_ROW && !current)
		return store_run(d->s, "DELETE FROM sp_search_seen WHERE staff_id = ?",
				 STORE_ARGS(STORE_TEXT(d->staff)), err);
	return 0;
}

/* Adds the people not listed before in this window; *fresh says how many. */
static int add_people(door *d, const char (*subjects)[65], size_t n, int64_t *fresh,
		      at_error *err)
{
	*fresh = 0;
	for (size_t i = 0; i < n; i++) {
		if (store_run(d->s, "INSERT INTO sp_search_seen(staff_id, subject) VALUES(?, ?)"
				    " ON CONFLICT DO NOTHING",
			      STORE_ARGS(STORE_TEXT(d->staff), STORE_TEXT(subjects[i])), err))
			return -1;
		*fresh += store_changes(d->s);
	}
	return 0;
}

int dr_search_volume(door *d, const char (*subjects)[65], size_t n, at_error *err)
{
	/* A write's own checks (is this My Number already a resident's?) show
	 * nobody to anyone; what a staff member browses runs in read units. */
	if (d->mode != DOOR_READ)
		return 0;
	door_search_limits l;
	if (door_search_limits_get(&l, err))
		return -1;
	int64_t now = time_now();
	int64_t start = now - now % l.window_seconds;   /* fixed windows, from the epoch (UTC) */
	volume v;
	int64_t fresh = 0;
	if (load_volume(d, start, &v, err) || add_people(d, subjects, n, &fresh, err))
		return -1;
	char from[21], until[21];
	time_format(start, from);
	time_format(start + l.window_seconds, until);
	if (v.searches + 1 > l.refuse_searches || v.people + fresh > l.refuse_people) {
		/* The door aborts, so this search lists nobody and counts nothing. */
		at_fail(err, 429, "search_volume", "search",
			"%s has made %lld searches listing %lld people since %s; more than %lld"
			" searches or %lld people within %lld s are refused, and this search would"
			" pass that. Narrow the criteria, or wait until %s",
			d->staff, (long long)v.searches, (long long)v.people, from,
			(long long)l.refuse_searches, (long long)l.refuse_people,
			(long long)l.window_seconds, until);
		return dr_refuse(d, "search", "", err);
	}
	v.searches++;
	v.people += fresh;
	bool alert = !v.alerted &&
		     (v.searches > l.alert_searches || v.people > l.alert_people);
	if (store_run(d->s,
		      "INSERT INTO sp_search_window(staff_id, window_start, searches, people, alerted)"
		      " VALUES(?, ?, ?, ?, ?) ON CONFLICT(staff_id) DO UPDATE SET"
		      " window_start = excluded.window_start, searches = excluded.searches,"
		      " people = excluded.people, alerted = excluded.alerted",
		      STORE_ARGS(STORE_TEXT(d->staff), STORE_INT(start), STORE_INT(v.searches),
				 STORE_INT(v.people), STORE_INT(v.alerted || alert)),
		      err))
		return -1;
	if (!alert)
		return 0;
	/* Once a window: the reviewer looks at the staff member's searches in the log. */
	char det[240];
	snprintf(det, sizeof det,
		 "%lld searches listing %lld people since %s (alert past %lld searches or %lld"
		 " people within %lld s)",
		 (long long)v.searches, (long long)v.people, from, (long long)l.alert_searches,
		 (long long)l.alert_people, (long long)l.window_seconds);
	return dr_note(d, "search_volume", AUDIT_ALERT, "", "", det, err);
}
