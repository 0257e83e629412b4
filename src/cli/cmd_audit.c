/*
 * atena audit: verify, query, export, checkpoint, witness, pubkey.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "audit/audit.h"
#include "cli.h"
#include "core/date.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "crypto/crypto.h"
#include "policy/platform.h"

static void help(void)
{
	puts("usage: atena audit verify     [--data DIR] [--witness FILE] [--pubkey HEX]\n"
	     "                              check the whole log in the database (and that it still reaches\n"
	     "                              every head in the witness file), with the published key if given\n"
	     "       atena audit verify     --file EXPORT --pubkey HEX   check an exported log, offline\n"
	     "       atena audit query      [--data DIR] [--subject ADDRESSEE] [--staff ID]\n"
	     "                              [--from DATE] [--to DATE] [--after SEQ] [--limit N]\n"
	     "       atena audit export     [--data DIR] --out FILE      JSON Lines, signed\n"
	     "       atena audit checkpoint [--data DIR]                 sign the head of the chain now\n"
	     "       atena audit witness    [--data DIR] --to FILE       append new signed heads to FILE\n"
	     "                              (O_APPEND; keep it where the database's owner cannot rewrite it;\n"
	     "                              atena serve --witness FILE appends each head as it signs it)\n"
	     "       atena audit pubkey     [--data DIR]                 the key that verifies checkpoints\n\n"
	     "verify exits 0 when the log is intact and 1 with the first bad position when it is not;\n"
	     "an export verified without --pubkey exits 3: its own key proves nothing.\n"
	     "Every query through this command is itself recorded in the log.\n\n"
	     "example: atena audit query --subject 0000012345   (who looked at this person, and why)");
}

static int print_report(const audit_report *rep)
{
	if (rep->ok && rep->unpinned) {
		printf("NOT PROVEN: %lld events, %lld checkpoints are consistent with the key the file "
		       "names itself. %s\n", (long long)rep->events, (long long)rep->checkpoints,
		       rep->message);
		return 3;
	}
	if (rep->ok) {
		printf("ok: %lld events, %lld signed checkpoints verified. %s\n", (long long)rep->events,
		       (long long)rep->checkpoints, rep->message);
		return 0;
	}
	printf("TAMPERED at position %lld: %s\n", (long long)rep->bad_seq, rep->message);
	return 1;
}

int cmd_audit(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {"file", true}, {"pubkey", true},
					{"subject", true}, {"staff", true}, {"from", true},
					{"to", true}, {"after", true}, {"limit", true},
					{"out", true}, {"witness", true}, {"to", true},
					{NULL, false}};
	/* A first word that is a flag (`atena audit --help`) means no subcommand:
	 * it is parsed with the flags, and help is printed before anything opens. */
	bool has_sub = argc > 0 && argv[0][0] != '-';
	const char *sub = has_sub ? argv[0] : "";
	args a;
	if (args_parse(argc - has_sub, argv + has_sub, spec, &a))
		return 2;
	if (a.help || !*sub) {
		help();
		return a.help ? 0 : 2;
	}
	at_error err = {0};
	audit_report rep = {0};
	if (!strcmp(sub, "verify") && args_has(&a, "file")) {
		if (crypto_setup(&err)) {
			cli_error("audit", &err);
			return 2;
		}
		unsigned char pk[CRYPTO_SIGN_PK_BYTES];
		const char *hex = args_get(&a, "pubkey");
		if (hex && hex_decode(hex, pk, sizeof pk)) {
			fprintf(stderr, "atena audit: --pubkey must be %d hex characters\n",
				CRYPTO_SIGN_PK_BYTES * 2);
			return 2;
		}
		FILE *f = fopen(args_get(&a, "file"), "r");
		if (!f) {
			fprintf(stderr, "atena audit: cannot open %s\n", args_get(&a, "file"));
			return 2;
		}
		int rc = audit_verify_export(f, hex ? pk : NULL, &rep, &err);
		fclose(f);
		if (rc) {
			cli_error("audit", &err);
			return 2;
		}
		return print_report(&rep);
	}
	const char *dir = platform_default_dir(args_get(&a, "data"));
	store *s = NULL;
	keyring *kr = NULL;
	if (platform_open(dir, &s, &kr, &err)) {
		cli_error("audit", &err);
		return 2;
	}
	int rc = 2;
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(kr, pk);
	/* verify --pubkey: check the database against the published key, not
	 * the key file beside it, which a writer of the directory could swap. */
	const char *pin = args_get(&a, "pubkey");
	if (!strcmp(sub, "verify") && pin && hex_decode(pin, pk, sizeof pk)) {
		fprintf(stderr, "atena audit: --pubkey must be %d hex characters\n", CRYPTO_SIGN_PK_BYTES * 2);
		store_close(s);
		keyring_free(kr);
		return 2;
	}
	if (!strcmp(sub, "verify") && args_has(&a, "witness")) {
		FILE *w = fopen(args_get(&a, "witness"), "r");
		if (!w) {
			fprintf(stderr, "atena audit: cannot open the witness file %s\n",
				args_get(&a, "witness"));
		} else {
			if (audit_verify_witness(s, pk, w, &rep, &err) == 0)
				rc = print_report(&rep);
			else
				cli_error("audit", &err);
			fclose(w);
		}
	} else if (!strcmp(sub, "verify")) {
		if (audit_verify_db(s, pk, &rep, &err) == 0)
			rc = print_report(&rep);
		else
			cli_error("audit", &err);
	} else if (!strcmp(sub, "witness")) {
		const char *to = args_need(&a, "audit", "to");
		int64_t added = 0;
		/* Sign the head first, so the witness holds the newest state. */
		if (to && audit_checkpoint(s, kr, &err) == 0 && audit_witness(s, pk, to, &added, &err) == 0) {
			printf("%lld new signed heads witnessed in %s\n", (long long)added, to);
			rc = 0;
		} else if (to) {
			cli_error("audit", &err);
			rc = 1;
		}
	} else if (!strcmp(sub, "pubkey")) {
		strbuf hx = STRBUF_INIT;
		sb_init(&hx);
		sb_add_hex(&hx, pk, sizeof pk);
		puts(hx.buf);
		sb_release(&hx);
		rc = 0;
	} else if (!strcmp(sub, "checkpoint")) {
		if (audit_checkpoint(s, kr, &err) == 0) {
			puts("checkpoint signed");
			rc = 0;
		} else {
			cli_error("audit", &err);
			rc = 1;
		}
	} else if (!strcmp(sub, "export")) {
		/* The log names who looked at whom: the export is 0600 like --out. */
		const char *path = args_need(&a, "audit", "out");
		cli_out o = CLI_OUT_NONE;
		FILE *f = NULL;
		if (path && cli_out_open(&o, "audit", path) == 0 && !(f = fdopen(o.fd, "w"))) {
			fprintf(stderr, "atena audit: cannot write %s: %s\n", path, strerror(errno));
			cli_out_discard(&o);
		}
		if (!path) {
			rc = 2;
		} else if (!f) {
			rc = 1;
		} else {
			rc = audit_export(s, kr, f, &err) ? 1 : 0;
			if (fclose(f))
				rc = 1;
			if (rc)
				cli_error("audit", &err);
			else
				printf("exported to %s; verify with: atena audit verify --file %s --pubkey "
				       "$(atena audit pubkey)\n", path, path);
		}
	} else if (!strcmp(sub, "query")) {
		audit_filter f = {.subject = args_get(&a, "subject"), .staff_id = args_get(&a, "staff")};
		const char *from = args_get(&a, "from"), *to = args_get(&a, "to");
		const char *after = args_get(&a, "after"), *limit = args_get(&a, "limit");
		char *end = NULL;
		if ((from && time_parse(from, &f.from, "from", &err)) ||
		    (to && time_parse(to, &f.to, "to", &err))) {
			cli_error("audit", &err);
		} else if ((after && ((f.after_seq = strtoll(after, &end, 10)) < 0 || *end)) ||
			   (limit && ((f.limit = strtoll(limit, &end, 10)) < 0 || *end))) {
			fprintf(stderr, "atena audit: --after and --limit take non-negative integers\n");
		} else {
			json_t *out = NULL;
			if (audit_query_page(s, &f, &out, &err) == 0) {
				/* Looking at the log is an access too. */
				char det[200];
				snprintf(det, sizeof det, "audit query subject=%s staff=%s",
					 f.subject ? f.subject : "", f.staff_id ? f.staff_id : "");
				audit_event ev = {.staff_id = "console", .terminal_id = cli_terminal(),
						  .business = "audit_review", .reason = "audit query at the console",
						  .subject = f.subject ? f.subject : "",
						  .operation = "audit_query", .outcome = AUDIT_OK, .detail = det};
				at_error e2;
				audit_append_now(s, &ev, &e2);
				cli_seal(s, kr, "audit");
				/* stdout stays the list of events; a page that stops
				 * short of the end says so, and where to go on. */
				cli_print_json(json_object_get(out, "events"));
				if (json_is_true(json_object_get(out, "truncated")))
					fprintf(stderr, "atena audit: more events follow; continue with"
						" --after %lld\n", (long long)json_integer_value(
							json_object_get(out, "next_after")));
				json_decref(out);
				rc = 0;
			} else {
				cli_error("audit", &err);
			}
		}
	} else {
		fprintf(stderr, "atena audit: unknown subcommand %s\n", sub);
	}
	store_close(s);
	keyring_free(kr);
	return rc;
}
