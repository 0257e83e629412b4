/*
 * A minimal test harness: CHECK records a failure and carries on, each test
 * binary prints "N passed, M failed" (a line CI reads) and exits non-zero on
 * any failure.
 *
 *     static void test_something(void) { CHECK(1 + 1 == 2); CHECK_STR(a, "x"); }
 *     int main(void) { RUN(test_something); return test_report(); }
 */
#ifndef ATENA_TEST_H
#define ATENA_TEST_H

#include <stdio.h>
#include <string.h>

static int test_passed, test_failed, test_cur_failed;
static const char *test_cur;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__,    \
				__LINE__, test_cur, #cond);                           \
			test_cur_failed++;                                            \
		}                                                                     \
	} while (0)

#define CHECK_STR(a, b)                                                               \
	do {                                                                          \
		const char *ca_ = (a), *cb_ = (b);                                    \
		if (!ca_ || !cb_ || strcmp(ca_, cb_)) {                               \
			fprintf(stderr, "%s:%d: %s: \"%s\" != \"%s\"\n", __FILE__,    \
				__LINE__, test_cur, ca_ ? ca_ : "(null)",             \
				cb_ ? cb_ : "(null)");                                \
			test_cur_failed++;                                            \
		}                                                                     \
	} while (0)

#define CHECK_INT(a, b)                                                               \
	do {                                                                          \
		long long ia_ = (long long)(a), ib_ = (long long)(b);                 \
		if (ia_ != ib_) {                                                     \
			fprintf(stderr, "%s:%d: %s: %s == %lld, expected %lld\n",     \
				__FILE__, __LINE__, test_cur, #a, ia_, ib_);          \
			test_cur_failed++;                                            \
		}                                                                     \
	} while (0)

#define RUN(fn)                                                                       \
	do {                                                                          \
		test_cur = #fn;                                                       \
		test_cur_failed = 0;                                                  \
		fn();                                                                 \
		if (test_cur_failed) {                                                \
			test_failed++;                                                \
			fprintf(stderr, "FAIL %s\n", #fn);                            \
		} else {                                                              \
			test_passed++;                                                \
		}                                                                     \
	} while (0)

static inline int test_report(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif
