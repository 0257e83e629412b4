/*
 * server_conn.c — the connections' own clock and their source address.
 *
 * libmicrohttpd's timeout is an idle timeout: every byte resets it, so a
 * client that sends one header byte a second holds its connection for ever,
 * and 300 of them held the API down (issue 9 §3). Here each connection gets
 * a deadline when it is accepted and again when it is kept alive after an
 * answer: by then the next request must have been read in full (headers and
 * body), and nothing the client sends moves it. A sweeper thread shuts down
 * (shutdown(2)) the socket of a connection past its deadline; MHD then sees
 * the end of the stream and closes it in its own thread, as if the client had
 * gone. While a handler works and while the answer is sent the clock stops
 * (the idle timeout still applies to a client that does not read its answer).
 *
 * Thread safety: MHD calls the notify callback on its worker threads; the
 * slot list, each slot's deadline and the sweeper's shutdown() are under one
 * mutex. MHD closes a socket only after its CLOSED notification returns
 * (daemon.c, MHD_cleanup_connections), and that notification takes the same
 * mutex to unlink the slot, so the sweeper never shuts down a descriptor
 * that has been closed and perhaps reused for another connection.
 */
#include "server/server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define SWEEP_MS 200            /* how often the sweeper looks: the deadline's precision */
#define LOG_EVERY_MS 5000       /* at most one log line per this many ms under attack */

typedef struct conn_slot {
	conn_guard *g;
	int fd;
	int64_t deadline_ms;     /* monotonic ms; 0 while a request is being answered */
	bool cut;                /* shut down by the sweeper */
	struct conn_slot *prev, *next;
} conn_slot;

struct conn_guard {
	pthread_mutex_t mu;      /* guards the list, every slot, cuts, stopping */
	pthread_cond_t cv;       /* wakes the sweeper to stop */
	conn_slot *head;
	int64_t timeout_ms;
	unsigned timeout_s;
	unsigned long cuts;      /* connections cut since the last log line */
	int64_t logged_ms;
	pthread_t sweeper;
	bool running, stopping;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The slot MHD keeps for the connection, or NULL (not accepted through us). */
static conn_slot *slot_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void log_cuts(conn_guard *g, int64_t now)
{
	if (!g->cuts)
		return;
	fprintf(stderr,
		"atena: http: closed %lu connection%s that had not sent a whole request within "
		"%u s (--request-timeout)\n",
		g->cuts, g->cuts == 1 ? "" : "s", g->timeout_s);
	g->cuts = 0;
	g->logged_ms = now;
}

static void *sweeper_main(void *arg)
{
	conn_guard *g = arg;
	pthread_mutex_lock(&g->mu);
	while (!g->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += SWEEP_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		int rc = 0;
		while (!g->stopping && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&g->cv, &g->mu, &ts);
		if (g->stopping)
			break;
		int64_t now = now_ms();
		for (conn_slot *s = g->head; s; s = s->next) {
			if (s->cut || !s->deadline_ms || now < s->deadline_ms)
				continue;
			/* Both ways: MHD reads the end of the stream and closes. */
			shutdown(s->fd, SHUT_RDWR);
			s->cut = true;
			g->cuts++;
		}
		if (now - g->logged_ms >= LOG_EVERY_MS)
			log_cuts(g, now);
	}
	log_cuts(g, now_ms());
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

int conn_guard_start(unsigned request_timeout_s, conn_guard **out, at_error *err)
{
	*out = NULL;
	conn_guard *g = calloc(1, sizeof *g);
	if (!g)
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);   /* a clock change must not move deadlines */
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	g->timeout_s = request_timeout_s;
	g->timeout_ms = (int64_t)request_timeout_s * 1000;
	if (pthread_create(&g->sweeper, NULL, sweeper_main, g)) {
		conn_guard_stop(g);
		return at_fail(err, 500, AT_E_INTERNAL, "", "could not start the connection sweeper");
	}
	g->running = true;
	*out = g;
	return 0;
}

void conn_guard_stop(conn_guard *g)
{
	if (!g)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->mu);
		g->stopping = true;
		pthread_cond_signal(&g->cv);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->sweeper, NULL);
	}
	/* MHD_stop_daemon has closed every connection (and freed each slot)
	 * before this is called; anything left is freed here. */
	for (conn_slot *s = g->head, *next; s; s = next) {
		next = s->next;
		free(s);
	}
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g);
}

void conn_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		       enum MHD_ConnectionNotificationCode toe)
{
	conn_guard *g = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		conn_slot *s = calloc(1, sizeof *s);
		if (!s || !ci) {
			/* Without a slot the deadline cannot be kept: refuse the
			 * connection now rather than serve it unguarded. */
			free(s);
			if (ci)
				shutdown(ci->connect_fd, SHUT_RDWR);
			*socket_context = NULL;
			return;
		}
		s->g = g;
		s->fd = ci->connect_fd;
		pthread_mutex_lock(&g->mu);
		s->deadline_ms = now_ms() + g->timeout_ms;
		s->next = g->head;
		if (g->head)
			g->head->prev = s;
		g->head = s;
		pthread_mutex_unlock(&g->mu);
		*socket_context = s;
		return;
	}
	conn_slot *s = *socket_context;
	if (!s)
		return;
	pthread_mutex_lock(&g->mu);
	if (s->prev)
		s->prev->next = s->next;
	else
		g->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&g->mu);
	free(s);
	*socket_context = NULL;
}

/* Set the connection's deadline (ms, 0: none) unless it has been cut. */
static void set_deadline(struct MHD_Connection *c, bool watch)
{
	conn_slot *s = slot_of(c);
	if (!s)
		return;
	pthread_mutex_lock(&s->g->mu);
	if (!s->cut)
		s->deadline_ms = watch ? now_ms() + s->g->timeout_ms : 0;
	pthread_mutex_unlock(&s->g->mu);
}

void conn_request_read(struct MHD_Connection *c)
{
	set_deadline(c, false);
}

void conn_request_done(struct MHD_Connection *c)
{
	/* A kept-alive connection must bring its next request within the same
	 * bound as a new one; idle in between counts against it too. */
	set_deadline(c, true);
}

void conn_source(struct MHD_Connection *c, char *out, size_t n)
{
	snprintf(out, n, "unknown");
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	if (!sa)
		return;
	char buf[INET6_ADDRSTRLEN];
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)sa;
		if (inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof buf))
			snprintf(out, n, "%s", buf);
		return;
	}
	if (sa->sa_family != AF_INET6)
		return;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) {
		/* An IPv4 client of a dual-stack socket is the same source as over IPv4. */
		if (inet_ntop(AF_INET, a6->sin6_addr.s6_addr + 12, buf, sizeof buf))
			snprintf(out, n, "%s", buf);
		return;
	}
	/* One IPv6 host usually holds a whole /64 (RFC 4291 §2.5.1 interface
	 * identifiers; SLAAC privacy addresses rotate inside it): the /64 is
	 * the source, or rotating addresses would escape the back-off. */
	struct in6_addr net = a6->sin6_addr;
	memset(net.s6_addr + 8, 0, 8);
	if (inet_ntop(AF_INET6, &net, buf, sizeof buf))
		snprintf(out, n, "%s/64", buf);
}
