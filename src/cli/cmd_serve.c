/*
 * atena serve and atena demo.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "core/mynumber.h"
#include "core/strbuf.h"
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
	};
	int rc = server_run(&cfg, &err);
	if (rc)
		cli_error(cmd, &err);
	keyring_free(kr);
	return rc ? 1 : 0;
}

int cmd_serve(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {"listen", true}, {"threads", true},
					{"static", true}, {NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		puts("usage: atena serve [--data DIR] [--listen HOST:PORT] [--threads N] [--static DIR]\n\n"
		     "Serves the HTTP JSON API (docs/openapi.yaml) until SIGINT or SIGTERM.\n"
		     "Defaults: --listen 127.0.0.1:8080, --threads 4.\n\n"
		     "example: atena serve --data /srv/atena --listen 127.0.0.1:8080");
		return 0;
	}
	return serve_dir(platform_default_dir(args_get(&a, "data")), &a, "serve");
}

/* ---- demo ---- */

struct demo_staff {
	const char *id, *name, *dept;
	bool admin;
	const char *grants[3][2];   /* {business, access} */
};

static const struct demo_staff demo_staff[] = {
	{"admin", "管理 太郎", "情報政策課", true, {{NULL, NULL}}},
	{"clerk1", "窓口 花子", "区民課", false, {{"test_business", "update"}, {NULL, NULL}}},
	{"clerk2", "確認 次郎", "区民課", false, {{"test_business", "update"}, {NULL, NULL}}},
	{"viewer", "閲覧 三郎", "税務課", false, {{"test_viewer", "view"}, {NULL, NULL}}},
	{"auditor", "監査 四郎", "監査事務局", false, {{"audit_review", "view"}, {NULL, NULL}}},
};

static const struct {
	const char *name, *kana, *birth, *sex, *address;
} demo_people[] = {
	{"目黒 一郎", "メグロ イチロウ", "1958-04-12", "男", "東京都目黒区中目黒一丁目1番1号"},
	{"目黒 和子", "メグロ カズコ", "1961-09-03", "女", "東京都目黒区中目黒一丁目1番1号"},
	{"佐藤 健", "サトウ ケン", "1985-01-23", "男", "東京都目黒区自由が丘二丁目3番5号"},
	{"鈴木 美咲", "スズキ ミサキ", "1992-07-30", "女", "東京都目黒区八雲三丁目12番8号"},
	{"高橋 大翔", "タカハシ ヒロト", "2016-11-02", "男", "東京都目黒区碑文谷四丁目20番1号"},
	{"田中 陽子", "タナカ ヨウコ", "1947-02-14", "女", "東京都目黒区祐天寺一丁目7番3号"},
};

static int demo_create(const char *dir, at_error *err)
{
	if (platform_init(dir, "131105", err))
		return -1;
	store *s = NULL;
	keyring *kr = NULL;
	if (platform_open(dir, &s, &kr, err))
		return -1;
	int rc = -1;
	printf("Demo municipality: 目黒区 (131105), data in %s\n\n", dir);
	for (size_t i = 0; i < sizeof demo_staff / sizeof demo_staff[0]; i++) {
		const struct demo_staff *d = &demo_staff[i];
		strbuf pw = STRBUF_INIT, totp = STRBUF_INIT;
		sb_init(&pw);
		sb_init(&totp);
		int r = staff_add(s, kr, d->id, d->name, d->dept, d->admin, "", cli_terminal(), &pw,
				  &totp, err);
		if (r == 0)
			printf("%-8s %-10s %-12s password %s  TOTP secret %s\n", d->id, d->name, d->dept,
			       pw.buf, totp.buf);
		sb_release(&pw);
		sb_release(&totp);
		if (r)
			goto out;
		for (int g = 0; g < 3 && d->grants[g][0]; g++) {
			grant_access acc;
			if (grant_access_parse(d->grants[g][1], &acc, err) ||
			    grant_add(s, d->id, d->grants[g][0], acc, 0, 0, "admin", cli_terminal(),
				      "demo grant", err))
				goto out;
		}
	}
	/* A few people in the test file, entered by clerk1 through the door. */
	door_ctx ctx = {.staff_id = "clerk1", .terminal_id = cli_terminal(),
			.business = "test_business", .reason = "demo data"};
	door *d;
	if (door_open(s, kr, &ctx, DOOR_WRITE, &d, err))
		goto out;
	for (size_t i = 0; i < sizeof demo_people / sizeof demo_people[0]; i++) {
		char mn[13], subject[16];
		snprintf(mn, sizeof mn, "1310500%04zu", i * 37 + 11);
		mn[11] = (char)('0' + mynumber_check_digit(mn));
		mn[12] = '\0';
		snprintf(subject, sizeof subject, "%010zu", 1000 + i);
		json_t *items = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "my_number", mn, "name",
					  demo_people[i].name, "name_kana", demo_people[i].kana,
					  "birth_date", demo_people[i].birth, "sex", demo_people[i].sex,
					  "address", demo_people[i].address);
		int r = door_create(d, "test_file", subject, items, NULL, err);
		json_decref(items);
		if (r) {
			door_abort(d);
			goto out;
		}
	}
	if (door_commit(d, err))
		goto out;
	printf("\nEvery password must be changed at first login (send new_password with the login).\n"
	       "One-time codes: oathtool --totp=sha256 -b SECRET\n"
	       "Grants: clerk1, clerk2 update test_business; viewer views test_viewer (My Number masked);\n"
	       "auditor views audit_review. These credentials are shown once.\n\n");
	rc = 0;
out:
	store_close(s);
	keyring_free(kr);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {"listen", true}, {"threads", true},
					{"static", true}, {"no-serve", false}, {NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		puts("usage: atena demo [--data DIR] [--listen HOST:PORT] [--no-serve]\n\n"
		     "The first time, creates DIR for a demo municipality (目黒区, 131105) with demo staff\n"
		     "(their passwords and TOTP secrets are printed once) and a few demo records;\n"
		     "then serves it. Default DIR: $ATENA_DATA or ./atena-data.\n\n"
		     "example: atena demo --listen 127.0.0.1:8080");
		return 0;
	}
	const char *dir = platform_default_dir(args_get(&a, "data"));
	strbuf db = STRBUF_INIT;
	sb_init(&db);
	platform_db_path(dir, &db);
	bool exists = access(db.buf, F_OK) == 0;
	sb_release(&db);
	at_error err = {0};
	if (!exists && demo_create(dir, &err)) {
		cli_error("demo", &err);
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
