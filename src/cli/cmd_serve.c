/*
 * atena serve and atena demo.
 *
 * demo: the first start makes a data directory a newcomer can explore — the
 * platform's demo staff and every module's (their credentials printed once),
 * and then each module's demo step in the order of
 * src/modules.c (the register migrates a synthetic ward of 目黒区 from
 * src/sandbox through the door; the tax module assesses a tax year of it).
 * The ward is seeded (--seed, default 42), so every newcomer sees the same
 * people.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "core/strbuf.h"
#include "module/module.h"
#include "policy/door.h"
#include "policy/grant.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "server/server.h"

/* The web UI lives in web/ beside the binary's source tree or install prefix. */
static const char *default_static_dir(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	/* build/atena, build/<variant>/atena, an install prefix */
	const char *cands[] = {"%s/web", "%s/../web", "%s/../../web", "%s/../share/atena/web"};
	for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
		struct stat st;
		snprintf(path, sizeof path, cands[i], exe);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return path;
	}
	return NULL;
}

/* A whole number flag into *out (left alone when absent); its range is the
 * server's to check (server_start names the flag). 0 ok, -1 after a message. */
static int flag_number(const args *a, const char *cmd, const char *name, uint32_t *out)
{
	const char *v = args_get(a, name);
	if (!v)
		return 0;
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || n >= UINT32_MAX) {
		fprintf(stderr, "atena %s: --%s must be a whole number\n", cmd, name);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

static int serve_dir(const char *dir, args *a, const char *cmd)
{
	at_error err = {0};
	keyring *kr = NULL;
	if (platform_open(dir, NULL, &kr, &err)) {
		cli_error(cmd, &err);
		return 1;
	}
	unsigned threads = 4;
	const char *t = args_get(a, "threads");
	if (t) {
		char *end;
		long v = strtol(t, &end, 10);
		if (*end || v < 1 || v > 64) {
			fprintf(stderr, "atena %s: --threads must be 1..64\n", cmd);
			keyring_free(kr);
			return 2;
		}
		threads = (unsigned)v;
	}
	const char *listen = args_get(a, "listen");
	server_config cfg = {
		.data_dir = dir,
		.kr = kr,
		.listen = listen && *listen ? listen : "127.0.0.1:8080",
		.threads = threads,
		.timeout_s = 30,
		.static_dir = args_get(a, "static") ? args_get(a, "static") : default_static_dir(),
		.witness = args_get(a, "witness"),
	};
	uint32_t maxc = 0, per = 0, rt = 0, bl = 0;
	bool per_given = args_get(a, "per-source-connections") != NULL;
	if (flag_number(a, cmd, "max-connections", &maxc) ||
	    flag_number(a, cmd, "per-source-connections", &per) ||
	    flag_number(a, cmd, "request-timeout", &rt) ||
	    flag_number(a, cmd, "listen-backlog", &bl)) {
		keyring_free(kr);
		return 2;
	}
	/* 0 in server_config means "the default", so each flag's 0 is refused
	 * here, except --per-source-connections 0: no per-address limit. */
	const char *zero = args_get(a, "max-connections") && !maxc     ? "max-connections"
			   : args_get(a, "request-timeout") && !rt     ? "request-timeout"
			   : args_get(a, "listen-backlog") && !bl      ? "listen-backlog"
								       : NULL;
	if (zero) {
		fprintf(stderr, "atena %s: --%s must be at least 1\n", cmd, zero);
		keyring_free(kr);
		return 2;
	}
	cfg.max_connections = maxc;
	cfg.per_source = per_given && per == 0 ? SERVER_UNLIMITED : per;
	cfg.request_timeout_s = rt;
	cfg.listen_backlog = bl;
	int rc = server_run(&cfg, &err);
	if (rc)
		cli_error(cmd, &err);
	keyring_free(kr);
	return rc ? 1 : 0;
}

int cmd_serve(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {"listen", true}, {"threads", true},
					{"static", true}, {"witness", true}, {"max-connections", true},
					{"per-source-connections", true}, {"request-timeout", true},
					{"listen-backlog", true}, {NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		printf("usage: atena serve [--data DIR] [--listen HOST:PORT] [--threads N] [--static DIR]\n"
		       "                   [--witness FILE] [--max-connections N]\n"
		       "                   [--per-source-connections N] [--request-timeout S]\n"
		       "                   [--listen-backlog N]\n\n"
		       "Serves the HTTP JSON API (docs/openapi.yaml) until SIGINT or SIGTERM.\n"
		       "Defaults: --listen 127.0.0.1:8080, --threads 4.\n\n"
		       "--witness FILE: every audit checkpoint the server signs (at start, each second\n"
		       "while events arrive, at stop), and those a CLI command signed meanwhile, are\n"
		       "appended to FILE (O_APPEND, fsync; the format of atena audit witness). At\n"
		       "start the server refuses to run if the log no longer reaches a head FILE\n"
		       "holds. Keep FILE where the owner of the database cannot rewrite it.\n\n"
		       "Connections (so that one client cannot starve the rest):\n"
		       "  --max-connections N         open at once in all (default %d, at most %d)\n"
		       "  --per-source-connections N  open at once from one client address (default %d;\n"
		       "                              0: no limit, for use behind a reverse proxy,\n"
		       "                              where every client has the proxy's address)\n"
		       "  --request-timeout S         seconds from accept, or from the last answer on a\n"
		       "                              kept-alive connection, until the request has been\n"
		       "                              read in full; sending slowly does not extend it\n"
		       "                              (default %d, at most %d)\n"
		       "  --listen-backlog N          connections the kernel queues before accept\n"
		       "                              (default %d, at most %d)\n\n"
		       "example: atena serve --data /srv/atena --listen 127.0.0.1:8080 \\\n"
		       "           --witness /mnt/witness/atena.witness\n",
		       SERVER_MAX_CONNECTIONS, SERVER_CONNECTIONS_CAP, SERVER_PER_SOURCE,
		       SERVER_REQUEST_TIMEOUT, SERVER_REQUEST_TIMEOUT_CAP, SERVER_LISTEN_BACKLOG,
		       SERVER_BACKLOG_CAP);
		return 0;
	}
	const char *w = args_get(&a, "witness");
	if (w && !*w) {
		fprintf(stderr, "atena serve: --witness needs a file name\n");
		return 2;
	}
	return serve_dir(platform_default_dir(args_get(&a, "data")), &a, "serve");
}

/* ---- demo ---- */

/* 目黒区 has about 280,000 residents: 145,000 households of the generator
 * (1.98 persons each, about 3% of records removed) give about 279,800
 * current residents. Loading them takes a few minutes on a 2-core machine,
 * so the demo starts with a smaller ward unless asked. */
#define DEMO_HOUSEHOLDS 20000       /* about 38,400 residents, ~20 s */
#define DEMO_MEGURO_HOUSEHOLDS 145000
/* The platform's demo staff; each module adds its own (module.demo_staff). */
static const struct {
	const char *id, *name, *dept;
	bool admin;
	const char *business, *access;   /* one grant, or NULL */
} demo_staff[] = {
	{"admin", "管理 太郎", "情報政策課", true, NULL, NULL},
	{"auditor", "監査 四郎", "監査事務局", false, "audit_review", "view"},
};

typedef struct demo_ward {
	uint64_t seed;
	size_t households;
} demo_ward;

/* Create a demo account (unless it exists: several modules may name the
 * same staff member), print its credentials once, and grant business. */
static int demo_account(store *s, const keyring *kr, const char *id, const char *name,
			const char *dept, bool admin, const char *business, const char *access,
			at_error *err)
{
	staff_info who;
	at_error ignore;
	if (staff_get(s, id, &who, &ignore)) {
		strbuf pw = STRBUF_INIT, totp = STRBUF_INIT;
		sb_init(&pw);
		sb_init(&totp);
		int r = staff_add(s, kr, id, name, dept, admin, "", cli_terminal(), &pw, &totp, err);
		if (r == 0)
			printf("%-8s %-10s %-12s password %s  TOTP secret %s\n", id, name, dept, pw.buf,
			       totp.buf);
		sb_release(&pw);
		sb_release(&totp);
		if (r)
			return -1;
	}
	if (!business)
		return 0;
	grant_access acc;
	return grant_access_parse(access, &acc, err) ||
			       grant_add(s, id, business, acc, 0, 0, "admin", cli_terminal(),
					 "demo grant", err)
		       ? -1
		       : 0;
}

static int demo_create(const char *dir, const demo_ward *w, at_error *err)
{
	if (platform_init(dir, "131105", err))
		return -1;
	store *s = NULL;
	keyring *kr = NULL;
	if (platform_open(dir, &s, &kr, err))
		return -1;
	int rc = -1;
	printf("Demo municipality: 目黒区 (131105), data in %s\n\n", dir);
	for (size_t i = 0; i < sizeof demo_staff / sizeof demo_staff[0]; i++)
		if (demo_account(s, kr, demo_staff[i].id, demo_staff[i].name, demo_staff[i].dept,
				 demo_staff[i].admin, demo_staff[i].business, demo_staff[i].access,
				 err))
			goto out;
	for (const module *const *m = atena_modules; *m; m++)
		for (const module_demo_staff *st = (*m)->demo_staff; st && st->id; st++)
			if (demo_account(s, kr, st->id, st->name, st->department, false, st->business,
					 st->access, err))
				goto out;
	printf("\n");
	fflush(stdout);
	if (modules_init(err) || modules_migrate(s, err))
		goto out;
	/* Each module's demo step, in the list's order (tax reads the register). */
	module_demo dm = {.seed = w->seed, .households = w->households, .terminal = cli_terminal()};
	for (const module *const *m = atena_modules; *m; m++)
		if ((*m)->demo && (*m)->demo(s, kr, &dm, err))
			goto out;
	printf("Every password must be changed at first login (send new_password with the login).\n"
	       "One-time codes: oathtool --totp -b SECRET\n"
	       "These credentials are shown once. Grants:\n");
	for (size_t i = 0; i < sizeof demo_staff / sizeof demo_staff[0]; i++)
		if (demo_staff[i].business)
			printf("  %-8s %-6s %s\n", demo_staff[i].id, demo_staff[i].access,
			       demo_staff[i].business);
	for (const module *const *m = atena_modules; *m; m++)
		for (const module_demo_staff *st = (*m)->demo_staff; st && st->id; st++)
			printf("  %-8s %-6s %s\n", st->id, st->access, st->business);
	printf("Try:\n");
	for (const module *const *m = atena_modules; *m; m++)
		if ((*m)->demo_hint)
			printf("  %s\n", (*m)->demo_hint);
	printf("\n");
	rc = 0;
out:
	store_close(s);
	keyring_free(kr);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {"listen", true}, {"threads", true},
					{"static", true}, {"no-serve", false}, {"households", true},
					{"ward", true}, {"seed", true}, {NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		printf("usage: atena demo [--data DIR] [--listen HOST:PORT] [--no-serve]\n"
		       "                  [--households N | --ward meguro] [--seed S]\n\n"
		       "The first time, creates DIR for a demo municipality (目黒区, 131105) with demo staff\n"
		       "(their passwords and TOTP secrets are printed once) and a\n"
		       "synthetic ward migrated into the resident register through the door (every record\n"
		       "audited), with progress lines, and a tax year of it; then serves it.\n"
		       "The ward: --households N (default %d: about 38,400 residents, loaded in well\n"
		       "under a minute), or --ward meguro for the full size of 目黒区 (%d households,\n"
		       "about 280,000 residents; a few minutes on a 2-core machine). About 3%% are foreign\n"
		       "residents and about 3%% of records are removed (moved out or deceased). --seed\n"
		       "(default 42) fixes who lives there, so every newcomer sees the same ward.\n"
		       "These flags apply only when DIR is created. Default DIR: $ATENA_DATA or\n"
		       "./atena-data.\n\n"
		       "example: atena demo --listen 127.0.0.1:8080 --ward meguro\n",
		       DEMO_HOUSEHOLDS, DEMO_MEGURO_HOUSEHOLDS);
		return 0;
	}
	demo_ward w = {.seed = 42, .households = DEMO_HOUSEHOLDS};
	const char *hh = args_get(&a, "households"), *ward = args_get(&a, "ward");
	const char *seed = args_get(&a, "seed");
	if (hh && ward) {
		fprintf(stderr, "atena demo: give --households or --ward, not both\n");
		return 2;
	}
	if (ward) {
		if (strcmp(ward, "meguro")) {
			fprintf(stderr, "atena demo: --ward must be meguro (目黒区, %d households)\n",
				DEMO_MEGURO_HOUSEHOLDS);
			return 2;
		}
		w.households = DEMO_MEGURO_HOUSEHOLDS;
	}
	if (hh) {
		char *end;
		long long v = strtoll(hh, &end, 10);
		if (*end || end == hh || v < 1 || v > 1000000) {
			fprintf(stderr, "atena demo: --households must be a whole number from 1 to"
					" 1000000\n");
			return 2;
		}
		w.households = (size_t)v;
	}
	if (seed) {
		char *end;
		unsigned long long v = strtoull(seed, &end, 10);
		if (*end || end == seed || *seed == '-') {
			fprintf(stderr, "atena demo: --seed must be a whole number\n");
			return 2;
		}
		w.seed = v;
	}
	const char *dir = platform_default_dir(args_get(&a, "data"));
	strbuf db = STRBUF_INIT;
	sb_init(&db);
	platform_db_path(dir, &db);
	bool exists = access(db.buf, F_OK) == 0;
	sb_release(&db);
	at_error err = {0};
	if (!exists && demo_create(dir, &w, &err)) {
		cli_error("demo", &err);
		fprintf(stderr, "atena demo: %s is incomplete; remove it and run atena demo again\n",
			dir);
		return 1;
	}
	if (exists)
		printf("Using the existing demo data in %s (its credentials were printed when it was made;\n"
		       "remove the directory to start afresh).\n", dir);
	fflush(stdout);
	if (args_has(&a, "no-serve"))
		return 0;
	return serve_dir(dir, &a, "demo");
}
