/*
 * fuzz_layout — libFuzzer harness for the tax layouts (src/tax/layout.c):
 * one record of the layout FUZZ_KIND (built once per kind: 315 salary,
 * 331 pension, the JSON return, the one-stop notice; tests/CMakeLists.txt).
 *
 * A record is outside input (an employer's or eLTAX's file). The parser must
 * refuse any bytes with an error naming the line and the column, or give a
 * document that tax_doc_format writes back and tax_doc_parse reads again
 * (layout.h promises the round trip; a parsed document that cannot be
 * written is a bug the fuzzer reports by aborting).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tax/layout.h"

#ifndef FUZZ_KIND
#error "build with -DFUZZ_KIND=TAX_DOC_SALARY (or _PENSION, _RETURN, _ONESTOP)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* tax_doc_parse takes a line without its newline, not NUL-terminated:
	 * an exact-size copy lets ASan see a read past its end. */
	char *line = malloc(size ? size : 1);
	if (!line)
		return 0;
	if (size)
		memcpy(line, data, size);
	tax_doc *d = malloc(sizeof *d), *back = malloc(sizeof *back);
	at_error err;
	at_error_clear(&err);
	if (d && back && tax_doc_parse(FUZZ_KIND, line, size, 1, d, &err) == 0) {
		strbuf sb = STRBUF_INIT;
		sb_init(&sb);
		strbuf again = STRBUF_INIT;
		sb_init(&again);
		if (tax_doc_format(d, &sb, &err) ||
		    tax_doc_parse(FUZZ_KIND, sb.buf, sb.len, 1, back, &err) ||
		    tax_doc_format(back, &again, &err)) {
			fprintf(stderr, "a parsed %s record does not round-trip: %s\n",
				tax_doc_kind_name(FUZZ_KIND), err.message);
			abort();
		}
		/* Written, read and written again: the same bytes, or the layout
		 * lost or changed a field on the way. */
		if (sb.len != again.len || memcmp(sb.buf, again.buf, sb.len)) {
			fprintf(stderr, "a %s record reads back differently:\n%.*s\n%.*s\n",
				tax_doc_kind_name(FUZZ_KIND), (int)sb.len, sb.buf, (int)again.len,
				again.buf);
			abort();
		}
		sb_release(&again);
		sb_release(&sb);
	} else if (d && back && !err.message[0]) {
		fprintf(stderr, "a refused %s record has no message\n", tax_doc_kind_name(FUZZ_KIND));
		abort();
	}
	free(back);
	free(d);
	free(line);
	return 0;
}
