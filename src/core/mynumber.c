#include "core/mynumber.h"

#include <string.h>

#include "core/text.h"

int mynumber_check_digit(const char *first11)
{
	if (!text_is_digits(first11, 11))
		return -1;
	/* 平成26年総務省令第85号 第5条: Pn is the n-th digit counted from the
	 * lowest (rightmost) of the eleven; Qn = n+1 for 1<=n<=6, n-5 for 7<=n<=11.
	 * Check digit = 11 - (sum Pn*Qn mod 11), or 0 when the remainder is <= 1. */
	int sum = 0;
	for (int n = 1; n <= 11; n++) {
		int p = first11[11 - n] - '0';
		int q = n <= 6 ? n + 1 : n - 5;
		sum += p * q;
	}
	int r = sum % 11;
	return r <= 1 ? 0 : 11 - r;
}

mynumber_result mynumber_check(const char *s)
{
	if (!text_is_digits(s, 12))
		return MYNUMBER_BAD_FORMAT;
	/* mynumber_check_digit wants exactly 11 digits, not the first 11 of 12. */
	char first11[12];
	memcpy(first11, s, 11);
	first11[11] = '\0';
	return mynumber_check_digit(first11) == s[11] - '0' ? MYNUMBER_OK : MYNUMBER_BAD_CHECK;
}

int mynumber_validate(const char *s, const char *field, at_error *err)
{
	switch (mynumber_check(s)) {
	case MYNUMBER_OK:
		return 0;
	case MYNUMBER_BAD_CHECK:
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s has a wrong check digit (平成26年総務省令第85号 第5条)", field);
	default:
		return at_fail(err, 400, AT_E_INVALID, field, "%s must be exactly 12 digits", field);
	}
}

int municipality_code_validate(const char *s, const char *field, at_error *err)
{
	if (!text_is_digits(s, 6))
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s must be a 6-digit 全国地方公共団体コード", field);
	/* Weights 6,5,4,3,2 on the five digits; check = units digit of 11 - (sum mod 11). */
	int sum = 0;
	for (int i = 0; i < 5; i++)
		sum += (s[i] - '0') * (6 - i);
	int check = (11 - sum % 11) % 10;
	if (check != s[5] - '0')
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s has a wrong check digit for a 全国地方公共団体コード", field);
	return 0;
}
