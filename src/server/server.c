/*
 * server.c — the daemon: libmicrohttpd setup, one store connection per
 * worker thread, the checkpoint thread, request body accumulation, the
 * route table (the platform's routes, then every module's from the list in
 * src/modules.c) and the dispatcher that turns a handler's result into the
 * response. The platform's handlers live in server_auth.c, server_records.c
 * and server_admin.c, the modules' in src/<module>/<module>_routes.c; the
 * static UI in server_static.c; reading and answering in server_http.c;
 * the connections' deadline and source address in server_conn.c.
 */
#include "server/server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/audit.h"
#include "core/json.h"
#include "core/text.h"
#include "documents/documents.h"
#include "policy/platform.h"
#include "module/module.h"

#define CONNECTION_MEMORY (64 * 1024)    /* per-connection header/read buffer */
#define CHECKPOINT_INTERVAL AUDIT_CHECKPOINT_SECONDS   /* see audit.h */
#define MAX_THREADS 256

/* One store connection per worker thread; listed so server_stop can close
 * any the thread-exit destructor did not. */
typedef struct tstore {
	server *srv;
	store *s;
	struct tstore *next;
} tstore;

struct server {
	struct MHD_Daemon *d;
	conn_guard *guard;         /* the request deadline (server_conn.c) */
	char *data_dir;
	char *static_dir;          /* realpath, or NULL */
	char host[72];             /* as printed (the parsed host plus brackets): "127.0.0.1" or "[::1]" */
	const keyring *kr;
	uint16_t port;

	pthread_key_t key;
	bool key_ok;
	pthread_mutex_t mu;        /* guards stores */
	tstore *stores;

	/* The checkpoint thread and its own connection (used again at stop). */
	store *ckpt_store;
	pthread_t ckpt;
	bool ckpt_running;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	bool stopping;
	audit_witness_log *witness;  /* --witness, or NULL; used by the checkpoint thread only */
};

/* ---- Route table ---------------------------------------------------------- */

static const char *const search_params[] = {"item", "value", "match", "limit", NULL};
static const char *const audit_params[] = {"subject", "staff", "from", "to", "after", "limit",
					   NULL};
static const char *const grant_params[] = {"staff", NULL};
/* The platform's own routes; each acts under the business its request names. */
static const route routes[] = {
	{"GET", "/healthz", R_PUBLIC, NULL, 0, h_healthz, NULL},
	{"POST", "/sessions", R_PUBLIC | R_BODY, NULL, 0, h_login, NULL},
	{"DELETE", "/sessions", 0, NULL, 0, h_logout, NULL},  /* no purpose: ending a session needs none */
	{"GET", "/me", R_PURPOSE, NULL, 0, h_me, NULL},
	{"POST", "/me/password", R_PURPOSE | R_BODY, NULL, 0, h_me_password, NULL},
	{"GET", "/declarations", R_PURPOSE, NULL, 0, h_declarations, NULL},
	{"POST", "/files/{file}/records", R_PURPOSE | R_BODY, NULL, DOOR_WRITE, h_record_create, NULL},
	{"GET", "/files/{file}/records/{id}", R_PURPOSE, NULL, DOOR_READ, h_record_read, NULL},
	{"PATCH", "/files/{file}/records/{id}", R_PURPOSE | R_BODY, NULL, DOOR_WRITE, h_record_update, NULL},
	{"GET", "/files/{file}/records/{id}/history", R_PURPOSE, NULL, DOOR_READ, h_record_history, NULL},
	{"POST", "/files/{file}/records/{id}/remove", R_PURPOSE | R_BODY, NULL, DOOR_WRITE, h_record_remove, NULL},
	{"GET", "/files/{file}/search", R_PURPOSE, NULL, DOOR_READ, h_search, search_params},
	{"GET", "/pending", R_PURPOSE, NULL, DOOR_WRITE, h_pending_list, NULL},
	{"POST", "/pending/{id}/approve", R_PURPOSE | R_BODY, NULL, DOOR_WRITE, h_pending_approve, NULL},
	{"POST", "/pending/{id}/reject", R_PURPOSE | R_BODY, NULL, DOOR_WRITE, h_pending_reject, NULL},
	{"GET", "/audit/events", R_PURPOSE, NULL, DOOR_READ, h_audit_events, audit_params},
	{"GET", "/grants", R_PURPOSE, NULL, 0, h_grants, grant_params},
	{NULL, NULL, 0, NULL, 0, NULL, NULL},
};

/* Copy a captured segment, or "" when too long so that validation refuses it. */
static void capture(char *dst, size_t cap, const char *seg, size_t n)
{
	if (n < cap) {
		memcpy(dst, seg, n);
		dst[n] = '\0';
	} else {
		dst[0] = '\0';
	}
}

/* Does path (below the prefix) have the pattern's shape? Captures the
 * parameters ({file}, {id}, and any other {name} into raw_param). */
static bool route_shape(const char *pattern, const char *path, req *r)
{
	const char *p = pattern, *u = path;
	while (*p && *u) {
		if (*p != '/' || *u != '/')
			return false;
		p++;
		u++;
		size_t pl = strcspn(p, "/"), ul = strcspn(u, "/");
		if (ul == 0)
			return false;   /* empty segments ("//", trailing "/") match nothing */
		if (pl == 6 && !strncmp(p, "{file}", 6)) {
			capture(r->raw_file, sizeof r->raw_file, u, ul);
		} else if (pl == 4 && !strncmp(p, "{id}", 4)) {
			capture(r->raw_id, sizeof r->raw_id, u, ul);
		} else if (pl > 2 && p[0] == '{' && p[pl - 1] == '}') {
			capture(r->raw_param, sizeof r->raw_param, u, ul);
		} else if (pl != ul || strncmp(p, u, pl)) {
			return false;
		}
		p += pl;
		u += ul;
	}
	return !*p && !*u;
}

/* 0 with r->rt set; else err is 404, or 405 with r->allow listing methods. */
static int route_match(req *r, at_error *err)
{
	const char *path = r->path.buf;
	size_t pl = strlen(SRV_PREFIX);
	if (strncmp(path, SRV_PREFIX, pl) || path[pl] != '/')
		return at_fail(err, 404, AT_E_NOT_FOUND, "", "no such route");
	const char *sub = path + pl;
	r->allow[0] = '\0';
	/* The platform's table, then each module's, in the list's order. */
	for (size_t m = 0; m == 0 || atena_modules[m - 1]; m++) {
		const module *mod = m ? atena_modules[m - 1] : NULL;
		const route *tab = mod ? mod->routes : routes;
		for (size_t i = 0; tab && tab[i].method; i++) {
			if (!route_shape(tab[i].pattern, sub, r))
				continue;
			if (!strcmp(tab[i].method, r->method)) {
				r->rt = &tab[i];
				r->mod = mod;
				return 0;
			}
			size_t n = strlen(r->allow);
			snprintf(r->allow + n, sizeof r->allow - n, "%s%s", n ? ", " : "",
				 tab[i].method);
		}
	}
	if (r->allow[0])
		return at_fail(err, 405, "method_not_allowed", "",
			       "%s is not allowed here; allowed: %s", r->method, r->allow);
	return at_fail(err, 404, AT_E_NOT_FOUND, "", "no such route");
}

/* ---- Per-thread store ----------------------------------------------------- */

static void tstore_destroy(void *p)
{
	tstore *t = p;
	pthread_mutex_lock(&t->srv->mu);
	if (t->s)
		store_close(t->s);
	t->s = NULL;   /* the slot itself is freed by server_stop */
	pthread_mutex_unlock(&t->srv->mu);
}

static store *srv_thread_store(server *srv, at_error *err)
{
	tstore *t = pthread_getspecific(srv->key);
	if (t && t->s)
		return t->s;
	store *s;
	if (platform_connect(srv->data_dir, &s, err))
		return NULL;
	/* Concurrent requests share the log's fsync (docs/durability.md); each
	 * still answers only after its commit is on disk. */
	if (store_group_commit(s, err)) {
		store_close(s);
		return NULL;
	}
	if (!t) {
		t = calloc(1, sizeof *t);
		if (!t) {
			store_close(s);
			at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
			return NULL;
		}
		t->srv = srv;
		pthread_mutex_lock(&srv->mu);
		t->next = srv->stores;
		srv->stores = t;
		pthread_mutex_unlock(&srv->mu);
		pthread_setspecific(srv->key, t);
	}
	pthread_mutex_lock(&srv->mu);
	t->s = s;
	pthread_mutex_unlock(&srv->mu);
	return s;
}


/* ---- Request helpers ------------------------------------------------------ */

typedef struct qscan {
	const char *const *allowed;
	unsigned seen;        /* bit i: allowed[i] already given */
	at_error *err;
	int rc;
} qscan;

static enum MHD_Result query_check(void *cls, enum MHD_ValueKind kind, const char *key,
				   size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	qscan *q = cls;
	if (strlen(key) != key_size || text_check(key, "query", 64, false, 0, NULL)) {
		q->rc = at_fail(q->err, 400, AT_E_INVALID, "query",
				"a query parameter name is not clean text");
		return MHD_NO;
	}
	size_t i = 0;
	for (; q->allowed[i]; i++)
		if (!strcmp(q->allowed[i], key))
			break;
	if (!q->allowed[i]) {
		q->rc = at_fail(q->err, 400, AT_E_UNKNOWN, key,
				"query parameter %s is not one this request accepts", key);
		return MHD_NO;
	}
	if (q->seen & (1u << i)) {
		q->rc = at_fail(q->err, 400, AT_E_INVALID, key,
				"query parameter %s is given more than once", key);
		return MHD_NO;
	}
	q->seen |= 1u << i;
	if (!value) {
		q->rc = at_fail(q->err, 400, AT_E_INVALID, key, "query parameter %s needs a value",
				key);
		return MHD_NO;
	}
	if (strlen(value) != value_size) {
		q->rc = at_fail(q->err, 400, AT_E_INVALID, key,
				"query parameter %s must not contain NUL characters", key);
		return MHD_NO;
	}
	if (text_check(value, key, 256, false, 0, q->err)) {
		q->rc = -1;
		return MHD_NO;
	}
	return MHD_YES;
}

/* Only the route's query parameters, each at most once, each clean text. */
static int query_allowed(req *r, const char *const *allowed, at_error *err)
{
	qscan q = {allowed, 0, err, 0};
	MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, query_check, &q);
	return q.rc;
}


/* ---- The request ---------------------------------------------------------- */

static bool is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	if (!ct || strncasecmp(ct, want, sizeof want - 1))
		return false;
	char c = ct[sizeof want - 1];
	return c == '\0' || c == ';' || c == ' ' || c == '\t';
}

/* First call, headers only: refuse what can be refused before the body
 * arrives (unknown route, wrong method, wrong type, declared too large).
 * A response queued now makes MHD skip the body and close the connection. */
static enum MHD_Result first_call(req *r)
{
	at_error err;
	at_error_clear(&err);
	const char *p = r->path.buf;
	bool api = !strncmp(p, "/api/", 5) || !strcmp(p, "/api");
	if (!api) {
		r->answered = true;
		return srv_static(r, r->srv->static_dir);
	}
	if (route_match(r, &err))
		goto refuse;
	if (r->rt->flags & R_BODY) {
		const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_TYPE);
		if (!is_json_type(ct)) {
			at_fail(&err, 415, "unsupported_media_type", "Content-Type",
				"Content-Type must be application/json");
			goto refuse;
		}
	}
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		errno = 0;   /* MHD has already checked that it is a number */
		unsigned long long n = strtoull(cl, NULL, 10);
		if (errno == ERANGE || n > JV_MAX_BODY) {
			at_fail(&err, 413, AT_E_TOO_LARGE, "", "the body is larger than %u bytes",
				JV_MAX_BODY);
			goto refuse;
		}
	}
	return MHD_YES;
refuse:
	r->answered = true;
	return srv_send_error(r, &err);
}

/* The name of the route's one other parameter ("{type}" → "type"), "" when
 * it has none. */
static void other_param(const char *pattern, char *name, size_t n)
{
	name[0] = '\0';
	for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
		size_t len = strcspn(p + 1, "}");
		if ((len == 4 && !strncmp(p + 1, "file", 4)) || (len == 2 && !strncmp(p + 1, "id", 2)))
			continue;
		snprintf(name, n, "%.*s", (int)len, p + 1);
		return;
	}
}

static bool param_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static int validate_path_params(req *r, at_error *err)
{
	char name[32];
	other_param(r->rt->pattern, name, sizeof name);
	if (name[0]) {
		/* Addressee and household numbers, the platform's keys of a person
		 * and a household, are exactly 10 digits (registry.h); any other
		 * parameter is plain text the module checks further. */
		size_t n = strlen(r->raw_param);
		bool ok = n >= 1 && n <= 64;
		for (size_t i = 0; ok && i < n; i++)
			ok = param_char(r->raw_param[i]);
		if ((!strcmp(name, "addressee_no") || !strcmp(name, "household_no")) &&
		    !text_is_digits(r->raw_param, 10))
			return at_fail(err, 400, AT_E_INVALID, name,
				       "path parameter %s must be exactly 10 digits", name);
		if (!ok)
			return at_fail(err, 400, AT_E_INVALID, name,
				       "path parameter %s must be 1 to 64 letters, digits, _ or -", name);
	}
	r->param = r->raw_param;
	if (strstr(r->rt->pattern, "{file}") && !srv_is_ident(r->raw_file))
		return at_fail(err, 400, AT_E_INVALID, "file",
			       "path parameter file must be 1 to 64 characters of a-z, 0-9 and _");
	r->file = r->raw_file;
	if (strstr(r->rt->pattern, "{id}") &&
	    srv_parse_int(r->raw_id, 1, SRV_MAX_ID, "id", &r->id, err))
		return at_fail(err, 400, AT_E_INVALID, "id",
			       "path parameter id must be a whole number from 1 to %lld",
			       (long long)SRV_MAX_ID);
	return 0;
}

static int run(req *r, at_error *err)
{
	unsigned fl = r->rt->flags;
	if (r->too_large)
		return at_fail(err, 413, AT_E_TOO_LARGE, "", "the body is larger than %u bytes",
			       JV_MAX_BODY);
	r->s = srv_thread_store(r->srv, err);
	if (!r->s)
		return -1;
	r->kr = r->srv->kr;
	if (!(fl & R_PUBLIC) && srv_session(r, err))
		return -1;
	if ((fl & R_PURPOSE) && (srv_purpose(r, err) || srv_route_business(r, err)))
		return -1;
	static const char *const no_params[] = {NULL};
	if (validate_path_params(r, err) ||
	    query_allowed(r, r->rt->params ? r->rt->params : no_params, err))
		return -1;
	if (fl & R_BODY) {
		r->json = jv_parse_object(r->body.buf, r->body.len, err);
		if (!r->json)
			return -1;
	} else if (r->body.len) {
		return at_fail(err, 400, AT_E_INVALID, "", "this request takes no body");
	}
	return r->rt->fn(r, err);
}

static enum MHD_Result finish(req *r)
{
	at_error err;
	at_error_clear(&err);
	int rc = run(r, &err);
	/* A request that opened no door (or whose unit was rolled back) still
	 * refreshes its session's idle clock, in a commit of its own. */
	if (r->token && r->who.id[0] && !r->touched && !(r->s && store_in_tx(r->s))) {
		at_error te;
		at_error_clear(&te);
		if (staff_session_touch(r->s, r->token, &te))
			fprintf(stderr, "atena: could not refresh a session: %s\n", te.message);
	}
	if (r->s && store_in_tx(r->s)) {
		/* A handler must commit or abort its door; this only guards against a
		 * bug leaving half a unit of work open on a pooled connection. */
		fprintf(stderr, "atena: %s %s left a transaction open; rolled back\n", r->method,
			r->path.buf);
		store_rollback(r->s);
		if (rc == 0) {
			json_decref(r->out);
			r->out = NULL;
			free(r->raw);
			r->raw = NULL;
			rc = at_fail(&err, 500, AT_E_INTERNAL, "", "the request did not complete");
		}
	}
	if (rc)
		return srv_send_error(r, &err);
	return srv_send_reply(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		r->srv = cls;
		r->conn = conn;
		snprintf(r->method, sizeof r->method, "%s", method);
		sb_init(&r->path);
		sb_adds(&r->path, url);
		sb_init(&r->body);
		sb_init(&r->business);
		sb_init(&r->reason);
		sb_init(&r->case_id);
		enum MHD_Result res = first_call(r);
		if (r->answered)
			conn_request_read(conn);   /* refused or a static file: answered now */
		return res;
	}
	if (r->answered) {
		*upload_size = 0;   /* already answered: discard whatever still arrives */
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->too_large && r->body.len + *upload_size > JV_MAX_BODY) {
			/* Keep reading (and dropping) so the 413 can be sent at the end. */
			r->too_large = true;
			sb_release(&r->body);
		}
		if (!r->too_large)
			sb_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	r->answered = true;
	conn_request_read(conn);   /* read in full: the deadline no longer applies */
	return finish(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)toe;
	conn_request_done(conn);   /* the next request on a kept-alive connection */
	req *r = *con_cls;
	if (!r)
		return;
	json_decref(r->json);
	json_decref(r->out);
	free(r->raw);
	sb_release(&r->path);
	sb_release(&r->body);
	sb_release(&r->business);
	sb_release(&r->reason);
	sb_release(&r->case_id);
	free(r);
	*con_cls = NULL;
}

/* libmicrohttpd writes a line for every connection it turns away, so a
 * client could write the log as fast as it connects: at most MHD_LOG_BURST
 * lines per MHD_LOG_WINDOW seconds, then one line saying how many were left
 * out. */
#define MHD_LOG_BURST 20
#define MHD_LOG_WINDOW 5
static pthread_mutex_t mhd_log_mu = PTHREAD_MUTEX_INITIALIZER;
static time_t mhd_log_window;
static unsigned mhd_log_lines, mhd_log_dropped;

/* Say how many were left out; called with mhd_log_mu held. */
static void mhd_log_dropped_line(void)
{
	if (mhd_log_dropped)
		fprintf(stderr, "atena: http: %u more such messages were left out\n",
			mhd_log_dropped);
	mhd_log_dropped = 0;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&mhd_log_mu);
	if (ts.tv_sec - mhd_log_window >= MHD_LOG_WINDOW) {
		mhd_log_dropped_line();
		mhd_log_window = ts.tv_sec;
		mhd_log_lines = 0;
	}
	if (mhd_log_lines < MHD_LOG_BURST) {
		mhd_log_lines++;
		fputs("atena: http: ", stderr);
		vfprintf(stderr, fmt, ap);
	} else {
		mhd_log_dropped++;
	}
	pthread_mutex_unlock(&mhd_log_mu);
}

/* ---- Checkpoints ---------------------------------------------------------- */

static void checkpoint(server *srv)
{
	at_error err;
	at_error_clear(&err);
	if (audit_checkpoint(srv->ckpt_store, srv->kr, &err))
		fprintf(stderr, "atena: audit checkpoint failed: %s\n", err.message);
	/* Whatever was signed, here or by a CLI command meanwhile, goes to the
	 * witness; a failure is retried at the next tick. */
	at_error_clear(&err);
	if (srv->witness && audit_witness_sync(srv->witness, srv->ckpt_store, NULL, &err))
		fprintf(stderr, "atena: audit witness failed: %s\n", err.message);
}

static void *checkpoint_main(void *arg)
{
	server *srv = arg;
	pthread_mutex_lock(&srv->ckpt_mu);
	while (!srv->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += CHECKPOINT_INTERVAL;
		int rc = 0;
		while (!srv->stopping && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&srv->ckpt_cv, &srv->ckpt_mu, &ts);
		if (srv->stopping)
			break;
		pthread_mutex_unlock(&srv->ckpt_mu);
		checkpoint(srv);
		pthread_mutex_lock(&srv->ckpt_mu);
	}
	pthread_mutex_unlock(&srv->ckpt_mu);
	return NULL;
}

/* ---- Start and stop ------------------------------------------------------- */

typedef struct listen_addr {
	struct sockaddr_storage ss;
	bool v6;
	uint16_t port;
	char host[72];   /* as printed: the parsed host (< 64) plus brackets */
} listen_addr;

/* "HOST:PORT" with a numeric IPv4 host, "localhost", or "[IPv6]:PORT". */
static int parse_listen(const char *s, listen_addr *la, at_error *err)
{
	memset(la, 0, sizeof *la);
	const char *colon = s ? strrchr(s, ':') : NULL;
	if (!colon || colon == s)
		goto bad;
	char host[64];
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof host)
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	int64_t port;
	if (srv_parse_int(colon + 1, 0, 65535, "listen", &port, NULL))
		goto bad;
	la->port = (uint16_t)port;
	if (host[0] == '[') {
		if (hl < 3 || host[hl - 1] != ']')
			goto bad;
		host[hl - 1] = '\0';
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&la->ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(la->port);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			goto bad;
		la->v6 = true;
		snprintf(la->host, sizeof la->host, "[%s]", host + 1);
		return 0;
	}
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof host, "127.0.0.1");
	struct sockaddr_in *a4 = (struct sockaddr_in *)&la->ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(la->port);
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		goto bad;
	snprintf(la->host, sizeof la->host, "%s", host);
	return 0;
bad:
	return at_fail(err, 400, AT_E_INVALID, "listen",
		       "listen must be HOST:PORT with a numeric IPv4 address, localhost or [IPv6], "
		       "and a port from 0 to 65535 (got \"%s\")",
		       s ? s : "");
}

static void free_server(server *srv)
{
	if (srv->key_ok)
		pthread_key_delete(srv->key);
	pthread_mutex_lock(&srv->mu);
	for (tstore *t = srv->stores, *next; t; t = next) {
		next = t->next;
		if (t->s)
			store_close(t->s);
		free(t);
	}
	srv->stores = NULL;
	pthread_mutex_unlock(&srv->mu);
	audit_witness_close(srv->witness);
	if (srv->ckpt_store)
		store_close(srv->ckpt_store);
	conn_guard_stop(srv->guard);   /* after MHD_stop_daemon: no connection is left */
	pthread_mutex_destroy(&srv->mu);
	pthread_mutex_destroy(&srv->ckpt_mu);
	pthread_cond_destroy(&srv->ckpt_cv);
	free(srv->data_dir);
	free(srv->static_dir);
	free(srv);
}

int server_start(const server_config *cfg, server **out, at_error *err)
{
	*out = NULL;
	if (!cfg || !cfg->data_dir || !cfg->kr)
		return at_fail(err, 500, AT_E_INTERNAL, "", "server_start needs a data directory and a key ring");
	listen_addr la;
	if (parse_listen(cfg->listen ? cfg->listen : "127.0.0.1:8080", &la, err))
		return -1;
	unsigned threads = cfg->threads ? cfg->threads : 4;
	unsigned timeout = cfg->timeout_s ? cfg->timeout_s : 30;
	if (threads > MAX_THREADS)
		return at_fail(err, 400, AT_E_INVALID, "threads", "threads must be 1 to %d",
			       MAX_THREADS);
	unsigned max_conn = cfg->max_connections ? cfg->max_connections : SERVER_MAX_CONNECTIONS;
	/* The default never exceeds the total asked for; a given value must not. */
	uint32_t per_source = cfg->per_source ? cfg->per_source
			      : SERVER_PER_SOURCE < max_conn ? SERVER_PER_SOURCE : max_conn;
	unsigned req_timeout = cfg->request_timeout_s ? cfg->request_timeout_s : SERVER_REQUEST_TIMEOUT;
	unsigned backlog = cfg->listen_backlog ? cfg->listen_backlog : SERVER_LISTEN_BACKLOG;
	if (max_conn > SERVER_CONNECTIONS_CAP)
		return at_fail(err, 400, AT_E_INVALID, "max-connections",
			       "max-connections must be 1 to %d (each may hold a %u-byte body)",
			       SERVER_CONNECTIONS_CAP, JV_MAX_BODY);
	if (per_source != SERVER_UNLIMITED && per_source > max_conn)
		return at_fail(err, 400, AT_E_INVALID, "per-source-connections",
			       "per-source-connections must be 0 (no limit) or 1 to max-connections (%u)",
			       max_conn);
	if (req_timeout > SERVER_REQUEST_TIMEOUT_CAP)
		return at_fail(err, 400, AT_E_INVALID, "request-timeout",
			       "request-timeout must be 1 to %d seconds", SERVER_REQUEST_TIMEOUT_CAP);
	if (backlog > SERVER_BACKLOG_CAP)
		return at_fail(err, 400, AT_E_INVALID, "listen-backlog",
			       "listen-backlog must be 1 to %d", SERVER_BACKLOG_CAP);
	if (crypto_setup(err))
		return -1;

	server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
	pthread_mutex_init(&srv->mu, NULL);
	pthread_mutex_init(&srv->ckpt_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);   /* a clock change must not stall it */
	pthread_cond_init(&srv->ckpt_cv, &ca);
	pthread_condattr_destroy(&ca);
	srv->kr = cfg->kr;
	snprintf(srv->host, sizeof srv->host, "%s", la.host);
	srv->data_dir = strdup(cfg->data_dir);
	if (!srv->data_dir) {
		free_server(srv);
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
	}
	if (cfg->static_dir) {
		char real[PATH_MAX];
		struct stat st;
		if (!realpath(cfg->static_dir, real) || stat(real, &st) || !S_ISDIR(st.st_mode)) {
			free_server(srv);
			return at_fail(err, 400, AT_E_INVALID, "static_dir",
				       "static_dir %s is not a directory", cfg->static_dir);
		}
		srv->static_dir = strdup(real);
	}
	if (pthread_key_create(&srv->key, tstore_destroy)) {
		free_server(srv);
		return at_fail(err, 500, AT_E_INTERNAL, "", "could not create a thread key");
	}
	srv->key_ok = true;
	if (conn_guard_start(req_timeout, &srv->guard, err)) {
		free_server(srv);
		return -1;
	}
	/* Its own connection, opened now so a bad data directory fails at start. */
	if (platform_connect(srv->data_dir, &srv->ckpt_store, err)) {
		free_server(srv);
		return -1;
	}
	/* Business modules: their owner handles and their own tables, once,
	 * before any worker serves them. */
	if (modules_init(err) || modules_migrate(srv->ckpt_store, err)) {
		free_server(srv);
		return -1;
	}
	/* A log that no longer reaches a witnessed head was cut back or
	 * rewritten: refuse to serve (and to sign on top of) it. */
	if (cfg->witness) {
		unsigned char pk[CRYPTO_SIGN_PK_BYTES];
		keyring_public_key(srv->kr, pk);
		at_error why;
		at_error_clear(&why);
		if (audit_witness_open(srv->ckpt_store, pk, cfg->witness, &srv->witness, &why)) {
			free_server(srv);
			return at_fail(err, why.status, why.code, "witness",
				       "not starting: %.380s (atena audit verify --witness %.60s shows "
				       "the whole check)", why.message, cfg->witness);
		}
	}

	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	else if (MHD_is_feature_supported(MHD_FEATURE_POLL) == MHD_YES)
		flags |= MHD_USE_POLL;
	if (la.v6)
		flags |= MHD_USE_IPv6;
	srv->d = MHD_start_daemon(
		flags, la.port, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,   /* first, so it sees every message */
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&la.ss,
		/* MHD warns about a pool of 0 or 1, so one thread repeats the timeout
		 * option (same unsigned argument) in the pool option's place. */
		threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_CONNECTION_TIMEOUT,
		threads > 1 ? threads : timeout,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout,   /* idle: each byte resets it */
		/* One client must not starve the rest (issue 9 §3): a cap in all
		 * (it bounds body memory), one per source address (0: none), a
		 * bounded kernel queue, and the request deadline (server_conn.c),
		 * which activity does not extend. */
		MHD_OPTION_CONNECTION_LIMIT, max_conn,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)(per_source == SERVER_UNLIMITED ? 0 : per_source),
		MHD_OPTION_LISTEN_BACKLOG_SIZE, backlog,
		MHD_OPTION_NOTIFY_CONNECTION, conn_guard_notify, srv->guard,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_END);
	if (!srv->d) {
		int e = errno;
		free_server(srv);
		return at_fail(err, 500, "listen_failed", "listen", "could not listen on %s: %s",
			       cfg->listen ? cfg->listen : "127.0.0.1:8080",
			       e ? strerror(e) : "libmicrohttpd refused to start");
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : la.port;
	/* Signed at start: events written while no server ran (a crash's tail)
	 * are covered at once, and a tampered log is reported before serving. */
	checkpoint(srv);
	if (pthread_create(&srv->ckpt, NULL, checkpoint_main, srv)) {
		MHD_stop_daemon(srv->d);
		free_server(srv);
		return at_fail(err, 500, AT_E_INTERNAL, "", "could not start the checkpoint thread");
	}
	srv->ckpt_running = true;
	*out = srv;
	return 0;
}

uint16_t server_port(const server *srv)
{
	return srv ? srv->port : 0;
}

void server_stop(server *srv)
{
	if (!srv)
		return;
	/* Joins the workers: a handler in progress finishes its unit of work. */
	MHD_stop_daemon(srv->d);
	pthread_mutex_lock(&mhd_log_mu);
	mhd_log_dropped_line();
	pthread_mutex_unlock(&mhd_log_mu);
	if (srv->ckpt_running) {
		pthread_mutex_lock(&srv->ckpt_mu);
		srv->stopping = true;
		pthread_cond_signal(&srv->ckpt_cv);
		pthread_mutex_unlock(&srv->ckpt_mu);
		pthread_join(srv->ckpt, NULL);
	}
	checkpoint(srv);   /* the last events of this run are signed before exit */
	free_server(srv);
}

int server_run(const server_config *cfg, at_error *err)
{
	/* Block the signals before any thread starts so every thread inherits
	 * the mask and only sigwait below receives them. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	server *srv;
	if (server_start(cfg, &srv, err)) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	printf("atena: listening on http://%s:%u\n", srv->host, (unsigned)srv->port);
	fflush(stdout);
	int sig = 0;
	while (sigwait(&set, &sig))
		;
	fprintf(stderr, "atena: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	server_stop(srv);
	/* The process ends here: release the PDF renderer's fonts and caches
	 * (after the workers are joined; none renders again). */
	documents_shutdown();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}
