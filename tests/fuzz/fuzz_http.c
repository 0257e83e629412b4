/*
 * fuzz_http — libFuzzer harness for the HTTP API as a client sees it: the
 * real server (server_start: libmicrohttpd, the dispatcher, the session, the
 * door, the durable audit log) on a loopback port of this process, over a
 * demo municipality (`atena demo --no-serve --households 20`, with its tax
 * year) made once in LLVMFuzzerInitialize on /dev/shm, so an audited write
 * costs no disk flush.
 *
 * An input is
 *     METHOD TARGET\n      e.g. "GET /api/v1/registry/search?name_kana=ﾀﾅｶ&limit=5"
 *     BUSINESS\n           X-Atena-Business ("" sends none)
 *     BODY                 the rest (sent as application/json when not empty)
 * sent with a logged-in clerk's bearer token (update grants for the
 * register, the tax and the audit review). So the fuzzer reaches the query
 * strings (libmicrohttpd's decoding, query_check), the path parameters, the
 * JSON bodies of every route (register events, certificate requests, tax
 * intake and hold decisions, the record routes) and the notice and document
 * requests, all as outside input.
 *
 * The oracle: no crash, no sanitizer report, no hang (libFuzzer -timeout),
 * and no 5xx status: every bad request is a 4xx naming the rule.
 * Inputs that would end the fuzzer's own session or change its password
 * (/sessions, /me/password, or a %-escaped path that could spell them) are
 * skipped, so one input cannot turn the rest into 401s.
 */
#define _GNU_SOURCE   /* memmem, strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "fuzz_tmp.h"
#include "core/strbuf.h"
#include "crypto/crypto.h"
#include "policy/grant.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "server/server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW "1780000000"   /* a fixed clock: sessions never idle out */

static char data_dir[300];
static uint16_t port;
static char token[200];
static bool verbose;
static keyring *kr;    /* the server's, for the life of the process */
static server *srv;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_http: %s: %s\n", what, why);
	exit(2);
}

/* One request on a fresh connection; the status (0 when the server sent no
 * status line), the response in *resp. Closed with a reset (SO_LINGER 0) so
 * that a million connections leave no TIME_WAIT behind. */
static int http(const char *req, size_t len, bool head, strbuf *resp)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket", strerror(errno));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a))
		die("connect", strerror(errno));
	for (size_t off = 0; off < len;) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;   /* the server may answer and close before it read it all */
		off += (size_t)n;
	}
	sb_reset(resp);
	size_t want = SIZE_MAX;   /* header end + Content-Length, once known */
	char buf[65536];
	while (resp->len < want) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = poll(&p, 1, 20000);
		if (pr == 0) {
			fprintf(stderr, "fuzz_http: no answer in 20 s to:\n%.*s\n", (int)len, req);
			abort();   /* a hang is a bug */
		}
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		sb_add(resp, buf, (size_t)n);
		const char *end = want == SIZE_MAX ? strstr(resp->buf, "\r\n\r\n") : NULL;
		if (end) {
			size_t hdr = (size_t)(end - resp->buf) + 4;
			const char *cl = strcasestr(resp->buf, "\r\nContent-Length:");
			int code = resp->len > 12 ? atoi(resp->buf + 9) : 0;
			if (head || code == 204 || code == 304 || (code >= 100 && code < 200))
				want = hdr;   /* no body follows (RFC 9112 6.3) */
			else if (cl && cl < end)
				want = hdr + strtoull(cl + 17, NULL, 10);
		}
	}
	struct linger lg = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
	int status = 0;
	if (resp->len > 12 && !strncmp(resp->buf, "HTTP/1.", 7))
		status = atoi(resp->buf + 9);
	return status;
}

static void quiet(bool on)
{
	static int saved = -1;
	fflush(stdout);
	if (on) {
		saved = dup(1);
		int nul = open("/dev/null", 1);
		dup2(nul, 1);
		close(nul);
	} else if (saved >= 0) {
		dup2(saved, 1);
		close(saved);
		saved = -1;
	}
}

static void login(const char *id, const char *password, const unsigned char *secret,
		  size_t secret_len)
{
	int64_t now = strtoll(FUZZ_NOW, NULL, 10);
	char code[16];
	snprintf(code, sizeof code, "%06u",
		 (unsigned)totp_code(TOTP_ALG_DEFAULT, secret, secret_len, now, TOTP_DIGITS));
	json_t *b = json_pack("{s:s,s:s,s:s,s:s,s:s}", "staff_id", id, "password", password,
			      "totp", code, "terminal_id", "fuzz-01", "new_password",
			      "Fuzz-Harness-Passw0rd-long");
	char *body = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	strbuf req = STRBUF_INIT, resp = STRBUF_INIT;
	sb_init(&req);
	sb_init(&resp);
	sb_addf(&req,
		"POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
		"Content-Length: %zu\r\n\r\n%s",
		strlen(body), body);
	free(body);
	int st = http(req.buf, req.len, false, &resp);
	const char *js = strstr(resp.buf ? resp.buf : "", "\r\n\r\n");
	json_t *j = js ? json_loads(js + 4, 0, NULL) : NULL;
	const char *t = json_string_value(json_object_get(j, "token"));
	if (st != 201 || !t)
		die("login", resp.buf ? resp.buf : "no answer");
	snprintf(token, sizeof token, "%s", t);
	json_decref(j);
	sb_release(&req);
	sb_release(&resp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (int i = 1; i < *argc; i++)
		if (!strcmp((*argv)[i], "-verbosity=2"))
			verbose = true;
	setenv("ATENA_FAKE_NOW", FUZZ_NOW, 1);
	snprintf(data_dir, sizeof data_dir, "%s/data", fuzz_tmp_make("http"));

	/* The demo municipality, as `atena demo` makes it (register + tax year). */
	char *demo_argv[] = {"demo", "--data", data_dir, "--no-serve", "--households", "20", NULL};
	quiet(true);
	int rc = cmd_demo(6, demo_argv);
	quiet(false);
	if (rc)
		die("atena demo", "failed");

	at_error err;
	store *db;
	if (platform_open(data_dir, &db, &kr, &err))
		die("platform_open", err.message);
	strbuf pw = STRBUF_INIT, sec = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&sec);
	unsigned char secret[64];
	size_t secret_len = 0;
	if (staff_add(db, kr, "fuzz_admin", "試験 管理", "試験課", true, "", "console", &pw, &sec,
		      &err) ||
	    (sb_reset(&pw), sb_reset(&sec),
	     staff_add(db, kr, "fuzz_clerk", "試験 事務", "試験課", false, "", "console", &pw, &sec,
		       &err)) ||
	    grant_add(db, "fuzz_clerk", "resident_register", GRANT_UPDATE, 0, 0, "fuzz_admin",
		      "console", "fuzzing", &err) ||
	    grant_add(db, "fuzz_clerk", "individual_resident_tax", GRANT_UPDATE, 0, 0, "fuzz_admin",
		      "console", "fuzzing", &err) ||
	    grant_add(db, "fuzz_clerk", "audit_review", GRANT_VIEW, 0, 0, "fuzz_admin", "console",
		      "fuzzing", &err))
		die("staff and grants", err.message);
	if (base32_decode(sec.buf, secret, sizeof secret, &secret_len))
		die("base32_decode", "the TOTP secret");

	store_close(db);
	server_config cfg = {.data_dir = data_dir, .kr = kr, .listen = "127.0.0.1:0", .threads = 2,
			     .timeout_s = 10, .static_dir = NULL};
	if (server_start(&cfg, &srv, &err))
		die("server_start", err.message);
	port = server_port(srv);
	login("fuzz_clerk", pw.buf, secret, secret_len);
	sb_release(&pw);
	sb_release(&sec);
	/* The server runs until the process exits: libFuzzer ends with exit(). */
	return 0;
}

static bool skipped(const char *target, size_t n)
{
	size_t path = 0;
	while (path < n && target[path] != '?')
		path++;
	for (size_t i = 0; i < path; i++)
		if (target[i] == '%')
			return true;
	return memmem(target, path, "session", 7) || memmem(target, path, "password", 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl1 = memchr(in, '\n', size);
	if (!nl1)
		return -1;
	const char *l2 = nl1 + 1;
	const char *nl2 = memchr(l2, '\n', size - (size_t)(l2 - in));
	if (!nl2)
		return -1;
	const char *body = nl2 + 1;
	size_t body_len = size - (size_t)(body - in);
	size_t l1_len = (size_t)(nl1 - in), l2_len = (size_t)(nl2 - l2);
	/* The harness's own framing: no CR or NUL in the lines it puts in the
	 * request line and the header (the body may hold anything). */
	if (memchr(in, '\r', (size_t)(nl2 - in)) || memchr(in, '\0', (size_t)(nl2 - in)))
		return -1;
	const char *sp = memchr(in, ' ', l1_len);
	if (!sp || sp == in)
		return -1;
	const char *target = sp + 1;
	size_t target_len = l1_len - (size_t)(target - in);
	if (skipped(target, target_len))
		return -1;
	bool head = (size_t)(sp - in) == 4 && !memcmp(in, "HEAD", 4);

	strbuf req = STRBUF_INIT, resp = STRBUF_INIT;
	sb_init(&req);
	sb_init(&resp);
	sb_add(&req, in, l1_len);
	sb_addf(&req, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n", token);
	if (l2_len) {
		sb_adds(&req, "X-Atena-Business: ");
		sb_add(&req, l2, l2_len);
		sb_adds(&req, "\r\nX-Atena-Reason: fuzz\r\n");
	}
	if (body_len)
		sb_adds(&req, "Content-Type: application/json\r\n");
	sb_addf(&req, "Content-Length: %zu\r\n\r\n", body_len);
	sb_add(&req, body, body_len);
	int st = http(req.buf, req.len, head, &resp);
	if (verbose)
		fprintf(stderr, "%d %.*s\n", st, (int)l1_len, in);
	if (st >= 500) {
		fprintf(stderr, "fuzz_http: status %d for\n%.*s\n--- answer:\n%.*s\n", st,
			(int)req.len, req.buf, (int)resp.len, resp.buf);
		abort();
	}
	sb_release(&req);
	sb_release(&resp);
	return 0;
}
