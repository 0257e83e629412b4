/*
 * gen_municipality — write a synthetic municipality as JSON Lines, one person
 * per line, to stdout (see bench/synth.h for what is generated and what is
 * guaranteed). The same flags give byte-identical output.
 *
 *   ./build/bench/gen_municipality --seed 42 --households 1000 > meguro.jsonl
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "sandbox/synth.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gen_municipality [--seed N] [--households N] [--municipality CODE]\n"
		"                        [--as-of YYYY-MM-DD]\n"
		"\n"
		"Writes a synthetic population as JSON Lines (one person per line) to stdout.\n"
		"\n"
		"  --seed N              PRNG seed, 0..2^64-1 (default 1); same seed, same bytes\n"
		"  --households N        households to generate, 1..%u (default 1000);\n"
		"                        about 1.9 persons each\n"
		"  --municipality CODE   6-digit 全国地方公共団体コード (default %s);\n"
		"                        known: %s\n"
		"  --as-of DATE          date ages are counted to (default %s)\n"
		"  --help                this text\n"
		"\n"
		"example: gen_municipality --seed 42 --households 1000 | jq -c 'select(.foreign)'\n",
		SYNTH_MAX_HOUSEHOLDS, SYNTH_DEFAULT_MUNICIPALITY, synth_known_municipalities(),
		SYNTH_DEFAULT_AS_OF);
}

/* Parse a decimal unsigned integer that must be all digits and fit. */
static int parse_u64(const char *flag, const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s)) {
		fprintf(stderr, "gen_municipality: %s needs a non-negative whole number, got \"%s\"\n",
			flag, s ? s : "");
		return -1;
	}
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno == ERANGE || v > max) {
		fprintf(stderr, "gen_municipality: %s must be at most %" PRIu64 ", got %s\n", flag,
			max, s);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	synth_config cfg = {.seed = 1, .households = 1000, .municipality = NULL, .as_of = NULL};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		bool takes_value = strcmp(a, "--seed") == 0 || strcmp(a, "--households") == 0 ||
				   strcmp(a, "--municipality") == 0 || strcmp(a, "--as-of") == 0;
		if (!takes_value) {
			fprintf(stderr, "gen_municipality: unknown argument \"%s\" (see --help)\n", a);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "gen_municipality: %s needs a value (see --help)\n", a);
			return 2;
		}
		const char *v = argv[++i];
		uint64_t n;
		if (strcmp(a, "--seed") == 0) {
			if (parse_u64(a, v, UINT64_MAX, &n))
				return 2;
			cfg.seed = n;
		} else if (strcmp(a, "--households") == 0) {
			if (parse_u64(a, v, SYNTH_MAX_HOUSEHOLDS, &n))
				return 2;
			if (n == 0) {
				fprintf(stderr, "gen_municipality: --households must be at least 1\n");
				return 2;
			}
			cfg.households = (size_t)n;
		} else if (strcmp(a, "--municipality") == 0) {
			cfg.municipality = v;
		} else {
			cfg.as_of = v;
		}
	}

	at_error err;
	synth *g;
	if (synth_new(&cfg, &g, &err)) {
		/* Name the flag, not the config field. */
		const char *flag = strcmp(err.field, "as_of") == 0 ? "--as-of"
				   : strcmp(err.field, "municipality") == 0 ? "--municipality"
									     : "--households";
		fprintf(stderr, "gen_municipality: %s: %s\n", flag, err.message);
		return 2;
	}
	synth_household h;
	strbuf line = STRBUF_INIT;
	sb_init(&line);
	while (synth_next_household(g, &h)) {
		for (size_t i = 0; i < h.count; i++) {
			sb_reset(&line);
			synth_person_json(&h, i, &line);
			sb_addch(&line, '\n');
			if (fwrite(line.buf, 1, line.len, stdout) != line.len) {
				fprintf(stderr, "gen_municipality: write error: %s\n", strerror(errno));
				sb_release(&line);
				synth_free(g);
				return 1;
			}
		}
	}
	sb_release(&line);
	synth_free(g);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "gen_municipality: write error: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
