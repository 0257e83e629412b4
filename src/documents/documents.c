/* Documents: the kinds the modules register, and dispatch on kind (see documents.h). */
#include "documents/documents.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "documents/form.h"

/* The kinds the modules registered (document_kinds_add): arrays of static
 * storage, never freed. */
static pthread_mutex_t g_kinds_mu = PTHREAD_MUTEX_INITIALIZER;
static const document_kind *g_sets[DOCUMENT_KIND_SETS];
static size_t g_nsets;

static const document_kind *find_locked(const char *kind)
{
	for (size_t i = 0; kind && i < g_nsets; i++)
		for (const document_kind *k = g_sets[i]; k->kind; k++)
			if (!strcmp(k->kind, kind))
				return k;
	return NULL;
}

int document_kinds_add(const document_kind *kinds, at_error *err)
{
	int rc = 0;
	pthread_mutex_lock(&g_kinds_mu);
	bool have = false;
	for (size_t i = 0; i < g_nsets; i++)
		have = have || g_sets[i] == kinds;
	for (const document_kind *k = kinds; !have && !rc && k->kind; k++)
		if (find_locked(k->kind))
			rc = at_fail(err, 500, AT_E_INTERNAL, "kind",
				     "document kind %s is registered by two modules", k->kind);
	if (!have && !rc && g_nsets == DOCUMENT_KIND_SETS)
		rc = at_fail(err, 500, AT_E_INTERNAL, "kind", "too many modules register documents");
	if (!have && !rc)
		g_sets[g_nsets++] = kinds;
	pthread_mutex_unlock(&g_kinds_mu);
	return rc;
}

static document_build_fn builder(const char *kind)
{
	pthread_mutex_lock(&g_kinds_mu);
	const document_kind *k = find_locked(kind);
	pthread_mutex_unlock(&g_kinds_mu);
	return k ? k->build : NULL;
}

bool document_kind_known(const char *kind)
{
	return builder(kind) != NULL;
}

/* "juminhyo, joshu, ..." of every registered kind, for the refusal. */
static void kind_list(char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	pthread_mutex_lock(&g_kinds_mu);
	for (size_t i = 0; i < g_nsets; i++)
		for (const document_kind *k = g_sets[i]; k->kind && n < cap; k++) {
			int w = snprintf(out + n, cap - n, "%s%s", n ? ", " : "", k->kind);
			n = w < 0 ? cap : n + (size_t)w;
		}
	pthread_mutex_unlock(&g_kinds_mu);
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
	document_build_fn b = builder(kind);
	if (!b) {
		char known[512];
		kind_list(known, sizeof known);
		return at_fail(err, 400, AT_E_INVALID, "kind", "kind must be one of %s",
			       *known ? known : "(no module has registered a document kind)");
	}
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
