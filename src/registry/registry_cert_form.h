/*
 * registry_cert_form — 住民票の写し, 除票の写し and 住民票記載事項証明書 as forms
 * (internal to the registry module; its kinds are registered with the
 * renderer through registry_document_kinds, registry.h, and rendered with
 * documents.h, which knows no register law).
 *
 * The input is the JSON registry_certificate builds (registry.h):
 *
 *   kind            "juminhyo" | "joshu" | "kisai_jiko"                 required
 *   title           printed heading; default by kind (住民票の写し …)
 *   municipality    e.g. "東京都目黒区", printed small at the top left
 *   issued_at       "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (day taken in JST)
 *   issued_date_wareki  "令和8年11月22日"; must agree with issued_at when
 *                   both are given; one of the two is required
 *   certifier       e.g. "東京都目黒区長　青木 英二"                         required
 *   whole_household true when every member of the household is listed
 *                   (changes the certification sentence); default false
 *   address, address_supplement, householder, householder_kana
 *                   the household's heading box
 *   persons         [person, ...], 1..500                               required
 *   notes           ["…", ...] printed as 備考 under the last person
 *   serial          string or integer: 発行番号
 *   household_no, addressee_no, requester, purpose, members, items,
 *   include_my_number, include_resident_code: accepted, never printed
 *
 * A person: name (or foreign_name) required; name_kana; birth_date (+
 * birth_date_wareki, which must agree); sex ("1" 男, "2" 女, or the word);
 * relationship; became_resident_date; residence_date (+
 * residence_notification_date, residence_reason); address (+
 * address_supplement), householder_name; and any requested items by their
 * registry ids: previous_address (+ _supplement, previous_householder),
 * domicile, family_register_head, former_name (+ _kana), former_surname,
 * my_number, resident_code, planned_* and confirmed_* (転出先), last_*,
 * removal_date, removal_notification_date, removal_notification_reason,
 * removal_type, change_date, notification_date, change_reason,
 * unnotified_from/to, remarks, alias_history, the foreign-resident items
 * (foreign_name, foreign_alias, foreign_parallel_name (+ _kana), nationality,
 * residence_status, period_of_stay, period_of_stay_expiry, residence_card_no,
 * article_30_45_category, foreign_*_date), and change_history: [{"date",
 * "notification_date", "type" (a registry event type) or "reason",
 * "detail", "event_id" (not printed)} or "a line", ...]. Any date is ISO or
 * 和暦, and K_wareki may
 * accompany any date K. Code items (municipality and town codes, postcodes,
 * addressee_no ...) are accepted and not printed.
 *
 * Absent, null or empty items are left out. A value of the wrong type, and a
 * key the certificate does not know, are errors naming the field
 * ("persons[2].birth_date"): a requested item must never silently vanish
 * from a certificate.
 */
#ifndef ATENA_REGISTRY_CERT_FORM_H
#define ATENA_REGISTRY_CERT_FORM_H

#include "documents/documents.h"

/* juminhyo, joshu, kisai_jiko are registry_document_kinds (registry.h). */

#endif
