#include "tax/law.h"
#include "test.h"
static void test_load(void) { tax_law *l = NULL; at_error e = {0}; CHECK(tax_law_load_builtin(&l, &e) == 0); if (!l) fprintf(stderr, "%s\n", e.message); tax_law_free(l); }
int main(void) { RUN(test_load); return test_report(); }
