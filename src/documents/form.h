/*
 * form — the page model every document is drawn from: the primitives a
 * module's document builder lays its document out with (documents.h:
 * document_kinds_add), and the renderer that draws them.
 *
 * A document builder (registry/registry_cert_form.c, tax/tax_notice.c) turns validated JSON into
 * a form: a title, a header table repeated on every page, a list of bordered
 * tables (one per person), optional notes and a closing block (certification
 * sentence, date, certifier). form_render_pdf measures every cell with pango,
 * breaks the tables over A4 pages at row boundaries and draws them with cairo
 * into a PDF held in memory.
 *
 * Text never leaves its box: a value that is too wide shrinks step by step to
 * its style's minimum size, then wraps and the row grows. Every string in a
 * form is pango markup built with form_esc/form_escf, so user text (names are
 * hostile input) is always escaped and prints literally.
 */
#ifndef ATENA_DOCUMENTS_FORM_H
#define ATENA_DOCUMENTS_FORM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/strbuf.h"

#define FORM_MAX_CELLS 4
/* Lengths (characters) a document's text may have, the same on every form. */
#define FORM_MAX_SHORT 100   /* names, relationships, codes */
#define FORM_MAX_TEXT 300    /* addresses */
#define FORM_MAX_LONG 1000   /* remarks and notes */
#define FORM_MAX_NOTES 50    /* 備考 lines */

typedef enum form_style {
	FS_VALUE,   /* body text: IPAexMincho 10.5pt, shrinks to 7.5pt, then wraps */
	FS_NAME,    /* a person's name: 15pt, shrinks to 9pt, then wraps */
	FS_WIDE,    /* addresses and remarks: 10.5pt on two lines, down to 8pt, then wraps */
} form_style;

typedef struct form_cell {
	const char *label;   /* static plain text in the grey label column; NULL: none */
	char *ruby;          /* markup printed small above the value (ふりがな); NULL: none */
	char *value;         /* markup; never NULL once added */
	double weight;       /* share of the row's width */
	form_style style;
	/* filled by measuring (form.c) */
	void *lay_label, *lay_ruby, *lay_value;   /* PangoLayout * */
	double h;
} form_cell;

typedef struct form_row {
	form_cell c[FORM_MAX_CELLS];
	int n;
	double h;            /* measured height */
} form_row;

typedef struct form_table {
	form_row *rows;
	size_t n, cap;
	char *field;         /* JSON path it came from, for errors ("persons[3]") */
} form_table;

typedef struct form {
	char *meta_title;    /* plain text for the PDF's Title: no personal data */
	char *meta_date;     /* ISO 8601 instant for CreationDate, or NULL */
	char *title;         /* markup */
	char *issuer;        /* markup, small at top left (the municipality), or NULL */
	char *serial;        /* markup, or NULL */
	form_table header;   /* repeated at the top of every page; may be empty */
	form_table *tables;
	size_t ntables, captables;
	form_table notes;    /* 備考 under the last table; may be empty */
	char *certification; /* markup: the sentence above the date */
	char *date;          /* markup: issue date in 和暦 */
	char *certifier;     /* markup: e.g. 東京都目黒区長 */
} form;

void form_init(form *f);
void form_free(form *f);

/* Markup for plain text (g_markup_escape_text); caller's form owns it. */
char *form_esc(const char *plain);
/* Markup from a format whose %s arguments are ALREADY markup (use form_esc
 * on user text first). */
char *form_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

form_table *form_add_table(form *f, const char *field);
form_row *form_add_row(form_table *t);
/* Adds a cell to row r taking ownership of value and ruby (markup). */
form_cell *form_add_cell(form_row *r, const char *label, form_style style, double weight,
			 char *value, char *ruby);

/* ---- Rows of optional items ------------------------------------------------
 * A builder lists a row's cells with the markup of each item, NULL for one
 * the document leaves out; form_add_row_of adds the present ones only, an
 * absent cell's width going to its left neighbour (rightwards when it is
 * first) so that the column lines still meet the rows above and below. It
 * takes ownership of every m and ruby; a row with nothing present is not
 * added. */
typedef struct form_pending {
	const char *label;   /* static label, or NULL */
	form_style st;
	double w;            /* share of the row's width */
	char *m;             /* markup; NULL: the item is absent */
	char *ruby;          /* markup above it, or NULL */
} form_pending;
void form_add_row_of(form_table *t, form_pending *cells, size_t n);
#define FORM_CELL(label, st, w, m) {(label), (st), (w), (m), NULL}
#define FORM_RUBY(label, st, w, m, ruby) {(label), (st), (w), (m), (ruby)}
#define FORM_ROW(t, ...)                                                         \
	do {                                                                     \
		form_pending cells_[] = {__VA_ARGS__};                           \
		form_add_row_of((t), cells_, sizeof cells_ / sizeof cells_[0]);  \
	} while (0)

/* A document's "notes" (["…", ...], at most FORM_MAX_NOTES strings of
 * FORM_MAX_LONG characters; empty ones skipped) as the 備考 rows under the
 * last table. notes may be NULL (none). Refusals name "notes[i]". */
int form_add_notes(form *f, const json_t *notes, at_error *err);
/* Measure, paginate and draw; appends the PDF to *pdf. */
int form_render_pdf(form *f, strbuf *pdf, at_error *err);

#endif
