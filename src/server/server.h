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

typedef struct server_config {
	const char *data_dir;      /* initialised data directory */
	const keyring *kr;         /* loaded key file */
	const char *listen;        /* "127.0.0.1:8080"; port 0 picks a free port */
	unsigned threads;          /* worker threads (default 4) */
	unsigned timeout_s;        /* idle connection timeout (default 30) */
	const char *static_dir;    /* web UI files, or NULL */
	const char *witness;       /* witness file every signed checkpoint is appended to, or NULL */
} server_config;

typedef struct server server;

int server_start(const server_config *cfg, server **out, at_error *err);
uint16_t server_port(const server *srv);   /* the port actually bound */
void server_stop(server *srv);             /* finishes requests in flight, signs a checkpoint */
/* Start, print the address, block until SIGINT or SIGTERM, stop. */
int server_run(const server_config *cfg, at_error *err);

#endif
