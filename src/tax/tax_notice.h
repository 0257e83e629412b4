/*
 * tax_notice — the individual resident tax's notices and its certificate as
 * forms (internal to the tax module; the kinds are registered with the
 * renderer through tax_document_kinds, tax.h, and rendered with
 * documents.h). The tax module builds the JSON; this file documents and
 * checks its shape strictly and lays it out with the form primitives of
 * documents/form.h; the renderer knows no tax law.
 *
 * Kinds:
 *   "tax_decision"                 税額決定通知書 兼 納税通知書 (普通徴収;
 *                                  地方税法319条の2, 320条)
 *   "special_collection_employer"  特別徴収税額の決定通知書（特別徴収義務者用）
 *                                  (地方税法321条の4第1項)
 *   "special_collection_employee"  特別徴収税額の決定通知書（納税義務者用）
 *                                  (地方税法321条の4第1項・第2項)
 *   "tax_certificate"              課税（所得）証明書 (地方税法20条の10)
 *
 * Conventions. Amounts are JSON integers in yen (printed "123,456円",
 * negatives "△1,234円"); dates "YYYY-MM-DD"; months "YYYY-MM". Absent or
 * null optional items are not printed. A key the kind does not know, a
 * value of the wrong type or out of range, and a document whose amounts do
 * not add up are refused with an error naming the field by its path
 * ("employees[12].monthly[3]", "tax.annual_tax"). Text is printed literally
 * (markup characters in names are escaped).
 *
 * Common to every kind (top level):
 *   kind                  the kind                                          required
 *   fiscal_year           2000..2100; printed in 和暦 ("令和7年度")           required
 *   municipality          e.g. "東京都目黒区", printed small at the top left  required
 *   issuer                the head who issues it, e.g. "目黒区長　青木 英二"  required
 *   issued_date           "YYYY-MM-DD": 通知日 / 証明日 (printed in 和暦)       required
 *   municipal_tax_name    default "市町村民税" (Tokyo wards: "特別区民税")
 *   prefectural_tax_name  default "道府県民税" (Tokyo: "都民税")
 *   title                 printed heading; default by kind (and revision)
 *   serial                string or integer: 通知書番号 / 発行番号
 *   notes                 ["…", ...] (≤ 50) printed as 備考
 * Revision (変更通知, after a correction; notices only, not tax_certificate):
 *   revised               true: a 変更通知 — the title says 変更, the previous
 *                         annual tax and the difference are printed
 *   previous_annual_tax   the annual tax before the correction; required when
 *                         revised (per employee on the employer notice),
 *                         refused when not
 *   revision_reason       text, e.g. "所得の更正による"
 *   revised_from          "YYYY-MM": the first month whose amount changed
 *
 * Blocks shared by tax_decision, special_collection_employee, tax_certificate:
 *   income       {salary_revenue 給与収入, salary 給与所得,
 *                 public_pension_revenue 公的年金等収入, public_pension
 *                 公的年金等所得, business 事業所得, agriculture 農業所得,
 *                 real_estate 不動産所得, interest 利子所得, dividends 配当所得,
 *                 misc_business 雑所得（業務）, misc_other 雑所得（その他）,
 *                 capital_gains 総合譲渡所得, occasional 一時所得,
 *                 separate 分離課税所得, total_income 合計所得金額,
 *                 total_income_amount 総所得金額等}: integers (losses
 *                 negative); each printed when present
 *   deductions   {social_insurance 社会保険料控除, small_business_mutual_aid
 *                 小規模企業共済等掛金控除, life_insurance 生命保険料控除,
 *                 earthquake_insurance 地震保険料控除, medical 医療費控除,
 *                 casualty 雑損控除, widow 寡婦控除, single_parent ひとり親控除,
 *                 working_student 勤労学生控除, disability 障害者控除, spouse
 *                 配偶者控除, spouse_special 配偶者特別控除, dependants 扶養控除,
 *                 basic 基礎控除, total 所得控除額合計}: integers ≥ 0
 *   tax          {taxable_income 課税標準額 (課税総所得金額等)           required,
 *                 municipal and prefectural: {computed 算出所得割額,
 *                   credits 税額控除額, income_levy 所得割額 (required),
 *                   per_capita 均等割額 (required)}                      required,
 *                 forest_environment 森林環境税 (国税, collected with the
 *                   per-capita levy),
 *                 credit_details {adjustment 調整控除, dividend 配当控除,
 *                   housing_loan 住宅借入金等特別税額控除, donation
 *                   寄附金税額控除, foreign 外国税額控除, dividend_transfer
 *                   配当割額・株式等譲渡所得割額控除, fixed_amount_cut 定額減税},
 *                 annual_tax 年税額                                       required}
 *                annual_tax must equal the two income levies + the two
 *                per-capita levies + forest_environment.
 *
 * "tax_decision":
 *   taxpayer     {name (required), name_kana, address (required),
 *                 addressee_no 宛名番号, birth_date}                     required
 *   income, deductions                                                  optional
 *   tax                                                                 required
 *   installments [{period (第n期; default its place among the ordinary
 *                 ones), month "YYYY-MM" (required), due_date (default
 *                 the last day of month; the municipality's 納期限 when it
 *                 differs), amount (required, ≥ 0), kind "ordinary"
 *                 (default) | "pension_provisional" | "pension_main" |
 *                 "special"}, ...] 1..16                                  required
 *   refund       over-collected amount to be refunded (還付) after a
 *                correction, ≥ 0; Σ installments − refund = tax.annual_tax
 *
 * "special_collection_employer":
 *   employer     {name (required), number 特別徴収義務者指定番号 (required),
 *                 address}                                              required
 *   employees    [{name (required), name_kana, employee_no 受給者番号,
 *                  my_number (12 digits, check digit verified), address,
 *                  annual_tax 特別徴収税額 (required, ≥ 0), monthly [12
 *                  integers June..May] (required; sum = annual_tax),
 *                  previous_annual_tax (required iff revised),
 *                  revision_reason}, ...] 1..10000                         required
 *   sheet        {continued (bool: this sheet follows another), continues
 *                 (bool: another sheet follows), next_after (the tax
 *                 module's cursor, not printed)}: one sheet of a list longer
 *                 than a notice holds; the totals are then the sheet's and
 *                 the foot says 前葉から続く / 次葉に続く
 *   (totals by month and the number of employees are printed at the end)
 *
 * "special_collection_employee":
 *   employer     {name (required), number, address}                      required
 *   employee     {name (required), name_kana, employee_no, my_number,
 *                 address}                                               required
 *   income, deductions                                                   optional
 *   tax                                                                  required
 *   special_collection_tax  特別徴収税額 (default tax.annual_tax; at most it)
 *   monthly      [12 integers June..May]; sum = special_collection_tax   required
 *
 * "tax_certificate":
 *   person       {name (required), name_kana, address (required),
 *                 birth_date}                                            required
 *   income       as above; total_income and total_income_amount required
 *   deductions   as above; total required
 *   tax          as above                                                required
 *   family       {spouse (bool: 控除対象配偶者 / 配偶者特別控除の対象),
 *                 dependants 扶養親族数, specified 特定扶養, elderly 老人扶養,
 *                 under_16 年少扶養: integers 0..99}
 *   purpose      使用目的 (printed)
 */
#ifndef ATENA_TAX_TAX_NOTICE_H
#define ATENA_TAX_TAX_NOTICE_H

#include "documents/documents.h"

/* The four kinds above are tax_document_kinds (tax.h). */

#endif
