/*
 * mynumber — the individual number (個人番号) and municipality code checks.
 *
 * A My Number is 12 digits whose last digit is a check digit computed from
 * the other eleven by the formula of 平成26年総務省令第85号 第5条 (the
 * ordinance under 番号法施行令 第8条). Every entry point that accepts a My
 * Number calls mynumber_validate.
 */
#ifndef ATENA_CORE_MYNUMBER_H
#define ATENA_CORE_MYNUMBER_H

#include "core/error.h"

typedef enum {
	MYNUMBER_OK = 0,          /* 12 digits with the right check digit */
	MYNUMBER_BAD_CHECK = 1,   /* 12 digits, wrong check digit */
	MYNUMBER_BAD_FORMAT = 2,  /* not exactly 12 ASCII digits */
} mynumber_result;

mynumber_result mynumber_check(const char *s);
/* The check digit (0..9) for 11 leading digits, or -1 if they are not 11 digits. */
int mynumber_check_digit(const char *first11);
/* mynumber_check with an error naming field. */
int mynumber_validate(const char *s, const char *field, at_error *err);

/* 全国地方公共団体コード: 5 digits + check digit (JIS X 0401 / 総務省 地方公共団体コード).
 * 0 when s is 6 digits with the right check digit. */
int municipality_code_validate(const char *s, const char *field, at_error *err);

#endif
