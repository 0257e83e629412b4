/*
 * layout — the file layouts of the resident tax's source documents (課税資料),
 * read into one shape, tax_doc, and written back (for the synthetic tax year).
 *
 *   TAX_DOC_SALARY   給与支払報告書 (個人別明細書), eLTAX 法定資料 種類 315, in the
 *                    nationally unified record layout (CSV), one record per line
 *   TAX_DOC_PENSION  公的年金等支払報告書, its own unified layout (CSV)
 *   TAX_DOC_RETURN   住民税申告書 / 所得税確定申告書 data: a documented JSON layout
 *                    (docs/tax-layouts.md), one JSON object per line
 *   TAX_DOC_ONESTOP  寄附金税額控除に係る申告特例通知書 (one-stop notices), CSV
 *
 * Each layout's column map is one table in layout.c citing the published
 * specification. Every field is validated; a bad record is an error naming
 * the line and the column ("line 12: 支払を受ける者 生年月日: not a date")
 * and no partial document is produced.
 */
#ifndef ATENA_TAX_LAYOUT_H
#define ATENA_TAX_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "tax/case.h"

typedef enum {
	TAX_DOC_SALARY = 1,
	TAX_DOC_PENSION = 2,
	TAX_DOC_RETURN = 3,
	TAX_DOC_ONESTOP = 4,
} tax_doc_kind;

/* Who a relative on a document is (for 二重扶養 detection and matching). */
/* A フリガナ column holds at most 60 characters; read into full-width
 * katakana they take 3 bytes each in UTF-8. */
#define TAX_DOC_KANA_BYTES (60 * 3 + 1)

typedef struct tax_doc_relative_id {
	char my_number[13];      /* "" when the document carries none */
	char name[128];
	char name_kana[TAX_DOC_KANA_BYTES];
} tax_doc_relative_id;

typedef struct tax_doc {
	tax_doc_kind kind;
	int fiscal_year;                 /* 年度 the document serves (income year + 1) */
	char addressed_to[7];            /* 提出先 municipality code (6 digits) */
	/* the payer (支払者): employer (特別徴収義務者) or pension payer; "" on returns */
	char payer_id[32];               /* 指定番号 / 法人番号 / 支払者番号 */
	char payer_name[128];
	/* the person (支払を受ける者 / 申告者 / 寄附者) */
	char my_number[13];              /* 12 digits; validated by check digit */
	char name[128];
	char name_kana[TAX_DOC_KANA_BYTES];
	at_date birth_date;
	tax_sex sex;
	char address[256];               /* address on January 1 as written */
	/* what the document says, as the engine's input: only the fields the
	 * document carries are non-zero. For a salary report: salary_revenue,
	 * the deductions the employer applied (social insurance, life and
	 * earthquake premiums by class, small-business mutual aid), the spouse
	 * and dependants claimed, the person's status flags. For a pension
	 * report: public_pension_revenue, social insurance withheld, spouse and
	 * dependants. For a return: everything it declares. For a one-stop
	 * notice: donations.hometown with donations.one_stop = true. */
	tax_case body;
	tax_doc_relative_id spouse_id;                        /* when body.has_spouse */
	tax_doc_relative_id dependant_ids[TAX_MAX_DEPENDANTS]; /* parallel to body.dependants */
	/* collection: the employer asks for special collection (特別徴収) unless
	 * the report says 普通徴収 with a reason code (普通徴収切替理由). */
	bool ordinary_collection;
	char ordinary_reason[8];         /* e.g. "普A".."普F" as the layout codes them; "" */
	int64_t withheld_income_tax;     /* 源泉徴収税額 (salary/pension) */
	/* Added with the layouts (docs/tax-layouts.md): */
	char payer_address[256];         /* 提出義務者の住所又は所在地 (required by 315/331) */
	int64_t spouse_deduction;        /* 配偶者(特別)控除の額 the payer applied (salary) */
	int64_t housing_loan_credit;     /* 住宅借入金等特別控除等の額 applied to income tax
					  * (salary; 可能額 - this = body.housing_loan_carryover) */
	bool final_return;               /* TAX_DOC_RETURN: 確定申告 (true) / 住民税申告 (false) */
	at_date donation_date;           /* TAX_DOC_ONESTOP: 寄附年月日 */
	/* A stable id of this record within its source: the same record loaded
	 * twice gets the same id (intake is idempotent), computed from the
	 * record's own bytes (hex digest). */
	char record_id[65];
} tax_doc;

/* Parse one record (one line without its newline) of the given kind.
 * lineno is for messages. Returns 0, or -1 with err naming line and column. */
int tax_doc_parse(tax_doc_kind kind, const char *line, size_t len, size_t lineno, tax_doc *out,
		  at_error *err);
/* Write one record in the layout of its kind (one line, no newline), such
 * that tax_doc_parse reads back the same document. */
int tax_doc_format(const tax_doc *doc, strbuf *out, at_error *err);
/* "salary" | "pension" | "return" | "onestop" <-> kind; 0 when unknown. */
tax_doc_kind tax_doc_kind_parse(const char *s);
const char *tax_doc_kind_name(tax_doc_kind k);

/* Columns of a CSV layout (0 for the JSON returns), for tools and tests. */
size_t tax_doc_columns(tax_doc_kind k);

/* Half-width katakana (the layouts' フリガナ columns) from full-width, and back;
 * other characters are copied. Appended to out. */
void tax_kana_to_halfwidth(const char *s, strbuf *out);
void tax_kana_to_fullwidth(const char *s, strbuf *out);

#endif
