/*
 * slowclient — a bounded slow-client attack on loopback, and a normal client
 * that must still be served (issue 9 §3; driven by tests/e2e/t0056).
 *
 * From one address (--attack-from) it opens --slow connections that send a
 * request line and then one header byte a second, never ending the headers
 * (slowloris), --idle connections that send nothing, and --keepalive
 * connections that send one whole request, read its answer and then dribble
 * the next one. Meanwhile a normal client from another address
 * (--normal-from; any 127/8 address is loopback on Linux) sends a whole
 * GET /api/v1/healthz on a new connection every --probe-ms and must get
 * "200" back within --max-latency-ms. It runs until every attacking
 * connection has been closed by the server or --run-for seconds have passed.
 *
 * Exit 0 when every probe was answered 200 in time, every attacking
 * connection was closed by the server within --deadline seconds (+1.5 s of
 * slack) of its handshake completing (a keep-alive one: of its answer), and
 * no more than --max-held of them were still open half-way to the deadline
 * (at least 1 s after the attack began: the per-source limit). A connection
 * whose handshake has not completed is the kernel's, not the server's: when
 * the accept queue (--listen-backlog) is full its SYN waits for a retry, and
 * it is counted as "waiting", neither held nor late. Otherwise exit 1; 2 on
 * bad usage. A summary line is printed either way.
 *
 *   slowclient --port 8080 --slow 300 --idle 200 --keepalive 0 --deadline 10 \
 *              --max-held 32 --run-for 14
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 2000
#define SLACK_MS 1500            /* the sweeper looks every 200 ms; the rest is scheduling */
#define WAVE 32                  /* connections opened at once ... */
#define WAVE_MS 50               /* ... this often: 640 a second */

enum kind { SLOW, IDLE, KEEPALIVE };

typedef struct conn {
	int fd;
	enum kind kind;
	bool connected;          /* the handshake completed (the server's queue took it) */
	int64_t opened_ms;       /* when the deadline started: connected (a keep-alive one: its answer) */
	int64_t closed_ms;       /* 0: still open */
	size_t sent;             /* bytes of the dribble sent */
	bool answered;           /* keep-alive: its first answer has come */
	char in[256];            /* keep-alive: the start of its answer */
	size_t in_len;
} conn;

static conn conns[MAX_CONNS];
static int nconns;
static const char *host = "127.0.0.1";
static int port;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A non-blocking socket bound to `from` and connecting to host:port; -1 on error. */
static int dial(const char *from)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET};
	dst.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, from, &src.sin_addr) != 1 || inet_pton(AF_INET, host, &dst.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&src, sizeof src) ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof dst) && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

static const char request_line[] = "GET /api/v1/healthz HTTP/1.1\r\nHost: atena\r\n";
static const char whole[] = "GET /api/v1/healthz HTTP/1.1\r\nHost: atena\r\n\r\n";

static void mark_closed(conn *c, int64_t t)
{
	if (!c->closed_ms)
		c->closed_ms = t;
	close(c->fd);
	c->fd = -1;
}

/* Send n bytes, or mark c closed by the server when it cannot take them. */
static void send_some(conn *c, const char *p, size_t n, int64_t t)
{
	ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
	if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)
		mark_closed(c, t);
}

/* Read what the server sent; the end of the stream (or an error) means it
 * closed the connection. */
static void drain(conn *c, int64_t t)
{
	char buf[4096];
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			mark_closed(c, t);
			return;
		}
		if (n < 0)
			return;
		if (c->kind == KEEPALIVE && !c->answered) {
			size_t k = (size_t)n < sizeof c->in - 1 - c->in_len ? (size_t)n
									 : sizeof c->in - 1 - c->in_len;
			memcpy(c->in + c->in_len, buf, k);
			c->in_len += k;
			c->in[c->in_len] = '\0';
			if (strstr(c->in, "\r\n\r\n")) {
				/* The answer (a small JSON body follows): the next request's
				 * deadline starts now. */
				c->answered = true;
				c->opened_ms = t;
			}
		}
	}
}

/* One normal request on its own connection: 1 when "200" came back within
 * limit_ms, with *ms the time it took. */
static int probe(const char *from, int64_t limit_ms, int64_t *ms)
{
	int64_t t0 = now_ms();
	int fd = dial(from);
	*ms = 0;
	if (fd < 0)
		return 0;
	static const char req[] =
		"GET /api/v1/healthz HTTP/1.1\r\nHost: atena\r\nConnection: close\r\n\r\n";
	size_t sent = 0;
	char buf[2048];
	size_t got = 0;
	int ok = 0;
	for (;;) {
		int64_t left = limit_ms - (now_ms() - t0);
		if (left <= 0)
			break;
		struct pollfd p = {.fd = fd, .events = POLLIN | (sent < sizeof req - 1 ? POLLOUT : 0)};
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if ((p.revents & POLLOUT) && sent < sizeof req - 1) {
			ssize_t w = send(fd, req + sent, sizeof req - 1 - sent, MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN)
				break;
			if (w > 0)
				sent += (size_t)w;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n <= 0 || (got += (size_t)n) >= sizeof buf - 1) {
				buf[got] = '\0';
				ok = !strncmp(buf, "HTTP/1.1 200", 12);
				break;
			}
		}
	}
	*ms = now_ms() - t0;
	close(fd);
	return ok;
}

static int number(const char *flag, const char *v, long min, long max)
{
	char *end;
	long n = v ? strtol(v, &end, 10) : 0;
	if (!v || *end || n < min || n > max) {
		fprintf(stderr, "slowclient: %s must be %ld to %ld\n", flag, min, max);
		exit(2);
	}
	return (int)n;
}

int main(int argc, char **argv)
{
	int nslow = 0, nidle = 0, nkeep = 0, deadline_s = 10, max_held = -1, run_for = 14;
	int probe_ms = 500, max_latency = 1500;
	const char *attack_from = "127.0.0.1", *normal_from = "127.0.0.2";
	for (int i = 1; i < argc; i++) {
		const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		i++;
		if (!strcmp(f, "--port"))
			port = number(f, v, 1, 65535);
		else if (!strcmp(f, "--host"))
			host = v;
		else if (!strcmp(f, "--slow"))
			nslow = number(f, v, 0, 1000);
		else if (!strcmp(f, "--idle"))
			nidle = number(f, v, 0, 1000);
		else if (!strcmp(f, "--keepalive"))
			nkeep = number(f, v, 0, 100);
		else if (!strcmp(f, "--deadline"))
			deadline_s = number(f, v, 1, 60);
		else if (!strcmp(f, "--max-held"))
			max_held = number(f, v, 0, MAX_CONNS);
		else if (!strcmp(f, "--run-for"))
			run_for = number(f, v, 1, 60);
		else if (!strcmp(f, "--probe-ms"))
			probe_ms = number(f, v, 50, 10000);
		else if (!strcmp(f, "--max-latency-ms"))
			max_latency = number(f, v, 10, 10000);
		else if (!strcmp(f, "--attack-from"))
			attack_from = v;
		else if (!strcmp(f, "--normal-from"))
			normal_from = v;
		else {
			fprintf(stderr, "slowclient: unknown flag %s (see the comment at the top of "
					"tests/tools/slowclient.c)\n", f);
			return 2;
		}
		if (!v) {
			fprintf(stderr, "slowclient: %s needs a value\n", f);
			return 2;
		}
	}
	if (!port || nslow + nidle + nkeep > MAX_CONNS || !host || !attack_from || !normal_from ||
	    run_for * 1000 <= deadline_s * 1000 + SLACK_MS) {
		fprintf(stderr, "slowclient: --port is required, at most %d connections, and "
				"--run-for longer than --deadline + 1.5 s\n", MAX_CONNS);
		return 2;
	}
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)MAX_CONNS + 64 &&
	    rl.rlim_max >= (rlim_t)MAX_CONNS + 64) {
		rl.rlim_cur = MAX_CONNS + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* Held connections are counted half-way to the deadline (at least 1 s
	 * in), so that a loaded machine has had time to turn the rest away. */
	int64_t held_at = deadline_s * 500 > 1000 ? deadline_s * 500 : 1000;
	int64_t t0 = now_ms();
	/* In waves, so that the server's accept queue (--listen-backlog) keeps
	 * up: when it overflows, Linux drops the handshake's last ACK and the
	 * client believes it is connected while the server accepts it seconds
	 * later, and its deadline could not be judged from here. */
	for (int i = 0; i < nslow + nidle + nkeep; i++) {
		if (i && i % WAVE == 0)
			usleep(WAVE_MS * 1000);
		conn *c = &conns[nconns++];
		/* Keep-alive ones first, so that a per-source limit admits them. */
		c->kind = i < nkeep ? KEEPALIVE : i < nkeep + nslow ? SLOW : IDLE;
		c->opened_ms = now_ms();
		c->fd = dial(attack_from);
		if (c->fd < 0) {
			perror("slowclient: connect");
			return 2;
		}
	}
	int held = -1, probes = 0, probes_ok = 0;
	int64_t worst_probe = 0, next_probe = t0, next_byte = t0, end = t0 + (int64_t)run_for * 1000;
	while (now_ms() < end) {
		int64_t t = now_ms();
		int open = 0;   /* connected and not closed */
		bool waiting = false;
		for (int i = 0; i < nconns; i++) {
			conn *c = &conns[i];
			if (c->fd < 0)
				continue;
			struct pollfd p = {.fd = c->fd, .events = c->connected ? POLLIN : POLLOUT};
			int pr = poll(&p, 1, 0);
			if (!c->connected) {
				if (pr <= 0) {
					waiting = true;
					continue;
				}
				int e = 0;
				socklen_t el = sizeof e;
				if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) || e) {
					mark_closed(c, t);   /* refused or reset in the handshake */
					continue;
				}
				c->connected = true;
				c->opened_ms = t;
			} else if (pr > 0) {
				drain(c, t);
			}
			if (c->fd >= 0)
				open++;
		}
		if (held < 0 && t - t0 >= held_at)
			held = open;   /* what the server still holds, well before the deadline */
		if (t >= next_byte) {
			/* One byte a second each; the request line first, at once. */
			for (int i = 0; i < nconns; i++) {
				conn *c = &conns[i];
				if (c->fd < 0 || !c->connected || c->kind == IDLE)
					continue;
				if (c->kind == KEEPALIVE && !c->sent) {
					send_some(c, whole, sizeof whole - 1, t);
					c->sent = 1;
				} else if (c->kind == KEEPALIVE && !c->answered) {
					continue;
				} else if (c->kind == SLOW && !c->sent) {
					send_some(c, request_line, sizeof request_line - 1, t);
					c->sent = 1;
				} else {
					send_some(c, c->sent++ == 1 ? "X" : "a", 1, t);
				}
			}
			next_byte = t + 1000;
		}
		if (t >= next_probe) {
			int64_t ms;
			probes++;
			if (probe(normal_from, max_latency, &ms))
				probes_ok++;
			else
				fprintf(stderr, "slowclient: probe %d was not answered 200 within %d ms\n",
					probes, max_latency);
			if (ms > worst_probe)
				worst_probe = ms;
			next_probe = t + probe_ms;
		}
		if (!open && !waiting && held >= 0)
			break;
		usleep(20 * 1000);
	}
	int64_t t_end = now_ms();
	int late = 0, never = 0, unanswered = 0, waited = 0;
	int64_t worst_close = 0;
	for (int i = 0; i < nconns; i++) {
		conn *c = &conns[i];
		if (c->kind == KEEPALIVE && !c->answered)
			unanswered++;   /* its whole first request must be answered */
		if (!c->connected && !c->closed_ms) {
			waited++;   /* still in the handshake: never the server's */
			close(c->fd);
			continue;
		}
		int64_t life = (c->closed_ms ? c->closed_ms : t_end) - c->opened_ms;
		if (!c->closed_ms)
			never++;
		else if (life > worst_close)
			worst_close = life;
		/* Still open but younger than the deadline: connected after a SYN
		 * retry, too late in the run to judge (run for longer than the
		 * deadline so that the first wave is judged). */
		if (life > (int64_t)deadline_s * 1000 + SLACK_MS)
			late++;
		if (c->fd >= 0)
			close(c->fd);
	}
	if (held < 0)
		held = 0;
	printf("slowclient: %d attacking (%d slow, %d idle, %d keep-alive); held after %lld ms: %d; "
	       "still open at the end: %d; still waiting to connect: %d; closed late: %d; "
	       "longest life: %lld ms; "
	       "probes ok: %d/%d, slowest %lld ms\n",
	       nconns, nslow, nidle, nkeep, (long long)held_at, held, never, waited, late,
	       (long long)worst_close, probes_ok, probes, (long long)worst_probe);
	if (unanswered)
		fprintf(stderr, "slowclient: %d keep-alive connections got no answer to their whole "
				"first request\n", unanswered);
	bool ok = probes > 0 && probes_ok == probes && late == 0 && !unanswered &&
		  (max_held < 0 || held <= max_held);
	if (max_held >= 0 && held > max_held)
		fprintf(stderr, "slowclient: the server held %d connections from one address, more "
				"than %d\n", held, max_held);
	return ok ? 0 : 1;
}
