/*
 * test_server — the HTTP API end to end, in process: a real server on
 * 127.0.0.1 (ephemeral port) over a fresh data directory, driven with libcurl.
 * TOTP codes are computed from the secrets staff_add returns; the clock is
 * ATENA_FAKE_NOW so that each login can use a fresh 30-second step.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sqlite3.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/error.h"
#include "core/mynumber.h"
#include "core/strbuf.h"
#include "crypto/crypto.h"
#include "policy/door.h"
#include "policy/grant.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "server/server.h"
#include "test.h"

/* ---- Fixture ---------------------------------------------------------------- */

typedef struct user {
	const char *id;
	char password[128];          /* current password */
	unsigned char secret[64];    /* TOTP secret */
	size_t secret_len;
	int64_t last_step;           /* last TOTP step used (no replay) */
	char token[160];             /* session token, "" when none */
} user;

static user admin1 = {.id = "admin1"}, clerk1 = {.id = "clerk1"}, clerk2 = {.id = "clerk2"},
	    viewer1 = {.id = "viewer1"}, nogrant1 = {.id = "nogrant1"};

static char data_dir[512];
static store *db;          /* the test's own connection, for setup and audit checks */
static keyring *kr;
static server *srv;
static char base[64];      /* "http://127.0.0.1:PORT" */
static char my_number[13];

static void fake_now(int64_t t)
{
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)t);
	setenv("ATENA_FAKE_NOW", v, 1);
}

static void add_user(user *u, const char *name, bool admin)
{
	strbuf pw = STRBUF_INIT, sec = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&sec);
	at_error err;
	if (staff_add(db, kr, u->id, name, "テスト課", admin, "", "console", &pw, &sec, &err)) {
		fprintf(stderr, "staff_add %s: %s\n", u->id, err.message);
		exit(2);
	}
	snprintf(u->password, sizeof u->password, "%s", pw.buf);
	if (base32_decode(sec.buf, u->secret, sizeof u->secret, &u->secret_len)) {
		fprintf(stderr, "base32_decode failed\n");
		exit(2);
	}
	sb_release(&pw);
	sb_release(&sec);
}

static void add_grant(const char *who, const char *business, grant_access a)
{
	at_error err;
	if (grant_add(db, who, business, a, 0, 0, "admin1", "console", "test setup", &err)) {
		fprintf(stderr, "grant_add %s %s: %s\n", who, business, err.message);
		exit(2);
	}
}

static void setup(void)
{
	const char *tmp = getenv("ATENA_TEST_TMP");
	char tmpl[480];
	snprintf(tmpl, sizeof tmpl, "%s/server-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(data_dir, sizeof data_dir, "%s/data", tmpl);
	fake_now((int64_t)time(NULL));
	at_error err;
	if (crypto_setup(&err) || platform_init(data_dir, "131105", &err) ||
	    platform_open(data_dir, &db, &kr, &err)) {
		fprintf(stderr, "setup: %s\n", err.message);
		exit(2);
	}
	add_user(&admin1, "管理 一郎", true);
	add_user(&clerk1, "事務 一郎", false);
	add_user(&clerk2, "事務 二郎", false);
	add_user(&viewer1, "閲覧 三郎", false);
	add_user(&nogrant1, "権限 無子", false);
	add_grant("clerk1", "test_business", GRANT_UPDATE);
	add_grant("clerk1", "audit_review", GRANT_VIEW);
	add_grant("clerk2", "test_business", GRANT_UPDATE);
	add_grant("viewer1", "test_viewer", GRANT_VIEW);

	char first11[12] = "12345678901";
	snprintf(my_number, sizeof my_number, "%s%d", first11, mynumber_check_digit(first11));

	server_config cfg = {.data_dir = data_dir, .kr = kr, .listen = "127.0.0.1:0", .threads = 4,
			     .timeout_s = 10, .static_dir = NULL};
	if (server_start(&cfg, &srv, &err)) {
		fprintf(stderr, "server_start: %s\n", err.message);
		exit(2);
	}
	snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)server_port(srv));
	curl_global_init(CURL_GLOBAL_ALL);
}

/* ---- HTTP ------------------------------------------------------------------- */

typedef struct http_req {
	const char *method;
	const char *path;            /* below base, e.g. "/api/v1/healthz" */
	const char *token;
	const char *business;
	const char *reason;
	const char *body;            /* NULL: no body */
	size_t body_len;             /* 0: strlen(body) */
	const char *content_type;    /* default application/json when there is a body */
	bool chunked;                /* send the body with Transfer-Encoding: chunked */
	const char *extra_header;
} http_req;

typedef struct http_res {
	long status;
	strbuf body;
	strbuf headers;
	json_t *json;
} http_res;

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
	sb_add(ud, p, sz * n);
	return sz * n;
}

typedef struct upload {
	const char *p;
	size_t left;
} upload;

static size_t on_read(char *buf, size_t sz, size_t n, void *ud)
{
	upload *u = ud;
	size_t k = sz * n < u->left ? sz * n : u->left;
	memcpy(buf, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

static void http(const http_req *q, http_res *res)
{
	memset(res, 0, sizeof *res);
	sb_init(&res->body);
	sb_init(&res->headers);
	CURL *c = curl_easy_init();
	char url[2048];
	snprintf(url, sizeof url, "%s%s", base, q->path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &res->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &res->headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	struct curl_slist *h = NULL;
	char line[1024];
	if (q->token) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", q->token);
		h = curl_slist_append(h, line);
	}
	if (q->business) {
		snprintf(line, sizeof line, "X-Atena-Business: %s", q->business);
		h = curl_slist_append(h, line);
	}
	if (q->reason) {
		snprintf(line, sizeof line, "X-Atena-Reason: %s", q->reason);
		h = curl_slist_append(h, line);
	}
	if (q->extra_header)
		h = curl_slist_append(h, q->extra_header);
	upload up = {0};
	if (q->body) {
		size_t len = q->body_len ? q->body_len : strlen(q->body);
		snprintf(line, sizeof line, "Content-Type: %s",
			 q->content_type ? q->content_type : "application/json");
		h = curl_slist_append(h, line);
		if (q->chunked) {
			up.p = q->body;
			up.left = len;
			curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(c, CURLOPT_READDATA, &up);
			h = curl_slist_append(h, "Transfer-Encoding: chunked");
		} else {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		}
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
	else
		fprintf(stderr, "curl %s %s: %s\n", q->method, q->path, curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (res->body.len)
		res->json = json_loadb(res->body.buf, res->body.len, 0, NULL);
}

static void http_free(http_res *res)
{
	sb_release(&res->body);
	sb_release(&res->headers);
	json_decref(res->json);
}

/* One API call as a logged-in user under a business, reason "test". The
 * caller owns *out (may be NULL). */
static long api(const char *method, const char *path, const user *u, const char *business,
		const char *body, json_t **out)
{
	http_req q = {.method = method, .path = path, .token = u ? u->token : NULL,
		      .business = business, .reason = business ? "unit test" : NULL, .body = body};
	http_res res;
	http(&q, &res);
	if (out) {
		*out = res.json;
		res.json = NULL;
	}
	long st = res.status;
	http_free(&res);
	return st;
}

static const char *jstr(json_t *j, const char *path)
{
	/* "a.b.c" into nested objects */
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *v = j;
	for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, "."))
		v = json_object_get(v, tok);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_int_t jint(json_t *j, const char *key)
{
	return json_integer_value(json_object_get(j, key));
}

static const char *err_code(json_t *j)
{
	return jstr(j, "error.code");
}

static const char *err_field(json_t *j)
{
	return jstr(j, "error.field");
}

static bool has_header(const http_res *res, const char *line)
{
	/* header names are case-insensitive; compare line by line */
	size_t n = strlen(line);
	for (const char *p = res->headers.buf; *p; p++)
		if ((p == res->headers.buf || p[-1] == '\n') && !strncasecmp(p, line, n))
			return true;
	return false;
}

/* Log in with a fresh TOTP step; returns the status and keeps the token. */
static long login(user *u, const char *password, const char *new_password, bool good_totp,
		  json_t **out)
{
	int64_t cur = time_now() / TOTP_STEP;
	int64_t step = u->last_step + 1 > cur - 1 ? u->last_step + 1 : cur - 1;
	if (step > cur + 1) {
		fake_now(step * TOTP_STEP + 1);   /* move the clock on rather than wait */
		cur = step;
	}
	char code[16];
	if (good_totp) {
		snprintf(code, sizeof code, "%06u",
			 (unsigned)totp_code(TOTP_ALG_DEFAULT, u->secret, u->secret_len, step * TOTP_STEP, TOTP_DIGITS));
		u->last_step = step;
	} else {
		uint32_t right = totp_code(TOTP_ALG_DEFAULT, u->secret, u->secret_len, step * TOTP_STEP, TOTP_DIGITS);
		snprintf(code, sizeof code, "%06u", (unsigned)((right + 1) % 1000000));
	}
	json_t *b = json_pack("{s:s,s:s,s:s,s:s}", "staff_id", u->id, "password", password, "totp",
			      code, "terminal_id", "term-01");
	if (new_password)
		json_object_set_new(b, "new_password", json_string(new_password));
	char *body = json_dumps(b, 0);
	json_decref(b);
	json_t *res = NULL;
	long st = api("POST", "/api/v1/sessions", NULL, NULL, body, &res);
	free(body);
	if (st == 201) {
		snprintf(u->token, sizeof u->token, "%s", jstr(res, "token") ? jstr(res, "token") : "");
		if (new_password)
			snprintf(u->password, sizeof u->password, "%s", new_password);
	}
	if (out)
		*out = res;
	else
		json_decref(res);
	return st;
}

static void first_login(user *u)
{
	static int n;
	char np[64];
	snprintf(np, sizeof np, "Fresh-Passw0rd-%d", ++n);   /* must not contain the id */
	long st = login(u, u->password, np, true, NULL);
	if (st != 201) {
		fprintf(stderr, "first login of %s: %ld\n", u->id, st);
		exit(2);
	}
}

/* ---- Tests ------------------------------------------------------------------ */

static void test_healthz(void)
{
	http_req q = {.method = "GET", .path = "/api/v1/healthz"};
	http_res res;
	http(&q, &res);
	CHECK_INT(res.status, 200);
	CHECK_STR(jstr(res.json, "status"), "ok");
	CHECK(has_header(&res, "Content-Type: application/json; charset=utf-8"));
	CHECK(has_header(&res, "Cache-Control: no-store"));
	CHECK(has_header(&res, "X-Content-Type-Options: nosniff"));
	http_free(&res);
}

static void test_login(void)
{
	json_t *j = NULL;
	/* First login: the initial password must be changed. */
	CHECK_INT(login(&admin1, admin1.password, NULL, true, &j), 403);
	CHECK_STR(err_code(j), "password_change_required");
	json_decref(j);
	CHECK_INT(login(&admin1, admin1.password, "Admin-Passw0rd-long", true, &j), 201);
	CHECK(jstr(j, "token") && strlen(jstr(j, "token")) > 20);
	CHECK_STR(jstr(j, "staff.id"), "admin1");
	CHECK(json_is_true(json_object_get(json_object_get(j, "staff"), "admin")));
	CHECK_INT(jint(j, "idle_timeout_seconds"), STAFF_IDLE_TIMEOUT);
	json_decref(j);

	/* Wrong password, wrong one-time code. */
	user tmp = admin1;
	CHECK_INT(login(&tmp, "not-the-password", NULL, true, &j), 401);
	CHECK_STR(err_code(j), "authentication_failed");
	json_decref(j);
	admin1.last_step = tmp.last_step;
	tmp = admin1;
	CHECK_INT(login(&tmp, admin1.password, NULL, false, &j), 401);
	CHECK_STR(err_code(j), "authentication_failed");
	json_decref(j);
	CHECK_INT(login(&admin1, admin1.password, NULL, true, NULL), 201);
	/* An unknown id hears exactly what a wrong password hears (issue 9 §2). */
	{
		json_t *w = NULL;
		tmp = admin1;
		CHECK_INT(login(&tmp, "not-the-password", NULL, true, &w), 401);
		admin1.last_step = tmp.last_step;
		tmp.id = "no-such-person";
		CHECK_INT(login(&tmp, "not-the-password", NULL, true, &j), 401);
		CHECK_STR(err_code(j), err_code(w));
		CHECK_STR(jstr(j, "error.message"), jstr(w, "error.message"));
		json_decref(j);
		json_decref(w);
	}

	/* Unknown key, missing field, malformed JSON. */
	CHECK_INT(api("POST", "/api/v1/sessions", NULL, NULL,
		      "{\"staff_id\":\"admin1\",\"password\":\"x\",\"totp\":\"123456\","
		      "\"terminal_id\":\"t\",\"remember_me\":true}",
		      &j),
		  400);
	CHECK_STR(err_code(j), "unknown_field");
	CHECK_STR(err_field(j), "remember_me");
	json_decref(j);
	CHECK_INT(api("POST", "/api/v1/sessions", NULL, NULL, "{\"staff_id\":\"admin1\"}", &j), 400);
	CHECK_STR(err_field(j), "password");
	json_decref(j);
	CHECK_INT(api("POST", "/api/v1/sessions", NULL, NULL, "{\"staff_id\":", &j), 400);
	CHECK_STR(err_code(j), "invalid_input");
	json_decref(j);

	first_login(&clerk1);
	first_login(&clerk2);
	first_login(&viewer1);
	first_login(&nogrant1);
}

static bool audit_has(const char *staff, const char *outcome, const char *operation)
{
	audit_filter f = {.staff_id = staff, .limit = 1000};
	json_t *ev = NULL;
	at_error err;
	if (audit_query(db, &f, &ev, &err)) {
		fprintf(stderr, "audit_query: %s\n", err.message);
		return false;
	}
	bool found = false;
	size_t i;
	json_t *e;
	json_array_foreach(ev, i, e) {
		if (!strcmp(jstr(e, "outcome") ? jstr(e, "outcome") : "", outcome) &&
		    !strcmp(jstr(e, "operation") ? jstr(e, "operation") : "", operation))
			found = true;
	}
	json_decref(ev);
	return found;
}

static void test_purpose(void)
{
	json_t *j = NULL;
	http_res res;
	/* No session. */
	http_req q = {.method = "GET", .path = "/api/v1/me", .business = "test_business",
		      .reason = "x"};
	http(&q, &res);
	CHECK_INT(res.status, 401);
	CHECK(has_header(&res, "WWW-Authenticate: Bearer"));
	http_free(&res);
	q.token = "not-a-real-token";
	http(&q, &res);
	CHECK_INT(res.status, 401);
	http_free(&res);
	q.token = "bad token\x01";
	http(&q, &res);
	CHECK_INT(res.status, 401);
	http_free(&res);

	/* Missing business: refused and audited as invalid. */
	q = (http_req){.method = "GET", .path = "/api/v1/files/test_file/records/1",
		       .token = clerk1.token, .reason = "checking"};
	http(&q, &res);
	CHECK_INT(res.status, 400);
	CHECK_STR(err_field(res.json), "X-Atena-Business");
	CHECK_STR(err_code(res.json), "missing_field");
	http_free(&res);
	CHECK(audit_has("clerk1", "invalid", "GET /api/v1/files/test_file/records/1"));

	/* Missing reason. */
	q = (http_req){.method = "GET", .path = "/api/v1/files/test_file/records/2",
		       .token = clerk1.token, .business = "test_business"};
	http(&q, &res);
	CHECK_INT(res.status, 400);
	CHECK_STR(err_field(res.json), "X-Atena-Reason");
	http_free(&res);
	CHECK(audit_has("clerk1", "invalid", "GET /api/v1/files/test_file/records/2"));

	/* Unknown business. */
	CHECK_INT(api("GET", "/api/v1/files/test_file/records/3", &clerk1, "no_such_business", NULL,
		      &j),
		  400);
	CHECK_STR(err_code(j), "invalid_input");
	CHECK_STR(err_field(j), "X-Atena-Business");
	json_decref(j);
	CHECK(audit_has("clerk1", "invalid", "GET /api/v1/files/test_file/records/3"));

	/* Reason too long. */
	char longreason[260];
	memset(longreason, 'r', 250);
	longreason[250] = '\0';
	q = (http_req){.method = "GET", .path = "/api/v1/me", .token = clerk1.token,
		       .business = "test_business", .reason = longreason};
	http(&q, &res);
	CHECK_INT(res.status, 400);
	CHECK_STR(err_field(res.json), "X-Atena-Reason");
	http_free(&res);

	/* A Japanese reason, raw UTF-8 and as an RFC 8187 ext-value. */
	q.reason = "住民からの問合せ対応";
	http(&q, &res);
	CHECK_INT(res.status, 200);
	http_free(&res);
	q.reason = "UTF-8''%E4%BD%8F%E6%B0%91%E5%AF%BE%E5%BF%9C";
	http(&q, &res);
	CHECK_INT(res.status, 200);
	http_free(&res);
	q.reason = "UTF-8''%E4%BD%00";
	http(&q, &res);
	CHECK_INT(res.status, 400);
	http_free(&res);
}

static char record_path[128];
static json_int_t record_id;

static void test_records(void)
{
	json_t *j = NULL;
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"subject\":\"A0001\",\"items\":{\"my_number\":\"%s\",\"name\":\"目黒 花子\","
		 "\"name_kana\":\"メグロ ハナコ\",\"birth_date\":\"1980-04-01\","
		 "\"address\":\"東京都目黒区上目黒二丁目19番15号\",\"household_size\":2}}",
		 my_number);
	http_req q = {.method = "POST", .path = "/api/v1/files/test_file/records",
		      .token = clerk1.token, .business = "test_business", .reason = "転入届の処理",
		      .body = body};
	http_res res;
	http(&q, &res);
	CHECK_INT(res.status, 201);
	record_id = jint(res.json, "record_id");
	CHECK(record_id > 0);
	snprintf(record_path, sizeof record_path, "/api/v1/files/test_file/records/%lld",
		 (long long)record_id);
	char loc[160];
	snprintf(loc, sizeof loc, "Location: %s", record_path);
	CHECK(has_header(&res, loc));
	http_free(&res);

	/* Read under the number-using business: My Number in clear. */
	CHECK_INT(api("GET", record_path, &clerk1, "test_business", NULL, &j), 200);
	CHECK_STR(jstr(j, "items.my_number"), my_number);
	CHECK_STR(jstr(j, "items.name"), "目黒 花子");
	CHECK_STR(jstr(j, "state"), "active");
	json_decref(j);

	/* Read under a business that may view but is not number-using: masked. */
	CHECK_INT(api("GET", record_path, &viewer1, "test_viewer", NULL, &j), 200);
	CHECK_STR(jstr(j, "items.my_number"), DOOR_MASK);
	CHECK_STR(jstr(j, "items.name"), "目黒 花子");
	CHECK(json_object_get(json_object_get(j, "items"), "household_size") == NULL);
	json_decref(j);

	/* Search, exact and by prefix. */
	CHECK_INT(api("GET", "/api/v1/files/test_file/search?item=name&value=%E7%9B%AE%E9%BB%92%20%E8%8A%B1%E5%AD%90",
		      &clerk1, "test_business", NULL, &j),
		  200);
	CHECK_INT(json_array_size(json_object_get(j, "records")), 1);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/test_file/search?item=name&value=%E7%9B%AE%E9%BB%92&match=prefix&limit=10",
		      &clerk1, "test_business", NULL, &j),
		  200);
	CHECK_INT(json_array_size(json_object_get(j, "records")), 1);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/test_file/search?item=name&value=x&limit=0", &clerk1,
		      "test_business", NULL, &j),
		  400);
	CHECK_STR(err_field(j), "limit");
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/test_file/search?item=name&value=x&match=fuzzy", &clerk1,
		      "test_business", NULL, &j),
		  400);
	CHECK_STR(err_field(j), "match");
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/test_file/search?item=name&value=x&colour=red", &clerk1,
		      "test_business", NULL, &j),
		  400);
	CHECK_STR(err_field(j), "colour");
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/test_file/search?value=x", &clerk1, "test_business", NULL,
		      &j),
		  400);
	CHECK_STR(err_field(j), "item");
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/test_file/search?item=name&item=address&value=x", &clerk1,
		      "test_business", NULL, &j),
		  400);
	CHECK_STR(err_field(j), "item");
	json_decref(j);

	/* Correction: the file is four-eyes, so it is held until clerk2 approves. */
	CHECK_INT(api("PATCH", record_path, &clerk1, "test_business",
		      "{\"items\":{\"address\":\"東京都目黒区中目黒一丁目1番1号\"}}", &j),
		  202);
	json_int_t pid = jint(j, "pending_id");
	CHECK(pid > 0);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/pending", &clerk2, "test_business", NULL, &j), 200);
	CHECK(json_array_size(json_object_get(j, "pending")) >= 1);
	json_decref(j);
	char ppath[96];
	snprintf(ppath, sizeof ppath, "/api/v1/pending/%lld/approve", (long long)pid);
	CHECK_INT(api("POST", ppath, &clerk1, "test_business", "{}", &j), 403);   /* not their own */
	json_decref(j);
	CHECK_INT(api("POST", ppath, &clerk2, "test_business", "{\"note\":\"確認済み\"}", &j), 200);
	CHECK_STR(jstr(j, "decision"), "approved");
	json_decref(j);
	CHECK_INT(api("GET", record_path, &clerk1, "test_business", NULL, &j), 200);
	CHECK_STR(jstr(j, "items.address"), "東京都目黒区中目黒一丁目1番1号");
	json_decref(j);

	char hpath[160];
	snprintf(hpath, sizeof hpath, "%s/history", record_path);
	CHECK_INT(api("GET", hpath, &clerk1, "test_business", NULL, &j), 200);
	CHECK_INT(json_array_size(json_object_get(j, "versions")), 2);
	json_decref(j);

	/* A rejected correction changes nothing. */
	CHECK_INT(api("PATCH", record_path, &clerk1, "test_business", "{\"items\":{\"name\":\"誤り\"}}",
		      &j),
		  202);
	pid = jint(j, "pending_id");
	json_decref(j);
	snprintf(ppath, sizeof ppath, "/api/v1/pending/%lld/reject", (long long)pid);
	CHECK_INT(api("POST", ppath, &clerk2, "test_business", "{\"note\":\"誤記\"}", &j), 200);
	CHECK_STR(jstr(j, "decision"), "rejected");
	json_decref(j);
	CHECK_INT(api("GET", record_path, &clerk1, "test_business", NULL, &j), 200);
	CHECK_STR(jstr(j, "items.name"), "目黒 花子");
	json_decref(j);

	/* Removal (除票), also four-eyes. */
	char rpath[160];
	snprintf(rpath, sizeof rpath, "%s/remove", record_path);
	CHECK_INT(api("POST", rpath, &clerk1, "test_business", "{\"reason\":\"転出\"}", &j), 202);
	pid = jint(j, "pending_id");
	json_decref(j);
	snprintf(ppath, sizeof ppath, "/api/v1/pending/%lld/approve", (long long)pid);
	CHECK_INT(api("POST", ppath, &clerk2, "test_business", "{}", &j), 200);
	json_decref(j);
	CHECK_INT(api("GET", record_path, &clerk1, "test_business", NULL, &j), 200);
	CHECK_STR(jstr(j, "state"), "removed");
	json_decref(j);

	/* Viewer may not write. */
	CHECK_INT(api("PATCH", record_path, &viewer1, "test_viewer", "{\"items\":{\"name\":\"x\"}}",
		      &j),
		  403);
	json_decref(j);
}

static long search_count(const char *value_enc)
{
	char path[256];
	snprintf(path, sizeof path, "/api/v1/files/test_file/search?item=name&value=%s", value_enc);
	json_t *j = NULL;
	long st = api("GET", path, &clerk1, "test_business", NULL, &j);
	long n = st == 200 ? (long)json_array_size(json_object_get(j, "records")) : -1;
	json_decref(j);
	return n;
}

static void test_refusals(void)
{
	json_t *j = NULL;
	const char *body = "{\"subject\":\"A0002\",\"items\":{\"name\":\"Refused Person\"}}";
	/* No grant: 403 and no record. */
	CHECK_INT(api("POST", "/api/v1/files/test_file/records", &nogrant1, "test_business", body,
		      &j),
		  403);
	CHECK_STR(err_code(j), "no_grant");
	CHECK_STR(err_field(j), "X-Atena-Business");
	json_decref(j);
	CHECK_INT(search_count("Refused%20Person"), 0);
	/* Written once, by the door, under the request's operation (not "open"). */
	CHECK(audit_has("nogrant1", "denied", "POST /api/v1/files/test_file/records"));
	CHECK(!audit_has("nogrant1", "denied", "open"));

	/* A bad item value: 400 naming the item, nothing written. */
	CHECK_INT(api("POST", "/api/v1/files/test_file/records", &clerk1, "test_business",
		      "{\"subject\":\"A0003\",\"items\":{\"name\":\"Bad Number\",\"my_number\":\"123456789012\"}}",
		      &j),
		  400);
	CHECK(err_field(j) && strstr(err_field(j), "my_number"));
	json_decref(j);
	CHECK_INT(search_count("Bad%20Number"), 0);

	/* Unknown item, unknown key, wrong types. */
	CHECK_INT(api("POST", "/api/v1/files/test_file/records", &clerk1, "test_business",
		      "{\"subject\":\"A0004\",\"items\":{\"shoe_size\":27}}", &j),
		  400);
	CHECK(err_field(j) && strstr(err_field(j), "shoe_size"));
	json_decref(j);
	CHECK_INT(api("POST", "/api/v1/files/test_file/records", &clerk1, "test_business",
		      "{\"subject\":\"A0004\",\"items\":{\"name\":\"X\"},\"bogus\":1}", &j),
		  400);
	CHECK_STR(err_code(j), "unknown_field");
	CHECK_STR(err_field(j), "bogus");
	json_decref(j);
	CHECK_INT(api("POST", "/api/v1/files/test_file/records", &clerk1, "test_business",
		      "{\"subject\":\"A0004\",\"items\":[1,2]}", &j),
		  400);
	CHECK_STR(err_field(j), "items");
	json_decref(j);
	CHECK_INT(api("POST", "/api/v1/files/test_file/records", &clerk1, "test_business",
		      "{\"subject\":\"A0004\",\"items\":{\"name\":\"X\"", &j),
		  400);
	CHECK_STR(err_code(j), "invalid_input");
	json_decref(j);
	CHECK_INT(api("POST", "/api/v1/files/test_file/records", &clerk1, "test_business", "[]", &j),
		  400);
	json_decref(j);
	/* Undeclared file. */
	CHECK_INT(api("POST", "/api/v1/files/no_such_file/records", &clerk1, "test_business", body,
		      &j),
		  404);
	json_decref(j);

	/* Wrong content type. */
	http_req q = {.method = "POST", .path = "/api/v1/files/test_file/records",
		      .token = clerk1.token, .business = "test_business", .reason = "r",
		      .body = body, .content_type = "text/plain"};
	http_res res;
	http(&q, &res);
	CHECK_INT(res.status, 415);
	CHECK_STR(err_field(res.json), "Content-Type");
	http_free(&res);

	/* Over 1 MiB: refused from Content-Length, and while a chunked body arrives. */
	size_t big = (1u << 20) + 100;
	char *huge = malloc(big + 1);
	memset(huge, ' ', big);
	huge[0] = '{';
	huge[big - 1] = '}';
	huge[big] = '\0';
	q = (http_req){.method = "POST", .path = "/api/v1/files/test_file/records",
		       .token = clerk1.token, .business = "test_business", .reason = "r",
		       .body = huge};
	http(&q, &res);
	CHECK_INT(res.status, 413);
	CHECK_STR(err_code(res.json), "too_large");
	http_free(&res);
	q.chunked = true;
	http(&q, &res);
	CHECK_INT(res.status, 413);
	http_free(&res);
	free(huge);

	/* Bad path ids, unknown route, wrong method, body where none is taken. */
	CHECK_INT(api("GET", "/api/v1/files/test_file/records/abc", &clerk1, "test_business", NULL,
		      &j),
		  400);
	CHECK_STR(err_field(j), "id");
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/test_file/records/0", &clerk1, "test_business", NULL, &j),
		  400);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/test_file/records/9007199254740993", &clerk1,
		      "test_business", NULL, &j),
		  400);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/Test-File/records/1", &clerk1, "test_business", NULL, &j),
		  400);
	CHECK_STR(err_field(j), "file");
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/test_file/records/999999", &clerk1, "test_business", NULL,
		      &j),
		  404);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/files/test_file/records/1?fields=all", &clerk1, "test_business",
		      NULL, &j),
		  400);
	CHECK_STR(err_field(j), "fields");
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/nothing/here", &clerk1, "test_business", NULL, &j), 404);
	CHECK_STR(err_code(j), "not_found");
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/healthz/", NULL, NULL, NULL, &j), 404);
	json_decref(j);
	CHECK_INT(api("GET", "/index.html", NULL, NULL, NULL, &j), 404);   /* no static dir */
	json_decref(j);
	q = (http_req){.method = "PUT", .path = "/api/v1/files/test_file/records/1",
		       .token = clerk1.token, .business = "test_business", .reason = "r"};
	http(&q, &res);
	CHECK_INT(res.status, 405);
	CHECK(has_header(&res, "Allow: GET, PATCH"));
	http_free(&res);
	q = (http_req){.method = "GET", .path = "/api/v1/me", .token = clerk1.token,
		       .business = "test_business", .reason = "r", .body = "{}"};
	http(&q, &res);
	CHECK_INT(res.status, 400);
	http_free(&res);
}

static void test_audit_events(void)
{
	json_t *j = NULL;
	CHECK_INT(api("GET", "/api/v1/audit/events?staff=nogrant1&limit=50", &clerk1, "audit_review",
		      NULL, &j),
		  200);
	CHECK(json_array_size(json_object_get(j, "events")) >= 1);
	json_decref(j);
	/* The look at the log is itself logged. */
	CHECK(audit_has("clerk1", "ok", "audit_query"));
	/* Another business: 403. No grant for audit_review: 403. */
	CHECK_INT(api("GET", "/api/v1/audit/events", &clerk1, "test_business", NULL, &j), 403);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/audit/events", &clerk2, "audit_review", NULL, &j), 403);
	CHECK_STR(err_code(j), "no_grant");
	json_decref(j);
	/* Filters are validated, naming the parameter. */
	CHECK_INT(api("GET", "/api/v1/audit/events?from=yesterday", &clerk1, "audit_review", NULL, &j),
		  400);
	CHECK_STR(err_field(j), "from");
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/audit/events?limit=5000", &clerk1, "audit_review", NULL, &j),
		  400);
	CHECK_STR(err_field(j), "limit");
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/audit/events?from=2030-01-01&to=2020-01-01", &clerk1,
		      "audit_review", NULL, &j),
		  400);
	json_decref(j);
}

static void test_admin(void)
{
	json_t *j = NULL;
	CHECK_INT(api("GET", "/api/v1/grants?staff=clerk1", &admin1, "administration", NULL, &j), 200);
	CHECK(json_array_size(json_object_get(j, "grants")) >= 2);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/grants", &clerk1, "administration", NULL, &j), 403);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/grants", &admin1, "test_business", NULL, &j), 403);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/me", &clerk1, "test_business", NULL, &j), 200);
	CHECK_STR(jstr(j, "staff.id"), "clerk1");
	CHECK(json_array_size(json_object_get(j, "grants")) >= 2);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/declarations", &clerk1, "test_business", NULL, &j), 200);
	CHECK(json_is_object(j));
	json_decref(j);
}

/* Several clients at once: every worker thread opens its own connection. */
static void *hammer(void *arg)
{
	long *ok = arg;
	for (int i = 0; i < 15; i++) {
		if (api("GET", record_path, &clerk1, "test_business", NULL, NULL) == 200)
			(*ok)++;
		if (api("GET", "/api/v1/healthz", NULL, NULL, NULL, NULL) == 200)
			(*ok)++;
	}
	return NULL;
}

static void test_concurrency(void)
{
	pthread_t t[6];
	long ok[6] = {0};
	for (int i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, hammer, &ok[i]);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 6; i++)
		CHECK_INT(ok[i], 30);
}

static void test_password_and_logout(void)
{
	json_t *j = NULL;
	char body[256];
	/* A second session of the same person, on another desk. */
	user other = viewer1;
	CHECK_INT(login(&other, viewer1.password, NULL, true, NULL), 201);
	viewer1.last_step = other.last_step;
	/* A weak new password is refused, naming the field (issue 9 §2). */
	snprintf(body, sizeof body, "{\"old_password\":\"%s\",\"new_password\":\"aaaaaaaaaaaa\"}",
		 viewer1.password);
	CHECK_INT(api("POST", "/api/v1/me/password", &viewer1, "test_viewer", body, &j), 400);
	CHECK_STR(err_field(j), "new_password");
	json_decref(j);
	snprintf(body, sizeof body, "{\"old_password\":\"%s\",\"new_password\":\"Another-Passw0rd-42\"}",
		 viewer1.password);
	CHECK_INT(api("POST", "/api/v1/me/password", &viewer1, "test_viewer", body, &j), 204);
	json_decref(j);
	/* The change ended the other session, and it is told why; this one lives. */
	CHECK_INT(api("GET", "/api/v1/me", &other, "test_viewer", NULL, &j), 401);
	CHECK_STR(err_code(j), "session_expired");
	CHECK(jstr(j, "error.message") && strstr(jstr(j, "error.message"), "password was changed"));
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/me", &viewer1, "test_viewer", NULL, &j), 200);
	json_decref(j);
	long st = api("POST", "/api/v1/me/password", &viewer1, "test_viewer",
		      "{\"old_password\":\"wrong-wrong-wrong\",\"new_password\":\"Yet-Another-Passw0rd\"}",
		      &j);
	CHECK(st == 401 || st == 403);
	json_decref(j);
	/* Logout needs the session only: no business, no reason. */
	CHECK_INT(api("DELETE", "/api/v1/sessions", &viewer1, NULL, NULL, &j), 204);
	json_decref(j);
	CHECK_INT(api("GET", "/api/v1/me", &viewer1, "test_viewer", NULL, &j), 401);
	CHECK(jstr(j, "error.message") && strstr(jstr(j, "error.message"), "logged out"));
	json_decref(j);
}

/* The session's idle clock is refreshed by every request — inside the
 * request's own unit of work when it opens a door (a module route through
 * srv_unit, a records route through the door), after it when it has none —
 * and a session left idle for longer than STAFF_IDLE_TIMEOUT ends. A route
 * refuses a business other than its own (403, audited) before the module. */
static void test_session_clock(void)
{
	add_grant("clerk2", "resident_register", GRANT_VIEW);
	CHECK_INT(login(&clerk2, clerk2.password, NULL, true, NULL), 201);
	json_t *j = NULL;
	int64_t t = time_now(), gap = STAFF_IDLE_TIMEOUT - 60;
	fake_now(t += gap);   /* no door */
	CHECK_INT(api("GET", "/api/v1/me", &clerk2, "test_business", NULL, &j), 200);
	json_decref(j);
	fake_now(t += gap);   /* a module's unit of work */
	CHECK_INT(api("GET", "/api/v1/registry/outbox", &clerk2, "resident_register", NULL, &j), 200);
	json_decref(j);
	fake_now(t += gap);   /* the records routes' door */
	CHECK_INT(api("GET", "/api/v1/pending", &clerk2, "test_business", NULL, &j), 200);
	json_decref(j);
	fake_now(t += gap);   /* a refused unit still counts as activity */
	CHECK_INT(api("GET", "/api/v1/registry/persons/0000000077", &clerk2, "resident_register",
		      NULL, &j), 404);
	json_decref(j);
	fake_now(t += gap);
	CHECK_INT(api("GET", "/api/v1/registry/outbox", &clerk2, "test_business", NULL, &j), 403);
	CHECK_STR(err_field(j), "X-Atena-Business");
	json_decref(j);
	fake_now(t += STAFF_IDLE_TIMEOUT + 1);
	CHECK_INT(api("GET", "/api/v1/me", &clerk2, "test_business", NULL, &j), 401);
	CHECK_STR(err_code(j), "session_expired");
	json_decref(j);
}

static void test_stop(void)
{
	server_stop(srv);
	srv = NULL;
	/* The final checkpoint signed the chain: it verifies with the public key. */
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(kr, pk);
	audit_report rep;
	at_error err;
	CHECK_INT(audit_verify_db(db, pk, &rep, &err), 0);
	CHECK(rep.ok);
	CHECK(rep.checkpoints >= 1);
}

/* The listening socket of this process bound to port, or -1. */
static int listen_fd(uint16_t port)
{
	for (int fd = 3; fd < 1024; fd++) {
		int on = 0;
		socklen_t ol = sizeof on;
		struct sockaddr_in a;
		socklen_t al = sizeof a;
		if (!getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) && on &&
		    !getsockname(fd, (struct sockaddr *)&a, &al) && a.sin_family == AF_INET &&
		    ntohs(a.sin_port) == port)
			return fd;
	}
	return -1;
}

/* The accept queue is bounded as configured (issue 9 §3), and every
 * connection limit out of range is refused naming its flag. Linux reports a
 * listening socket's queue bound in tcpi_sacked (tcp_get_info). */
static void test_connection_limits(void)
{
	at_error err;
	server *s2 = NULL;
	server_config cfg = {.data_dir = data_dir, .kr = kr, .listen = "127.0.0.1:0", .threads = 2,
			     .listen_backlog = 7, .per_source = 3, .request_timeout_s = 5};
	CHECK_INT(server_start(&cfg, &s2, &err), 0);
	int fd = s2 ? listen_fd(server_port(s2)) : -1;
	CHECK(fd >= 0);
	struct tcp_info ti;
	socklen_t tl = sizeof ti;
	memset(&ti, 0, sizeof ti);
	CHECK(fd >= 0 && !getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl));
	CHECK_INT(ti.tcpi_sacked, 7);
	server_stop(s2);
	s2 = NULL;

	cfg.listen_backlog = 0;   /* the default */
	CHECK_INT(server_start(&cfg, &s2, &err), 0);
	fd = s2 ? listen_fd(server_port(s2)) : -1;
	memset(&ti, 0, sizeof ti);
	CHECK(fd >= 0 && !getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl));
	CHECK_INT(ti.tcpi_sacked, SERVER_LISTEN_BACKLOG);
	server_stop(s2);
	s2 = NULL;

	static const struct {
		unsigned max_conn, per_source, timeout, backlog;
		const char *field;
	} bad[] = {
		{SERVER_CONNECTIONS_CAP + 1, 0, 0, 0, "max-connections"},
		{10, 11, 0, 0, "per-source-connections"},
		{0, 0, SERVER_REQUEST_TIMEOUT_CAP + 1, 0, "request-timeout"},
		{0, 0, 0, SERVER_BACKLOG_CAP + 1, "listen-backlog"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		server_config c = {.data_dir = data_dir, .kr = kr, .listen = "127.0.0.1:0",
				   .max_connections = bad[i].max_conn, .per_source = bad[i].per_source,
				   .request_timeout_s = bad[i].timeout, .listen_backlog = bad[i].backlog};
		at_error_clear(&err);
		CHECK_INT(server_start(&c, &s2, &err), -1);
		CHECK(s2 == NULL);
		CHECK_INT(err.status, 400);
		CHECK_STR(err.field, bad[i].field);
	}
	/* No per-address limit (behind a proxy) starts; so does a total below
	 * the per-address default, which then follows it. */
	cfg.per_source = SERVER_UNLIMITED;
	CHECK_INT(server_start(&cfg, &s2, &err), 0);
	server_stop(s2);
	s2 = NULL;
	cfg.per_source = 0;
	cfg.max_connections = SERVER_PER_SOURCE / 2;
	CHECK_INT(server_start(&cfg, &s2, &err), 0);
	server_stop(s2);
}

/* sp_login_source.failures for key, read with SQLite directly (the spine's
 * tables are closed to a store connection outside the spine); -1 on error. */
static int64_t source_failures(const char *key)
{
	char path[600];
	snprintf(path, sizeof path, "%s/atena.db", data_dir);
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT failures FROM sp_login_source WHERE source = ?", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK) {
		int r = sqlite3_step(st);
		n = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : r == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* Failed logins through a server at `listen` (its base URL: url_fmt with the
 * port) count against the source key `key` in sp_login_source. 1 when the
 * server could not listen there (no such loopback on this machine). */
static int login_source_counted(const char *listen, const char *url_fmt, const char *key)
{
	at_error err;
	server *s2 = NULL;
	server_config cfg = {.data_dir = data_dir, .kr = kr, .listen = listen, .threads = 2};
	if (server_start(&cfg, &s2, &err)) {
		CHECK_STR(err.code, "listen_failed");   /* anything else is a failure */
		return 1;
	}
	char saved[sizeof base];
	memcpy(saved, base, sizeof base);
	snprintf(base, sizeof base, url_fmt, (unsigned)server_port(s2));
	/* Two failures: the first may start the count afresh (failures older
	 * than STAFF_FAILURE_WINDOW are forgotten), the second adds one to it. */
	int64_t n[2];
	for (int i = 0; i < 2; i++) {
		http_req q = {.method = "POST", .path = "/api/v1/sessions",
			      .body = "{\"staff_id\":\"nobody\",\"password\":\"wrong-wrong-wrong\","
				      "\"totp\":\"000000\",\"terminal_id\":\"T-SRC\"}"};
		http_res res;
		http(&q, &res);
		CHECK_INT(res.status, 401);
		http_free(&res);
		n[i] = source_failures(key);
	}
	CHECK(n[0] >= 1);
	CHECK_INT(n[1], n[0] + 1);
	memcpy(base, saved, sizeof base);
	server_stop(s2);
	return 0;
}

/* The login back-off's source key is the connection's address, the IPv6
 * one cut to its /64 (server_conn.c), never a header the client sets. */
static void test_login_source(void)
{
	CHECK_INT(login_source_counted("127.0.0.1:0", "http://127.0.0.1:%u", "addr:127.0.0.1"), 0);
	if (login_source_counted("[::1]:0", "http://[::1]:%u", "addr:::/64"))
		fprintf(stderr, "test_login_source: no IPv6 loopback here; the /64 key is not checked\n");
}

int main(void)
{
	setup();
	RUN(test_healthz);
	RUN(test_login);
	RUN(test_purpose);
	RUN(test_records);
	RUN(test_refusals);
	RUN(test_audit_events);
	RUN(test_admin);
	RUN(test_concurrency);
	RUN(test_password_and_logout);
	RUN(test_session_clock);   /* moves the clock on by hours: after the others */
	RUN(test_stop);
	RUN(test_connection_limits);   /* servers of its own, after the shared one stopped */
	RUN(test_login_source);
	store_close(db);
	keyring_free(kr);
	curl_global_cleanup();
	return test_report();
}
