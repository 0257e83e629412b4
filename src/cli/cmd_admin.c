/*
 * Administrator commands: init, user, grant, revoke, grants, keys,
 * declarations, mynumber.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "audit/audit.h"
#include "cli.h"
#include "core/date.h"
#include "core/json.h"
#include "core/mynumber.h"
#include "core/strbuf.h"
#include "module/module.h"
#include "policy/decl.h"
#include "policy/grant.h"
#include "policy/keys.h"
#include "policy/platform.h"
#include "policy/staff.h"

const char *cli_terminal(void)
{
	static char term[80];
	if (!term[0]) {
		char host[64] = "localhost";
		gethostname(host, sizeof host - 1);
		host[sizeof host - 1] = '\0';
		/* Terminal ids are [A-Za-z0-9._@-]; keep the host name inside that. */
		for (char *p = host; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
				*p = '-';
		snprintf(term, sizeof term, "console@%s", host);
	}
	return term;
}

/* ---- init ---- */

int cmd_init(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {"municipality", true}, {NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		puts("usage: atena init [--data DIR] --municipality CODE\n\n"
		     "Creates DIR with its database and key file (mode 0600) for the municipality\n"
		     "with the 6-digit 全国地方公共団体コード CODE.\n\n"
		     "example: atena init --data /srv/atena --municipality 131105");
		return 0;
	}
	const char *code = args_need(&a, "init", "municipality");
	if (!code)
		return 2;
	const char *dir = platform_default_dir(args_get(&a, "data"));
	at_error err = {0};
	store *s = NULL;
	keyring *k = NULL;
	/* The platform's tables, then every module's (src/modules.c), so a new
	 * directory is complete before anything serves it. */
	int rc = platform_init(dir, code, &err) || platform_open(dir, &s, &k, &err) ||
		 modules_migrate(s, &err);
	store_close(s);
	keyring_free(k);
	if (rc) {
		cli_error("init", &err);
		return 1;
	}
	printf("initialised %s for municipality %s\n", dir, code);
	printf("next: atena user add --data %s --id ID --name NAME --department DEPT --admin\n", dir);
	return 0;
}

/* ---- user ---- */

static void print_credentials(const char *id, const char *pw, const char *totp)
{
	printf("staff id:        %s\n", id);
	printf("initial password: %s   (must be changed at first login)\n", pw);
	printf("TOTP secret:     %s   (RFC 6238, SHA-256, 6 digits, 30 s)\n", totp);
	printf("otpauth URI:     otpauth://totp/Atena:%s?secret=%s&issuer=Atena&algorithm=SHA1&digits=6&period=30\n",
	       id, totp);
}

int cmd_user(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {"id", true}, {"name", true},
					{"department", true}, {"admin", false}, {"by", true},
					{NULL, false}};
	const char *sub = argc > 0 ? argv[0] : "";
	args a;
	if (args_parse(argc > 0 ? argc - 1 : 0, argv + (argc > 0), spec, &a))
		return 2;
	if (a.help || !*sub || !strcmp(sub, "--help")) {
		puts("usage: atena user add   [--data DIR] --id ID --name NAME --department DEPT [--admin] [--by ADMIN]\n"
		     "       atena user reset [--data DIR] --id ID [--by ADMIN]\n"
		     "       atena user lock|unlock [--data DIR] --id ID [--by ADMIN]\n"
		     "       atena user show  [--data DIR] --id ID\n\n"
		     "One account per person: add prints the initial password and the TOTP secret once.\n"
		     "--by names the administrator acting; without it the act is recorded as the\n"
		     "server console's.\n\n"
		     "example: atena user add --data /srv/atena --id k.tanaka --name '田中 一郎' --department 区民課");
		return a.help || !strcmp(sub, "--help") ? 0 : 2;
	}
	const char *dir = platform_default_dir(args_get(&a, "data"));
	const char *id = args_need(&a, "user", "id");
	if (!id)
		return 2;
	const char *by = args_get(&a, "by");
	store *s = NULL;
	keyring *kr = NULL;
	at_error err = {0};
	if (platform_open(dir, &s, &kr, &err)) {
		cli_error("user", &err);
		return 1;
	}
	int rc = 1;
	strbuf pw = STRBUF_INIT, totp = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&totp);
	if (!strcmp(sub, "add")) {
		const char *name = args_need(&a, "user", "name");
		const char *dept = args_need(&a, "user", "department");
		if (!name || !dept) {
			rc = 2;
			goto out;
		}
		if (staff_add(s, kr, id, name, dept, args_has(&a, "admin"), by ? by : "", cli_terminal(),
			      &pw, &totp, &err) == 0) {
			print_credentials(id, pw.buf, totp.buf);
			rc = 0;
		}
	} else if (!strcmp(sub, "reset")) {
		if (staff_reset(s, kr, id, by ? by : "", cli_terminal(), &pw, &totp, &err) == 0) {
			print_credentials(id, pw.buf, totp.buf);
			rc = 0;
		}
	} else if (!strcmp(sub, "lock") || !strcmp(sub, "unlock")) {
		if (staff_set_locked(s, id, !strcmp(sub, "lock"), by ? by : "", cli_terminal(), &err) == 0) {
			printf("%s %sed\n", id, sub);
			rc = 0;
		}
	} else if (!strcmp(sub, "show")) {
		staff_info who;
		if (staff_get(s, id, &who, &err) == 0) {
			printf("id: %s\nname: %s\ndepartment: %s\nadmin: %s\nlocked: %s\nmust change password: %s\n",
			       who.id, who.name, who.department, who.admin ? "yes" : "no",
			       who.locked ? "yes" : "no", who.must_change ? "yes" : "no");
			rc = 0;
		}
	} else {
		fprintf(stderr, "atena user: unknown subcommand %s (add, reset, lock, unlock, show)\n", sub);
		rc = 2;
		goto out;
	}
	if (rc == 1)
		cli_error("user", &err);
out:
	sb_release(&pw);
	sb_release(&totp);
	if (cli_seal(s, kr, "user") && rc == 0)
		rc = 1;
	store_close(s);
	keyring_free(kr);
	return rc;
}

/* ---- grant / revoke / grants ---- */

static int grant_cmd(int argc, char **argv, bool revoke)
{
	const char *cmd = revoke ? "revoke" : "grant";
	static const arg_spec spec[] = {{"data", true}, {"staff", true}, {"business", true},
					{"access", true}, {"by", true}, {"reason", true},
					{"from", true}, {"to", true}, {NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		if (revoke)
			puts("usage: atena revoke [--data DIR] --staff ID --business BIZ --access view|update --by ADMIN_ID --reason TEXT\n\n"
			     "Appends a revocation to the grants ledger (失効管理). Revoking view revokes update too.\n\n"
			     "example: atena revoke --staff k.tanaka --business resident_register --access update --by admin --reason '異動のため'");
		else
			puts("usage: atena grant [--data DIR] --staff ID --business BIZ --access view|update --by ADMIN_ID --reason TEXT\n"
			     "                   [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n\n"
			     "Appends a grant to the grants ledger (発効管理). --by must be an administrator other\n"
			     "than the grantee. update implies view. --to ends the grant (exclusive).\n\n"
			     "example: atena grant --staff k.tanaka --business resident_register --access update --by admin --reason '窓口担当'");
		return 0;
	}
	const char *staff = args_need(&a, cmd, "staff"), *biz = args_need(&a, cmd, "business"),
		   *acc = args_need(&a, cmd, "access"), *by = args_need(&a, cmd, "by"),
		   *reason = args_need(&a, cmd, "reason");
	if (!staff || !biz || !acc || !by || !reason)
		return 2;
	at_error err = {0};
	grant_access access;
	int64_t from = 0, to = 0;
	if (grant_access_parse(acc, &access, &err) ||
	    (args_get(&a, "from") && time_parse(args_get(&a, "from"), &from, "from", &err)) ||
	    (args_get(&a, "to") && time_parse(args_get(&a, "to"), &to, "to", &err))) {
		cli_error(cmd, &err);
		return 2;
	}
	store *s = NULL;
	keyring *kr = NULL;
	if (platform_open(platform_default_dir(args_get(&a, "data")), &s, &kr, &err)) {
		cli_error(cmd, &err);
		return 1;
	}
	int rc = revoke ? grant_revoke(s, staff, biz, access, by, cli_terminal(), reason, &err)
			: grant_add(s, staff, biz, access, from, to, by, cli_terminal(), reason, &err);
	if (cli_seal(s, kr, cmd) && rc == 0) {
		store_close(s);
		keyring_free(kr);
		return 1;
	}
	store_close(s);
	keyring_free(kr);
	if (rc) {
		cli_error(cmd, &err);
		return 1;
	}
	printf("%s: %s %s %s\n", revoke ? "revoked" : "granted", staff, acc, biz);
	return 0;
}

int cmd_grant(int argc, char **argv)
{
	return grant_cmd(argc, argv, false);
}

int cmd_revoke(int argc, char **argv)
{
	return grant_cmd(argc, argv, true);
}

int cmd_grants(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {"staff", true}, {NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		puts("usage: atena grants [--data DIR] [--staff ID]\n\nPrints the grants ledger as JSON.\n\n"
		     "example: atena grants --staff k.tanaka");
		return 0;
	}
	store *s = NULL;
	at_error err = {0};
	json_t *out = NULL;
	if (platform_open(platform_default_dir(args_get(&a, "data")), &s, NULL, &err) ||
	    grant_ledger(s, args_get(&a, "staff"), &out, &err)) {
		cli_error("grants", &err);
		store_close(s);
		return 1;
	}
	cli_print_json(out);
	json_decref(out);
	store_close(s);
	return 0;
}

/* ---- keys ---- */

int cmd_keys(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {NULL, false}};
	const char *sub = argc > 0 ? argv[0] : "";
	args a;
	if (args_parse(argc > 0 ? argc - 1 : 0, argv + (argc > 0), spec, &a))
		return 2;
	if (a.help || (strcmp(sub, "rotate") && strcmp(sub, "status"))) {
		puts("usage: atena keys rotate [--data DIR]\n       atena keys status [--data DIR]\n\n"
		     "rotate adds a data key, makes it current and re-seals every encrypted value under it\n"
		     "(all versions, pending changes, TOTP secrets) in one transaction.\n"
		     "status prints how many values each key id seals.\n\nexample: atena keys rotate --data /srv/atena");
		return a.help ? 0 : 2;
	}
	const char *dir = platform_default_dir(args_get(&a, "data"));
	at_error err = {0};
	if (!strcmp(sub, "rotate")) {
		int64_t n = 0;
		if (keys_rotate(dir, &n, &err)) {
			cli_error("keys", &err);
			return 1;
		}
		printf("rotated: %lld values re-sealed under the new key\n", (long long)n);
		return 0;
	}
	json_t *st = NULL;
	if (keys_status(dir, &st, &err)) {
		cli_error("keys", &err);
		return 1;
	}
	cli_print_json(st);
	json_decref(st);
	return 0;
}

/* ---- mynumber / declarations ---- */

int cmd_mynumber(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[0], "check") || !strcmp(argv[1], "--help")) {
		bool help = argc >= 2 && !strcmp(argv[1], "--help");
		puts("usage: atena mynumber check NUMBER\n\n"
		     "Checks the 12-digit individual number's check digit (平成26年総務省令第85号 第5条).\n"
		     "exit 0: valid; 1: wrong check digit; 2: not 12 digits.\n\nexample: atena mynumber check 123456789018");
		return help ? 0 : 2;
	}
	switch (mynumber_check(argv[1])) {
	case MYNUMBER_OK:
		puts("valid");
		return 0;
	case MYNUMBER_BAD_CHECK:
		fprintf(stderr, "invalid: wrong check digit (expected %d)\n", mynumber_check_digit((char[12]){
			argv[1][0], argv[1][1], argv[1][2], argv[1][3], argv[1][4], argv[1][5], argv[1][6],
			argv[1][7], argv[1][8], argv[1][9], argv[1][10], 0}));
		return 1;
	default:
		fprintf(stderr, "invalid: a My Number is exactly 12 digits\n");
		return 2;
	}
}

int cmd_declarations(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		puts("usage: atena declarations [--data DIR]\n\nPrints every declared business, file, item and permission as JSON.");
		return 0;
	}
	store *s = NULL;
	at_error err = {0};
	json_t *out = NULL;
	if (platform_open(platform_default_dir(args_get(&a, "data")), &s, NULL, &err) ||
	    decl_export(s, &out, &err)) {
		cli_error("declarations", &err);
		store_close(s);
		return 1;
	}
	cli_print_json(out);
	json_decref(out);
	store_close(s);
	return 0;
}
