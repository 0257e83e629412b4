/*
 * Policy: declarations, staff authentication, the grants ledger and the one
 * door, driven through their public headers against a real data directory.
 */
#include <jansson.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/mynumber.h"
#include "crypto/crypto.h"
#include "policy/decl.h"
#include "policy/door.h"
#include "policy/grant.h"
#include "policy/keys.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "test.h"
#include "test_fixtures.h"

static char dir[512];
static store *S;
static keyring *KR;
static char pw_clerk1[64], pw_clerk2[64], pw_viewer[64];
static unsigned char totp_viewer[64];
static size_t totp_viewer_len;
static unsigned char totp_clerk1[64], totp_clerk2[64];
static size_t totp_clerk1_len, totp_clerk2_len;
static int64_t fake_now = 1780000000;   /* 2026-05-28 */

static void set_now(int64_t t)
{
	char b[32];
	snprintf(b, sizeof b, "%lld", (long long)t);
	setenv("ATENA_FAKE_NOW", b, 1);
	fake_now = t;
}

static door_ctx ctx(const char *staff, const char *business, const char *reason)
{
	door_ctx c = {.staff_id = staff, .department = "区民課", .terminal_id = "T-001",
		      .business = business, .reason = reason, .case_id = "A-1"};
	return c;
}

/* Audit events with this operation, outcome and detail (NULL: any). */
static int64_t count_events_detail(const char *op, const char *outcome, const char *detail)
{
	audit_filter f = {.limit = 1000};
	json_t *arr = NULL;
	at_error e;
	int64_t n = 0, after = 0;
	for (;;) {
		f.after_seq = after;
		if (audit_query(S, &f, &arr, &e))
			return -1;
		size_t i;
		json_t *ev;
		json_array_foreach(arr, i, ev) {
			after = json_integer_value(json_object_get(ev, "seq"));
			const char *d = json_string_value(json_object_get(ev, "detail"));
			if ((!op || !strcmp(json_string_value(json_object_get(ev, "operation")), op)) &&
			    (!outcome || !strcmp(json_string_value(json_object_get(ev, "outcome")), outcome)) &&
			    (!detail || (d && !strcmp(d, detail))))
				n++;
		}
		size_t got = json_array_size(arr);
		json_decref(arr);
		if (got < 1000)
			break;
	}
	return n;
}

static int64_t count_events(const char *op, const char *outcome)
{
	return count_events_detail(op, outcome, NULL);
}

static void setup(void)
{
	fixture_data_dir(dir, sizeof dir, "policy");
	set_now(fake_now);
	at_error e = {0};
	if (platform_init(dir, "131105", &e) || platform_open(dir, &S, &KR, &e)) {
		fprintf(stderr, "setup: %s\n", e.message);
		exit(1);
	}
	strbuf pw = STRBUF_INIT, tp = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&tp);
	if (staff_add(S, KR, "admin", "管理 太郎", "情報政策課", true, "", "console", &pw, &tp, &e))
		exit(1);
	sb_reset(&pw);
	sb_reset(&tp);
	if (staff_add(S, KR, "clerk1", "窓口 花子", "区民課", false, "admin", "T-ADM", &pw, &tp, &e))
		exit(1);
	snprintf(pw_clerk1, sizeof pw_clerk1, "%s", pw.buf);
	base32_decode(tp.buf, totp_clerk1, sizeof totp_clerk1, &totp_clerk1_len);
	sb_reset(&pw);
	sb_reset(&tp);
	if (staff_add(S, KR, "clerk2", "確認 次郎", "区民課", false, "admin", "T-ADM", &pw, &tp, &e))
		exit(1);
	snprintf(pw_clerk2, sizeof pw_clerk2, "%s", pw.buf);
	base32_decode(tp.buf, totp_clerk2, sizeof totp_clerk2, &totp_clerk2_len);
	sb_reset(&pw);
	sb_reset(&tp);
	if (staff_add(S, KR, "viewer", "閲覧 三郎", "税務課", false, "admin", "T-ADM", &pw, &tp, &e))
		exit(1);
	snprintf(pw_viewer, sizeof pw_viewer, "%s", pw.buf);
	base32_decode(tp.buf, totp_viewer, sizeof totp_viewer, &totp_viewer_len);
	sb_release(&pw);
	sb_release(&tp);
	if (grant_add(S, "clerk1", "test_business", GRANT_UPDATE, 0, 0, "admin", "T-ADM", "窓口担当", &e) ||
	    grant_add(S, "clerk2", "test_business", GRANT_UPDATE, 0, 0, "admin", "T-ADM", "確認担当", &e) ||
	    grant_add(S, "viewer", "test_viewer", GRANT_VIEW, 0, 0, "admin", "T-ADM", "閲覧", &e) ||
	    grant_add(S, "clerk1", "test_viewer", GRANT_VIEW, 0, 0, "admin", "T-ADM", "閲覧", &e)) {
		fprintf(stderr, "setup grants: %s\n", e.message);
		exit(1);
	}
}

/* Create a record as clerk1; returns its id. */
static int64_t create_person(const char *subject, const char *first11, const char *name,
			     const char *kana, const char *birth)
{
	char mn[13];
	mk_mynumber(first11, mn);
	door_ctx c = ctx("clerk1", "test_business", "転入届の受付");
	door *d;
	at_error e = {0};
	int64_t id = 0;
	if (door_open(S, KR, &c, DOOR_WRITE, &d, &e)) {
		fprintf(stderr, "create_person open: %s\n", e.message);
		return 0;
	}
	json_t *items = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "my_number", mn, "name", name,
				  "name_kana", kana, "birth_date", birth, "address",
				  "東京都目黒区中目黒一丁目1番1号", "special_note", "配慮事項あり");
	if (door_create(d, "test_file", subject, items, &id, &e)) {
		fprintf(stderr, "create_person: %s\n", e.message);
		door_abort(d);
		id = 0;
	} else if (door_commit(d, &e)) {
		id = 0;
	}
	json_decref(items);
	return id;
}

/* ---- declarations ---- */

static void test_declarations_loaded(void)
{
	CHECK(decl_business_exists(S, "test_business"));
	CHECK(decl_business_exists(S, "administration"));
	bool nu = false;
	at_error ne;
	CHECK_INT(decl_business_number_using(S, "test_business", &nu, &ne), 0);
	CHECK(nu);
	CHECK_INT(decl_business_number_using(S, "test_viewer", &nu, &ne), 0);
	CHECK(!nu);
	CHECK(decl_file_exists(S, "test_file"));
	json_t *all = NULL;
	at_error e;
	CHECK(decl_export(S, &all, &e) == 0);
	json_t *files = json_object_get(all, "files"), *tf = NULL;
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
		if (!strcmp(json_string_value(json_object_get(f, "id")), "test_file"))
			tf = f;
	CHECK(tf != NULL);
	json_t *items = json_object_get(tf, "items");
	CHECK_INT(json_array_size(items), 13);
	CHECK_STR(json_string_value(json_object_get(json_array_get(items, 0), "name_ja")), "個人番号");
	json_decref(all);
	/* Reloading is idempotent. */
	CHECK(decl_load_builtin(S, &e) == 0);
}

static void test_declaration_validation(void)
{
	at_error e;
	/* My Number not encrypted */
	const char *bad1 = "{\"module\":\"x\",\"version\":1,\"businesses\":[],\"permissions\":[],"
			   "\"files\":[{\"id\":\"f\",\"name_ja\":\"F\",\"business\":\"test_business\","
			   "\"owner\":null,\"description\":\"d\",\"retention\":{\"removed_years\":1,\"citation\":\"c\"},"
			   "\"items\":[{\"id\":\"mn\",\"name_ja\":\"個人番号\",\"type\":\"my_number\","
			   "\"class\":\"my_number\",\"encrypted\":false}]}]}";
	CHECK(decl_validate(bad1, "bad1", &e) == -1);
	CHECK_STR(e.field, "files[0].items[0].encrypted");
	/* Unknown type */
	const char *bad2 = "{\"module\":\"x\",\"version\":1,\"businesses\":[],\"permissions\":[],"
			   "\"files\":[{\"id\":\"f\",\"name_ja\":\"F\",\"business\":\"test_business\","
			   "\"owner\":null,\"description\":\"d\",\"retention\":{\"removed_years\":1,\"citation\":\"c\"},"
			   "\"items\":[{\"id\":\"a\",\"name_ja\":\"A\",\"type\":\"money\","
			   "\"class\":\"general\",\"encrypted\":false}]}]}";
	CHECK(decl_validate(bad2, "bad2", &e) == -1);
	CHECK_STR(e.field, "files[0].items[0].type");
	/* Missing legal basis */
	const char *bad3 = "{\"module\":\"x\",\"version\":1,\"files\":[],\"permissions\":[],"
			   "\"businesses\":[{\"id\":\"b\",\"name_ja\":\"B\",\"number_using\":true}]}";
	CHECK(decl_validate(bad3, "bad3", &e) == -1);
	CHECK_STR(e.field, "businesses[0].legal_basis");
	/* Misspelt key */
	const char *bad4 = "{\"module\":\"x\",\"version\":1,\"files\":[],\"permissions\":[],"
			   "\"businesses\":[{\"id\":\"b\",\"name_ja\":\"B\",\"legal_basis\":\"l\","
			   "\"number_usin\":true}]}";
	CHECK(decl_validate(bad4, "bad4", &e) == -1);
	CHECK_STR(e.code, "unknown_field");
	/* Permission naming an undeclared item is refused at load and changes nothing. */
	const char *bad5 = "{\"module\":\"x\",\"version\":1,\"businesses\":[],\"files\":[],"
			   "\"permissions\":[{\"business\":\"test_viewer\",\"file\":\"test_file\","
			   "\"access\":\"view\",\"items\":[\"nope\"]}]}";
	CHECK(decl_load(S, bad5, "bad5.json", &e) == -1);
	CHECK_STR(e.field, "items");
}

/* ---- staff ---- */

static void test_login_flow(void)
{
	at_error e = {0};
	strbuf tok = STRBUF_INIT;
	sb_init(&tok);
	staff_info who;
	char code[8];
	/* Wrong password */
	snprintf(code, sizeof code, "%06u", totp_code(TOTP_ALG_DEFAULT, totp_clerk1, totp_clerk1_len, fake_now, 6));
	CHECK(staff_login(S, KR, "clerk1", "wrong-password", code, "T-001", NULL, &tok, &who, &e) == -1);
	CHECK_INT(e.status, 401);
	/* Right password, first login: a new password is required */
	CHECK(staff_login(S, KR, "clerk1", pw_clerk1, code, "T-001", NULL, &tok, &who, &e) == -1);
	CHECK_STR(e.code, "password_change_required");
	set_now(fake_now + 30);
	snprintf(code, sizeof code, "%06u", totp_code(TOTP_ALG_DEFAULT, totp_clerk1, totp_clerk1_len, fake_now, 6));
	/* Too short a new password */
	CHECK(staff_login(S, KR, "clerk1", pw_clerk1, code, "T-001", "short", &tok, &who, &e) == -1);
	CHECK_STR(e.field, "new_password");
	set_now(fake_now + 30);
	snprintf(code, sizeof code, "%06u", totp_code(TOTP_ALG_DEFAULT, totp_clerk1, totp_clerk1_len, fake_now, 6));
	/* Reusing the current password as the new one is refused */
	CHECK(staff_login(S, KR, "clerk1", pw_clerk1, code, "T-001", pw_clerk1, &tok, &who, &e) == -1);
	CHECK_STR(e.field, "new_password");
	set_now(fake_now + 30);
	snprintf(code, sizeof code, "%06u", totp_code(TOTP_ALG_DEFAULT, totp_clerk1, totp_clerk1_len, fake_now, 6));
	CHECK(staff_login(S, KR, "clerk1", pw_clerk1, code, "T-001", "a-new-password-1", &tok, &who, &e) == 0);
	CHECK_STR(who.id, "clerk1");
	/* The one-time code that opened the session cannot open another (replay) */
	strbuf tok2 = STRBUF_INIT;
	sb_init(&tok2);
	CHECK(staff_login(S, KR, "clerk1", "a-new-password-1", code, "T-009", NULL, &tok2, &who, &e) == -1);
	CHECK_INT(e.status, 401);
	sb_release(&tok2);
	CHECK_STR(who.terminal_id, "T-001");
	CHECK(!who.must_change);
	/* The session resolves, and ends after idle time */
	staff_info s2;
	CHECK(staff_session(S, tok.buf, &s2, &e) == 0);
	CHECK_STR(s2.terminal_id, "T-001");
	set_now(fake_now + STAFF_IDLE_TIMEOUT + 1);
	CHECK(staff_session(S, tok.buf, &s2, &e) == -1);
	CHECK_STR(e.code, "session_expired");
	CHECK(staff_session(S, tok.buf, &s2, &e) == -1);
	CHECK(staff_session(S, "not-a-token", &s2, &e) == -1);
	CHECK_INT(e.status, 401);
	/* Password history: the old passwords may not come back */
	CHECK(staff_change_password(S, "clerk1", "a-new-password-1", pw_clerk1, NULL, &e) == -1);
	CHECK_STR(e.field, "new_password");
	CHECK(staff_change_password(S, "clerk1", "a-new-password-1", "a-new-password-2", NULL, &e) == 0);
	CHECK(staff_change_password(S, "clerk1", "a-new-password-2", "a-new-password-1", NULL, &e) == -1);
	/* Expiry forces a change again */
	set_now(fake_now + (int64_t)STAFF_PASSWORD_DAYS * 86400 + 60);
	staff_info g;
	CHECK(staff_get(S, "clerk1", &g, &e) == 0);
	CHECK(g.must_change);
	set_now(1780000000 + 7200);   /* back to a time well before expiry */
	fake_now = 1780000000 + 7200;
	sb_release(&tok);
	CHECK(count_events("login", AUDIT_FAILED) >= 2);
	CHECK(count_events("login", AUDIT_OK) == 1);
}

/* The code of the step after the last one used, moving the clock on. */
static void next_code(const unsigned char *secret, size_t len, char code[8])
{
	set_now(fake_now + TOTP_STEP);
	snprintf(code, 8, "%06u", totp_code(TOTP_ALG_DEFAULT, secret, len, fake_now, 6));
}

/* The next step's code without moving the clock (the window takes one step ahead). */
static void code_ahead(const unsigned char *secret, size_t len, char code[8])
{
	snprintf(code, 8, "%06u", totp_code(TOTP_ALG_DEFAULT, secret, len, fake_now + TOTP_STEP, 6));
}

static double login_ms(const char *id, const char *pw, const char *terminal)
{
	struct timespec a, b;
	strbuf tok = STRBUF_INIT;
	sb_init(&tok);
	staff_info who;
	at_error e;
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK(staff_login(S, KR, id, pw, "000000", terminal, NULL, &tok, &who, &e) == -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	sb_release(&tok);
	return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

/* Issue 9 §2: no hard lock anyone can set off; every refusal looks alike. */
static void test_backoff(void)
{
	at_error e = {0}, wrong = {0};
	strbuf tok = STRBUF_INIT, live = STRBUF_INIT;
	sb_init(&tok);
	sb_init(&live);
	staff_info who;
	char code[8];
	/* clerk2 has a live session before the attack. */
	next_code(totp_clerk2, totp_clerk2_len, code);
	CHECK(staff_login(S, KR, "clerk2", pw_clerk2, code, "T-002", "Second-clerk-2026", &live, &who,
			  &e) == 0);
	snprintf(pw_clerk2, sizeof pw_clerk2, "Second-clerk-2026");
	CHECK(staff_login(S, KR, "clerk2", "wrong-wrong-wrong", "000000", "T-BO-1", NULL, &tok, &who,
			  &wrong) == -1);
	CHECK_INT(wrong.status, 401);
	for (int i = 1; i < STAFF_MAX_FAILURES; i++) {
		CHECK(staff_login(S, KR, "clerk2", "wrong-wrong-wrong", "000000", "T-BO-1", NULL, &tok,
				  &who, &e) == -1);
		CHECK_INT(e.status, 401);
		CHECK_STR(e.message, wrong.message);
	}
	/* Held back: even both right factors get the wrong-password answer... */
	code_ahead(totp_clerk2, totp_clerk2_len, code);
	CHECK(staff_login(S, KR, "clerk2", pw_clerk2, code, "T-BO-2", NULL, &tok, &who, &e) == -1);
	CHECK_INT(e.status, 401);
	CHECK_STR(e.code, wrong.code);
	CHECK_STR(e.message, wrong.message);
	/* ...the account is not locked, and the victim's session lives on. */
	staff_info g, s2;
	CHECK(staff_get(S, "clerk2", &g, &e) == 0 && !g.locked);
	CHECK(staff_session(S, live.buf, &s2, &e) == 0);
	/* The hold is over after STAFF_BACKOFF_BASE seconds. */
	set_now(fake_now + STAFF_BACKOFF_BASE);
	next_code(totp_clerk2, totp_clerk2_len, code);
	CHECK(staff_login(S, KR, "clerk2", pw_clerk2, code, "T-BO-2", NULL, &tok, &who, &e) == 0);
	/* Unknown and administratively locked accounts answer alike. */
	CHECK(staff_login(S, KR, "nobody", "whatever-whatever", "000000", "T-BO-3", NULL, &tok, &who,
			  &e) == -1);
	CHECK_INT(e.status, 401);
	CHECK_STR(e.message, wrong.message);
	CHECK(staff_set_locked(S, "clerk2", true, "admin", "T-ADM", &e) == 0);
	next_code(totp_clerk2, totp_clerk2_len, code);
	CHECK(staff_login(S, KR, "clerk2", pw_clerk2, code, "T-BO-3", NULL, &tok, &who, &e) == -1);
	CHECK_INT(e.status, 401);
	CHECK_STR(e.message, wrong.message);
	/* The lock ended the live session, and says so. */
	CHECK(staff_session(S, live.buf, &s2, &e) == -1);
	CHECK_STR(e.code, "session_expired");
	CHECK(strstr(e.message, "locked") != NULL);
	CHECK(staff_set_locked(S, "clerk2", false, "admin", "T-ADM", &e) == 0);
	/* Same Argon2id cost: an unknown id takes as long as a wrong password
	 * (before: 1-4 ms against 62-71 ms). */
	double known = 0, unknown = 0;
	for (int i = 0; i < 3; i++) {
		known += login_ms("viewer", "wrong-wrong-wrong", "T-BO-4");
		unknown += login_ms("no-such-person", "wrong-wrong-wrong", "T-BO-4");
	}
	CHECK(unknown * 2 > known);
	/* A terminal is held back after STAFF_SOURCE_FAILURES failures, for any account. */
	for (int i = 0; i < STAFF_SOURCE_FAILURES; i++) {
		char ghost[32];
		snprintf(ghost, sizeof ghost, "ghost%d", i);
		CHECK(staff_login(S, KR, ghost, "wrong-wrong-wrong", "000000", "T-BO-5", NULL, &tok, &who,
				  &e) == -1);
	}
	code_ahead(totp_clerk2, totp_clerk2_len, code);
	CHECK(staff_login(S, KR, "clerk2", pw_clerk2, code, "T-BO-5", NULL, &tok, &who, &e) == -1);
	CHECK_STR(e.message, wrong.message);
	CHECK(staff_login(S, KR, "clerk2", pw_clerk2, code, "T-BO-6", NULL, &tok, &who, &e) == 0);
	sb_release(&tok);
	sb_release(&live);
}

/* Parallel logins, each thread on its own connection as the server has. */
typedef struct racer {
	const char *password, *code;
	int opened, refused;
} racer;

static void *race_one(void *arg)
{
	racer *r = arg;
	store *s;
	keyring *kr;
	at_error e;
	if (platform_open(dir, &s, &kr, &e))
		return NULL;
	for (int i = 0; i < 5; i++) {
		strbuf tok = STRBUF_INIT;
		sb_init(&tok);
		staff_info who;
		char term[16];
		snprintf(term, sizeof term, "T-RACE-%d", i);
		if (staff_login(s, kr, "clerk1", r->password, r->code, term, NULL, &tok, &who, &e) == 0)
			r->opened++;
		else
			r->refused++;
		sb_release(&tok);
	}
	store_close(s);
	keyring_free(kr);
	return NULL;
}

/* Issue 9 §2: 40 parallel guesses got 12 password checks against a limit of 5,
 * one code opened 3 sessions. */
static void test_login_races(void)
{
	enum { N = 8 };
	pthread_t t[N];
	racer r[N];
	char code[8];
	/* One code, many logins at once: one session. */
	next_code(totp_clerk1, totp_clerk1_len, code);
	for (int i = 0; i < N; i++) {
		r[i] = (racer){.password = "a-new-password-2", .code = code};
		pthread_create(&t[i], NULL, race_one, &r[i]);
	}
	int opened = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		opened += r[i].opened;
	}
	CHECK_INT(opened, 1);
	CHECK(password_hash_peak() <= PASSWORD_HASH_CONCURRENCY);
	/* 40 parallel wrong guesses: at most STAFF_MAX_FAILURES password checks. */
	set_now(fake_now + STAFF_FAILURE_WINDOW + 1);
	int64_t before = count_events_detail("login", NULL, "wrong password");
	for (int i = 0; i < N; i++) {
		r[i] = (racer){.password = "guess-guess-guess", .code = "000000"};
		pthread_create(&t[i], NULL, race_one, &r[i]);
	}
	int refused = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		refused += r[i].refused;
	}
	CHECK_INT(refused, 5 * N);
	CHECK_INT(count_events_detail("login", NULL, "wrong password") - before, STAFF_MAX_FAILURES);
	CHECK(password_hash_peak() <= PASSWORD_HASH_CONCURRENCY);
	set_now(fake_now + STAFF_BACKOFF_MAX + STAFF_FAILURE_WINDOW + 1);
}

/* Issue 9 §2: weak passwords; a change ends the other sessions; the end
 * names its cause. */
static void test_passwords_and_session_ends(void)
{
	at_error e = {0};
	strbuf t1 = STRBUF_INIT, t2 = STRBUF_INIT;
	sb_init(&t1);
	sb_init(&t2);
	staff_info who, s2;
	char code[8];
	next_code(totp_clerk1, totp_clerk1_len, code);
	CHECK(staff_login(S, KR, "clerk1", "a-new-password-2", code, "T-PW-1", NULL, &t1, &who, &e) == 0);
	next_code(totp_clerk1, totp_clerk1_len, code);
	CHECK(staff_login(S, KR, "clerk1", "a-new-password-2", code, "T-PW-2", NULL, &t2, &who, &e) == 0);
	/* One kind of character, a common password with digits around it. */
	CHECK(staff_change_password(S, "clerk1", "a-new-password-2", "aaaaaaaaaaaa", t1.buf, &e) == -1);
	CHECK_STR(e.field, "new_password");
	CHECK(strstr(e.message, "two kinds") != NULL);
	CHECK(staff_change_password(S, "clerk1", "a-new-password-2", "Password1234!", t1.buf, &e) == -1);
	CHECK_STR(e.field, "new_password");
	CHECK(strstr(e.message, "commonly used") != NULL);
	CHECK(staff_change_password(S, "clerk1", "a-new-password-2", "123456789012", t1.buf, &e) == -1);
	CHECK_STR(e.field, "new_password");
	/* Both sessions still live after refusals. */
	CHECK(staff_session(S, t2.buf, &s2, &e) == 0);
	CHECK(staff_change_password(S, "clerk1", "a-new-password-2", "Counter-desk-2026", t1.buf, &e) == 0);
	CHECK(staff_session(S, t1.buf, &s2, &e) == 0);
	CHECK(staff_session(S, t2.buf, &s2, &e) == -1);
	CHECK_STR(e.code, "session_expired");
	CHECK(strstr(e.message, "password was changed") != NULL);
	/* Idle and lifetime say which. */
	set_now(fake_now + STAFF_IDLE_TIMEOUT + 1);
	CHECK(staff_session(S, t1.buf, &s2, &e) == -1);
	CHECK(strstr(e.message, "without activity") != NULL);
	CHECK(staff_session(S, t1.buf, &s2, &e) == -1);
	CHECK(strstr(e.message, "without activity") != NULL);
	strbuf t3 = STRBUF_INIT;
	sb_init(&t3);
	next_code(totp_clerk1, totp_clerk1_len, code);
	CHECK(staff_login(S, KR, "clerk1", "Counter-desk-2026", code, "T-PW-3", NULL, &t3, &who, &e) == 0);
	for (int64_t t = 0; t <= STAFF_SESSION_MAX; t += STAFF_IDLE_TIMEOUT - 60) {
		set_now(fake_now + STAFF_IDLE_TIMEOUT - 60);
		if (staff_session(S, t3.buf, &s2, &e))
			break;
	}
	CHECK_STR(e.code, "session_expired");
	CHECK(strstr(e.message, "lifetime") != NULL);
	CHECK(staff_logout(S, t3.buf, &e) == -1);
	/* A logged-out session says so. */
	next_code(totp_clerk1, totp_clerk1_len, code);
	sb_reset(&t3);
	CHECK(staff_login(S, KR, "clerk1", "Counter-desk-2026", code, "T-PW-3", NULL, &t3, &who, &e) == 0);
	CHECK(staff_logout(S, t3.buf, &e) == 0);
	CHECK(staff_session(S, t3.buf, &s2, &e) == -1);
	CHECK(strstr(e.message, "logged out") != NULL);
	/* Right factors with a refused new password are no failure: the
	 * account is never held back for it. */
	for (int i = 0; i <= STAFF_MAX_FAILURES; i++) {
		code_ahead(totp_viewer, totp_viewer_len, code);
		CHECK(staff_login(S, KR, "viewer", pw_viewer, code, "T-PW-4", "zzzzzzzzzzzzzz", &t3, &who,
				  &e) == -1);
		CHECK_INT(e.status, 400);
		CHECK_STR(e.field, "new_password");
	}
	code_ahead(totp_viewer, totp_viewer_len, code);
	CHECK(staff_login(S, KR, "viewer", pw_viewer, code, "T-PW-4", "Viewer-desk-2026", &t3, &who,
			  &e) == 0);
	/* Put clerk1's password back for the tests that follow. */
	CHECK(staff_change_password(S, "clerk1", "Counter-desk-2026", "a-new-password-3", NULL, &e) == 0);
	sb_release(&t1);
	sb_release(&t2);
	sb_release(&t3);
}

/* Issue 9 §4: a CLI run killed before its logout leaves its session open;
 * the next run of the same staff member on the same terminal ends it, with
 * its cause and a session_end event. Other terminals' sessions live on. */
static void test_cli_session_replace(void)
{
	at_error e = {0};
	strbuf killed = STRBUF_INIT, other = STRBUF_INIT, next = STRBUF_INIT, peer = STRBUF_INIT;
	sb_init(&killed);
	sb_init(&other);
	sb_init(&next);
	sb_init(&peer);
	staff_info who;
	char code[8];
	const char *pw = "a-new-password-3";
	next_code(totp_clerk1, totp_clerk1_len, code);
	CHECK(staff_login(S, KR, "clerk1", pw, code, "console@h1", NULL, &killed, &who, &e) == 0);
	next_code(totp_clerk1, totp_clerk1_len, code);
	CHECK(staff_login(S, KR, "clerk1", pw, code, "T-WEB-1", NULL, &other, &who, &e) == 0);
	next_code(totp_clerk2, totp_clerk2_len, code);
	CHECK(staff_login(S, KR, "clerk2", pw_clerk2, code, "console@h1", NULL, &peer, &who, &e) == 0);
	int64_t before = count_events("session_end", AUDIT_OK);
	next_code(totp_clerk1, totp_clerk1_len, code);
	CHECK(staff_login(S, KR, "clerk1", pw, code, "console@h1", NULL, &next, &who, &e) == 0);
	CHECK_INT(staff_session_replace(S, next.buf, &e), 0);
	CHECK(staff_session(S, killed.buf, &who, &e) == -1);
	CHECK_STR(e.code, "session_expired");
	CHECK(strstr(e.message, "later command-line run") != NULL);
	CHECK(count_events("session_end", AUDIT_OK) == before + 1);
	CHECK(staff_session(S, next.buf, &who, &e) == 0);    /* its own lives */
	CHECK(staff_session(S, other.buf, &who, &e) == 0);   /* another terminal's too */
	CHECK(staff_session(S, peer.buf, &who, &e) == 0);    /* another person's too */
	/* Nothing left to end: no event. */
	CHECK_INT(staff_session_replace(S, next.buf, &e), 0);
	CHECK(count_events("session_end", AUDIT_OK) == before + 1);
	/* An ended session cannot end others. */
	CHECK_INT(staff_session_replace(S, killed.buf, &e), -1);
	CHECK(staff_logout(S, next.buf, &e) == 0);
	CHECK(staff_logout(S, other.buf, &e) == 0);
	CHECK(staff_logout(S, peer.buf, &e) == 0);
	sb_release(&killed);
	sb_release(&other);
	sb_release(&next);
	sb_release(&peer);
}

static unsigned mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) ? 01000u : (unsigned)(st.st_mode & 0777);
}

/* Issue 9 §4: init refuses an existing directory others may use and creates
 * what it makes private whatever the umask; open refuses a data directory
 * or database that others may use, naming it and the fix. */
static void test_data_dir_private(void)
{
	char base[600], d[640], p[700];
	const char *tmp = getenv("ATENA_TEST_TMP");
	snprintf(base, sizeof base, "%s/policy3-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base)) {
		CHECK(0);
		return;
	}
	snprintf(d, sizeof d, "%s/data", base);
	CHECK_INT(mkdir(d, 0700), 0);
	CHECK_INT(chmod(d, 0777), 0);
	at_error e = {0};
	CHECK(platform_init(d, "131105", &e) == -1);
	CHECK_STR(e.code, AT_E_INSECURE);
	CHECK(strstr(e.message, d) != NULL);
	CHECK(strstr(e.message, "chmod 700") != NULL);
	snprintf(p, sizeof p, "%s/keys.json", d);
	CHECK(access(p, F_OK) != 0);   /* refused before anything was made */
	snprintf(p, sizeof p, "%s/atena.db", d);
	CHECK(access(p, F_OK) != 0);
	CHECK_INT(rmdir(d), 0);

	mode_t old = umask(0);
	CHECK(platform_init(d, "131105", &e) == 0);
	umask(old);
	CHECK_INT((int)mode_of(d), 0700);
	CHECK_INT((int)mode_of(p), 0600);
	snprintf(p, sizeof p, "%s/keys.json", d);
	CHECK_INT((int)mode_of(p), 0600);
	store *s = NULL;
	CHECK(platform_open(d, &s, NULL, &e) == 0);
	store_close(s);

	CHECK_INT(chmod(d, 0755), 0);
	s = (store *)&e;
	CHECK(platform_open(d, &s, NULL, &e) == -1);
	CHECK(s == NULL);
	CHECK_STR(e.code, AT_E_INSECURE);
	CHECK(strstr(e.message, "the data directory") != NULL);
	CHECK(strstr(e.message, "chmod 700") != NULL);
	CHECK_INT(chmod(d, 0700), 0);
	snprintf(p, sizeof p, "%s/atena.db", d);
	CHECK_INT(chmod(p, 0644), 0);
	CHECK(platform_open(d, &s, NULL, &e) == -1);
	CHECK_STR(e.code, AT_E_INSECURE);
	CHECK(strstr(e.message, p) != NULL);
	CHECK(strstr(e.message, "chmod 600") != NULL);
	CHECK_INT(chmod(p, 0600), 0);
	CHECK(platform_open(d, &s, NULL, &e) == 0);
	store_close(s);
}

static void test_staff_admin_rules(void)
{
	at_error e = {0};
	strbuf pw = STRBUF_INIT, tp = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&tp);
	/* One person, one account: a duplicate id is refused */
	CHECK(staff_add(S, KR, "clerk1", "別人", "区民課", false, "admin", "T", &pw, &tp, &e) == -1);
	CHECK_INT(e.status, 409);
	/* A non-administrator may not create accounts */
	CHECK(staff_add(S, KR, "x1", "X", "区民課", false, "clerk1", "T", &pw, &tp, &e) == -1);
	CHECK_INT(e.status, 403);
	/* Control characters and bad ids are refused, naming the field */
	CHECK(staff_add(S, KR, "x 1", "X", "区民課", false, "admin", "T", &pw, &tp, &e) == -1);
	CHECK_STR(e.field, "id");
	CHECK(staff_add(S, KR, "x2", "X\x01", "区民課", false, "admin", "T", &pw, &tp, &e) == -1);
	CHECK_STR(e.field, "name");
	staff_info g;
	CHECK(staff_get(S, "x2", &g, &e) == -1);
	sb_release(&pw);
	sb_release(&tp);
}

/* ---- grants ---- */

static void test_grants_ledger(void)
{
	at_error e = {0};
	int64_t now = time_now();
	CHECK(grant_check(S, "clerk1", "test_business", GRANT_UPDATE, now));
	CHECK(grant_check(S, "clerk1", "test_business", GRANT_VIEW, now));   /* update implies view */
	CHECK(!grant_check(S, "viewer", "test_business", GRANT_VIEW, now));
	CHECK(!grant_check(S, "viewer", "test_viewer", GRANT_UPDATE, now));
	/* Self-grant refused; unknown business refused; unknown staff refused */
	CHECK(grant_add(S, "admin", "test_business", GRANT_VIEW, 0, 0, "admin", "T", "r", &e) == -1);
	CHECK_STR(e.field, "by");
	CHECK(grant_add(S, "viewer", "no_such_business", GRANT_VIEW, 0, 0, "admin", "T", "r", &e) == -1);
	CHECK_STR(e.field, "business");
	CHECK(grant_add(S, "ghost", "test_business", GRANT_VIEW, 0, 0, "admin", "T", "r", &e) == -1);
	CHECK_STR(e.field, "staff");
	CHECK(grant_add(S, "viewer", "test_business", GRANT_VIEW, 0, 0, "clerk1", "T", "r", &e) == -1);
	CHECK_INT(e.status, 403);
	CHECK(grant_add(S, "viewer", "test_business", GRANT_VIEW, 0, 0, "admin", "T", "", &e) == -1);
	CHECK_STR(e.field, "reason");
	/* A time-limited grant expires */
	CHECK(grant_add(S, "viewer", "test_business", GRANT_VIEW, now, now + 3600, "admin", "T", "臨時", &e) == 0);
	CHECK(grant_check(S, "viewer", "test_business", GRANT_VIEW, now + 10));
	CHECK(!grant_check(S, "viewer", "test_business", GRANT_VIEW, now + 3601));
	/* Revoke is an event; the ledger still says who could see what before it */
	CHECK(grant_revoke(S, "viewer", "test_business", GRANT_VIEW, "admin", "T", "異動", &e) == 0);
	CHECK(!grant_check(S, "viewer", "test_business", GRANT_VIEW, now + 10));
	CHECK(grant_revoke(S, "viewer", "test_business", GRANT_VIEW, "admin", "T", "again", &e) == -1);
	CHECK_INT(e.status, 409);
	json_t *ledger = NULL;
	CHECK(grant_ledger(S, "viewer", &ledger, &e) == 0);
	CHECK(json_array_size(ledger) >= 3);
	json_decref(ledger);
}

/* ---- the door ---- */

static void test_door_refusals(void)
{
	at_error e = {0};
	door *d = NULL;
	int64_t denied = count_events("open", NULL);
	door_ctx c = ctx("clerk1", "", "理由");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == -1);   /* missing business */
	CHECK_INT(e.status, 400);
	CHECK_STR(e.field, "business");
	c = ctx("clerk1", "test_business", "");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == -1);   /* missing reason */
	CHECK_STR(e.field, "reason");
	c = ctx("clerk1", "no_such_business", "理由");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == -1);   /* undeclared business */
	CHECK_INT(e.status, 400);
	c = ctx("viewer", "test_business", "理由");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == -1);   /* no grant (revoked above) */
	CHECK_STR(e.code, "no_grant");
	c = ctx("viewer", "test_viewer", "理由");
	CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == -1);  /* view grant, asks to write */
	CHECK_STR(e.code, "no_grant");
	c = ctx("clerk1", "test_business", "理由\x07");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == -1);   /* control character */
	CHECK_STR(e.field, "reason");
	/* Every refusal above is in the log */
	CHECK_INT(count_events("open", NULL) - denied, 6);
}

static void test_door_create_read_mask(void)
{
	int64_t id = create_person("0000001001", "12345678901", "目黒 一郎", "メグロ イチロウ", "1958-04-12");
	CHECK(id > 0);
	at_error e = {0};
	door *d;
	json_t *r = NULL;
	/* Number-using business: the number is shown */
	door_ctx c = ctx("clerk1", "test_business", "住民票の写しの交付");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_read(d, "test_file", id, &r, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	char mn[13];
	mk_mynumber("12345678901", mn);
	CHECK_STR(json_string_value(json_object_get(json_object_get(r, "items"), "my_number")), mn);
	CHECK_STR(json_string_value(json_object_get(json_object_get(r, "items"), "special_note")), "配慮事項あり");
	CHECK_STR(json_string_value(json_object_get(r, "subject")), "0000001001");
	json_decref(r);
	/* Non-number-using business: masked, and items it may not view are absent */
	c = ctx("viewer", "test_viewer", "課税資料の確認");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_read(d, "test_file", id, &r, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	json_t *items = json_object_get(r, "items");
	CHECK_STR(json_string_value(json_object_get(items, "my_number")), DOOR_MASK);
	CHECK(json_object_get(items, "special_note") == NULL);
	CHECK_STR(json_string_value(json_object_get(items, "name")), "目黒 一郎");
	json_decref(r);
	/* The read is audited with who, terminal, business, reason, case, subject, items */
	audit_filter f = {.subject = "0000001001", .limit = 100};
	json_t *evs = NULL;
	CHECK(audit_query(S, &f, &evs, &e) == 0);
	json_t *last = json_array_get(evs, json_array_size(evs) - 1);
	CHECK_STR(json_string_value(json_object_get(last, "staff_id")), "viewer");
	CHECK_STR(json_string_value(json_object_get(last, "terminal_id")), "T-001");
	CHECK_STR(json_string_value(json_object_get(last, "business")), "test_viewer");
	CHECK_STR(json_string_value(json_object_get(last, "reason")), "課税資料の確認");
	CHECK_STR(json_string_value(json_object_get(last, "case_id")), "A-1");
	CHECK_STR(json_string_value(json_object_get(last, "operation")), "read");
	CHECK(strstr(json_string_value(json_object_get(last, "items")), "my_number") != NULL);
	json_decref(evs);
}

static void test_door_bad_input_changes_nothing(void)
{
	at_error e = {0};
	door *d;
	door_ctx c = ctx("clerk1", "test_business", "転入届の受付");
	struct {
		const char *json, *field;
	} cases[] = {
		{"{\"my_number\":\"123456789010\",\"name\":\"A\"}", "items.my_number"},   /* bad check digit */
		{"{\"my_number\":\"12345\",\"name\":\"A\"}", "items.my_number"},
		{"{\"birth_date\":\"2023-02-29\",\"name\":\"A\"}", "items.birth_date"},
		{"{\"name_kana\":\"Yamada\",\"name\":\"A\"}", "items.name_kana"},
		{"{\"name\":\"A\\u0001B\"}", "items.name"},
		{"{\"household_size\":\"three\"}", "items.household_size"},
		{"{\"no_such_item\":\"x\"}", "items.no_such_item"},
		{"{}", "items"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_error_t je;
		json_t *items = json_loads(cases[i].json, 0, &je);
		CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == 0);
		int64_t id = 0;
		CHECK(door_create(d, "test_file", "0000009999", items, &id, &e) == -1);
		CHECK_STR(e.field, cases[i].field);
		door_abort(d);
		json_decref(items);
	}
	/* Nothing was written: the subject has no record and no event */
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	json_t *found = NULL;
	CHECK(door_find(d, "test_file", "name", "A", DOOR_EXACT, 10, &found, &e) == 0);
	CHECK_INT(json_array_size(found), 0);
	json_decref(found);
	door_abort(d);
	audit_filter f = {.subject = "0000009999", .limit = 10};
	json_t *evs = NULL;
	CHECK(audit_query(S, &f, &evs, &e) == 0);
	CHECK_INT(json_array_size(evs), 0);
	json_decref(evs);
	/* A viewer may not write even an item it may see */
	c = ctx("clerk1", "test_viewer", "閲覧");
	CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == -1);
	CHECK_STR(e.code, "no_grant");
}

static void test_door_search(void)
{
	create_person("0000001002", "22345678901", "目黒 和子", "メグロ カズコ", "1961-09-03");
	create_person("0000001003", "32345678901", "佐藤 健", "サトウ ケン", "1985-01-23");
	at_error e = {0};
	door *d;
	json_t *res = NULL;
	door_ctx c = ctx("clerk1", "test_business", "本人確認");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	/* Prefix search finds two; a many-person result carries no My Number at all */
	CHECK(door_find(d, "test_file", "name_kana", "メグロ", DOOR_PREFIX, 50, &res, &e) == 0);
	CHECK_INT(json_array_size(res), 2);
	size_t i;
	json_t *r;
	json_array_foreach(res, i, r)
		CHECK(json_object_get(json_object_get(r, "items"), "my_number") == NULL);
	json_decref(res);
	/* Exact My Number lookup through the blind index: one person, number shown */
	char mn[13];
	mk_mynumber("32345678901", mn);
	CHECK(door_find(d, "test_file", "my_number", mn, DOOR_EXACT, 50, &res, &e) == 0);
	CHECK_INT(json_array_size(res), 1);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(res, 0), "items"), "my_number")), mn);
	json_decref(res);
	/* A My Number with a wrong check digit is refused, not searched */
	CHECK(door_find(d, "test_file", "my_number", "323456789010", DOOR_EXACT, 50, &res, &e) == -1);
	CHECK_STR(e.field, "items.my_number");
	/* Encrypted items cannot be prefix-searched; unindexed items cannot be searched */
	CHECK(door_find(d, "test_file", "my_number", "3234", DOOR_PREFIX, 50, &res, &e) == -1);
	CHECK_STR(e.field, "match");
	CHECK(door_find(d, "test_file", "sex", "男", DOOR_EXACT, 50, &res, &e) == -1);
	CHECK(door_find(d, "test_file", "name", "x", DOOR_EXACT, 0, &res, &e) == -1);
	CHECK_STR(e.field, "limit");
	CHECK(door_commit(d, &e) == 0);
	/* Each person listed in a search result has a search_result event */
	audit_filter f = {.subject = "0000001002", .limit = 100};
	json_t *evs = NULL;
	CHECK(audit_query(S, &f, &evs, &e) == 0);
	bool seen = false;
	json_array_foreach(evs, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "operation")), "search_result"))
			seen = true;
	CHECK(seen);
	json_decref(evs);
}

static char *last_items(const char *subject, const char *op);

/* A write unit's own look-up (door_check_items, issue 10 §2): part of the
 * write it checks, so a miss records nothing and writes no search event; a
 * person found is recorded once, naming them, and the event outlives the
 * abort a duplicate causes. A staff member's search in a write unit stays a
 * search, audited; in a read unit a check is refused. */
static void test_door_check(void)
{
	create_person("0000001090", "92345678901", "検査 一郎", "ケンサ イチロウ", "1970-02-02");
	char mn[13], other[13];
	mk_mynumber("92345678901", mn);
	mk_mynumber("92345678902", other);
	static const char *const proj[] = {"name_kana", NULL};
	at_error e = {0};
	door *d;
	json_t *res = NULL;
	door_ctx c = ctx("clerk1", "test_business", "転入届の受付");
	int64_t searches = count_events("search", NULL), results = count_events("search_result", NULL);
	int64_t checks = count_events("check", NULL), all = count_events(NULL, NULL);
	CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == 0);
	door_criterion miss = {.item = "my_number", .value = other, .match = DOOR_EXACT};
	CHECK(door_check_items(d, "test_file", &miss, 1, true, proj, &res, &e) == 0);
	CHECK_INT(json_array_size(res), 0);
	json_decref(res);
	door_criterion hit = {.item = "my_number", .value = mn, .match = DOOR_EXACT};
	CHECK(door_check_items(d, "test_file", &hit, 1, false, proj, &res, &e) == 0);
	CHECK_INT(json_array_size(res), 1);
	json_decref(res);
	door_abort(d);   /* as a write refused for the duplicate */
	CHECK_INT(count_events("search", NULL), searches);
	CHECK_INT(count_events("search_result", NULL), results);
	CHECK_INT(count_events("check", NULL), checks + 1);
	CHECK_INT(count_events(NULL, NULL), all + 1);
	char *items = last_items("0000001090", "check");
	CHECK_STR(items ? items : "", "name_kana");
	free(items);
	/* The staff member's own search in a write unit is a search, audited. */
	CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_search(d, "test_file", &miss, 1, true, 10, &res, NULL, &e) == 0);
	json_decref(res);
	CHECK(door_commit(d, &e) == 0);
	CHECK_INT(count_events("search", NULL), searches + 1);
	/* A read unit has no write for a check to be part of. */
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_check_items(d, "test_file", &miss, 1, true, proj, &res, &e) == -1);
	CHECK_INT(e.status, 500);
	CHECK(res == NULL);
	door_abort(d);
}

static int64_t find_one(const char *item, const char *value)
{
	at_error e = {0};
	door *d;
	json_t *res = NULL;
	door_ctx c = ctx("clerk2", "test_business", "確認");
	if (door_open(S, KR, &c, DOOR_READ, &d, &e))
		return -1;
	int64_t id = 0;
	if (door_find(d, "test_file", item, value, DOOR_EXACT, 10, &res, &e) == 0 && json_array_size(res) == 1)
		id = json_integer_value(json_object_get(json_array_get(res, 0), "record_id"));
	json_decref(res);
	door_commit(d, &e);
	return id;
}

static void test_four_eyes(void)
{
	int64_t id = create_person("0000001004", "42345678901", "鈴木 美咲", "スズキ ミサキ", "1992-07-30");
	at_error e = {0};
	door *d;
	int64_t pid = 0;
	door_ctx c1 = ctx("clerk1", "test_business", "職権修正");
	json_t *ch = json_pack("{s:s}", "address", "東京都目黒区八雲三丁目12番8号");
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_update(d, "test_file", id, ch, &pid, &e) == 1);   /* held */
	CHECK(door_commit(d, &e) == 0);
	CHECK(pid > 0);
	json_decref(ch);
	/* Not applied yet: the index still has the old address */
	CHECK(find_one("address", "東京都目黒区八雲三丁目12番8号") == 0);
	/* The maker cannot approve their own change */
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_pending_decide(d, pid, true, "ok", &e) == -1);
	CHECK_STR(e.code, "four_eyes_self");
	door_abort(d);
	/* A viewer cannot decide (needs an update grant) */
	door_ctx cv = ctx("viewer", "test_viewer", "確認");
	CHECK(door_open(S, KR, &cv, DOOR_WRITE, &d, &e) == -1);
	/* Another staff member with an update grant lists and approves it */
	door_ctx c2 = ctx("clerk2", "test_business", "職権修正の確認");
	json_t *list = NULL;
	CHECK(door_open(S, KR, &c2, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_pending_list(d, &list, &e) == 0);
	CHECK_INT(json_array_size(list), 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "maker")), "clerk1");
	json_decref(list);
	CHECK(door_pending_decide(d, pid, true, "申請書と照合済み", &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK(find_one("address", "東京都目黒区八雲三丁目12番8号") == id);
	/* Deciding twice is refused */
	CHECK(door_open(S, KR, &c2, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_pending_decide(d, pid, false, "", &e) == -1);
	CHECK_INT(e.status, 404);
	door_abort(d);
	/* History keeps both versions, the second made by clerk1 and approved by clerk2 */
	json_t *h = NULL;
	CHECK(door_open(S, KR, &c2, DOOR_READ, &d, &e) == 0);
	CHECK(door_history(d, "test_file", id, &h, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	json_t *vs = json_object_get(h, "versions");
	CHECK_INT(json_array_size(vs), 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(vs, 1), "made_by")), "clerk1");
	CHECK_STR(json_string_value(json_object_get(json_array_get(vs, 1), "approved_by")), "clerk2");
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(vs, 0), "items"), "address")),
		  "東京都目黒区中目黒一丁目1番1号");
	json_decref(h);
	/* Removal is four-eyes too; a rejected removal leaves the record active */
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_remove(d, "test_file", id, "職権消除", &pid, &e) == 1);
	CHECK(door_commit(d, &e) == 0);
	CHECK(door_open(S, KR, &c2, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_pending_decide(d, pid, false, "根拠不足", &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	json_t *r = NULL;
	CHECK(door_open(S, KR, &c2, DOOR_READ, &d, &e) == 0);
	CHECK(door_read(d, "test_file", id, &r, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK_STR(json_string_value(json_object_get(r, "state")), "active");
	json_decref(r);
	/* An approved removal makes it a removed record (除票), still readable */
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_remove(d, "test_file", id, "死亡", &pid, &e) == 1);
	CHECK(door_commit(d, &e) == 0);
	CHECK(door_open(S, KR, &c2, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_pending_decide(d, pid, true, "", &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK(door_open(S, KR, &c2, DOOR_READ, &d, &e) == 0);
	CHECK(door_read(d, "test_file", id, &r, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK_STR(json_string_value(json_object_get(r, "state")), "removed");
	CHECK_STR(json_string_value(json_object_get(r, "removal_reason")), "死亡");
	CHECK_STR(json_string_value(json_object_get(json_object_get(r, "items"), "name")), "鈴木 美咲");
	json_decref(r);
	/* A removed record is not corrected */
	ch = json_pack("{s:s}", "name", "X");
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_update(d, "test_file", id, ch, &pid, &e) == -1);
	CHECK_INT(e.status, 409);
	door_abort(d);
	json_decref(ch);
}

static json_t *read_as(const char *staff, const char *biz, int64_t id)
{
	at_error e = {0};
	door *d;
	json_t *r = NULL;
	door_ctx c = ctx(staff, biz, "確認");
	if (door_open(S, KR, &c, DOOR_READ, &d, &e))
		return NULL;
	if (door_read(d, "test_file", id, &r, &e)) {
		door_abort(d);
		return NULL;
	}
	door_commit(d, &e);
	return r;
}

/* Notifications apply at once; ex officio acts of a four-eyes file wait. */
static void test_basis_and_ex_officio_entry(void)
{
	at_error e = {0};
	door *d;
	int64_t id = 0, pid = 0;
	door_ctx c1 = ctx("clerk1", "test_business", "職権記載");
	json_t *items = json_pack("{s:s,s:s,s:s}", "name", "高橋 大翔", "name_kana", "タカハシ ヒロト",
				  "birth_date", "2016-11-02");
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_create_as(d, "test_file", "0000001005", items, "ex_officio_entry", DOOR_EX_OFFICIO,
			     &id, &pid, &e) == 1);
	CHECK(door_commit(d, &e) == 0);
	json_decref(items);
	CHECK(id > 0 && pid > 0);
	/* Held: readable as pending, not findable */
	json_t *r = read_as("clerk2", "test_business", id);
	CHECK_STR(json_string_value(json_object_get(r, "state")), "pending");
	json_decref(r);
	CHECK(find_one("name", "高橋 大翔") == 0);
	/* The pending list shows the entry's items */
	json_t *list = NULL;
	door_ctx c2 = ctx("clerk2", "test_business", "職権記載の確認");
	CHECK(door_open(S, KR, &c2, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_pending_list(d, &list, &e) == 0);
	CHECK_INT(json_array_size(list), 1);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(list, 0), "items"), "name")), "高橋 大翔");
	CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "event")), "ex_officio_entry");
	json_decref(list);
	CHECK(door_pending_decide(d, pid, true, "", &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK(find_one("name", "高橋 大翔") == id);
	/* A notified change (e.g. an in-ward move) applies at once even in a four-eyes file */
	json_t *ch = json_pack("{s:s}", "address", "東京都目黒区碑文谷四丁目20番1号");
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_change(d, "test_file", id, ch, "in_ward_move", DOOR_NOTIFIED, &pid, &e) == 0);
	CHECK(door_change(d, "test_file", id, ch, "Bad Event", DOOR_NOTIFIED, &pid, &e) == -1);
	CHECK_STR(e.field, "event");
	CHECK(door_commit(d, &e) == 0);
	json_decref(ch);
	CHECK(find_one("address", "東京都目黒区碑文谷四丁目20番1号") == id);
	/* A rejected ex officio entry stays, as "rejected" */
	items = json_pack("{s:s}", "name", "架空 人物");
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_create_as(d, "test_file", "0000001006", items, "ex_officio_entry", DOOR_EX_OFFICIO,
			     &id, &pid, &e) == 1);
	CHECK(door_commit(d, &e) == 0);
	json_decref(items);
	CHECK(door_open(S, KR, &c2, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_pending_decide(d, pid, false, "該当者なし", &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	r = read_as("clerk2", "test_business", id);
	CHECK_STR(json_string_value(json_object_get(r, "state")), "rejected");
	json_decref(r);
	CHECK(find_one("name", "架空 人物") == 0);
	/* A removal by notification (death notification) applies at once: 除票 */
	id = find_one("name", "高橋 大翔");
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_remove_as(d, "test_file", id, "転出", "move_out", DOOR_NOTIFIED, &pid, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	r = read_as("clerk2", "test_business", id);
	CHECK_STR(json_string_value(json_object_get(r, "state")), "removed");
	json_decref(r);
}

/* Kana search ignores katakana/hiragana, width and voicing marks. */
static char *last_items(const char *subject, const char *op);

/* The entry of list about subject, or NULL. */
static json_t *entry_of(json_t *list, const char *subject)
{
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "subject")), subject))
			return o;
	return NULL;
}

static json_t *pending_as(const char *staff)
{
	door_ctx c = ctx(staff, "test_business", "職権修正の確認");
	door *d;
	at_error e = {0};
	json_t *list = NULL;
	CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_pending_list(d, &list, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	return list;
}

/* The four-eyes queue shows personal data: each entry shown is logged with
 * its person and exactly the items returned, a protected record raises an
 * alert, and a list about several people shows no My Number (issue 8 §1). */
static void test_pending_list_audited(void)
{
	int64_t a = create_person("0000001101", "52345678901", "山田 一", "ヤマダ ハジメ", "1970-01-01");
	int64_t b = create_person("0000001102", "62345678901", "山田 二", "ヤマダ ツギ", "1971-02-02");
	char mn[13];
	mk_mynumber("72345678901", mn);
	door_ctx c1 = ctx("clerk1", "test_business", "職権修正");
	door *d;
	at_error e = {0};
	int64_t pid = 0;
	json_t *ch = json_pack("{s:s,s:s}", "my_number", mn, "name", "山田 壱");
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_update(d, "test_file", a, ch, &pid, &e) == 1);
	json_decref(ch);
	ch = json_pack("{s:s}", "name", "山田 弐");
	CHECK(door_update(d, "test_file", b, ch, &pid, &e) == 1);
	json_decref(ch);
	CHECK(door_commit(d, &e) == 0);

	/* Several people: one event per entry shown, no My Number at all. */
	int64_t seen0 = count_events("pending_entry", AUDIT_OK);
	json_t *list = pending_as("clerk2");
	size_t n = json_array_size(list);
	CHECK(n >= 2);
	CHECK_INT(count_events("pending_entry", AUDIT_OK) - seen0, (int64_t)n);
	json_t *ea = entry_of(list, "0000001101");
	CHECK(ea != NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(ea, "items"), "name")), "山田 壱");
	CHECK(!json_object_get(json_object_get(ea, "items"), "my_number"));
	char *seen = last_items("0000001101", "pending_entry");
	CHECK_STR(seen, "name");   /* exactly what was returned */
	free(seen);

	/* Leave only a's change: the list is about one person and shows the
	 * new My Number to this number-using business, logged as seen. */
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o) {
		if (!strcmp(json_string_value(json_object_get(o, "subject")), "0000001101"))
			continue;
		const char *maker = json_string_value(json_object_get(o, "maker"));
		door_ctx cd = ctx(strcmp(maker, "clerk2") ? "clerk2" : "clerk1", "test_business", "整理");
		CHECK(door_open(S, KR, &cd, DOOR_WRITE, &d, &e) == 0);
		CHECK(door_pending_decide(d, json_integer_value(json_object_get(o, "pending_id")), false,
					  "", &e) == 0);
		CHECK(door_commit(d, &e) == 0);
	}
	json_decref(list);
	CHECK(door_open(S, KR, &c1, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_set_support_measure(d, "test_file", a, true, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	int64_t alerts0 = count_events("support_measure_view", AUDIT_ALERT);
	list = pending_as("clerk2");
	CHECK_INT(json_array_size(list), 1);
	ea = entry_of(list, "0000001101");
	CHECK(ea != NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(ea, "items"), "my_number")), mn);
	seen = last_items("0000001101", "pending_entry");
	CHECK(seen && strstr(seen, "my_number") && strstr(seen, "name"));
	free(seen);
	CHECK_INT(count_events("support_measure_view", AUDIT_ALERT) - alerts0, 1);
	json_decref(list);
}

static void test_kana_search(void)
{
	at_error e = {0};
	door *d;
	json_t *res = NULL;
	door_ctx c = ctx("clerk1", "test_business", "本人確認");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	/* 「メグロ」 was stored in katakana; search in half-width and in hiragana without dakuten */
	CHECK(door_find(d, "test_file", "name_kana", "ﾒｸﾞﾛ", DOOR_PREFIX, 50, &res, &e) == 0);
	CHECK_INT(json_array_size(res), 2);
	json_decref(res);
	CHECK(door_find(d, "test_file", "name_kana", "めくろ かずこ", DOOR_EXACT, 50, &res, &e) == 0);
	CHECK_INT(json_array_size(res), 1);
	json_decref(res);
	CHECK(door_commit(d, &e) == 0);
}

/* Several criteria intersect in the index; only the records returned are
 * logged as seen; removed records only on request; a cut result says so. */
static void test_door_search_multi(void)
{
	at_error e = {0};
	door *d;
	json_t *res = NULL;
	bool cut = false;
	door_ctx c = ctx("clerk1", "test_business", "本人確認");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	/* メグロ matches 目黒 一郎 and 目黒 和子; with the birth date only 和子 */
	door_criterion two[] = {{"name_kana", "めぐろ", DOOR_PREFIX}, {"birth_date", "1961-09-03", DOOR_EXACT}};
	CHECK(door_search(d, "test_file", two, 2, false, 10, &res, &cut, &e) == 0);
	CHECK_INT(json_array_size(res), 1);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(res, 0), "items"), "name")), "目黒 和子");
	CHECK(!cut);
	json_decref(res);
	int64_t seen_before = count_events("search_result", NULL);
	CHECK(door_search(d, "test_file", two, 1, false, 1, &res, &cut, &e) == 0);
	CHECK_INT(json_array_size(res), 1);
	CHECK(cut);   /* two matched, one asked for */
	json_decref(res);
	CHECK(door_commit(d, &e) == 0);
	CHECK_INT(count_events("search_result", NULL) - seen_before, 1);   /* not two */
	/* A removed record (鈴木 美咲, removed by test_four_eyes) only with include_removed */
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	door_criterion one[] = {{"name", "鈴木 美咲", DOOR_EXACT}};
	CHECK(door_search(d, "test_file", one, 1, false, 10, &res, NULL, &e) == 0);
	CHECK_INT(json_array_size(res), 0);
	json_decref(res);
	CHECK(door_search(d, "test_file", one, 1, true, 10, &res, NULL, &e) == 0);
	CHECK_INT(json_array_size(res), 1);
	json_decref(res);
	door_criterion bad[] = {{"sex", "1", DOOR_EXACT}};
	CHECK(door_search(d, "test_file", bad, 1, true, 10, &res, NULL, &e) == -1);
	CHECK_STR(e.code, "item_not_searchable");
	CHECK(door_search(d, "test_file", one, 0, true, 10, &res, NULL, &e) == -1);
	CHECK_STR(e.field, "criteria");
	CHECK(door_commit(d, &e) == 0);
}

/* 支援措置: every view of a protected record raises an alert event. */
static void test_support_measure(void)
{
	at_error e = {0};
	door *d;
	int64_t id = find_one("name", "目黒 和子");
	CHECK(id > 0);
	door_ctx c = ctx("clerk1", "test_business", "支援措置申出の受付");
	CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_set_support_measure(d, "test_file", id, true, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	int64_t before = count_events("support_measure_view", AUDIT_ALERT);
	json_t *r = read_as("viewer", "test_viewer", id);
	CHECK(json_is_true(json_object_get(r, "support_measure")));
	json_decref(r);
	CHECK_INT(count_events("support_measure_view", AUDIT_ALERT) - before, 1);
	/* A search hit counts as a view */
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	json_t *res = NULL;
	CHECK(door_find(d, "test_file", "name_kana", "メグロ カズコ", DOOR_EXACT, 10, &res, &e) == 0);
	json_decref(res);
	CHECK(door_commit(d, &e) == 0);
	CHECK_INT(count_events("support_measure_view", AUDIT_ALERT) - before, 2);
	CHECK_INT(count_events("support_measure_set", AUDIT_OK), 1);
	/* A refusal and an alert outlive the unit of work that the caller aborts */
	int64_t alerts = count_events("support_measure_view", AUDIT_ALERT);
	int64_t refusals = count_events("certificate", AUDIT_DENIED);
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	json_t *r2 = NULL;
	CHECK(door_read(d, "test_file", id, &r2, &e) == 0);
	json_decref(r2);
	CHECK(door_note_refusal(d, "certificate", "0000001002", "third-party request refused", &e) == 0);
	door_abort(d);
	CHECK_INT(count_events("support_measure_view", AUDIT_ALERT) - alerts, 1);
	CHECK_INT(count_events("certificate", AUDIT_DENIED) - refusals, 1);
	/* ... and are written once, not twice, when the work commits */
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_note_refusal(d, "certificate", "0000001002", "refused", &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK_INT(count_events("certificate", AUDIT_DENIED) - refusals, 2);
}

/* Business code gets a connection that the engine itself keeps out of the
 * spine's tables: the only way to declared data is the door. */
static void test_business_cannot_reach_declared_data(void)
{
	at_error e = {0};
	door *d;
	door_ctx c = ctx("clerk1", "test_business", "業務テーブル");
	CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == 0);
	store *bs = door_store(d);
	CHECK(store_prepare(bs, "SELECT doc FROM sp_record_version", &e) == NULL);
	CHECK_STR(e.code, "forbidden");
	CHECK(store_prepare(bs, "DELETE FROM sp_audit_event", &e) == NULL);
	CHECK(store_prepare(bs, "UPDATE sp_grant SET valid_to = 0", &e) == NULL);
	CHECK(store_prepare(bs, "SELECT * FROM sp_index", &e) == NULL);
	CHECK(store_prepare(bs, "ATTACH DATABASE ':memory:' AS x", &e) == NULL);
	CHECK(store_prepare(bs, "PRAGMA writable_schema = 1", &e) == NULL);
	/* Its own tables are fine, in the same transaction as the door's work */
	CHECK(store_exec(bs, "CREATE TABLE IF NOT EXISTS biz_note(id INTEGER PRIMARY KEY, t TEXT)", &e) == 0);
	store_stmt *st = store_prepare(bs, "INSERT INTO biz_note(t) VALUES('x')", &e);
	CHECK(st != NULL);
	if (st) {
		CHECK(store_step(st, &e) == STORE_DONE);
		store_done(st);
	}
	CHECK(door_commit(d, &e) == 0);
}

static void test_key_rotation(void)
{
	at_error e = {0};
	/* Close our handles: rotation opens the directory itself */
	char mn[13];
	mk_mynumber("12345678901", mn);
	store_close(S);
	keyring_free(KR);
	int64_t n = 0;
	CHECK(keys_rotate(dir, &n, &e) == 0);
	CHECK(n > 0);
	json_t *st = NULL;
	CHECK(keys_status(dir, &st, &e) == 0);
	CHECK_INT(json_integer_value(json_object_get(st, "current")), 2);
	/* No value is left under key 1 */
	CHECK(json_object_get(json_object_get(st, "values_by_key"), "1") == NULL);
	json_decref(st);
	CHECK(platform_open(dir, &S, &KR, &e) == 0);
	/* Old versions and the blind index still work */
	CHECK(find_one("my_number", mn) > 0);
	door *d;
	json_t *h = NULL;
	door_ctx c = ctx("clerk2", "test_business", "確認");
	int64_t id = find_one("my_number", mn);
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_history(d, "test_file", id, &h, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(json_object_get(h, "versions"), 0), "items"), "my_number")), mn);
	json_decref(h);
	/* The audit log is intact after all of the above */
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(KR, pk);
	audit_report rep;
	CHECK(audit_verify_db(S, pk, &rep, &e) == 0);
	CHECK(rep.ok);
}

/* ---- owner modules (door.h) ---- */

/* A module's handle, as a module defines it in its own folder. */
static const door_owner owner_a = {.module = "ownertest"};
static const door_owner lookalike = {.module = "ownertest"};
static const door_owner other_mod = {.module = "othermod"};

static const char owned_decl[] =
	"{\"module\":\"ownertest\",\"version\":1,\"businesses\":[],"
	"\"files\":[{\"id\":\"owned_file\",\"name_ja\":\"所有ファイル\",\"business\":\"test_business\","
	"\"owner\":\"ownertest\",\"description\":\"d\",\"four_eyes\":[\"correct\"],"
	"\"retention\":{\"removed_years\":1,\"citation\":\"c\"},"
	"\"items\":[{\"id\":\"name\",\"name_ja\":\"氏名\",\"type\":\"text\",\"class\":\"basic4\","
	"\"encrypted\":false,\"indexed\":true}]},"
	"{\"id\":\"kept_file\",\"name_ja\":\"独自管理ファイル\",\"business\":\"test_business\","
	"\"owner\":\"ownertest\",\"own_tables\":true,\"description\":\"d\","
	"\"retention\":{\"removed_years\":1,\"citation\":\"c\"},"
	"\"items\":[{\"id\":\"name\",\"name_ja\":\"氏名\",\"type\":\"text\",\"class\":\"basic4\","
	"\"encrypted\":false,\"indexed\":true}]}],"
	"\"permissions\":[{\"business\":\"test_business\",\"file\":\"owned_file\",\"access\":\"update\",\"items\":\"*\"},"
	"{\"business\":\"test_business\",\"file\":\"kept_file\",\"access\":\"update\",\"items\":\"*\"}]}";

static size_t owned_count(const char *name)
{
	door_ctx c = ctx("clerk1", "test_business", "確認");
	door *d;
	at_error e;
	json_t *res = NULL;
	size_t n = 999;
	if (door_open(S, KR, &c, DOOR_READ, &d, &e))
		return n;
	if (door_find(d, "owned_file", "name", name, DOOR_EXACT, 50, &res, &e) == 0)
		n = json_array_size(res);
	json_decref(res);
	door_commit(d, &e);
	return n;
}

static void test_owner_handles(void)
{
	at_error e = {0};
	CHECK(door_register_owner(&owner_a, &e) == 0);
	CHECK(door_register_owner(&owner_a, &e) == 0);        /* the same handle again: fine */
	CHECK(door_register_owner(&lookalike, &e) == -1);     /* a second handle for the module */
	CHECK_INT(e.status, 409);
	CHECK(door_register_owner(&other_mod, &e) == 0);
	CHECK(decl_load(S, owned_decl, "ownertest.json", &e) == 0);

	door_ctx c = ctx("clerk1", "test_business", "登録");
	door *d = NULL;
	/* A handle that was never registered is not a handle. */
	CHECK(door_open_owner(S, KR, &c, DOOR_WRITE, &lookalike, &d, &e) == -1);
	CHECK_INT(e.status, 500);

	/* The generic door (no owner) may not create in an owned file: 403,
	 * audited after the abort, nothing stored. */
	int64_t denied0 = count_events("create", AUDIT_DENIED);
	CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == 0);
	json_t *items = json_pack("{s:s}", "name", "所有 太郎");
	int64_t id = 0;
	CHECK(door_create(d, "owned_file", "0000000501", items, &id, &e) == -1);
	CHECK_INT(e.status, 403);
	CHECK_STR(e.code, "not_owner");
	door_abort(d);
	CHECK_INT(count_events("create", AUDIT_DENIED), denied0 + 1);
	CHECK_INT(owned_count("所有 太郎"), 0);
	/* Another module's handle is refused the same way. */
	CHECK(door_open_owner(S, KR, &c, DOOR_WRITE, &other_mod, &d, &e) == 0);
	CHECK(door_create(d, "owned_file", "0000000501", items, &id, &e) == -1);
	CHECK_STR(e.code, "not_owner");
	door_abort(d);
	CHECK_INT(owned_count("所有 太郎"), 0);

	/* The owner writes. */
	CHECK(door_open_owner(S, KR, &c, DOOR_WRITE, &owner_a, &d, &e) == 0);
	CHECK(door_create(d, "owned_file", "0000000501", items, &id, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	json_decref(items);
	CHECK_INT(owned_count("所有 太郎"), 1);

	/* change, remove, support measure through the generic door: refused. */
	json_t *ch = json_pack("{s:s}", "name", "所有 次郎");
	int64_t pid = 0;
	CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_change(d, "owned_file", id, ch, "change", DOOR_NOTIFIED, &pid, &e) == -1);
	CHECK_STR(e.code, "not_owner");
	CHECK(door_remove(d, "owned_file", id, "転出", &pid, &e) == -1);
	CHECK_STR(e.code, "not_owner");
	CHECK(door_set_support_measure(d, "owned_file", id, true, &e) == -1);
	CHECK_STR(e.code, "not_owner");
	door_abort(d);
	CHECK_INT(owned_count("所有 太郎"), 1);
	CHECK_INT(owned_count("所有 次郎"), 0);
	/* Reads stay open to the business: the generic routes serve reads. */
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	json_t *rec = NULL;
	CHECK(door_read(d, "owned_file", id, &rec, &e) == 0);
	json_decref(rec);
	door_commit(d, &e);

	/* A held correction is decided only through the owner's door. */
	CHECK(door_open_owner(S, KR, &c, DOOR_WRITE, &owner_a, &d, &e) == 0);
	CHECK(door_update(d, "owned_file", id, ch, &pid, &e) == 1);
	CHECK(door_commit(d, &e) == 0);
	door_ctx c2 = ctx("clerk2", "test_business", "確認");
	int64_t denied_a = count_events("approve", AUDIT_DENIED);
	CHECK(door_open(S, KR, &c2, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_pending_decide(d, pid, true, "ok", &e) == -1);
	CHECK_STR(e.code, "not_owner");
	door_abort(d);
	CHECK_INT(count_events("approve", AUDIT_DENIED), denied_a + 1);
	CHECK_INT(owned_count("所有 次郎"), 0);
	CHECK(door_open_owner(S, KR, &c2, DOOR_WRITE, &owner_a, &d, &e) == 0);
	CHECK(door_pending_decide(d, pid, true, "ok", &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK_INT(owned_count("所有 次郎"), 1);
	json_decref(ch);

	/* A file kept in its owner's own tables has no door records at all. */
	items = json_pack("{s:s}", "name", "独自 花子");
	CHECK(door_open_owner(S, KR, &c, DOOR_WRITE, &owner_a, &d, &e) == 0);
	CHECK(door_create(d, "kept_file", "0000000502", items, &id, &e) == -1);
	CHECK_INT(e.status, 403);
	CHECK_STR(e.code, "owner_tables");
	door_abort(d);
	json_decref(items);
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	json_t *res = NULL;
	CHECK(door_find(d, "kept_file", "name", "独自 花子", DOOR_EXACT, 5, &res, &e) == -1);
	CHECK_STR(e.code, "owner_tables");
	door_abort(d);

	/* The declaration says who owns what. */
	json_t *all = NULL;
	CHECK(decl_export(S, &all, &e) == 0);
	size_t i;
	json_t *f;
	int seen = 0;
	json_array_foreach(json_object_get(all, "files"), i, f) {
		const char *fid = json_string_value(json_object_get(f, "id"));
		if (!strcmp(fid, "kept_file")) {
			CHECK_STR(json_string_value(json_object_get(f, "owner")), "ownertest");
			CHECK(json_is_true(json_object_get(f, "own_tables")));
			seen++;
		} else if (!strcmp(fid, "test_file")) {
			CHECK(json_is_null(json_object_get(f, "owner")));
			CHECK(json_is_false(json_object_get(f, "own_tables")));
			seen++;
		}
	}
	CHECK_INT(seen, 2);
	json_decref(all);
}

/* A one-file declaration around the given items JSON and extra file keys. */
static char *one_file_decl(const char *file_extra, const char *items)
{
	strbuf b = STRBUF_INIT;
	sb_init(&b);
	sb_addf(&b, "{\"module\":\"x\",\"version\":1,\"businesses\":[],\"permissions\":[],"
		    "\"files\":[{\"id\":\"f\",\"name_ja\":\"F\",\"business\":\"test_business\","
		    "%s\"description\":\"d\",\"retention\":{\"removed_years\":1,\"citation\":\"c\"},"
		    "\"items\":[%s]}]}", file_extra, items);
	return b.buf;
}

static void test_owner_declared(void)
{
	at_error e = {0};
	static const char item[] = "{\"id\":\"a\",\"name_ja\":\"A\",\"type\":\"text\","
				   "\"class\":\"general\",\"encrypted\":false}";
	char *doc = one_file_decl("", item);   /* no owner at all */
	CHECK(decl_validate(doc, "x.json", &e) == -1);
	CHECK_STR(e.field, "files[0].owner");
	free(doc);
	doc = one_file_decl("\"owner\":\"Reg istry\",", item);
	CHECK(decl_validate(doc, "x.json", &e) == -1);
	CHECK_STR(e.field, "files[0].owner");
	free(doc);
	doc = one_file_decl("\"owner\":null,\"own_tables\":true,", item);
	CHECK(decl_validate(doc, "x.json", &e) == -1);
	CHECK_STR(e.field, "files[0].owner");
	free(doc);
	doc = one_file_decl("\"owner\":\"x\",\"own_table\":true,", item);
	CHECK(decl_validate(doc, "x.json", &e) == -1);
	CHECK_STR(e.code, "unknown_field");
	free(doc);
	doc = one_file_decl("\"owner\":\"x\",\"own_tables\":true,", item);
	CHECK(decl_validate(doc, "x.json", &e) == 0);
	free(doc);
}

/* The door holds 256 items of a file: a larger declaration is refused at
 * load, naming the file and the limit, and nothing of it is stored. */
static void test_item_cap(void)
{
	at_error e = {0};
	strbuf items = STRBUF_INIT;
	sb_init(&items);
	for (int i = 0; i < 257; i++)
		sb_addf(&items, "%s{\"id\":\"i%d\",\"name_ja\":\"項目%d\",\"type\":\"text\","
				"\"class\":\"general\",\"encrypted\":false}", i ? "," : "", i, i);
	char *doc = one_file_decl("\"owner\":null,", items.buf);
	/* id "f" is unused by every other test: give it a name of its own */
	CHECK(decl_load(S, doc, "big.json", &e) == -1);
	CHECK_STR(e.field, "files[0]");
	CHECK(strstr(e.message, "big.json") != NULL);
	CHECK(strstr(e.message, "257 items") != NULL);
	CHECK(strstr(e.message, "at most 256") != NULL);
	CHECK(!decl_file_exists(S, "f"));
	free(doc);
	/* 256 is the limit, not one less. */
	sb_reset(&items);
	for (int i = 0; i < 256; i++)
		sb_addf(&items, "%s{\"id\":\"i%d\",\"name_ja\":\"項目%d\",\"type\":\"text\","
				"\"class\":\"general\",\"encrypted\":false}", i ? "," : "", i, i);
	doc = one_file_decl("\"owner\":null,", items.buf);
	CHECK(decl_validate(doc, "big.json", &e) == 0);
	free(doc);
	sb_release(&items);
}

/* test.json is a test declaration: a database made without the test
 * variable (as every production build is) has the real files only. */
static void test_test_declarations_not_built_in(void)
{
	char d2[600];
	const char *tmp = getenv("ATENA_TEST_TMP");
	snprintf(d2, sizeof d2, "%s/policy2-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d2)) {
		CHECK(0);
		return;
	}
	strcat(d2, "/data");
	char *saved = getenv("ATENA_TEST_DECLARATIONS") ? strdup(getenv("ATENA_TEST_DECLARATIONS")) : NULL;
	unsetenv("ATENA_TEST_DECLARATIONS");
	at_error e = {0};
	store *s2 = NULL;
	keyring *k2 = NULL;
	CHECK(platform_init(d2, "131105", &e) == 0);
	CHECK(platform_open(d2, &s2, &k2, &e) == 0);
	if (s2) {
		CHECK(!decl_business_exists(s2, "test_business"));
		CHECK(!decl_file_exists(s2, "test_file"));
		CHECK(decl_file_exists(s2, "resident_register"));
		CHECK(decl_file_exists(s2, "individual_resident_tax"));
		store_close(s2);
	}
	keyring_free(k2);
	if (saved) {
		setenv("ATENA_TEST_DECLARATIONS", saved, 1);
		free(saved);
	}
	CHECK(decl_business_exists(S, "test_business"));   /* the test database has it */
}

/* ---- value rules declared with the item (decl.h) ---- */

/* Create a test_file record with items (JSON text); 0 or the error's field. */
static const char *try_create(const char *json, at_error *e)
{
	door_ctx c = ctx("clerk1", "test_business", "登録");
	door *d;
	json_error_t je;
	json_t *items = json_loads(json, 0, &je);
	int64_t id = 0;
	if (!items || door_open(S, KR, &c, DOOR_WRITE, &d, e))
		return "(setup)";
	int rc = door_create(d, "test_file", "0000000601", items, &id, e);
	json_decref(items);
	if (rc) {
		door_abort(d);
		return e->field;
	}
	return door_commit(d, e) ? "(commit)" : NULL;
}

static void test_value_rules(void)
{
	at_error e = {0};
	int64_t made0 = count_events("create", AUDIT_OK);
	/* A code list: sex "1"/"2" only. */
	CHECK_STR(try_create("{\"name\":\"規則 一\",\"sex_code\":\"9\"}", &e), "items.sex_code");
	CHECK_INT(e.status, 400);
	CHECK(strstr(e.message, "1 (男), 2 (女)") != NULL);
	CHECK(try_create("{\"name\":\"規則 一\",\"sex_code\":\"2\"}", &e) == NULL);
	/* An integer code list. */
	CHECK_STR(try_create("{\"name\":\"規則 二\",\"rank\":3}", &e), "items.rank");
	CHECK(try_create("{\"name\":\"規則 二\",\"rank\":1}", &e) == NULL);
	/* The municipality code's check digit (131105 目黒区; 131106 is not one). */
	CHECK_STR(try_create("{\"name\":\"規則 三\",\"municipality_code\":\"131106\"}", &e),
		  "items.municipality_code");
	CHECK(try_create("{\"name\":\"規則 三\",\"municipality_code\":\"131105\"}", &e) == NULL);
	/* A pattern. */
	CHECK_STR(try_create("{\"name\":\"規則 四\",\"postcode\":\"1530061\"}", &e), "items.postcode");
	CHECK(strstr(e.message, "pattern") != NULL);
	CHECK(try_create("{\"name\":\"規則 四\",\"postcode\":\"153-0061\"}", &e) == NULL);
	/* A minimum length, counted in characters, not bytes. */
	CHECK_STR(try_create("{\"name\":\"規則 五\",\"nickname\":\"太\"}", &e), "items.nickname");
	CHECK(try_create("{\"name\":\"規則 五\",\"nickname\":\"太郎\"}", &e) == NULL);
	/* No future birth date: today (JST) is fine, tomorrow is not. */
	at_date today = date_today();
	char t[11], tm[11], j[200];
	date_format(today, t);
	date_format(date_from_days(date_to_days(today) + 1), tm);
	snprintf(j, sizeof j, "{\"name\":\"規則 六\",\"birth_date\":\"%s\"}", tm);
	CHECK_STR(try_create(j, &e), "items.birth_date");
	snprintf(j, sizeof j, "{\"name\":\"規則 六\",\"birth_date\":\"%s\"}", t);
	CHECK(try_create(j, &e) == NULL);
	/* Exactly the six good ones were made. */
	CHECK_INT(count_events("create", AUDIT_OK), made0 + 6);
	/* A change is held to the same rules (null still clears). */
	int64_t id = find_one("name", "規則 一");
	door_ctx c = ctx("clerk1", "test_business", "届出");
	door *d;
	int64_t pid = 0;
	json_t *ch = json_pack("{s:s}", "sex_code", "3");
	CHECK(door_open(S, KR, &c, DOOR_WRITE, &d, &e) == 0);
	CHECK(door_change(d, "test_file", id, ch, "change", DOOR_NOTIFIED, &pid, &e) == -1);
	CHECK_STR(e.field, "items.sex_code");
	json_decref(ch);
	ch = json_pack("{s:n}", "sex_code");
	CHECK(door_change(d, "test_file", id, ch, "change", DOOR_NOTIFIED, &pid, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	json_decref(ch);
	/* The declarations API gives the rules (the screens' code lists). */
	json_t *all = NULL;
	CHECK(decl_export(S, &all, &e) == 0);
	size_t i, k;
	json_t *f, *it;
	const char *label = NULL, *check = NULL;
	json_array_foreach(json_object_get(all, "files"), i, f) {
		if (strcmp(json_string_value(json_object_get(f, "id")), "test_file"))
			continue;
		json_array_foreach(json_object_get(f, "items"), k, it) {
			const char *iid = json_string_value(json_object_get(it, "id"));
			if (!strcmp(iid, "sex_code"))
				label = json_string_value(json_object_get(json_object_get(it, "codes"), "2"));
			if (!strcmp(iid, "municipality_code"))
				check = json_string_value(json_object_get(it, "check"));
		}
	}
	CHECK_STR(label, "女");
	CHECK_STR(check, "municipality_code");
	json_decref(all);
}

/* A rule that could never hold, or never apply, is refused at load. */
static void test_rule_declarations(void)
{
	static const struct {
		const char *item, *field;
	} bad[] = {
		{"\"type\":\"digits:1\",\"codes\":{\"12\":\"x\"}", "files[0].items[0].codes"},
		{"\"type\":\"digits:1\",\"codes\":{}", "files[0].items[0].codes"},
		{"\"type\":\"text\",\"codes\":{\"1\":\"\"}", "files[0].items[0].codes"},
		{"\"type\":\"integer\",\"codes\":{\"a\":\"x\"}", "files[0].items[0].codes"},
		{"\"type\":\"date\",\"codes\":{\"1\":\"x\"}", "files[0].items[0].codes"},
		{"\"type\":\"digits:5\",\"check\":\"municipality_code\"", "files[0].items[0].check"},
		{"\"type\":\"digits:6\",\"check\":\"luhn\"", "files[0].items[0].check"},
		{"\"type\":\"text\",\"pattern\":\"[a-\"", "files[0].items[0].pattern"},
		{"\"type\":\"boolean\",\"pattern\":\"x\"", "files[0].items[0].pattern"},
		{"\"type\":\"text\",\"max\":5,\"min\":6", "files[0].items[0].min"},
		{"\"type\":\"integer\",\"min\":2", "files[0].items[0].min"},
		{"\"type\":\"text\",\"not_future\":true", "files[0].items[0].not_future"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char item[300];
		snprintf(item, sizeof item, "{\"id\":\"a\",\"name_ja\":\"A\",%s,\"class\":\"general\","
					    "\"encrypted\":false}", bad[i].item);
		char *doc = one_file_decl("\"owner\":null,", item);
		at_error e = {0};
		CHECK_INT(decl_validate(doc, "rules.json", &e), -1);
		CHECK_STR(e.field, bad[i].field);
		free(doc);
	}
	/* and each kind, well declared, loads */
	char *doc = one_file_decl("\"owner\":null,",
		"{\"id\":\"a\",\"name_ja\":\"A\",\"type\":\"digits:6\",\"check\":\"municipality_code\","
		"\"codes\":{\"131105\":\"目黒区\"},\"pattern\":\"^13\",\"class\":\"general\",\"encrypted\":false},"
		"{\"id\":\"b\",\"name_ja\":\"B\",\"type\":\"kana\",\"min\":2,\"class\":\"general\",\"encrypted\":false},"
		"{\"id\":\"c\",\"name_ja\":\"C\",\"type\":\"date\",\"not_future\":true,\"class\":\"general\",\"encrypted\":false}");
	at_error e = {0};
	CHECK(decl_validate(doc, "rules.json", &e) == 0);
	free(doc);
}

/* ---- item projection (door_read_items, door_search_items) ---- */

/* The items of the last event about subject. */
static char *last_items(const char *subject, const char *op)
{
	audit_filter f = {.subject = subject, .limit = 1000};
	json_t *evs = NULL;
	at_error e;
	char *out = NULL;
	if (audit_query(S, &f, &evs, &e))
		return NULL;
	size_t i;
	json_t *ev;
	json_array_foreach(evs, i, ev)
		if (!strcmp(json_string_value(json_object_get(ev, "operation")), op)) {
			free(out);
			out = strdup(json_string_value(json_object_get(ev, "items")));
		}
	json_decref(evs);
	return out;
}

static void test_projection(void)
{
	at_error e = {0};
	int64_t id = create_person("0000000701", "72345678901", "射影 一郎", "シャエイ イチロウ",
				   "1970-01-01");
	CHECK(id > 0);
	door_ctx c = ctx("clerk1", "test_business", "本人確認");
	door *d;
	json_t *r = NULL;
	static const char *const two[] = {"name", "birth_date", NULL};
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_read_items(d, "test_file", id, two, &r, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	json_t *items = json_object_get(r, "items");
	CHECK_INT(json_object_size(items), 2);
	CHECK_STR(json_string_value(json_object_get(items, "name")), "射影 一郎");
	CHECK(json_object_get(items, "my_number") == NULL);
	CHECK(json_object_get(items, "special_note") == NULL);   /* not even decrypted */
	json_decref(r);
	char *seen = last_items("0000000701", "read");
	CHECK_STR(seen, "name,birth_date");
	free(seen);
	/* An item the business may not view is neither returned nor logged. */
	static const char *const with_note[] = {"name", "special_note", NULL};
	door_ctx cv = ctx("viewer", "test_viewer", "確認");
	CHECK(door_open(S, KR, &cv, DOOR_READ, &d, &e) == 0);
	CHECK(door_read_items(d, "test_file", id, with_note, &r, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK_INT(json_object_size(json_object_get(r, "items")), 1);
	json_decref(r);
	seen = last_items("0000000701", "read");
	CHECK_STR(seen, "name");
	free(seen);
	/* A search result carries and logs only the projection. */
	door_criterion cr = {.item = "name", .value = "射影 一郎", .match = DOOR_EXACT};
	static const char *const kana[] = {"name_kana", NULL};
	json_t *res = NULL;
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_search_items(d, "test_file", &cr, 1, false, 10, kana, &res, NULL, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK_INT(json_array_size(res), 1);
	items = json_object_get(json_array_get(res, 0), "items");
	CHECK_INT(json_object_size(items), 1);
	CHECK_STR(json_string_value(json_object_get(items, "name_kana")), "シャエイ イチロウ");
	json_decref(res);
	seen = last_items("0000000701", "search_result");
	CHECK_STR(seen, "name_kana");
	free(seen);
	/* A projection names declared items, at least one. */
	static const char *const none[] = {NULL};
	static const char *const unknown[] = {"name", "shoe_size", NULL};
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_read_items(d, "test_file", id, none, &r, &e) == -1);
	CHECK_INT(e.status, 400);
	CHECK(door_read_items(d, "test_file", id, unknown, &r, &e) == -1);
	CHECK_STR(e.field, "items[1]");
	CHECK(door_search_items(d, "test_file", &cr, 1, false, 10, unknown, &res, NULL, &e) == -1);
	CHECK_STR(e.field, "items[1]");
	door_abort(d);
	/* History: each version with only the projection; the log names it. */
	json_t *h = NULL;
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_history_items(d, "test_file", id, two, &h, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	json_t *v1 = json_array_get(json_object_get(h, "versions"), 0);
	CHECK_INT(json_object_size(json_object_get(v1, "items")), 2);
	json_decref(h);
	seen = last_items("0000000701", "history");
	CHECK_STR(seen, "name,birth_date");
	free(seen);
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_history(d, "test_file", id, &h, &e) == 0);   /* all: the log says so too */
	CHECK(door_commit(d, &e) == 0);
	json_decref(h);
	seen = last_items("0000000701", "history");
	CHECK(seen && strstr(seen, "special_note") && strstr(seen, "my_number"));
	free(seen);
	/* NULL is every item the business may view, as door_read. */
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_read_items(d, "test_file", id, NULL, &r, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK(json_object_get(json_object_get(r, "items"), "special_note") != NULL);
	json_decref(r);
}

/* ---- Access rules that leak (issue 9 §5) ---- */

/* A business that sees My Number masked cannot look a person up by it: the
 * search is refused, naming the criterion, and the refusal is in the log even
 * though the caller aborts; a number-using business still can. */
static void test_number_criterion_masked(void)
{
	char mn[13];
	mk_mynumber("32345678901", mn);   /* 佐藤 健 of test_door_search */
	at_error e = {0};
	door *d;
	json_t *res = NULL;
	int64_t refusals = count_events_detail("search", AUDIT_DENIED, "number_not_usable my_number");
	door_ctx c = ctx("viewer", "test_viewer", "課税資料の確認");
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_find(d, "test_file", "my_number", mn, DOOR_EXACT, 10, &res, &e) == -1);
	CHECK(res == NULL);
	CHECK_INT(e.status, 403);
	CHECK_STR(e.code, "number_not_usable");
	CHECK_STR(e.field, "my_number");
	CHECK(e.audited);
	/* ... among other criteria too */
	door_criterion two[] = {{"name", "佐藤 健", DOOR_EXACT}, {"my_number", mn, DOOR_EXACT}};
	CHECK(door_search(d, "test_file", two, 2, false, 10, &res, NULL, &e) == -1);
	CHECK_STR(e.field, "my_number");
	door_abort(d);
	CHECK_INT(count_events_detail("search", AUDIT_DENIED, "number_not_usable my_number") - refusals, 2);
	/* The same business may still search by name, and sees the number masked. */
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_find(d, "test_file", "name", "佐藤 健", DOOR_EXACT, 10, &res, &e) == 0);
	CHECK_INT(json_array_size(res), 1);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(res, 0), "items"),
						     "my_number")), DOOR_MASK);
	json_decref(res);
	CHECK(door_commit(d, &e) == 0);
	/* A number-using business may. */
	door_ctx cu = ctx("clerk1", "test_business", "本人確認");
	CHECK(door_open(S, KR, &cu, DOOR_READ, &d, &e) == 0);
	CHECK(door_find(d, "test_file", "my_number", mn, DOOR_EXACT, 10, &res, &e) == 0);
	CHECK_INT(json_array_size(res), 1);
	json_decref(res);
	CHECK(door_commit(d, &e) == 0);
}

/* One search as `staff` under test_viewer for `name` exactly (or the kana
 * prefix with limit n when name is NULL): the HTTP-like status. */
static int volume_search(store *s, keyring *kr, const char *staff, const char *name, int n,
			 door_mode mode, at_error *e)
{
	door_ctx c = ctx(staff, mode == DOOR_READ ? "test_viewer" : "test_business", "照会");
	door *d;
	json_t *res = NULL;
	if (door_open(s, kr, &c, mode, &d, e))
		return e->status;
	int rc = name ? door_find(d, "test_file", "name", name, DOOR_EXACT, 10, &res, e)
		      : door_find(d, "test_file", "name_kana", "ケンサク", DOOR_PREFIX, n, &res, e);
	json_decref(res);
	if (rc) {
		door_abort(d);
		return e->status;
	}
	return door_commit(d, e) ? 500 : 200;
}

typedef struct volume_racer {
	int ok, refused;
} volume_racer;

static void *volume_race(void *arg)
{
	volume_racer *r = arg;
	store *s;
	keyring *kr;
	at_error e;
	if (platform_open(dir, &s, &kr, &e))
		return NULL;
	for (int i = 0; i < 5; i++) {
		int st = volume_search(s, kr, "bulk1", "検索 0", 0, DOOR_READ, &e);
		r->ok += st == 200;
		r->refused += st == 429;
	}
	store_close(s);
	keyring_free(kr);
	return NULL;
}

/* 71 prefix searches listed 981 of 983 residents with no alert: per staff
 * member and window, one alert past the alert level, and a search that would
 * pass the refusal level is refused (429, audited), lists nobody, and stays
 * refused until the window passes — across a restart, and however many
 * threads search at once. A write's own look-ups do not count. */
static void test_search_volume(void)
{
	at_error e = {0};
	door_search_limits file, small = {.window_seconds = 600, .alert_searches = 3,
		.alert_people = 5, .refuse_searches = 6, .refuse_people = 8};
	/* The built-in data file loads and keeps its own rules. */
	CHECK(door_search_limits_get(&file, &e) == 0);
	CHECK(file.alert_people <= file.refuse_people && file.alert_searches <= file.refuse_searches);
	door_search_limits bad = small;
	bad.refuse_people = 4;   /* below the alert level */
	CHECK(door_search_limits_use(&bad, &e) == -1);
	CHECK_STR(e.field, "refuse.people");
	CHECK(door_search_limits_use(&small, &e) == 0);

	strbuf pw = STRBUF_INIT, tp = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&tp);
	CHECK(staff_add(S, KR, "bulk1", "検索 五郎", "税務課", false, "admin", "T-ADM", &pw, &tp, &e) == 0);
	sb_release(&pw);
	sb_release(&tp);
	CHECK(grant_add(S, "bulk1", "test_viewer", GRANT_VIEW, 0, 0, "admin", "T-ADM", "照会", &e) == 0);
	CHECK(grant_add(S, "bulk1", "test_business", GRANT_UPDATE, 0, 0, "admin", "T-ADM", "照会", &e) == 0);
	char subject[16], first11[12], name[32];
	for (int i = 0; i < 10; i++) {
		snprintf(subject, sizeof subject, "00000090%02d", i);
		snprintf(first11, sizeof first11, "900000000%02d", i);
		snprintf(name, sizeof name, "検索 %d", i);
		CHECK(create_person(subject, first11, name, "ケンサク タロウ", "1970-01-01") > 0);
	}
	/* A fresh window. */
	int64_t t0 = fake_now - fake_now % 600 + 600;
	set_now(t0);
	int64_t alerts = count_events("search_volume", AUDIT_ALERT);
	int64_t refusals = count_events_detail("search", AUDIT_DENIED, "search_volume search");
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "検索 %d", i);
		CHECK_INT(volume_search(S, KR, "bulk1", name, 0, DOOR_READ, &e), 200);
	}
	CHECK_INT(count_events("search_volume", AUDIT_ALERT) - alerts, 0);
	/* The 4th search passes the alert level: one alert, and no second one. */
	CHECK_INT(volume_search(S, KR, "bulk1", "検索 3", 0, DOOR_READ, &e), 200);
	CHECK_INT(count_events("search_volume", AUDIT_ALERT) - alerts, 1);
	CHECK_INT(volume_search(S, KR, "bulk1", "検索 4", 0, DOOR_READ, &e), 200);
	CHECK_INT(volume_search(S, KR, "bulk1", "検索 0", 0, DOOR_READ, &e), 200);
	CHECK_INT(count_events("search_volume", AUDIT_ALERT) - alerts, 1);
	/* A write's own look-ups neither count nor are refused. */
	for (int i = 0; i < 8; i++)
		CHECK_INT(volume_search(S, KR, "bulk1", "検索 9", 0, DOOR_WRITE, &e), 200);
	/* The 7th search is refused, audited, and lists nobody. */
	int64_t seen9 = count_events_detail("search_result", AUDIT_OK, NULL);
	CHECK_INT(volume_search(S, KR, "bulk1", "検索 5", 0, DOOR_READ, &e), 429);
	CHECK_STR(e.code, "search_volume");
	CHECK(e.audited);
	CHECK(strstr(e.message, "bulk1 has made 6 searches listing 5 people") != NULL);
	CHECK_INT(count_events_detail("search_result", AUDIT_OK, NULL) - seen9, 0);
	CHECK_INT(count_events_detail("search", AUDIT_DENIED, "search_volume search") - refusals, 1);
	/* ... still after a restart of the process (a new connection). */
	store_close(S);
	keyring_free(KR);
	CHECK(platform_open(dir, &S, &KR, &e) == 0);
	CHECK_INT(volume_search(S, KR, "bulk1", "検索 0", 0, DOOR_READ, &e), 429);
	/* ... not for another staff member. */
	CHECK_INT(volume_search(S, KR, "viewer", "検索 0", 0, DOOR_READ, &e), 200);

	/* The next window starts again; a search listing more people than the
	 * refusal level is refused outright, one within it passes (and alerts). */
	set_now(t0 + 600);
	CHECK_INT(volume_search(S, KR, "bulk1", NULL, 9, DOOR_READ, &e), 429);
	CHECK_INT(volume_search(S, KR, "bulk1", NULL, 8, DOOR_READ, &e), 200);
	CHECK_INT(count_events("search_volume", AUDIT_ALERT) - alerts, 2);
	/* Listing the same people again adds nobody; a new one would pass 8. */
	CHECK_INT(volume_search(S, KR, "bulk1", "検索 0", 0, DOOR_READ, &e), 200);
	CHECK_INT(volume_search(S, KR, "bulk1", NULL, 9, DOOR_READ, &e), 429);

	/* Parallel searches on their own connections: exactly the free places pass. */
	set_now(t0 + 1200);
	enum { N = 4 };
	pthread_t t[N];
	volume_racer r[N] = {{0}};
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, volume_race, &r[i]);
	int ok = 0, refused = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		ok += r[i].ok;
		refused += r[i].refused;
	}
	CHECK_INT(ok, 6);
	CHECK_INT(refused, 5 * N - 6);
	set_now(t0 + 1800);
	CHECK(door_search_limits_use(&file, &e) == 0);
}

/* A module showing a person from its own tables raises the support-measure
 * alert through the door (door_note_subject_read); nothing for a person
 * without one; a malformed subject is refused. */
static void test_subject_read_alert(void)
{
	at_error e = {0};
	door *d;
	door_ctx c = ctx("viewer", "test_viewer", "課税資料の確認");
	int64_t before = count_events("support_measure_view", AUDIT_ALERT);
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	/* 0000001002 is under a support measure (test_support_measure). */
	CHECK(door_note_subject_read(d, "0000001002", "tax assessment", &e) == 0);
	CHECK(door_note_subject_read(d, "0000001003", "tax assessment", &e) == 0);
	CHECK(door_note_subject_read(d, "", "tax assessment", &e) == -1);
	CHECK_STR(e.field, "subject");
	door_abort(d);   /* the alert outlives the abort */
	CHECK_INT(count_events("support_measure_view", AUDIT_ALERT) - before, 1);
}

int main(void)
{
	at_error e;
	if (crypto_setup(&e))
		return 1;
	setup();
	RUN(test_declarations_loaded);
	RUN(test_declaration_validation);
	RUN(test_login_flow);
	RUN(test_backoff);
	RUN(test_login_races);
	RUN(test_passwords_and_session_ends);
	RUN(test_cli_session_replace);
	RUN(test_data_dir_private);
	RUN(test_staff_admin_rules);
	RUN(test_grants_ledger);
	RUN(test_door_refusals);
	RUN(test_door_create_read_mask);
	RUN(test_door_bad_input_changes_nothing);
	RUN(test_door_search);
	RUN(test_door_check);
	RUN(test_four_eyes);
	RUN(test_basis_and_ex_officio_entry);
	RUN(test_kana_search);
	RUN(test_door_search_multi);
	RUN(test_support_measure);
	RUN(test_business_cannot_reach_declared_data);
	RUN(test_key_rotation);
	RUN(test_owner_handles);
	RUN(test_owner_declared);
	RUN(test_item_cap);
	RUN(test_value_rules);
	RUN(test_projection);
	RUN(test_pending_list_audited);
	RUN(test_rule_declarations);
	RUN(test_test_declarations_not_built_in);
	RUN(test_number_criterion_masked);
	RUN(test_subject_read_alert);
	RUN(test_search_volume);
	store_close(S);
	keyring_free(KR);
	return test_report();
}
