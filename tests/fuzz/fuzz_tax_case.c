/*
 * fuzz_tax_case — libFuzzer harness for the body of POST /api/v1/tax/compute
 * (and of the CLI's `atena tax compute`): the strict JSON reader
 * (core/json.c, jv_parse_object), the tax case contract (tax/case.c,
 * tax_case_from_json) and, for a case that passes, the engine and its JSON
 * answer under the law built into the binary, as h_compute (tax_routes.c)
 * runs them. A refusal must carry a message; nothing may crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "tax/case.h"
#include "tax/engine.h"
#include "tax/law.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tax_law *law;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	at_error err;
	if (tax_law_load_builtin(&law, &err)) {
		fprintf(stderr, "fuzz_tax_case: the built-in law does not load: %s\n", err.message);
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	at_error err;
	at_error_clear(&err);
	json_t *j = jv_parse_object((const char *)data, size, &err);
	if (!j) {
		if (!err.message[0])
			abort();   /* a refusal names the rule */
		return 0;
	}
	tax_case *c = malloc(sizeof *c);
	tax_result *r = malloc(sizeof *r);
	if (c && r && tax_case_from_json(j, c, &err) == 0 && tax_compute(law, c, r, &err) == 0) {
		json_t *out = tax_result_to_json(law, c, r);
		if (!out)
			abort();   /* tax_compute accepted the year and municipality */
		char *s = json_dumps(out, JSON_COMPACT);
		free(s);
		json_decref(out);
	} else if (c && r && !err.message[0]) {
		abort();
	}
	free(r);
	free(c);
	json_decref(j);
	return 0;
}
