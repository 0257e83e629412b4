/*
 * documents — certificates and notices, as PDF and as JSON.
 *
 * A document is JSON first: the business module that issues it (registry for
 * 住民票の写し) builds the data, and that JSON is the document's data form
 * (kiosk or API clients can take it as is). This module checks it and draws
 * it: A4 portrait PDF in memory (no temporary files), IPAexMincho for the
 * body and IPAexGothic for headings and labels, laid out as the counter forms
 * are (title, household heading box, one bordered table per person, the
 * certification sentence, date, certifier and seal position at the foot of
 * the last page, "n / m" on every page). Text that does not fit its box
 * shrinks, then wraps; it never overflows. User text is escaped before it
 * reaches pango, so a name like "<b>&amp;" prints literally. The PDF's
 * metadata names the kind of document only, never the person.
 *
 * Kinds (doc["kind"]). This module draws forms and knows no law: WHAT a
 * document contains, and the legal checks it must pass, belong to the module
 * that computes it, which builds the form with the primitives of
 * documents/form.h and registers its kinds here (document_kinds_add):
 *   registry  "juminhyo" 住民票の写し (住基法12条1項), "joshu" 除票の写し
 *             (住基法15条の4), "kisai_jiko" 住民票記載事項証明書: shapes in
 *             registry/registry_cert_form.h (registry_document_kinds)
 *   tax       "tax_decision", "special_collection_employer",
 *             "special_collection_employee", "tax_certificate": shapes in
 *             tax/tax_notice.h (tax_document_kinds)
 * Optional items are printed when present; a value of the wrong type or a
 * key the document does not know is refused with an error naming the field
 * ("persons[2].sex"), and a kind no module registered is refused naming
 * "kind".
 *
 * Thread safety: calls may run concurrently on different threads (pango
 * keeps one font map per thread).
 */
#ifndef ATENA_DOCUMENTS_DOCUMENTS_H
#define ATENA_DOCUMENTS_DOCUMENTS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "documents/form.h"

#define DOCUMENT_MIME_PDF "application/pdf"

/* A module's builder: check doc (of the given kind) strictly and lay it out
 * as a form; 0, or -1 with err naming the field (400). */
typedef int (*document_build_fn)(const json_t *doc, const char *kind, form *f, at_error *err);
typedef struct document_kind {
	const char *kind;            /* doc["kind"] */
	document_build_fn build;
} document_kind;
#define DOCUMENT_KIND_SETS 16    /* modules that may register kinds */

/* Make a module's kinds renderable: `kinds` is a static array ended by
 * {NULL, NULL}. Adding the same array again does nothing; a kind another
 * array already has is refused (500, naming "kind"). Thread-safe. */
int document_kinds_add(const document_kind *kinds, at_error *err);

/* true when kind is a document kind this module renders. */
bool document_kind_known(const char *kind);

/* Check doc as document_render_pdf would, without drawing it: for the JSON
 * form of a document. 0, or -1 with err naming the field. */
int document_check(const json_t *doc, at_error *err);

/* Render doc as PDF, appended to *pdf. 0, or -1 with err (400 for bad input,
 * 500 if drawing failed); *pdf is unchanged on failure. */
int document_render_pdf(const json_t *doc, strbuf *pdf, at_error *err);

/* Release the calling thread's fonts and the font caches (pango, cairo,
 * fontconfig), so LeakSanitizer sees a clean exit. Call once at the end of
 * a test or of the program, after every other thread that rendered has
 * exited; nothing may be rendered afterwards. */
void documents_shutdown(void);

#endif
