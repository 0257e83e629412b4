/*
 * server — the HTTP JSON API (`atena serve`), on libmicrohttpd.
 *
 * Each request: parse and bound the body (JV_MAX_BODY), resolve the bearer
 * session (staff + terminal), require X-Atena-Business and X-Atena-Reason
 * (refusals are audited), then hand the request to the policy layer (door.h),
 * which checks the grant, filters and masks items and writes the audit event
 * in the same transaction. Errors are {"error":{"code","message","field"}}
 * with the matching HTTP status. The API is described in docs/openapi.yaml.
 */
#ifndef ATENA_SERVER_SERVER_H
#define ATENA_SERVER_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "crypto/crypto.h"

/* Connection limits (issue 9 §3: one client must not starve the rest). A
 * field left 0 in server_config takes the default here; `atena serve` sets
 * them from its flags. */
#define SERVER_MAX_CONNECTIONS 256      /* at once, in all (each may hold a 1 MiB body) */
#define SERVER_CONNECTIONS_CAP 1024     /* the most max_connections may be */
#define SERVER_PER_SOURCE 32            /* at once from one client address */
#define SERVER_REQUEST_TIMEOUT 10       /* s from accept to a whole request (1 MiB at ~1 Mbit/s) */
#define SERVER_REQUEST_TIMEOUT_CAP 600  /* the most request_timeout_s may be */
#define SERVER_LISTEN_BACKLOG 128       /* connections the kernel queues before accept */
#define SERVER_BACKLOG_CAP 4096         /* the most listen_backlog may be */
#define SERVER_UNLIMITED UINT32_MAX     /* per_source: no per-address limit (behind a proxy) */

typedef struct server_config {
	const char *data_dir;      /* initialised data directory */
	const keyring *kr;         /* loaded key file */
	const char *listen;        /* "127.0.0.1:8080"; port 0 picks a free port */
	unsigned threads;          /* worker threads (default 4) */
	unsigned timeout_s;        /* idle connection timeout (default 30) */
	const char *static_dir;    /* web UI files, or NULL */
	const char *witness;       /* witness file every signed checkpoint is appended to, or NULL */
	unsigned max_connections;  /* SERVER_MAX_CONNECTIONS; 1..SERVER_CONNECTIONS_CAP */
	uint32_t per_source;       /* SERVER_PER_SOURCE, or max_connections if fewer;
				    * 1..max_connections or SERVER_UNLIMITED */
	unsigned request_timeout_s;/* SERVER_REQUEST_TIMEOUT; 1..SERVER_REQUEST_TIMEOUT_CAP */
	unsigned listen_backlog;   /* SERVER_LISTEN_BACKLOG; 1..SERVER_BACKLOG_CAP */
} server_config;

typedef struct server server;

int server_start(const server_config *cfg, server **out, at_error *err);
uint16_t server_port(const server *srv);   /* the port actually bound */
void server_stop(server *srv);             /* finishes requests in flight, signs a checkpoint */
/* Start, print the address, block until SIGINT or SIGTERM, stop. */
int server_run(const server_config *cfg, at_error *err);

#endif
