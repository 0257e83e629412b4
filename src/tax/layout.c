/*
 * layout — the resident tax's source documents in their file layouts
 * (docs/tax-layouts.md has every column, its source and its mapping).
 *
 * Each CSV layout is one table of columns below: the column's Japanese name
 * (the name errors use), its kind (text, amount, code, ...) and its limit.
 * Parsing is two passes: every column is checked against its row of the
 * table, then the layout's own function maps the columns into a tax_doc and
 * checks what spans columns (dates, 内書 <= total, counts vs. names).
 * Formatting fills the same columns from a tax_doc and checks each value
 * against the same table, so a written record always reads back.
 *
 * Input is UTF-8. Real files are Shift_JIS (CP932); conversion happens at the
 * edge (iconv in the caller), never here. A trailing CR is ignored, so files
 * with CRLF line ends read the same.
 */
#include "tax/layout.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json.h"
#include "core/kana.h"
#include "core/mynumber.h"
#include "core/text.h"
#include "core/wareki.h"
#include "crypto/crypto.h"

#define LINE_MAX_BYTES 65536u   /* a 144-column record is < 4 KiB; anything far longer is not one */
#define COLW 640                /* bytes one formatted column may take (200 chars of UTF-8 + NUL) */
#define AMOUNT_MAX 9999999999LL /* 10 digits: the layouts' 数字10 */

/* ---- Column tables ----------------------------------------------------- */

typedef enum {
	K_FIXED,    /* exactly opts */
	K_TEXT,     /* UTF-8 text without control characters, <= max characters */
	K_ASCII,    /* printable ASCII, <= max */
	K_AMOUNT,   /* non-negative integer yen, <= 10 digits */
	K_NUM,      /* non-negative integer, <= max digits (counts, 適用数) */
	K_ENUM,     /* one of opts ("0|1|2") */
	K_YY,       /* 01..99 (era year) */
	K_MM,       /* 01..12 */
	K_DD,       /* 01..31 (the whole date is checked with its group) */
	K_KANA,     /* katakana (half- or full-width) and spaces, <= max characters */
	K_MYNUM,    /* 個人番号: 12 digits with the check digit */
	K_MUNI,     /* 全国地方公共団体コード: 6 digits with the check digit */
	K_PAYERNO,  /* 提出義務者の個人番号 (12, checked) 又は法人番号 (13 digits) */
} col_kind;

typedef struct lcol {
	const char *name;
	col_kind kind;
	unsigned max;
	bool required;
	const char *opts;
} lcol;

#define FIX(n, v) {n, K_FIXED, 0, true, v}
#define TXT(n, m) {n, K_TEXT, m, false, NULL}
#define TXTR(n, m) {n, K_TEXT, m, true, NULL}
#define ASC(n, m) {n, K_ASCII, m, false, NULL}
#define AMT(n) {n, K_AMOUNT, 10, false, NULL}
#define NUM(n, m) {n, K_NUM, m, false, NULL}
#define ENU(n, o) {n, K_ENUM, 0, false, o}
#define ENUR(n, o) {n, K_ENUM, 0, true, o}
#define FLAG(n) {n, K_ENUM, 0, false, "0|1"}
#define YY(n) {n, K_YY, 2, false, NULL}
#define YYR(n) {n, K_YY, 2, true, NULL}
#define MM(n) {n, K_MM, 2, false, NULL}
#define MMR(n) {n, K_MM, 2, true, NULL}
#define DD(n) {n, K_DD, 2, false, NULL}
#define DDR(n) {n, K_DD, 2, true, NULL}
#define KANA(n, m) {n, K_KANA, m, false, NULL}
#define KANAR(n, m) {n, K_KANA, m, true, NULL}
#define MYN(n) {n, K_MYNUM, 12, false, NULL}
#define MYNR(n) {n, K_MYNUM, 12, true, NULL}
#define MUNI(n) {n, K_MUNI, 6, true, NULL}
#define PAYNO(n) {n, K_PAYERNO, 13, false, NULL}

/* 元号 as the 法定調書 media layouts code it: 昭和 1, 大正 2, 明治 3, 平成 4,
 * 令和 5 (昭和 was 1 because it was the era of most records when the codes
 * were fixed). See docs/tax-layouts.md for the sources. */
#define ERA_CODES "1|2|3|4|5"
/* 区分 of a relative on 315 (平成28年分以後): 00 居住者, 01 非居住者. */
#define REL_KUBUN "00|01"

#define DEP_COLS(k) KANA("控除対象扶養親族" k " フリガナ", 60), TXT("控除対象扶養親族" k " 氏名", 30), \
		ENU("控除対象扶養親族" k " 区分", REL_KUBUN), MYN("控除対象扶養親族" k " 個人番号")
#define U16_COLS(k) KANA("16歳未満の扶養親族" k " フリガナ", 60), TXT("16歳未満の扶養親族" k " 氏名", 30), \
		ENU("16歳未満の扶養親族" k " 区分", REL_KUBUN), MYN("16歳未満の扶養親族" k " 個人番号")

/*
 * 給与支払報告書 (個人別明細書), 法定資料の種類 315: the nationally unified
 * record layout of 給与支払報告書 on media / eLTAX, shared with the national
 * 給与所得の源泉徴収票 media layout.
 *   Columns 1-91 and 134-140: 総務省自治税務局長通知「個人の住民税の給与支払報告書
 *   及び公的年金等支払報告書の光ディスク等化について」(平成25年11月21日 総税市第49号)
 *   別紙, 98 columns, as transcribed column by column in arakanema/kyuhou_csv_validator
 *   (2014, checks "項目数 98"), and by municipal guides that reproduce it (網走市
 *   「給与支払報告書 光ディスク等提出データ仕様書」, 小田原市, 熊本市, 帯広市).
 *   Columns 92-133 (the My Number columns of 平成28年分) and 141-144 (令和2年分:
 *   基礎控除の額, 所得金額調整控除額, ひとり親, 作成区分): in the order written by
 *   chumaltd/luca (LucaSalary, lib/luca_salary/jp_payreport.rb), an eLTAX/e-Tax
 *   unified-CSV writer; the primary text of these revisions was not reachable
 *   (docs/tax-layouts.md says so). 144 columns.
 */
enum {
	S_KIND = 1, S_PAYER_ADDR = 4, S_PAYER_NAME = 5, S_CORRECTION = 10, S_YEAR = 11,
	S_ADDR = 12, S_ABROAD = 13, S_NAME = 14, S_PAY = 17, S_WITHHELD = 21,
	S_SPOUSE_FLAG = 23, S_SPOUSE_OLD = 24, S_SPOUSE_DED = 25,
	S_DEP_SPEC = 26, S_DEP_OLD = 28, S_DEP_OLD_COHAB = 29, S_DEP_OTHER = 31,
	S_DIS_SPECIAL = 33, S_DIS_SPECIAL_COHAB = 34, S_DIS_OTHER = 35,
	S_SOCIAL = 36, S_SOCIAL_SBMA = 37, S_LIFE_DED = 38, S_QUAKE_DED = 39, S_HOUSING = 40,
	S_OLD_PENSION = 41, S_SPOUSE_INCOME = 42, S_OLD_LONGTERM = 43, S_BIRTH = 44,
	S_SELF_SPECIAL = 51, S_SELF_DISABLED = 52, S_WIDOW = 54, S_STUDENT = 56,
	S_MIDYEAR = 60, S_PREV_RETIRE = 71, S_HOUSING_DATE1 = 74, S_HOUSING_COUNT = 77,
	S_HOUSING_POSSIBLE = 78, S_HOUSING_DATE2 = 81, S_REMARKS = 86,
	S_NEW_LIFE = 87, S_OLD_LIFE = 88, S_CARE = 89, S_NEW_PENSION = 90, S_DEP_U16 = 91,
	S_PAYER_NO = 94, S_MYNUMBER = 95, S_SPOUSE_ID = 96, S_DEP_ID = 100, S_U16_ID = 116,
	S_DEP_MORE = 132, S_U16_MORE = 133, S_ORDINARY = 134, S_KANA = 137, S_ADDRESSED = 139,
	S_DESIGNATED = 140, S_SINGLE_PARENT = 143, S_CREATED = 144,
	S_NCOLS = 144
};

static const lcol SALARY[S_NCOLS] = {
	FIX("法定資料の種類", "315"),
	ASC("整理番号1", 10),
	ASC("本支店等区分番号", 5),
	TXTR("提出義務者の住所又は所在地", 60),
	TXTR("提出義務者の氏名又は名称", 30),
	ASC("提出義務者の電話番号", 15),
	ASC("整理番号2", 13),
	TXT("提出者の住所又は所在地", 60),
	TXT("提出者の氏名又は名称", 30),
	ENUR("訂正表示", "0|1|2|3"),
	YYR("年分"),
	TXTR("支払を受ける者 住所又は居所", 60),
	FLAG("支払を受ける者 国外住所表示"),
	TXTR("支払を受ける者 氏名", 30),
	TXT("支払を受ける者 役職名", 15),
	TXT("種別", 10),
	AMT("支払金額"),
	AMT("未払金額"),
	AMT("給与所得控除後の給与等の金額"),
	AMT("所得控除の額の合計額"),
	AMT("源泉徴収税額"),
	AMT("未徴収税額"),
	ENU("控除対象配偶者の有無等", "1|2|3|4"),
	FLAG("老人控除対象配偶者"),
	AMT("配偶者特別控除の額"),
	NUM("控除対象扶養親族の数 特定 主", 2),
	NUM("控除対象扶養親族の数 特定 従", 2),
	NUM("控除対象扶養親族の数 老人 主", 2),
	NUM("控除対象扶養親族の数 老人 上の内訳", 2),
	NUM("控除対象扶養親族の数 老人 従", 2),
	NUM("控除対象扶養親族の数 その他 主", 2),
	NUM("控除対象扶養親族の数 その他 従", 2),
	NUM("障害者の数 特別障害者", 2),
	NUM("障害者の数 上の内訳", 2),
	NUM("障害者の数 その他", 2),
	AMT("社会保険料等の金額"),
	AMT("社会保険料等の金額の内書"),
	AMT("生命保険料の控除額"),
	AMT("地震保険料の控除額"),
	AMT("住宅借入金等特別控除等の額"),
	AMT("旧個人年金保険料の金額"),
	AMT("配偶者の合計所得"),
	AMT("旧長期損害保険料の金額"),
	ENUR("受給者の生年月日 元号", ERA_CODES),
	YYR("受給者の生年月日 年"),
	MMR("受給者の生年月日 月"),
	DDR("受給者の生年月日 日"),
	FLAG("夫あり"),
	FLAG("未成年者"),
	FLAG("乙欄適用"),
	FLAG("本人が特別障害者"),
	FLAG("本人がその他の障害者"),
	FLAG("老年者"),
	ENU("寡婦", "0|1|2"),
	FLAG("寡夫"),
	FLAG("勤労学生"),
	FLAG("死亡退職"),
	FLAG("災害者"),
	FLAG("外国人"),
	ENU("中途就・退職 区分", "0|1|2"),
	YY("中途就・退職 年"),
	MM("中途就・退職 月"),
	DD("中途就・退職 日"),
	TXT("前職 住所又は所在地", 60),
	FLAG("前職 国外住所表示"),
	TXT("前職 氏名又は名称", 30),
	AMT("前職 給与等の金額"),
	AMT("前職 徴収した額"),
	AMT("前職 控除した社会保険料の金額"),
	AMT("災害者に係る徴収猶予税額"),
	YY("他の支払者のもとを退職した年月日 年"),
	MM("他の支払者のもとを退職した年月日 月"),
	DD("他の支払者のもとを退職した年月日 日"),
	YY("住宅借入金等特別控除等適用家屋居住年月日(1回目) 年"),
	MM("住宅借入金等特別控除等適用家屋居住年月日(1回目) 月"),
	DD("住宅借入金等特別控除等適用家屋居住年月日(1回目) 日"),
	NUM("住宅借入金等特別控除適用数", 1),
	AMT("住宅借入金等特別控除可能額"),
	ENU("住宅借入金等特別控除区分(1回目)", "01|02|03|04|05|06|07|08|09"),
	AMT("住宅借入金等年末残高(1回目)"),
	YY("住宅借入金等特別控除等適用家屋居住年月日(2回目) 年"),
	MM("住宅借入金等特別控除等適用家屋居住年月日(2回目) 月"),
	DD("住宅借入金等特別控除等適用家屋居住年月日(2回目) 日"),
	ENU("住宅借入金等特別控除区分(2回目)", "01|02|03|04|05|06|07|08|09"),
	AMT("住宅借入金等年末残高(2回目)"),
	TXT("摘要", 100),
	AMT("新生命保険料の金額"),
	AMT("旧生命保険料の金額"),
	AMT("介護医療保険料の金額"),
	AMT("新個人年金保険料の金額"),
	NUM("16歳未満扶養親族の数", 2),
	AMT("国民年金保険料等の金額"),
	NUM("非居住者である親族の数", 2),
	PAYNO("提出義務者の個人番号又は法人番号"),
	MYN("受給者の個人番号"),
	KANA("控除対象配偶者 フリガナ", 60),
	TXT("控除対象配偶者 氏名", 30),
	ENU("控除対象配偶者 区分", REL_KUBUN),
	MYN("控除対象配偶者 個人番号"),
	DEP_COLS("1"), DEP_COLS("2"), DEP_COLS("3"), DEP_COLS("4"),
	U16_COLS("1"), U16_COLS("2"), U16_COLS("3"), U16_COLS("4"),
	TXT("控除対象扶養親族 5人目以降", 200),
	TXT("16歳未満の扶養親族 5人目以降", 200),
	FLAG("普通徴収"),
	FLAG("青色専従者"),
	FLAG("条約免除"),
	KANAR("支払を受ける者 フリガナ", 60),
	ASC("受給者番号", 25),
	MUNI("提出先市町村コード"),
	ASC("指定番号", 12),
	AMT("基礎控除の額"),
	AMT("所得金額調整控除額"),
	FLAG("ひとり親"),
	ENU("作成区分", "0|1|2"),
};

/*
 * 公的年金等支払報告書, 法定資料の種類 331. Columns 1-49: the same 総税市第49号
 * (平成25年11月21日) 別紙, as transcribed in arakanema/nenpou_csv_validator (checks
 * "項目数 49"); file name 331dat**.txt (名古屋市「公的年金等支払報告書の光ディスク等の
 * 作成の概要」). Columns 50-88 carry what the 平成28年分 and 令和2年分 revisions added
 * (My Numbers, 源泉控除対象配偶者 and 扶養親族 by name, ひとり親); their published
 * positions were not found, so Atena appends them in the order of the 315 layout
 * and docs/tax-layouts.md marks them as Atena's.
 */
enum {
	P_KIND = 1, P_PAYER_ADDR = 4, P_PAYER_NAME = 5, P_YEAR = 11, P_ADDR = 12, P_NAME = 14,
	P_BIRTH = 15, P_PAY1 = 19, P_PAY2 = 23, P_PAY3 = 27, P_SELF_SPECIAL = 31,
	P_SELF_DISABLED = 32, P_SPOUSE_FLAG = 34, P_DEP_OLD = 35, P_DEP_OTHER = 36,
	P_DIS_SPECIAL = 37, P_DIS_OTHER = 38, P_SOCIAL = 39, P_DEP_SPEC = 40,
	P_DIS_SPECIAL_COHAB = 42, P_SPECIAL_WIDOW = 43, P_WIDOW = 44, P_DEP_U16 = 45,
	P_KANA = 46, P_ADDRESSED = 48, P_DESIGNATED = 49, P_PAYER_NO = 50, P_MYNUMBER = 51,
	P_SPOUSE_ID = 52, P_DEP_ID = 56, P_U16_ID = 72, P_SINGLE_PARENT = 88,
	P_NCOLS = 88
};

#define PAY_COLS(k) AMT("所得税法第203条の3第" k "号適用分 支払金額"), \
		AMT("所得税法第203条の3第" k "号適用分 未払金額"), \
		AMT("所得税法第203条の3第" k "号適用分 源泉徴収税額"), \
		AMT("所得税法第203条の3第" k "号適用分 未徴収税額")

static const lcol PENSION[P_NCOLS] = {
	FIX("法定資料の種類", "331"),
	ASC("整理番号1", 10),
	ASC("本支店等区分番号", 5),
	TXTR("提出義務者の住所又は所在地", 60),
	TXTR("提出義務者の氏名又は名称", 30),
	ASC("提出義務者の電話番号", 15),
	ASC("整理番号2", 13),
	TXT("提出者の住所又は所在地", 60),
	TXT("提出者の氏名又は名称", 30),
	ENUR("訂正表示", "0|1|2|3"),
	YYR("年分"),
	TXTR("支払を受ける者 住所又は居所", 60),
	FLAG("支払を受ける者 国外住所表示"),
	TXTR("支払を受ける者 氏名", 30),
	ENUR("受給者の生年月日 元号", ERA_CODES),
	YYR("受給者の生年月日 年"),
	MMR("受給者の生年月日 月"),
	DDR("受給者の生年月日 日"),
	PAY_COLS("1"), PAY_COLS("2"), PAY_COLS("3"),
	FLAG("本人 特別障害者"),
	FLAG("本人 その他の障害者"),
	FLAG("本人 老年者"),
	ENU("控除対象配偶者の有無等", "1|2|3"),
	NUM("控除対象扶養親族の数 老人", 2),
	NUM("控除対象扶養親族の数 その他", 2),
	NUM("障害者の数 特別障害者", 2),
	NUM("障害者の数 その他", 2),
	AMT("社会保険料の金額"),
	NUM("控除対象扶養親族の数 特定", 2),
	TXT("摘要", 100),
	NUM("障害者の数 特別障害者のうち同居", 2),
	FLAG("本人 特別寡婦"),
	FLAG("本人 寡婦・寡夫"),
	NUM("16歳未満の扶養親族の数", 2),
	KANAR("支払を受ける者 フリガナ", 60),
	ASC("受給者番号", 25),
	MUNI("提出先市町村コード"),
	ASC("指定番号", 12),
	/* Atena's extension (positions not from a published spec): */
	PAYNO("提出義務者の個人番号又は法人番号"),
	MYN("受給者の個人番号"),
	KANA("源泉控除対象配偶者 フリガナ", 60),
	TXT("源泉控除対象配偶者 氏名", 30),
	ENU("源泉控除対象配偶者 区分", REL_KUBUN),
	MYN("源泉控除対象配偶者 個人番号"),
	DEP_COLS("1"), DEP_COLS("2"), DEP_COLS("3"), DEP_COLS("4"),
	U16_COLS("1"), U16_COLS("2"), U16_COLS("3"), U16_COLS("4"),
	FLAG("本人 ひとり親"),
};

/*
 * 寄附金税額控除に係る申告特例通知書 (地方税法附則7条の2; the donee sends it to
 * the donor's municipality of 1 January by 1 February, via eLTAX). eLTAX's own
 * record layout for it is not public; this is Atena's CSV with the items the
 * 通知書 form carries (総務省令 様式第5号の5の2: 寄附者の住所・氏名・個人番号・
 * 生年月日・性別, 寄附年月日, 寄附金額), in the conventions of 315/331.
 */
enum {
	O_KIND = 1, O_ADDRESSED = 2, O_DONEE = 3, O_DONEE_NAME = 4, O_MYNUMBER = 5, O_NAME = 6,
	O_KANA = 7, O_ADDR = 8, O_BIRTH = 9, O_SEX = 13, O_DATE = 14, O_AMOUNT = 18, O_REF = 19,
	O_NCOLS = 19
};

static const lcol ONESTOP[O_NCOLS] = {
	FIX("資料の種類", "申告特例通知"),
	MUNI("通知先市町村コード"),
	MUNI("寄附先団体コード"),
	TXTR("寄附先団体名", 30),
	MYNR("寄附者の個人番号"),
	TXTR("寄附者の氏名", 30),
	KANA("寄附者のフリガナ", 60),
	TXTR("寄附者の住所", 60),
	ENUR("寄附者の生年月日 元号", ERA_CODES),
	YYR("寄附者の生年月日 年"),
	MMR("寄附者の生年月日 月"),
	DDR("寄附者の生年月日 日"),
	ENU("寄附者の性別", "1|2"),
	ENUR("寄附年月日 元号", ERA_CODES),
	YYR("寄附年月日 年"),
	MMR("寄附年月日 月"),
	DDR("寄附年月日 日"),
	{"寄附金額", K_AMOUNT, 10, true, NULL},
	ASC("受付番号", 20),
};

/* ---- Errors ------------------------------------------------------------ */

static int fail_col(at_error *err, size_t lineno, const char *col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_col(at_error *err, size_t lineno, const char *col, const char *fmt, ...)
{
	char what[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (lineno)
		return at_fail(err, 400, AT_E_INVALID, col, "line %zu: %s: %s", lineno, col, what);
	return at_fail(err, 400, AT_E_INVALID, col, "%s: %s", col, what);
}

/* ---- Kana --------------------------------------------------------------- */

/* Full-width katakana and the half-width form the layouts' フリガナ columns use
 * (JIS X 0201 片仮名; voiced sounds as base + ﾞ/ﾟ). */
static const char *const KANA_PAIRS[][2] = {
	{"ヴ", "ｳﾞ"}, {"ガ", "ｶﾞ"}, {"ギ", "ｷﾞ"}, {"グ", "ｸﾞ"}, {"ゲ", "ｹﾞ"}, {"ゴ", "ｺﾞ"},
	{"ザ", "ｻﾞ"}, {"ジ", "ｼﾞ"}, {"ズ", "ｽﾞ"}, {"ゼ", "ｾﾞ"}, {"ゾ", "ｿﾞ"}, {"ダ", "ﾀﾞ"},
	{"ヂ", "ﾁﾞ"}, {"ヅ", "ﾂﾞ"}, {"デ", "ﾃﾞ"}, {"ド", "ﾄﾞ"}, {"バ", "ﾊﾞ"}, {"ビ", "ﾋﾞ"},
	{"ブ", "ﾌﾞ"}, {"ベ", "ﾍﾞ"}, {"ボ", "ﾎﾞ"}, {"パ", "ﾊﾟ"}, {"ピ", "ﾋﾟ"}, {"プ", "ﾌﾟ"},
	{"ペ", "ﾍﾟ"}, {"ポ", "ﾎﾟ"}, {"ア", "ｱ"}, {"イ", "ｲ"}, {"ウ", "ｳ"}, {"エ", "ｴ"},
	{"オ", "ｵ"}, {"カ", "ｶ"}, {"キ", "ｷ"}, {"ク", "ｸ"}, {"ケ", "ｹ"}, {"コ", "ｺ"},
	{"サ", "ｻ"}, {"シ", "ｼ"}, {"ス", "ｽ"}, {"セ", "ｾ"}, {"ソ", "ｿ"}, {"タ", "ﾀ"},
	{"チ", "ﾁ"}, {"ツ", "ﾂ"}, {"テ", "ﾃ"}, {"ト", "ﾄ"}, {"ナ", "ﾅ"}, {"ニ", "ﾆ"},
	{"ヌ", "ﾇ"}, {"ネ", "ﾈ"}, {"ノ", "ﾉ"}, {"ハ", "ﾊ"}, {"ヒ", "ﾋ"}, {"フ", "ﾌ"},
	{"ヘ", "ﾍ"}, {"ホ", "ﾎ"}, {"マ", "ﾏ"}, {"ミ", "ﾐ"}, {"ム", "ﾑ"}, {"メ", "ﾒ"},
	{"モ", "ﾓ"}, {"ヤ", "ﾔ"}, {"ユ", "ﾕ"}, {"ヨ", "ﾖ"}, {"ラ", "ﾗ"}, {"リ", "ﾘ"},
	{"ル", "ﾙ"}, {"レ", "ﾚ"}, {"ロ", "ﾛ"}, {"ワ", "ﾜ"}, {"ヲ", "ｦ"}, {"ン", "ﾝ"},
	{"ァ", "ｧ"}, {"ィ", "ｨ"}, {"ゥ", "ｩ"}, {"ェ", "ｪ"}, {"ォ", "ｫ"}, {"ッ", "ｯ"},
	{"ャ", "ｬ"}, {"ュ", "ｭ"}, {"ョ", "ｮ"}, {"ー", "ｰ"}, {"・", "･"}, {"　", " "},
	{"ヰ", "ｲ"}, {"ヱ", "ｴ"}, {"ヮ", "ﾜ"},
};
#define N_KANA (sizeof KANA_PAIRS / sizeof KANA_PAIRS[0])
#define N_KANA_REVERSIBLE (N_KANA - 3)   /* ヰヱヮ have no half-width form of their own */

static size_t utf8_char_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	return 4;
}

void tax_kana_to_halfwidth(const char *s, strbuf *out)
{
	while (*s) {
		size_t n = utf8_char_len((unsigned char)*s);
		size_t i;
		for (i = 0; i < N_KANA; i++)
			if (!strncmp(s, KANA_PAIRS[i][0], n) && KANA_PAIRS[i][0][n] == '\0')
				break;
		if (i < N_KANA)
			sb_adds(out, KANA_PAIRS[i][1]);
		else
			sb_add(out, s, strnlen(s, n));
		s += strnlen(s, n);
	}
}

void tax_kana_to_fullwidth(const char *s, strbuf *out)
{
	while (*s) {
		size_t i;
		/* Voiced pairs first: they are listed first, and the base alone would match too. */
		size_t m = 0;
		for (i = 0; i < N_KANA_REVERSIBLE; i++) {
			/* a prefix test without strlen and strncmp per pair: this
			 * runs for every character of every name of a bulk intake */
			const char *p = KANA_PAIRS[i][1];
			for (m = 0; p[m] && p[m] == s[m]; m++)
				;
			if (!p[m])
				break;
		}
		if (i < N_KANA_REVERSIBLE) {
			sb_adds(out, KANA_PAIRS[i][0]);
			s += m;
		} else {
			size_t n = strnlen(s, utf8_char_len((unsigned char)*s));
			sb_add(out, s, n);
			s += n;
		}
	}
}

/* ---- One column --------------------------------------------------------- */

static bool digits_only(const char *s, size_t maxn)
{
	size_t n = strlen(s);
	if (n == 0 || n > maxn)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool in_opts(const char *v, const char *opts)
{
	size_t n = strlen(v);
	const char *p = opts;
	while (*p) {
		const char *bar = strchr(p, '|');
		size_t m = bar ? (size_t)(bar - p) : strlen(p);
		if (m == n && !strncmp(p, v, n))
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}

static int check_col(const lcol *c, const char *v, size_t lineno, at_error *err)
{
	if (!*v) {
		if (c->required)
			return fail_col(err, lineno, c->name, "required but empty");
		return 0;
	}
	switch (c->kind) {
	case K_FIXED:
		if (strcmp(v, c->opts))
			return fail_col(err, lineno, c->name, "must be \"%s\"", c->opts);
		return 0;
	case K_TEXT: {
		at_error e;
		if (text_check(v, c->name, c->max, false, 0, &e))
			return fail_col(err, lineno, c->name,
					"not text of at most %u characters without control characters",
					c->max);
		if (strchr(v, '"'))
			return fail_col(err, lineno, c->name, "may not contain '\"'");
		return 0;
	}
	case K_ASCII:
		if (strlen(v) > c->max)
			return fail_col(err, lineno, c->name, "longer than %u characters", c->max);
		for (const char *p = v; *p; p++)
			if (*p < 0x20 || *p > 0x7E || *p == '"')
				return fail_col(err, lineno, c->name, "not half-width (ASCII) characters");
		return 0;
	case K_AMOUNT:
		if (!digits_only(v, 10))
			return fail_col(err, lineno, c->name,
					"not a non-negative integer amount of at most 10 digits: \"%.20s\"", v);
		return 0;
	case K_NUM:
		if (!digits_only(v, c->max))
			return fail_col(err, lineno, c->name,
					"not a non-negative number of at most %u digits: \"%.20s\"",
					c->max, v);
		return 0;
	case K_ENUM:
		if (!in_opts(v, c->opts))
			return fail_col(err, lineno, c->name, "unknown code \"%.20s\" (allowed: %s)", v,
					c->opts);
		return 0;
	case K_YY:
	case K_MM:
	case K_DD: {
		int hi = c->kind == K_YY ? 99 : c->kind == K_MM ? 12 : 31;
		if (!digits_only(v, 2) || strlen(v) != 2 || atoi(v) < 1 || atoi(v) > hi)
			return fail_col(err, lineno, c->name, "must be two digits 01..%02d: \"%.20s\"",
					hi, v);
		return 0;
	}
	case K_KANA: {
		/* The column is half-width: its length is counted in the form it is
		 * written in (a full-width ポ is ﾎﾟ, two characters). */
		strbuf hw = STRBUF_INIT;
		tax_kana_to_halfwidth(v, &hw);
		size_t n = text_utf8_len(hw.buf);
		sb_release(&hw);
		if (text_utf8_len(v) == (size_t)-1 || n > c->max || !kana_reading_ok(v, KANA_READING_KATAKANA))
			return fail_col(err, lineno, c->name,
					"not katakana of at most %u half-width characters", c->max);
		return 0;
	}
	case K_MYNUM:
		switch (mynumber_check(v)) {
		case MYNUMBER_OK:
			return 0;
		case MYNUMBER_BAD_CHECK:
			return fail_col(err, lineno, c->name, "wrong check digit for a 個人番号");
		default:
			return fail_col(err, lineno, c->name, "a 個人番号 is exactly 12 digits");
		}
	case K_MUNI: {
		at_error e;
		if (municipality_code_validate(v, c->name, &e))
			return fail_col(err, lineno, c->name,
					"not a 6-digit 全国地方公共団体コード with its check digit");
		return 0;
	}
	case K_PAYERNO:
		if (digits_only(v, 13) && strlen(v) == 13)
			return 0;
		if (strlen(v) == 12 && mynumber_check(v) == MYNUMBER_OK)
			return 0;
		return fail_col(err, lineno, c->name,
				"neither a 13-digit 法人番号 nor a 個人番号 with its check digit");
	}
	return 0;
}

/* ---- Records ------------------------------------------------------------ */

typedef struct record {
	char *copy;        /* the line, split in place */
	char **f;          /* ncols fields */
	size_t n;
} record;

static void record_free(record *r)
{
	free(r->copy);
	free(r->f);
}

static int split(const char *line, size_t len, size_t lineno, const lcol *cols, size_t ncols,
		 record *r, at_error *err)
{
	memset(r, 0, sizeof *r);
	r->copy = malloc(len + 1);
	r->f = calloc(ncols, sizeof *r->f);
	if (!r->copy || !r->f)
		abort();
	memcpy(r->copy, line, len);
	r->copy[len] = '\0';
	size_t n = 1;
	for (size_t i = 0; i < len; i++)
		if (r->copy[i] == ',')
			n++;
	if (n != ncols)
		return fail_col(err, lineno, "項目数", "expected %zu columns, found %zu", ncols, n);
	char *p = r->copy;
	for (size_t i = 0; i < ncols; i++) {
		r->f[i] = p;
		char *c = strchr(p, ',');
		if (c) {
			*c = '\0';
			p = c + 1;
		}
	}
	r->n = ncols;
	for (size_t i = 0; i < ncols; i++)
		if (check_col(&cols[i], r->f[i], lineno, err))
			return -1;
	return 0;
}

#define F(r, no) ((r)->f[(no) - 1])

static int64_t amount(const char *s)
{
	return *s ? strtoll(s, NULL, 10) : 0;
}

static int count(const char *s)
{
	return *s ? atoi(s) : 0;
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

static void copy_kana(char *dst, size_t cap, const char *src)
{
	strbuf sb = STRBUF_INIT;
	tax_kana_to_fullwidth(src, &sb);
	copy(dst, cap, sb.buf ? sb.buf : "");
	sb_release(&sb);
}

/* ---- Era dates ----------------------------------------------------------- */

typedef struct era_code {
	int code;
	const char *name;
	int base;   /* Gregorian year of era year 0 */
} era_code;

static const era_code ERA[] = {
	{1, "昭和", 1925}, {2, "大正", 1911}, {3, "明治", 1867}, {4, "平成", 1988}, {5, "令和", 2018},
};

/* A date written as 元号コード + 年 + 月 + 日 columns; the era must be the one
 * in force that day (wareki). */
static int era_date(const char *code, const char *yy, const char *mm, const char *dd,
		    const char *group, size_t lineno, at_date *out, at_error *err)
{
	int c = atoi(code);
	for (size_t i = 0; i < sizeof ERA / sizeof ERA[0]; i++) {
		if (ERA[i].code != c)
			continue;
		at_date d = {ERA[i].base + atoi(yy), atoi(mm), atoi(dd)};
		const char *name;
		int year;
		if (!date_valid(d.year, d.month, d.day) || wareki_era_year(d, &name, &year) ||
		    strcmp(name, ERA[i].name) || year != atoi(yy))
			return fail_col(err, lineno, group, "not a date: %s%s年%s月%s日", ERA[i].name,
					yy, mm, dd);
		*out = d;
		return 0;
	}
	return fail_col(err, lineno, group, "unknown 元号 code \"%s\"", code);
}

static int era_cols(at_date d, char code[2], char yy[12], char mm[12], char dd[12])
{
	const char *name;
	int year;
	if (wareki_era_year(d, &name, &year))
		return -1;
	for (size_t i = 0; i < sizeof ERA / sizeof ERA[0]; i++)
		if (!strcmp(ERA[i].name, name) && year <= 99) {
			code[0] = (char)('0' + ERA[i].code);
			code[1] = '\0';
			snprintf(yy, 12, "%02d", year % 100);
			snprintf(mm, 12, "%02d", d.month % 100);
			snprintf(dd, 12, "%02d", d.day % 100);
			return 0;
		}
	return -1;
}

/* 年分 is the income year in its era, two digits. Records this system takes are
 * for 令和 years (income year 2019 on), so "07" is 令和7年分 = 2025 and serves
 * fiscal year 2026. */
static int year_col_to_fiscal(const char *yy)
{
	return 2018 + atoi(yy) + 1;
}

/* ---- Relatives: counts and names <-> tax_relative ------------------------ */

/* Ages are reckoned on 31 December of the income year (地方税法 292条3項 by
 * reference to 所得税法85条). The layouts give classes, not birth dates, so a
 * relative read from them gets a representative date inside its class: */
enum { AGE_SPECIFIC = 20, AGE_ELDERLY = 75, AGE_OTHER = 40, AGE_U16 = 10, AGE_SPOUSE = 45 };

typedef enum { CL_SPECIFIC, CL_ELDERLY, CL_OTHER, CL_U16 } dep_class;

static at_date rep_birth(int income_year, int age)
{
	at_date d = {income_year - age, 1, 1};
	return d;
}

/* The legal age on 31 December of the income year (core/date.h). */
static int age_dec31(at_date birth, int income_year)
{
	return date_age_on(birth, (at_date){income_year, 12, 31});
}

static dep_class classify(at_date birth, int income_year)
{
	int age = age_dec31(birth, income_year);
	if (age < 16)
		return CL_U16;
	if (age >= 19 && age <= 22)
		return CL_SPECIFIC;
	if (age >= 70)
		return CL_ELDERLY;
	return CL_OTHER;
}

typedef struct dep_counts {
	int specific, elderly, elderly_cohab, other, u16;
	int dis_special, dis_special_cohab, dis_other;
} dep_counts;

static void rel_id(tax_doc_relative_id *id, const char *kana, const char *name, const char *mn)
{
	copy_kana(id->name_kana, sizeof id->name_kana, kana);
	copy(id->name, sizeof id->name, name);
	copy(id->my_number, sizeof id->my_number, mn);
}

/* "(個人番号)氏名、(個人番号)氏名" — the 5人目以降 columns as Atena writes them.
 * name_max: the characters of the layout's 氏名 columns, which each name here
 * is held to as well (tax_doc_format may write it into one of them). */
static int parse_more(const char *s, tax_doc_relative_id *ids, size_t *n_ids, size_t max,
		      unsigned name_max, const char *col, size_t lineno, at_error *err)
{
	const char *p = s;
	while (*p && *n_ids < max) {
		const char *end = strstr(p, "、");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		tax_doc_relative_id *id = &ids[(*n_ids)++];
		memset(id, 0, sizeof *id);
		const char *q = p;
		if (*q == '(') {
			const char *close = memchr(q, ')', len);
			if (!close || close - q != 13)
				return fail_col(err, lineno, col, "expected \"(個人番号)氏名\" entries");
			char mn[13];
			memcpy(mn, q + 1, 12);
			mn[12] = '\0';
			if (mynumber_check(mn) != MYNUMBER_OK)
				return fail_col(err, lineno, col, "個人番号 %s fails its check digit", mn);
			copy(id->my_number, sizeof id->my_number, mn);
			q = close + 1;
		}
		size_t nl = len - (size_t)(q - p);
		bool ok = nl < sizeof id->name;
		if (ok) {
			memcpy(id->name, q, nl);
			id->name[nl] = '\0';
			at_error e;
			ok = !text_check(id->name, col, name_max, true, 0, &e);
		}
		if (!ok)
			return fail_col(err, lineno, col, "each 氏名 is at most %u characters",
					name_max);
		if (!id->name[0] && !id->my_number[0])
			(*n_ids)--;   /* an empty entry names no one */
		p = end ? end + strlen("、") : p + len;
	}
	return 0;
}

/* Build dependants (and assign disabilities to them and the spouse) from the
 * counts; ids16/idsu16 name the dependants of 16 and over / under 16 in order. */
static int build_relatives(tax_doc *d, const dep_counts *k, const tax_doc_relative_id *ids16,
			   size_t n16, const tax_doc_relative_id *idsu16, size_t nu16,
			   const char *count_col, const char *dis_col, size_t lineno, at_error *err)
{
	int income_year = d->fiscal_year - 1;
	int total = k->specific + k->elderly + k->other + k->u16;
	if (total > TAX_MAX_DEPENDANTS)
		return fail_col(err, lineno, count_col, "%d dependants; at most %d are accepted",
				total, TAX_MAX_DEPENDANTS);
	if (k->elderly_cohab > k->elderly)
		return fail_col(err, lineno, count_col,
				"上の内訳 (同居老親等) exceeds the 老人 count");
	if ((size_t)(k->specific + k->elderly + k->other) < n16 || (size_t)k->u16 < nu16)
		return fail_col(err, lineno, count_col,
				"more dependants named than counted");
	tax_case *b = &d->body;
	size_t n = 0, i16 = 0, iu = 0;
	const struct {
		int count, age;
	} classes[] = {{k->specific, AGE_SPECIFIC}, {k->elderly, AGE_ELDERLY},
		       {k->other, AGE_OTHER}, {k->u16, AGE_U16}};
	for (size_t c = 0; c < 4; c++)
		for (int j = 0; j < classes[c].count; j++) {
			tax_relative *r = &b->dependants[n];
			memset(r, 0, sizeof *r);
			r->birth_date = rep_birth(income_year, classes[c].age);
			if (c == 1 && j < k->elderly_cohab)
				r->cohabiting = r->lineal_ascendant = true;
			if (c < 3 && i16 < n16)
				d->dependant_ids[n] = ids16[i16++];
			else if (c == 3 && iu < nu16)
				d->dependant_ids[n] = idsu16[iu++];
			n++;
		}
	b->n_dependants = n;
	/* 障害者の数 (本人を除く) counts the spouse and dependants; the layouts do not
	 * say who, so they go to the dependants in order, then the spouse. */
	if (k->dis_special_cohab > k->dis_special)
		return fail_col(err, lineno, dis_col, "上の内訳 (同居) exceeds 特別障害者");
	int special = k->dis_special, cohab = k->dis_special_cohab, other = k->dis_other;
	size_t slots = n + (b->has_spouse ? 1 : 0);
	if ((size_t)(special + other) > slots)
		return fail_col(err, lineno, dis_col,
				"%d persons with disabilities but only %zu relatives reported",
				special + other, slots);
	for (size_t i = 0; i < slots; i++) {
		tax_relative *r = i < n ? &b->dependants[i] : &b->spouse;
		if (special > 0) {
			r->disability = TAX_DIS_SPECIAL;
			if (cohab > 0) {
				r->cohabiting = true;
				cohab--;
			}
			special--;
		} else if (other > 0) {
			r->disability = TAX_DIS_GENERAL;
			other--;
		}
	}
	return 0;
}

static void count_relatives(const tax_doc *d, dep_counts *k)
{
	memset(k, 0, sizeof *k);
	int income_year = d->fiscal_year - 1;
	const tax_case *b = &d->body;
	for (size_t i = 0; i < b->n_dependants && i < TAX_MAX_DEPENDANTS; i++) {
		const tax_relative *r = &b->dependants[i];
		switch (classify(r->birth_date, income_year)) {
		case CL_SPECIFIC:
			k->specific++;
			break;
		case CL_ELDERLY:
			k->elderly++;
			if (r->cohabiting && r->lineal_ascendant)
				k->elderly_cohab++;
			break;
		case CL_OTHER:
			k->other++;
			break;
		case CL_U16:
			k->u16++;
			break;
		}
	}
	for (size_t i = 0; i <= b->n_dependants && i <= TAX_MAX_DEPENDANTS; i++) {
		const tax_relative *r;
		if (i < b->n_dependants && i < TAX_MAX_DEPENDANTS)
			r = &b->dependants[i];
		else if (b->has_spouse)
			r = &b->spouse;
		else
			break;
		if (r->disability == TAX_DIS_SPECIAL) {
			k->dis_special++;
			/* 同居特別障害者: cohabiting, and not merely a 同居老親 */
			if (r->cohabiting && !(r->lineal_ascendant &&
					       classify(r->birth_date, income_year) == CL_ELDERLY))
				k->dis_special_cohab++;
		} else if (r->disability == TAX_DIS_GENERAL) {
			k->dis_other++;
		}
	}
}

/* ---- Formatting helpers -------------------------------------------------- */

typedef struct outrec {
	const lcol *cols;
	size_t n;
	char (*v)[COLW];
} outrec;

static void out_init(outrec *o, const lcol *cols, size_t n)
{
	o->cols = cols;
	o->n = n;
	o->v = malloc(n * sizeof *o->v);
	if (!o->v)
		abort();
	for (size_t i = 0; i < n; i++)
		o->v[i][0] = '\0';
}

static void put(outrec *o, size_t no, const char *s)
{
	snprintf(o->v[no - 1], COLW, "%s", s ? s : "");
}

static void put_amount(outrec *o, size_t no, int64_t v)
{
	snprintf(o->v[no - 1], COLW, "%" PRId64, v);
}

static void put_amount_nz(outrec *o, size_t no, int64_t v)
{
	if (v)
		put_amount(o, no, v);
}

static void put_count_nz(outrec *o, size_t no, int v)
{
	if (v)
		snprintf(o->v[no - 1], COLW, "%d", v);
}

static void put_kana(outrec *o, size_t no, const char *s)
{
	strbuf sb = STRBUF_INIT;
	tax_kana_to_halfwidth(s, &sb);
	put(o, no, sb.buf);
	sb_release(&sb);
}

static int put_date(outrec *o, size_t no, at_date d, const char *what, at_error *err)
{
	char c[2], y[12], m[12], dd[12];
	if (era_cols(d, c, y, m, dd))
		return fail_col(err, 0, what, "not a date an era code can express");
	put(o, no, c);
	put(o, no + 1, y);
	put(o, no + 2, m);
	put(o, no + 3, dd);
	return 0;
}

static int out_finish(outrec *o, strbuf *out, at_error *err)
{
	int rc = 0;
	for (size_t i = 0; i < o->n && !rc; i++) {
		if (strchr(o->v[i], ','))
			rc = fail_col(err, 0, o->cols[i].name, "may not contain ','");
		else
			rc = check_col(&o->cols[i], o->v[i], 0, err);
	}
	if (!rc)
		for (size_t i = 0; i < o->n; i++) {
			if (i)
				sb_addch(out, ',');
			sb_adds(out, o->v[i]);
		}
	free(o->v);
	return rc;
}

static int check_amount_range(int64_t v, const char *what, at_error *err)
{
	if (v < 0 || v > AMOUNT_MAX)
		return fail_col(err, 0, what, "amount %" PRId64 " outside 0..9999999999", v);
	return 0;
}

static void income_year_col(const tax_doc *d, char yy[12])
{
	snprintf(yy, 12, "%02d", (d->fiscal_year - 1 - 2018) % 100);
}

static int check_fiscal_year(const tax_doc *d, at_error *err)
{
	/* 年分 is 令和 01..99, the income years 2019..2117 (fiscal 2020..2118) */
	if (d->fiscal_year < 2020 || d->fiscal_year > 2118)
		return fail_col(err, 0, "年分",
				"fiscal year %d: the layouts carry 令和 income years (2019..2117)",
				d->fiscal_year);
	return 0;
}

/* Write relatives' names: slots first, the rest into the 5人目以降 column. */
static void put_relatives(outrec *o, const tax_doc *d, size_t dep_id_col, size_t u16_id_col,
			  size_t more_col, size_t u16_more_col)
{
	int income_year = d->fiscal_year - 1;
	size_t s16 = 0, su = 0;
	strbuf more = STRBUF_INIT, umore = STRBUF_INIT;
	for (size_t i = 0; i < d->body.n_dependants && i < TAX_MAX_DEPENDANTS; i++) {
		const tax_doc_relative_id *id = &d->dependant_ids[i];
		bool u16 = classify(d->body.dependants[i].birth_date, income_year) == CL_U16;
		size_t *slot = u16 ? &su : &s16;
		size_t base = u16 ? u16_id_col : dep_id_col;
		if (*slot < 4) {
			size_t c = base + *slot * 4;
			put_kana(o, c, id->name_kana);
			put(o, c + 1, id->name);
			if (id->name[0] || id->my_number[0] || id->name_kana[0])
				put(o, c + 2, "00");
			put(o, c + 3, id->my_number);
			(*slot)++;
		} else if (more_col && (id->name[0] || id->my_number[0])) {
			/* an unnamed dependant gets no entry */
			strbuf *sb = u16 ? &umore : &more;
			if (sb->len)
				sb_adds(sb, "、");
			if (id->my_number[0])
				sb_addf(sb, "(%s)", id->my_number);
			sb_adds(sb, id->name);
		}
	}
	if (more_col) {
		put(o, more_col, more.buf);
		put(o, u16_more_col, umore.buf);
	}
	sb_release(&more);
	sb_release(&umore);
}

/* ---- 315 給与支払報告書 ------------------------------------------------- */

/* A dependant's 氏名 may have to be written into 5人目以降, where 、 separates
 * the entries: a name holding one is refused. */
static int read_ids(const record *r, const lcol *table, size_t first_col, size_t max,
		    tax_doc_relative_id *ids, size_t *n, size_t lineno, at_error *err)
{
	*n = 0;
	for (size_t s = 0; s < max; s++) {
		size_t c = first_col + s * 4;
		if (!*F(r, c) && !*F(r, c + 1) && !*F(r, c + 3))
			continue;
		if (strstr(F(r, c + 1), "、"))
			return fail_col(err, lineno, table[c].name,
					"may not contain 、 (it separates the 5人目以降 entries)");
		rel_id(&ids[(*n)++], F(r, c), F(r, c + 1), F(r, c + 3));
	}
	return 0;
}

static int parse_salary(const record *r, size_t lineno, tax_doc *d, at_error *err)
{
	d->fiscal_year = year_col_to_fiscal(F(r, S_YEAR));
	copy(d->addressed_to, sizeof d->addressed_to, F(r, S_ADDRESSED));
	copy(d->payer_id, sizeof d->payer_id,
	     *F(r, S_DESIGNATED) ? F(r, S_DESIGNATED) : F(r, S_PAYER_NO));
	copy(d->payer_name, sizeof d->payer_name, F(r, S_PAYER_NAME));
	copy(d->payer_address, sizeof d->payer_address, F(r, S_PAYER_ADDR));
	copy(d->my_number, sizeof d->my_number, F(r, S_MYNUMBER));
	copy(d->name, sizeof d->name, F(r, S_NAME));
	copy_kana(d->name_kana, sizeof d->name_kana, F(r, S_KANA));
	copy(d->address, sizeof d->address, F(r, S_ADDR));
	if (era_date(F(r, S_BIRTH), F(r, S_BIRTH + 1), F(r, S_BIRTH + 2), F(r, S_BIRTH + 3),
		     "受給者の生年月日", lineno, &d->birth_date, err))
		return -1;
	/* Other dates must be real when present (their columns are all or nothing). */
	static const struct {
		int col;
		const char *name;
	} ymd[] = {{S_MIDYEAR + 1, "中途就・退職 年月日"},
		   {S_PREV_RETIRE, "他の支払者のもとを退職した年月日"},
		   {S_HOUSING_DATE1, "住宅借入金等特別控除等適用家屋居住年月日(1回目)"},
		   {S_HOUSING_DATE2, "住宅借入金等特別控除等適用家屋居住年月日(2回目)"}};
	for (size_t i = 0; i < sizeof ymd / sizeof ymd[0]; i++) {
		const char *y = F(r, ymd[i].col), *m = F(r, ymd[i].col + 1), *dd = F(r, ymd[i].col + 2);
		if (!*y && !*m && !*dd)
			continue;
		if (!*y || !*m || !*dd)
			return fail_col(err, lineno, ymd[i].name, "year, month and day go together");
		/* era not recorded: these dates are in the payment year's era (令和) */
		at_date t;
		if (era_date("5", y, m, dd, ymd[i].name, lineno, &t, err))
			return -1;
	}

	tax_case *b = &d->body;
	b->fiscal_year = d->fiscal_year;
	copy(b->municipality, sizeof b->municipality, d->addressed_to);
	b->birth_date = d->birth_date;
	b->income.salary_revenue = amount(F(r, S_PAY));
	d->withheld_income_tax = amount(F(r, S_WITHHELD));

	/* 社会保険料等の金額 includes 小規模企業共済等掛金, shown in 内書. */
	int64_t social = amount(F(r, S_SOCIAL)), sbma = amount(F(r, S_SOCIAL_SBMA));
	if (sbma > social)
		return fail_col(err, lineno, SALARY[S_SOCIAL_SBMA - 1].name,
				"内書 %" PRId64 " exceeds 社会保険料等の金額 %" PRId64, sbma, social);
	b->deductions.social_insurance = social - sbma;
	b->deductions.small_business_mutual_aid = sbma;
	b->deductions.life_insurance.new_general = amount(F(r, S_NEW_LIFE));
	b->deductions.life_insurance.old_general = amount(F(r, S_OLD_LIFE));
	b->deductions.life_insurance.new_care_medical = amount(F(r, S_CARE));
	b->deductions.life_insurance.new_pension = amount(F(r, S_NEW_PENSION));
	b->deductions.life_insurance.old_pension = amount(F(r, S_OLD_PENSION));
	/* The report carries the income-tax 地震保険料控除 only. For 地震保険料 that
	 * deduction is the premium itself up to 50,000 (所得税法77条1項), so it is the
	 * premium the resident-tax deduction needs (地方税法314条の2第1項5号の3:
	 * half, up to 25,000) whenever the cap is not reached, and gives the same
	 * 25,000 when it is. The 旧長期損害保険料 part (its own income-tax formula)
	 * is taken out and not carried: tax_case has no field for it. */
	int64_t quake = amount(F(r, S_QUAKE_DED)), longterm = amount(F(r, S_OLD_LONGTERM));
	int64_t longterm_ded = longterm <= 10000 ? longterm
			       : longterm <= 20000 ? longterm / 2 + 5000 : 15000;
	b->deductions.earthquake_insurance = quake > longterm_ded ? quake - longterm_ded : 0;
	(void)S_LIFE_DED;

	/* 住宅借入金等特別控除: 可能額 minus what income tax absorbed is what the
	 * resident tax may take (地方税法附則5条の4の2). */
	int64_t housing = amount(F(r, S_HOUSING)), possible = amount(F(r, S_HOUSING_POSSIBLE));
	if (possible && possible < housing)
		return fail_col(err, lineno, SALARY[S_HOUSING_POSSIBLE - 1].name,
				"less than 住宅借入金等特別控除等の額");
	d->housing_loan_credit = housing;
	b->housing_loan_carryover = possible > housing ? possible - housing : 0;

	/* the person */
	if (!strcmp(F(r, S_SELF_SPECIAL), "1"))
		b->disability = TAX_DIS_SPECIAL;
	else if (!strcmp(F(r, S_SELF_DISABLED), "1"))
		b->disability = TAX_DIS_GENERAL;
	b->widow = !strcmp(F(r, S_WIDOW), "1") || !strcmp(F(r, S_WIDOW), "2");
	b->single_parent = !strcmp(F(r, S_SINGLE_PARENT), "1");
	b->working_student = !strcmp(F(r, S_STUDENT), "1");

	/* spouse: 控除対象配偶者 (有 1 / 従有 3), or 配偶者特別控除, or named */
	const char *sf = F(r, S_SPOUSE_FLAG);
	d->spouse_deduction = amount(F(r, S_SPOUSE_DED));
	rel_id(&d->spouse_id, F(r, S_SPOUSE_ID), F(r, S_SPOUSE_ID + 1), F(r, S_SPOUSE_ID + 3));
	b->has_spouse = !strcmp(sf, "1") || !strcmp(sf, "3") || d->spouse_deduction > 0 ||
			d->spouse_id.name[0] || d->spouse_id.my_number[0];
	if (b->has_spouse) {
		bool old = !strcmp(F(r, S_SPOUSE_OLD), "1");
		b->spouse.birth_date = rep_birth(d->fiscal_year - 1, old ? AGE_ELDERLY : AGE_SPOUSE);
		b->spouse.total_income = amount(F(r, S_SPOUSE_INCOME));
	} else if (amount(F(r, S_SPOUSE_INCOME)) || !strcmp(F(r, S_SPOUSE_OLD), "1")) {
		return fail_col(err, lineno, SALARY[S_SPOUSE_FLAG - 1].name,
				"配偶者の合計所得 or 老人控除対象配偶者 without a spouse");
	}

	/* dependants: 主 and 従 both count */
	dep_counts k = {
		.specific = count(F(r, S_DEP_SPEC)) + count(F(r, S_DEP_SPEC + 1)),
		.elderly = count(F(r, S_DEP_OLD)) + count(F(r, S_DEP_OLD + 2)),
		.elderly_cohab = count(F(r, S_DEP_OLD_COHAB)),
		.other = count(F(r, S_DEP_OTHER)) + count(F(r, S_DEP_OTHER + 1)),
		.u16 = count(F(r, S_DEP_U16)),
		.dis_special = count(F(r, S_DIS_SPECIAL)),
		.dis_special_cohab = count(F(r, S_DIS_SPECIAL_COHAB)),
		.dis_other = count(F(r, S_DIS_OTHER)),
	};
	tax_doc_relative_id ids16[TAX_MAX_DEPENDANTS], idsu[TAX_MAX_DEPENDANTS];
	size_t n16, nu;
	if (read_ids(r, SALARY, S_DEP_ID, 4, ids16, &n16, lineno, err) ||
	    read_ids(r, SALARY, S_U16_ID, 4, idsu, &nu, lineno, err))
		return -1;
	unsigned name_max = SALARY[S_DEP_ID].max;   /* column S_DEP_ID + 1: 氏名 */
	if (parse_more(F(r, S_DEP_MORE), ids16, &n16, TAX_MAX_DEPENDANTS, name_max,
		       SALARY[S_DEP_MORE - 1].name, lineno, err) ||
	    parse_more(F(r, S_U16_MORE), idsu, &nu, TAX_MAX_DEPENDANTS, name_max,
		       SALARY[S_U16_MORE - 1].name, lineno, err))
		return -1;
	if (build_relatives(d, &k, ids16, n16, idsu, nu, "控除対象扶養親族の数", "障害者の数",
			    lineno, err))
		return -1;

	/* 普通徴収, with the reason code (普A..普F) written in 摘要 as on paper */
	d->ordinary_collection = !strcmp(F(r, S_ORDINARY), "1");
	const char *rem = F(r, S_REMARKS);
	const char *fu = strstr(rem, "普");
	if (fu && fu[3] >= 'A' && fu[3] <= 'F') {
		snprintf(d->ordinary_reason, sizeof d->ordinary_reason, "普%c", fu[3]);
		if (!d->ordinary_collection)
			return fail_col(err, lineno, "普通徴収",
					"摘要 gives reason %s but 普通徴収 is not 1", d->ordinary_reason);
	}
	return 0;
}

static int format_salary(const tax_doc *d, strbuf *out, at_error *err)
{
	if (check_fiscal_year(d, err))
		return -1;
	const tax_case *b = &d->body;
	int64_t amts[] = {b->income.salary_revenue, d->withheld_income_tax,
			  b->deductions.social_insurance, b->deductions.small_business_mutual_aid,
			  d->spouse_deduction, b->spouse.total_income, d->housing_loan_credit,
			  b->housing_loan_carryover, b->deductions.earthquake_insurance};
	for (size_t i = 0; i < sizeof amts / sizeof amts[0]; i++)
		if (check_amount_range(amts[i], "金額", err))
			return -1;
	if (d->ordinary_reason[0] && !d->ordinary_collection)
		return fail_col(err, 0, "普通徴収", "a reason without 普通徴収");
	outrec o;
	out_init(&o, SALARY, S_NCOLS);
	char yy[12];
	income_year_col(d, yy);
	put(&o, S_KIND, "315");
	put(&o, S_PAYER_ADDR, d->payer_address);
	put(&o, S_PAYER_NAME, d->payer_name);
	put(&o, S_CORRECTION, "0");
	put(&o, S_YEAR, yy);
	put(&o, S_ADDR, d->address);
	put(&o, S_NAME, d->name);
	put(&o, 16, "給料・賞与");
	put_amount(&o, S_PAY, b->income.salary_revenue);
	put_amount(&o, S_WITHHELD, d->withheld_income_tax);
	if (b->has_spouse) {
		/* 2 (無) only when the amount or the name still shows the spouse: parse
		 * reads a spouse from 1, the amount or the name, and from nothing else. */
		bool named = d->spouse_id.name[0] || d->spouse_id.my_number[0];
		put(&o, S_SPOUSE_FLAG, d->spouse_deduction > 0
					       ? (b->spouse.total_income <= 480000 ? "1" : "2")
					       : (named ? "2" : "1"));
		bool old = age_dec31(b->spouse.birth_date, d->fiscal_year - 1) >= 70;
		put(&o, S_SPOUSE_OLD, old ? "1" : "0");
		put_amount_nz(&o, S_SPOUSE_DED, d->spouse_deduction);
		put_amount_nz(&o, S_SPOUSE_INCOME, b->spouse.total_income);
		put_kana(&o, S_SPOUSE_ID, d->spouse_id.name_kana);
		put(&o, S_SPOUSE_ID + 1, d->spouse_id.name);
		put(&o, S_SPOUSE_ID + 2, "00");
		put(&o, S_SPOUSE_ID + 3, d->spouse_id.my_number);
	} else {
		put(&o, S_SPOUSE_FLAG, "2");
	}
	dep_counts k;
	count_relatives(d, &k);
	put_count_nz(&o, S_DEP_SPEC, k.specific);
	put_count_nz(&o, S_DEP_OLD, k.elderly);
	put_count_nz(&o, S_DEP_OLD_COHAB, k.elderly_cohab);
	put_count_nz(&o, S_DEP_OTHER, k.other);
	put_count_nz(&o, S_DEP_U16, k.u16);
	put_count_nz(&o, S_DIS_SPECIAL, k.dis_special);
	put_count_nz(&o, S_DIS_SPECIAL_COHAB, k.dis_special_cohab);
	put_count_nz(&o, S_DIS_OTHER, k.dis_other);
	put_amount(&o, S_SOCIAL, b->deductions.social_insurance +
				       b->deductions.small_business_mutual_aid);
	put_amount_nz(&o, S_SOCIAL_SBMA, b->deductions.small_business_mutual_aid);
	put_amount_nz(&o, S_QUAKE_DED, b->deductions.earthquake_insurance > 50000
					       ? 50000 : b->deductions.earthquake_insurance);
	put_amount_nz(&o, S_HOUSING, d->housing_loan_credit);
	if (d->housing_loan_credit || b->housing_loan_carryover) {
		put(&o, S_HOUSING_COUNT, "1");
		put_amount(&o, S_HOUSING_POSSIBLE, d->housing_loan_credit + b->housing_loan_carryover);
	}
	put_amount_nz(&o, S_OLD_PENSION, b->deductions.life_insurance.old_pension);
	put_amount_nz(&o, S_NEW_LIFE, b->deductions.life_insurance.new_general);
	put_amount_nz(&o, S_OLD_LIFE, b->deductions.life_insurance.old_general);
	put_amount_nz(&o, S_CARE, b->deductions.life_insurance.new_care_medical);
	put_amount_nz(&o, S_NEW_PENSION, b->deductions.life_insurance.new_pension);
	if (put_date(&o, S_BIRTH, d->birth_date, "受給者の生年月日", err)) {
		free(o.v);
		return -1;
	}
	put(&o, 49, age_dec31(d->birth_date, d->fiscal_year - 1) < 18 ? "1" : "0");
	put(&o, S_SELF_SPECIAL, b->disability == TAX_DIS_SPECIAL ? "1" : "0");
	put(&o, S_SELF_DISABLED, b->disability == TAX_DIS_GENERAL ? "1" : "0");
	put(&o, S_WIDOW, b->widow ? "1" : "0");
	put(&o, S_STUDENT, b->working_student ? "1" : "0");
	put(&o, S_SINGLE_PARENT, b->single_parent ? "1" : "0");
	put(&o, S_REMARKS, d->ordinary_reason);
	put(&o, S_PAYER_NO, strlen(d->payer_id) == 13 ? d->payer_id : "");
	put(&o, S_DESIGNATED, strlen(d->payer_id) == 13 ? "" : d->payer_id);
	put(&o, S_MYNUMBER, d->my_number);
	put_relatives(&o, d, S_DEP_ID, S_U16_ID, S_DEP_MORE, S_U16_MORE);
	put(&o, S_ORDINARY, d->ordinary_collection ? "1" : "0");
	put_kana(&o, S_KANA, d->name_kana);
	put(&o, S_ADDRESSED, d->addressed_to);
	put(&o, S_CREATED, "2");   /* 国税・地方 両方 */
	return out_finish(&o, out, err);
}

/* ---- 331 公的年金等支払報告書 ------------------------------------------- */

static int parse_pension(const record *r, size_t lineno, tax_doc *d, at_error *err)
{
	d->fiscal_year = year_col_to_fiscal(F(r, P_YEAR));
	copy(d->addressed_to, sizeof d->addressed_to, F(r, P_ADDRESSED));
	copy(d->payer_id, sizeof d->payer_id,
	     *F(r, P_DESIGNATED) ? F(r, P_DESIGNATED) : F(r, P_PAYER_NO));
	copy(d->payer_name, sizeof d->payer_name, F(r, P_PAYER_NAME));
	copy(d->payer_address, sizeof d->payer_address, F(r, P_PAYER_ADDR));
	copy(d->my_number, sizeof d->my_number, F(r, P_MYNUMBER));
	copy(d->name, sizeof d->name, F(r, P_NAME));
	copy_kana(d->name_kana, sizeof d->name_kana, F(r, P_KANA));
	copy(d->address, sizeof d->address, F(r, P_ADDR));
	if (era_date(F(r, P_BIRTH), F(r, P_BIRTH + 1), F(r, P_BIRTH + 2), F(r, P_BIRTH + 3),
		     "受給者の生年月日", lineno, &d->birth_date, err))
		return -1;
	tax_case *b = &d->body;
	b->fiscal_year = d->fiscal_year;
	copy(b->municipality, sizeof b->municipality, d->addressed_to);
	b->birth_date = d->birth_date;
	int64_t rev = 0, tax = 0;
	for (int no = P_PAY1; no <= P_PAY3; no += 4) {
		rev += amount(F(r, no));
		tax += amount(F(r, no + 2));
	}
	b->income.public_pension_revenue = rev;
	d->withheld_income_tax = tax;
	b->deductions.social_insurance = amount(F(r, P_SOCIAL));
	if (!strcmp(F(r, P_SELF_SPECIAL), "1"))
		b->disability = TAX_DIS_SPECIAL;
	else if (!strcmp(F(r, P_SELF_DISABLED), "1"))
		b->disability = TAX_DIS_GENERAL;
	b->widow = !strcmp(F(r, P_WIDOW), "1") || !strcmp(F(r, P_SPECIAL_WIDOW), "1");
	b->single_parent = !strcmp(F(r, P_SINGLE_PARENT), "1");
	/* 控除対象配偶者の有無等: 1 有, 2 無, 3 有 (老人). The spouse's income is not
	 * carried: a 源泉控除対象配偶者 has 合計所得 <= 95万円, taken as 0. */
	const char *sf = F(r, P_SPOUSE_FLAG);
	rel_id(&d->spouse_id, F(r, P_SPOUSE_ID), F(r, P_SPOUSE_ID + 1), F(r, P_SPOUSE_ID + 3));
	b->has_spouse = !strcmp(sf, "1") || !strcmp(sf, "3") || d->spouse_id.name[0] ||
			d->spouse_id.my_number[0];
	if (b->has_spouse)
		b->spouse.birth_date = rep_birth(d->fiscal_year - 1,
						 !strcmp(sf, "3") ? AGE_ELDERLY : AGE_SPOUSE);
	dep_counts k = {
		.specific = count(F(r, P_DEP_SPEC)),
		.elderly = count(F(r, P_DEP_OLD)),
		.other = count(F(r, P_DEP_OTHER)),
		.u16 = count(F(r, P_DEP_U16)),
		.dis_special = count(F(r, P_DIS_SPECIAL)),
		.dis_special_cohab = count(F(r, P_DIS_SPECIAL_COHAB)),
		.dis_other = count(F(r, P_DIS_OTHER)),
	};
	tax_doc_relative_id ids16[TAX_MAX_DEPENDANTS], idsu[TAX_MAX_DEPENDANTS];
	size_t n16, nu;
	if (read_ids(r, PENSION, P_DEP_ID, 4, ids16, &n16, lineno, err) ||
	    read_ids(r, PENSION, P_U16_ID, 4, idsu, &nu, lineno, err))
		return -1;
	return build_relatives(d, &k, ids16, n16, idsu, nu, "控除対象扶養親族の数", "障害者の数",
			       lineno, err);
}

static int format_pension(const tax_doc *d, strbuf *out, at_error *err)
{
	if (check_fiscal_year(d, err))
		return -1;
	const tax_case *b = &d->body;
	if (check_amount_range(b->income.public_pension_revenue, "支払金額", err) ||
	    check_amount_range(d->withheld_income_tax, "源泉徴収税額", err) ||
	    check_amount_range(b->deductions.social_insurance, "社会保険料の金額", err))
		return -1;
	outrec o;
	out_init(&o, PENSION, P_NCOLS);
	char yy[12];
	income_year_col(d, yy);
	put(&o, P_KIND, "331");
	put(&o, P_PAYER_ADDR, d->payer_address);
	put(&o, P_PAYER_NAME, d->payer_name);
	put(&o, 10, "0");
	put(&o, P_YEAR, yy);
	put(&o, P_ADDR, d->address);
	put(&o, P_NAME, d->name);
	if (put_date(&o, P_BIRTH, d->birth_date, "受給者の生年月日", err)) {
		free(o.v);
		return -1;
	}
	put_amount(&o, P_PAY1, b->income.public_pension_revenue);
	put_amount(&o, P_PAY1 + 2, d->withheld_income_tax);
	put(&o, P_SELF_SPECIAL, b->disability == TAX_DIS_SPECIAL ? "1" : "0");
	put(&o, P_SELF_DISABLED, b->disability == TAX_DIS_GENERAL ? "1" : "0");
	if (b->has_spouse) {
		bool old = age_dec31(b->spouse.birth_date, d->fiscal_year - 1) >= 70;
		put(&o, P_SPOUSE_FLAG, old ? "3" : "1");
		put_kana(&o, P_SPOUSE_ID, d->spouse_id.name_kana);
		put(&o, P_SPOUSE_ID + 1, d->spouse_id.name);
		put(&o, P_SPOUSE_ID + 2, "00");
		put(&o, P_SPOUSE_ID + 3, d->spouse_id.my_number);
	} else {
		put(&o, P_SPOUSE_FLAG, "2");
	}
	dep_counts k;
	count_relatives(d, &k);
	/* 331 has no 同居老親等 count: such parents read back as 老人 only. */
	put_count_nz(&o, P_DEP_SPEC, k.specific);
	put_count_nz(&o, P_DEP_OLD, k.elderly);
	put_count_nz(&o, P_DEP_OTHER, k.other);
	put_count_nz(&o, P_DEP_U16, k.u16);
	put_count_nz(&o, P_DIS_SPECIAL, k.dis_special);
	put_count_nz(&o, P_DIS_SPECIAL_COHAB, k.dis_special_cohab);
	put_count_nz(&o, P_DIS_OTHER, k.dis_other);
	put_amount_nz(&o, P_SOCIAL, b->deductions.social_insurance);
	put(&o, P_WIDOW, b->widow ? "1" : "0");
	put_kana(&o, P_KANA, d->name_kana);
	put(&o, P_ADDRESSED, d->addressed_to);
	put(&o, P_PAYER_NO, strlen(d->payer_id) == 13 ? d->payer_id : "");
	put(&o, P_DESIGNATED, strlen(d->payer_id) == 13 ? "" : d->payer_id);
	put(&o, P_MYNUMBER, d->my_number);
	put_relatives(&o, d, P_DEP_ID, P_U16_ID, 0, 0);
	put(&o, P_SINGLE_PARENT, b->single_parent ? "1" : "0");
	return out_finish(&o, out, err);
}

/* ---- One-stop notice ------------------------------------------------------ */

static int parse_onestop(const record *r, size_t lineno, tax_doc *d, at_error *err)
{
	copy(d->addressed_to, sizeof d->addressed_to, F(r, O_ADDRESSED));
	copy(d->payer_id, sizeof d->payer_id, F(r, O_DONEE));
	copy(d->payer_name, sizeof d->payer_name, F(r, O_DONEE_NAME));
	copy(d->my_number, sizeof d->my_number, F(r, O_MYNUMBER));
	copy(d->name, sizeof d->name, F(r, O_NAME));
	copy_kana(d->name_kana, sizeof d->name_kana, F(r, O_KANA));
	copy(d->address, sizeof d->address, F(r, O_ADDR));
	if (era_date(F(r, O_BIRTH), F(r, O_BIRTH + 1), F(r, O_BIRTH + 2), F(r, O_BIRTH + 3),
		     "寄附者の生年月日", lineno, &d->birth_date, err) ||
	    era_date(F(r, O_DATE), F(r, O_DATE + 1), F(r, O_DATE + 2), F(r, O_DATE + 3),
		     "寄附年月日", lineno, &d->donation_date, err))
		return -1;
	d->sex = !strcmp(F(r, O_SEX), "1") ? TAX_SEX_MALE
		 : !strcmp(F(r, O_SEX), "2") ? TAX_SEX_FEMALE : TAX_SEX_NONE;
	int64_t amt = amount(F(r, O_AMOUNT));
	if (amt <= 0)
		return fail_col(err, lineno, ONESTOP[O_AMOUNT - 1].name, "must be positive");
	/* A donation made in year Y is credited in fiscal year Y + 1 (地方税法附則7条の2). */
	d->fiscal_year = d->donation_date.year + 1;
	tax_case *b = &d->body;
	b->fiscal_year = d->fiscal_year;
	copy(b->municipality, sizeof b->municipality, d->addressed_to);
	b->birth_date = d->birth_date;
	b->sex = d->sex;
	b->donations.hometown = amt;
	b->donations.one_stop = true;
	return 0;
}

static int format_onestop(const tax_doc *d, strbuf *out, at_error *err)
{
	if (d->donation_date.year + 1 != d->fiscal_year)
		return fail_col(err, 0, "寄附年月日", "must fall in the year before fiscal year %d",
				d->fiscal_year);
	if (d->body.donations.hometown <= 0 ||
	    check_amount_range(d->body.donations.hometown, "寄附金額", err))
		return fail_col(err, 0, "寄附金額", "must be a positive amount");
	outrec o;
	out_init(&o, ONESTOP, O_NCOLS);
	put(&o, O_KIND, "申告特例通知");
	put(&o, O_ADDRESSED, d->addressed_to);
	put(&o, O_DONEE, d->payer_id);
	put(&o, O_DONEE_NAME, d->payer_name);
	put(&o, O_MYNUMBER, d->my_number);
	put(&o, O_NAME, d->name);
	put_kana(&o, O_KANA, d->name_kana);
	put(&o, O_ADDR, d->address);
	if (put_date(&o, O_BIRTH, d->birth_date, "寄附者の生年月日", err) ||
	    put_date(&o, O_DATE, d->donation_date, "寄附年月日", err)) {
		free(o.v);
		return -1;
	}
	put(&o, O_SEX, d->sex == TAX_SEX_MALE ? "1" : d->sex == TAX_SEX_FEMALE ? "2" : "");
	put_amount(&o, O_AMOUNT, d->body.donations.hometown);
	return out_finish(&o, out, err);
}

/* ---- Returns (JSON) -------------------------------------------------------- */


static int line_err(at_error *err, size_t lineno)
{
	if (err && lineno) {
		char pre[40];
		int pl = snprintf(pre, sizeof pre, "line %zu: ", lineno);
		size_t cap = sizeof err->message, ml = strnlen(err->message, cap - 1);
		size_t p = pl > 0 ? (size_t)pl : 0;
		if (ml + p >= cap)
			ml = cap - 1 - p;
		memmove(err->message + p, err->message, ml);
		memcpy(err->message, pre, p);
		err->message[p + ml] = '\0';
	}
	return -1;
}

/* The 申告書 as JSON, read with core's strict reader; the taxpayer's income,
 * deductions, donations and disability by the case's own readers (tax/case.h),
 * with the layouts' 10-digit amount limit. */

static int j_ident(const jr *r, json_t *o, const char *path, char *mn, size_t mncap, char *name,
		   size_t namecap, char *kana, size_t kanacap, bool required)
{
	const char *s = NULL;
	char field[JR_PATH];
	if (jr_string(r, o, path, "my_number", JR_OPT, 12, &s))
		return -1;
	if (s) {
		jr_path(field, path, "my_number");
		if (mynumber_validate(s, field, r->err))
			return -1;
		copy(mn, mncap, s);
	}
	s = NULL;
	if (jr_string(r, o, path, "name", required ? JR_REQ : JR_OPT, 30, &s))
		return -1;
	if (s)
		copy(name, namecap, s);
	s = NULL;
	if (jr_string(r, o, path, "name_kana", JR_OPT, 60, &s))
		return -1;
	if (s) {
		if (!kana_reading_ok(s, KANA_READING_KATAKANA)) {
			jr_path(field, path, "name_kana");
			return jr_fail(r, AT_E_INVALID, field, "must be katakana");
		}
		copy_kana(kana, kanacap, s);
	}
	return 0;
}

static int j_relative(const jr *r, json_t *o, const char *path, tax_relative *rel,
		      tax_doc_relative_id *id)
{
	static const char *const keys[] = {"birth_date", "total_income", "disability",
					   "cohabiting", "lineal_ascendant", "my_number",
					   "name", "name_kana", NULL};
	if (jr_known(r, o, path, keys) || jr_date(r, o, path, "birth_date", JR_REQ, &rel->birth_date) ||
	    jr_yen(r, o, path, "total_income", JR_OPT, 0, AMOUNT_MAX, &rel->total_income) ||
	    tax_case_read_disability(r, o, path, &rel->disability) ||
	    jr_bool(r, o, path, "cohabiting", JR_OPT, &rel->cohabiting) ||
	    jr_bool(r, o, path, "lineal_ascendant", JR_OPT, &rel->lineal_ascendant) ||
	    j_ident(r, o, path, id->my_number, sizeof id->my_number, id->name, sizeof id->name,
		    id->name_kana, sizeof id->name_kana, false))
		return -1;
	return 0;
}

static int parse_return_json(json_t *root, tax_doc *d, at_error *err)
{
	static const char *const top[] = {"return_type", "fiscal_year", "addressed_to", "my_number",
					  "name", "name_kana", "birth_date", "sex", "address",
					  "taxpayer", "spouse", "dependants", NULL};
	static const char *const tp[] = {"public_assistance", "disability", "widow", "single_parent",
					 "working_student", "income", "deductions",
					 "housing_loan_carryover", "donations", NULL};
	static const char *const types[] = {"resident", "final", NULL};
	static const char *const sexes[] = {"male", "female", NULL};   /* tax_sex - 1 */
	jr r = JR_REQUEST(err);
	tax_case *b = &d->body;
	const char *s = NULL;
	int64_t fy = 0;
	int type = 0, sex = -1;
	if (jr_known(&r, root, "", top) || jr_choice(&r, root, "", "return_type", JR_REQ, types, &type) ||
	    jr_int(&r, root, "", "fiscal_year", JR_REQ, 2000, 2200, &fy))
		return -1;
	d->final_return = type == 1;   /* "final" (確定申告), else "resident" (住民税申告) */
	d->fiscal_year = b->fiscal_year = (int)fy;
	if (jr_string(&r, root, "", "addressed_to", JR_REQ, 6, &s) ||
	    municipality_code_validate(s, "addressed_to", err))
		return -1;
	copy(d->addressed_to, sizeof d->addressed_to, s);
	copy(b->municipality, sizeof b->municipality, s);
	if (j_ident(&r, root, "", d->my_number, sizeof d->my_number, d->name, sizeof d->name,
		    d->name_kana, sizeof d->name_kana, true) ||
	    jr_date(&r, root, "", "birth_date", JR_REQ, &d->birth_date) ||
	    jr_choice(&r, root, "", "sex", JR_OPT, sexes, &sex))
		return -1;
	b->birth_date = d->birth_date;
	d->sex = b->sex = (tax_sex)(sex + 1);   /* absent stays TAX_SEX_NONE */
	s = NULL;
	if (jr_string(&r, root, "", "address", JR_REQ, 100, &s))
		return -1;
	copy(d->address, sizeof d->address, s);

	json_t *t = NULL;
	char tq[JR_PATH];
	if (jr_object(&r, root, "", "taxpayer", JR_REQ, &t, tq) || jr_known(&r, t, tq, tp) ||
	    jr_bool(&r, t, tq, "public_assistance", JR_OPT, &b->public_assistance) ||
	    tax_case_read_disability(&r, t, tq, &b->disability) ||
	    jr_bool(&r, t, tq, "widow", JR_OPT, &b->widow) ||
	    jr_bool(&r, t, tq, "single_parent", JR_OPT, &b->single_parent) ||
	    jr_bool(&r, t, tq, "working_student", JR_OPT, &b->working_student) ||
	    jr_yen(&r, t, tq, "housing_loan_carryover", JR_OPT, 0, AMOUNT_MAX,
		   &b->housing_loan_carryover) ||
	    tax_case_read_income(&r, t, tq, AMOUNT_MAX, &b->income) ||
	    tax_case_read_deductions(&r, t, tq, AMOUNT_MAX, &b->deductions) ||
	    tax_case_read_donations(&r, t, tq, AMOUNT_MAX, &b->donations))
		return -1;
	/* Filing a return cancels the one-stop special case (地方税法附則7条6項). */
	if (b->donations.one_stop)
		return jr_fail(&r, AT_E_INVALID, "taxpayer.donations.one_stop", "cannot be true on a return");

	json_t *sp = NULL;
	if (jr_object(&r, root, "", "spouse", JR_OPT, &sp, NULL))
		return -1;
	if (sp) {
		b->has_spouse = true;
		if (j_relative(&r, sp, "spouse", &b->spouse, &d->spouse_id))
			return -1;
	}
	json_t *deps = NULL;
	size_t n = 0;
	char dq[JR_PATH];
	if (jr_array(&r, root, "", "dependants", JR_OPT, 0, TAX_MAX_DEPENDANTS, &deps, &n, dq))
		return -1;
	for (size_t i = 0; i < n; i++) {
		char q[JR_PATH];
		json_t *o = NULL;
		if (jr_elem_object(&r, deps, dq, i, &o, q) ||
		    j_relative(&r, o, q, &b->dependants[i], &d->dependant_ids[i]))
			return -1;
	}
	b->n_dependants = n;
	return 0;
}

static json_t *j_rel(const tax_relative *r, const tax_doc_relative_id *id)
{
	char bd[11];
	date_format(r->birth_date, bd);
	json_t *o = json_object();
	json_object_set_new(o, "birth_date", json_string(bd));
	json_object_set_new(o, "total_income", json_integer(r->total_income));
	json_object_set_new(o, "disability", json_string(tax_disability_names[r->disability % 3]));
	json_object_set_new(o, "cohabiting", json_boolean(r->cohabiting));
	json_object_set_new(o, "lineal_ascendant", json_boolean(r->lineal_ascendant));
	if (id->my_number[0])
		json_object_set_new(o, "my_number", json_string(id->my_number));
	if (id->name[0])
		json_object_set_new(o, "name", json_string(id->name));
	if (id->name_kana[0])
		json_object_set_new(o, "name_kana", json_string(id->name_kana));
	return o;
}

static int format_return(const tax_doc *d, strbuf *out, at_error *err)
{
	const tax_case *b = &d->body;
	if (b->n_dependants > TAX_MAX_DEPENDANTS)
		return at_fail(err, 400, AT_E_INVALID, "dependants", "too many dependants");
	char bd[11];
	date_format(d->birth_date, bd);
	json_t *root = json_object();
	json_object_set_new(root, "return_type", json_string(d->final_return ? "final" : "resident"));
	json_object_set_new(root, "fiscal_year", json_integer(d->fiscal_year));
	json_object_set_new(root, "addressed_to", json_string(d->addressed_to));
	if (d->my_number[0])
		json_object_set_new(root, "my_number", json_string(d->my_number));
	json_object_set_new(root, "name", json_string(d->name));
	if (d->name_kana[0])
		json_object_set_new(root, "name_kana", json_string(d->name_kana));
	json_object_set_new(root, "birth_date", json_string(bd));
	if (d->sex != TAX_SEX_NONE)
		json_object_set_new(root, "sex", json_string(d->sex == TAX_SEX_MALE ? "male" : "female"));
	json_object_set_new(root, "address", json_string(d->address));
	json_t *t = json_object();
	json_object_set_new(t, "public_assistance", json_boolean(b->public_assistance));
	json_object_set_new(t, "disability", json_string(tax_disability_names[b->disability % 3]));
	json_object_set_new(t, "widow", json_boolean(b->widow));
	json_object_set_new(t, "single_parent", json_boolean(b->single_parent));
	json_object_set_new(t, "working_student", json_boolean(b->working_student));
	json_t *inc = json_pack("{sIsIsIsIsIsIsIsI}", "salary_revenue", b->income.salary_revenue,
				"public_pension_revenue", b->income.public_pension_revenue,
				"business", b->income.business, "real_estate", b->income.real_estate,
				"dividends", b->income.dividends, "misc_business",
				b->income.misc_business, "misc_other", b->income.misc_other,
				"occasional", b->income.occasional);
	json_object_set_new(t, "income", inc);
	const tax_life_insurance *li = &b->deductions.life_insurance;
	json_t *ded = json_pack("{sIsIsIsIs{sIsIsIsIsI}}", "social_insurance",
				b->deductions.social_insurance, "small_business_mutual_aid",
				b->deductions.small_business_mutual_aid, "medical_expenses",
				b->deductions.medical_expenses, "earthquake_insurance",
				b->deductions.earthquake_insurance, "life_insurance", "new_general",
				li->new_general, "new_care_medical", li->new_care_medical,
				"new_pension", li->new_pension, "old_general", li->old_general,
				"old_pension", li->old_pension);
	json_object_set_new(t, "deductions", ded);
	json_object_set_new(t, "housing_loan_carryover", json_integer(b->housing_loan_carryover));
	json_object_set_new(t, "donations",
			    json_pack("{sIsIsb}", "hometown", b->donations.hometown, "other_eligible",
				      b->donations.other_eligible, "one_stop", 0));
	json_object_set_new(root, "taxpayer", t);
	if (b->has_spouse)
		json_object_set_new(root, "spouse", j_rel(&b->spouse, &d->spouse_id));
	if (b->n_dependants) {
		json_t *a = json_array();
		for (size_t i = 0; i < b->n_dependants; i++)
			json_array_append_new(a, j_rel(&b->dependants[i], &d->dependant_ids[i]));
		json_object_set_new(root, "dependants", a);
	}
	char *s = jv_dump(root);
	json_decref(root);
	if (!s)
		abort();
	/* Read it back: what we write must pass our own strict reader. */
	tax_doc chk;
	memset(&chk, 0, sizeof chk);
	json_t *again = jv_parse_object(s, strlen(s), err);
	int rc = again ? parse_return_json(again, &chk, err) : -1;
	json_decref(again);
	if (!rc)
		sb_adds(out, s);
	free(s);
	return rc;
}

/* ---- Entry points ----------------------------------------------------------- */

int tax_doc_parse(tax_doc_kind kind, const char *line, size_t len, size_t lineno, tax_doc *out,
		  at_error *err)
{
	memset(out, 0, sizeof *out);
	if (len && line[len - 1] == '\r')
		len--;
	if (len > LINE_MAX_BYTES)
		return fail_col(err, lineno, "レコード", "longer than %u bytes", LINE_MAX_BYTES);
	if (memchr(line, '\0', len) || memchr(line, '\n', len))
		return fail_col(err, lineno, "レコード", "contains a NUL or newline");
	int rc;
	if (kind == TAX_DOC_RETURN) {
		json_t *root = jv_parse_object(line, len, err);
		rc = root ? parse_return_json(root, out, err) : -1;
		json_decref(root);
		if (rc)
			line_err(err, lineno);
	} else {
		const lcol *cols;
		size_t n;
		int (*map)(const record *, size_t, tax_doc *, at_error *);
		switch (kind) {
		case TAX_DOC_SALARY:
			cols = SALARY, n = S_NCOLS, map = parse_salary;
			break;
		case TAX_DOC_PENSION:
			cols = PENSION, n = P_NCOLS, map = parse_pension;
			break;
		case TAX_DOC_ONESTOP:
			cols = ONESTOP, n = O_NCOLS, map = parse_onestop;
			break;
		default:
			return at_fail(err, 400, AT_E_INVALID, "kind", "unknown document kind %d",
				       (int)kind);
		}
		record r;
		rc = split(line, len, lineno, cols, n, &r, err);
		if (!rc)
			rc = map(&r, lineno, out, err);
		record_free(&r);
	}
	if (rc) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	out->kind = kind;
	unsigned char h[CRYPTO_HASH_BYTES];
	crypto_digest(line, len, h);
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < CRYPTO_HASH_BYTES && 2 * i + 1 < sizeof out->record_id; i++) {
		out->record_id[2 * i] = hex[h[i] >> 4];
		out->record_id[2 * i + 1] = hex[h[i] & 15];
	}
	return 0;
}

int tax_doc_format(const tax_doc *doc, strbuf *out, at_error *err)
{
	size_t mark = out->len;
	int rc;
	switch (doc->kind) {
	case TAX_DOC_SALARY:
		rc = format_salary(doc, out, err);
		break;
	case TAX_DOC_PENSION:
		rc = format_pension(doc, out, err);
		break;
	case TAX_DOC_RETURN:
		rc = format_return(doc, out, err);
		break;
	case TAX_DOC_ONESTOP:
		rc = format_onestop(doc, out, err);
		break;
	default:
		rc = at_fail(err, 400, AT_E_INVALID, "kind", "unknown document kind %d",
			     (int)doc->kind);
	}
	if (rc) {
		out->len = mark;
		out->buf[mark] = '\0';
	}
	return rc;
}

static const char *const KIND_NAMES[] = {NULL, "salary", "pension", "return", "onestop"};

tax_doc_kind tax_doc_kind_parse(const char *s)
{
	for (int k = 1; k <= 4 && s; k++)
		if (!strcmp(s, KIND_NAMES[k]))
			return (tax_doc_kind)k;
	return (tax_doc_kind)0;
}

const char *tax_doc_kind_name(tax_doc_kind k)
{
	return (int)k >= 1 && (int)k <= 4 ? KIND_NAMES[k] : "unknown";
}

size_t tax_doc_columns(tax_doc_kind k)
{
	switch (k) {
	case TAX_DOC_SALARY:
		return S_NCOLS;
	case TAX_DOC_PENSION:
		return P_NCOLS;
	case TAX_DOC_ONESTOP:
		return O_NCOLS;
	default:
		return 0;
	}
}
