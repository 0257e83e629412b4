/*
 * fuzz_law — libFuzzer harness for the tax law files (src/tax/law.c), read
 * by tax_law_load_dir from a data directory an operator supplies. Built
 * twice (tests/CMakeLists.txt): FUZZ_LAW_FILE "law/fy2025.json" fuzzes a
 * fiscal year's file, "municipalities/131105.json" a municipality's; the
 * other file is the real one (FUZZ_TAX_DATA, data/tax). The input is written
 * to a private folder (fuzz_tmp.h) and loaded as the server would load it.
 * A law that loads must also describe itself and compute a case without
 * crashing (a file the validator lets through is one the engine will run on).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json.h"
#include "fuzz_tmp.h"
#include "tax/case.h"
#include "tax/engine.h"
#include "tax/law.h"

#ifndef FUZZ_LAW_FILE
#error "build with -DFUZZ_LAW_FILE=\"law/fy2025.json\" or \"municipalities/131105.json\""
#endif
#ifndef FUZZ_TAX_DATA
#error "build with -DFUZZ_TAX_DATA=\"<source>/data/tax\""
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], target[400];
static tax_case the_case;

static int write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(buf, 1, len, f);
	return fclose(f) || n != len ? -1 : 0;
}

static int copy_file(const char *from, const char *to)
{
	FILE *f = fopen(from, "rb");
	if (!f)
		return -1;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return write_file(to, buf, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s", fuzz_tmp_make("law"));
	char p[512], from[512];
	snprintf(p, sizeof p, "%s/law", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/municipalities", dir);
	mkdir(p, 0700);
	/* Both real files, then the fuzzed one is overwritten by each input. */
	static const char *const files[] = {"law/fy2025.json", "municipalities/131105.json"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(from, sizeof from, "%s/%s", FUZZ_TAX_DATA, files[i]);
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		if (copy_file(from, p)) {
			fprintf(stderr, "fuzz_law: cannot copy %s to %s\n", from, p);
			exit(2);
		}
	}
	snprintf(target, sizeof target, "%s/%s", dir, FUZZ_LAW_FILE);
	/* One case that touches most of a year (salary, pension, spouse,
	 * dependant, deductions, a donation) to run a law that loads. */
	static const char case_json[] =
		"{\"fiscal_year\":2025,\"municipality\":\"131105\",\"taxpayer\":{\"birth_date\":"
		"\"1955-04-01\",\"sex\":\"male\",\"income\":{\"salary_revenue\":4800000,"
		"\"public_pension_revenue\":1200000},\"deductions\":{\"social_insurance\":600000,"
		"\"medical_expenses\":300000},\"donations\":{\"hometown\":50000}},"
		"\"spouse\":{\"birth_date\":\"1958-01-01\",\"total_income\":400000},"
		"\"dependants\":[{\"birth_date\":\"2006-05-05\",\"total_income\":0}]}";
	at_error err;
	json_t *j = jv_parse_object(case_json, strlen(case_json), &err);
	if (!j || tax_case_from_json(j, &the_case, &err)) {
		fprintf(stderr, "fuzz_law: the fixed case does not parse: %s\n", err.message);
		exit(2);
	}
	json_decref(j);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (write_file(target, data, size)) {
		perror("fuzz_law: write");
		abort();
	}
	tax_law *law = NULL;
	at_error err;
	at_error_clear(&err);
	if (tax_law_load_dir(dir, &law, &err)) {
		if (!err.message[0])
			abort();   /* a refusal names the file and the field */
		return 0;
	}
	json_t *d = tax_law_describe(law);
	json_decref(d);
	tax_result *r = malloc(sizeof *r);
	if (r) {
		at_error_clear(&err);
		if (tax_compute(law, &the_case, r, &err) == 0)
			json_decref(tax_result_to_json(law, &the_case, r));
		free(r);
	}
	tax_law_free(law);
	return 0;
}
