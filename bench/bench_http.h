/*
 * bench_http — what the benches that drive the HTTP server share: a minimal
 * HTTP/1.1 keep-alive client (plain sockets, one request at a time per
 * connection, so the load client adds as little as it can to what is
 * measured), percent-encoding for query strings and RFC 8187 headers, and a
 * staff member's login (password + TOTP).
 *
 * Header-only (static inline), like bench_common.h: every .c file in bench/
 * is its own program.
 */
#ifndef ATENA_BENCH_HTTP_H
#define ATENA_BENCH_HTTP_H

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/strbuf.h"
#include "crypto/crypto.h"

/* Case-insensitive strstr within [s, end) (header names are case-insensitive). */
static inline const char *find_ci(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	for (; s + n <= end; s++)
		if (!strncasecmp(s, needle, n))
			return s;
	return NULL;
}

/* A minimal HTTP/1.1 keep-alive client: one request at a time per socket. */
typedef struct conn {
	int fd;
	uint16_t port;
	char *buf;
	size_t cap;
} conn;

static inline int conn_open(conn *c)
{
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0)
		return -1;
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(c->port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof a)) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static inline void conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static inline int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Sends req, reads one response; returns the status (body in c->buf) or -1. */
static inline int http(conn *c, const char *req, size_t req_len, const char **body)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (c->fd < 0 && conn_open(c))
			return -1;
		if (send_all(c->fd, req, req_len)) {
			conn_close(c);
			continue;
		}
		/* Offsets, not pointers: the buffer moves when it grows. */
		size_t len = 0, need = 0, hdr = 0;
		for (;;) {
			if (len + 4096 + 1 > c->cap) {
				c->cap = (len + 4096 + 1) * 2;
				c->buf = realloc(c->buf, c->cap);
				if (!c->buf)
					abort();
			}
			ssize_t r = recv(c->fd, c->buf + len, c->cap - len - 1, 0);
			if (r <= 0)
				break;
			len += (size_t)r;
			c->buf[len] = '\0';
			const char *e = hdr ? NULL : strstr(c->buf, "\r\n\r\n");
			if (e) {
				hdr = (size_t)(e - c->buf) + 4;
				const char *cl = find_ci(c->buf, e, "\r\ncontent-length:");
				need = hdr + (cl ? strtoul(cl + 17, NULL, 10) : 0);
			}
			if (hdr && len >= need)
				break;
		}
		if (!hdr || len < need) {
			conn_close(c);
			if (len == 0)
				continue;   /* the server closed an idle keep-alive: once more */
			return -1;
		}
		if (len > need) {   /* one request at a time: nothing may follow */
			conn_close(c);
			return -1;
		}
		int status = atoi(c->buf + 9);
		if (find_ci(c->buf, c->buf + hdr, "\r\nconnection: close"))
			conn_close(c);
		*body = c->buf + hdr;
		return status;
	}
	return -1;
}

static inline void pct(strbuf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.')
			sb_addch(out, (char)*p);
		else
			sb_addf(out, "%%%02X", *p);
	}
}

/* Log staff_id in over HTTP: password + TOTP; new_password is set at the first
 * login (the one the account was created with must be changed). Exits on failure. */
static inline void bench_login(const char *prog, uint16_t port, const char *staff_id,
			       const char *password, const char *totp_b32, const char *new_password,
			       strbuf *token)
{
	unsigned char secret[64];
	size_t slen = 0;
	if (base32_decode(totp_b32, secret, sizeof secret, &slen)) {
		fprintf(stderr, "%s: bad TOTP secret\n", prog);
		exit(1);
	}
	char code[8];
	snprintf(code, sizeof code, "%06u", totp_code(TOTP_ALG_DEFAULT, secret, slen, (int64_t)time(NULL), TOTP_DIGITS));
	json_t *b = json_pack("{s:s,s:s,s:s,s:s,s:s}", "staff_id", staff_id, "password", password,
			      "totp", code, "terminal_id", "T-BENCH-01", "new_password",
			      new_password);
	char *body = jv_dump(b);
	json_decref(b);
	strbuf req = STRBUF_INIT;
	sb_init(&req);
	sb_addf(&req, "POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		strlen(body), body);
	free(body);
	conn c = {.fd = -1, .port = port};
	const char *resp = NULL;
	int status = http(&c, req.buf, req.len, &resp);
	json_error_t je;
	json_t *r = status == 200 || status == 201 ? json_loads(resp, 0, &je) : NULL;
	const char *tok = json_string_value(json_object_get(r, "token"));
	if (!tok) {
		fprintf(stderr, "%s: login failed (HTTP %d): %.300s\n", prog, status, resp ? resp : "");
		exit(1);
	}
	sb_adds(token, tok);
	json_decref(r);
	conn_close(&c);
	free(c.buf);
	sb_release(&req);
}

#endif
