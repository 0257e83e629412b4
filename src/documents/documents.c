/* Documents: dispatch on kind (see documents.h). */
#include "documents/documents.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "documents/certificate.h"
#include "documents/form.h"
#include "documents/tax_notice.h"

typedef int (*build_fn)(const json_t *doc, const char *kind, form *f, at_error *err);

static const struct {
	const char *kind;
	build_fn build;
} KINDS[] = {
	{"juminhyo", certificate_build},
	{"joshu", certificate_build},
	{"kisai_jiko", certificate_build},
	/* the individual resident tax (documents/tax_notice.h) */
	{"tax_decision", tax_notice_build},
	{"special_collection_employer", tax_notice_build},
	{"special_collection_employee", tax_notice_build},
	{"tax_certificate", tax_notice_build},
};

static build_fn builder(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof KINDS / sizeof KINDS[0]; i++)
		if (!strcmp(KINDS[i].kind, kind))
			return KINDS[i].build;
	return NULL;
}

bool document_kind_known(const char *kind)
{
	return builder(kind) != NULL;
}

static int build(const json_t *doc, form *f, at_error *err)
{
	if (!doc || !json_is_object(doc))
		return at_fail(err, 400, AT_E_INVALID, "", "a document must be a JSON object");
	const json_t *k = json_object_get(doc, "kind");
	if (!k || json_is_null(k))
		return at_fail(err, 400, AT_E_MISSING, "kind", "kind is required");
	if (!json_is_string(k))
		return at_fail(err, 400, AT_E_INVALID, "kind", "kind must be a string");
	const char *kind = json_string_value(k);
	build_fn b = builder(kind);
	if (!b)
		return at_fail(err, 400, AT_E_INVALID, "kind",
			       "kind must be one of juminhyo, joshu, kisai_jiko, tax_decision, "
			       "special_collection_employer, special_collection_employee, "
			       "tax_certificate");
	return b(doc, kind, f, err);
}

int document_check(const json_t *doc, at_error *err)
{
	form f;
	form_init(&f);
	int rc = build(doc, &f, err);
	form_free(&f);
	return rc;
}

int document_render_pdf(const json_t *doc, strbuf *pdf, at_error *err)
{
	form f;
	form_init(&f);
	int rc = build(doc, &f, err);
	if (!rc)
		rc = form_render_pdf(&f, pdf, err);
	form_free(&f);
	return rc;
}

void documents_shutdown(void)
{
	/* Drop this thread's default font map so its fonts are freed. Nothing
	 * more: cairo_debug_reset_static_data() and FcFini() assert that no font
	 * is still referenced anywhere, which a process cannot promise at exit
	 * (the CLI aborted on that assertion). fontconfig's parsed configuration
	 * stays for the OS to reclaim; tests/lsan.supp names it for LeakSanitizer. */
	pango_cairo_font_map_set_default(NULL);
}
