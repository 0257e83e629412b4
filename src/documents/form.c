#include "documents/form.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <glib.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

/* ---- Page geometry (points; A4 portrait, JIS/ISO 210 x 297 mm) ------------ */
#define PAGE_W 595.28
#define PAGE_H 841.89
#define MX 42.0            /* left and right margin */
#define MT 30.0            /* top margin */
#define MB 28.0            /* bottom margin, below the page number */
#define CW (PAGE_W - 2 * MX)
#define LABEL_W 64.0       /* grey label column of a cell */
#define PAD_X 4.0
#define PAD_Y 3.0
#define ROW_MIN 19.0       /* one row of body text with its padding */
#define TABLE_GAP 7.0      /* between two persons' tables */
#define PAGENO_H 14.0      /* the "1 / 2" band at the bottom */
#define CONT_H 14.0        /* "（次頁に続く）" / "以下余白" line */
#define SEAL 46.0          /* side of the square seal mark */

#define BODY_FONT "IPAexMincho"   /* 明朝 for what the document says */
#define HEAD_FONT "IPAexGothic"   /* ゴシック for titles and labels */

typedef struct style_spec {
	const char *family;
	double size, min;   /* points: preferred, and the smallest it may shrink to */
	int lines;          /* lines allowed before shrinking stops and wrapping starts */
} style_spec;

static const style_spec STYLES[] = {
	[FS_VALUE] = {BODY_FONT, 10.5, 7.5, 1},
	[FS_NAME] = {BODY_FONT, 15.0, 9.0, 1},
	[FS_WIDE] = {BODY_FONT, 10.5, 8.0, 2},
};
static const style_spec LABEL = {HEAD_FONT, 8.0, 6.0, 2};
static const style_spec RUBY = {BODY_FONT, 7.0, 5.0, 1};

/* ---- Model --------------------------------------------------------------- */

void form_init(form *f)
{
	memset(f, 0, sizeof *f);
}

static void cell_free(form_cell *c)
{
	g_free(c->ruby);
	g_free(c->value);
	if (c->lay_label)
		g_object_unref(c->lay_label);
	if (c->lay_ruby)
		g_object_unref(c->lay_ruby);
	if (c->lay_value)
		g_object_unref(c->lay_value);
}

static void table_free(form_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (int j = 0; j < t->rows[i].n; j++)
			cell_free(&t->rows[i].c[j]);
	free(t->rows);
	g_free(t->field);
	memset(t, 0, sizeof *t);
}

void form_free(form *f)
{
	g_free(f->meta_title);
	g_free(f->meta_date);
	g_free(f->title);
	g_free(f->issuer);
	g_free(f->serial);
	table_free(&f->header);
	for (size_t i = 0; i < f->ntables; i++)
		table_free(&f->tables[i]);
	free(f->tables);
	table_free(&f->notes);
	g_free(f->certification);
	g_free(f->date);
	g_free(f->certifier);
	memset(f, 0, sizeof *f);
}

char *form_esc(const char *plain)
{
	return g_markup_escape_text(plain ? plain : "", -1);
}

char *form_fmt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

form_table *form_add_table(form *f, const char *field)
{
	if (f->ntables == f->captables) {
		f->captables = f->captables ? f->captables * 2 : 8;
		f->tables = realloc(f->tables, f->captables * sizeof *f->tables);
		if (!f->tables)
			abort();   /* out of memory is fatal, as in strbuf */
	}
	form_table *t = &f->tables[f->ntables++];
	memset(t, 0, sizeof *t);
	t->field = g_strdup(field);
	return t;
}

form_row *form_add_row(form_table *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->rows = realloc(t->rows, t->cap * sizeof *t->rows);
		if (!t->rows)
			abort();
	}
	form_row *r = &t->rows[t->n++];
	memset(r, 0, sizeof *r);
	return r;
}

form_cell *form_add_cell(form_row *r, const char *label, form_style style, double weight,
			 char *value, char *ruby)
{
	if (r->n == FORM_MAX_CELLS)
		abort();   /* a programming error in a builder, not bad input */
	form_cell *c = &r->c[r->n++];
	memset(c, 0, sizeof *c);
	c->label = label;
	c->style = style;
	c->weight = weight > 0 ? weight : 1;
	c->value = value ? value : g_strdup("");
	c->ruby = ruby;
	return c;
}

/* ---- Measuring ------------------------------------------------------------ */

static double lay_h(PangoLayout *l)
{
	int w, h;
	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static int newlines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A layout of `markup` `width` points wide in style st: the largest size from
 * st.size down to st.min (half-point steps) at which it takes at most
 * st.lines lines (or as many as it has paragraphs); at st.min it wraps freely. */
static PangoLayout *fit(cairo_t *cr, const char *markup, const style_spec *st, double width,
			PangoAlignment align)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_alignment(l, align);
	pango_layout_set_markup(l, markup, -1);
	int lines = st->lines + newlines(markup);
	PangoFontDescription *fd = pango_font_description_from_string(st->family);
	for (int k = 0;; k++) {
		double s = st->size - 0.5 * k;
		if (s < st->min)
			s = st->min;
		pango_font_description_set_absolute_size(fd, s * PANGO_SCALE);
		pango_layout_set_font_description(l, fd);
		if (s <= st->min || pango_layout_get_line_count(l) <= lines)
			break;
	}
	pango_font_description_free(fd);
	return l;
}

/* Every string passed to pango was built by form_esc / form_fmt; a parse
 * failure would print nothing, so it is checked rather than trusted. */
static int check_markup(const char *m, at_error *err)
{
	GError *ge = NULL;
	if (!pango_parse_markup(m, -1, 0, NULL, NULL, NULL, &ge)) {
		at_fail(err, 500, AT_E_INTERNAL, "", "document markup is malformed: %s",
			ge ? ge->message : "?");
		g_clear_error(&ge);
		return -1;
	}
	return 0;
}

static double cell_x(const form_row *r, int i, double x0, double w)
{
	double tot = 0, before = 0;
	for (int j = 0; j < r->n; j++) {
		tot += r->c[j].weight;
		if (j < i)
			before += r->c[j].weight;
	}
	return x0 + w * before / tot;
}

static int measure_table(cairo_t *cr, form_table *t, at_error *err)
{
	for (size_t i = 0; i < t->n; i++) {
		form_row *r = &t->rows[i];
		r->h = ROW_MIN;
		for (int j = 0; j < r->n; j++) {
			form_cell *c = &r->c[j];
			double cw = cell_x(r, j + 1, 0, CW) - cell_x(r, j, 0, CW);
			double lw = c->label ? LABEL_W : 0;
			double vw = cw - lw - 2 * PAD_X;
			if (vw < 20)
				vw = 20;
			double h = 0;
			if (c->label) {
				char *m = form_esc(c->label);
				c->lay_label = fit(cr, m, &LABEL, LABEL_W - 2 * 3.0, PANGO_ALIGN_CENTER);
				g_free(m);
				h = lay_h(c->lay_label);
			}
			if (check_markup(c->value, err))
				return -1;
			double vh = 0;
			if (c->ruby) {
				if (check_markup(c->ruby, err))
					return -1;
				c->lay_ruby = fit(cr, c->ruby, &RUBY, vw, PANGO_ALIGN_LEFT);
				vh += lay_h(c->lay_ruby);
			}
			c->lay_value = fit(cr, c->value, &STYLES[c->style], vw, PANGO_ALIGN_LEFT);
			vh += lay_h(c->lay_value);
			c->h = vh > h ? vh : h;
			if (c->h + 2 * PAD_Y > r->h)
				r->h = c->h + 2 * PAD_Y;
		}
	}
	return 0;
}

static double table_h(const form_table *t, size_t r0, size_t r1)
{
	double h = 0;
	for (size_t i = r0; i < r1; i++)
		h += t->rows[i].h;
	return h;
}

/* ---- Drawing --------------------------------------------------------------- */

static void show(cairo_t *cr, PangoLayout *l, double x, double y)
{
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
}

static void draw_row(cairo_t *cr, const form_row *r, double x0, double y)
{
	for (int j = 0; j < r->n; j++) {
		const form_cell *c = &r->c[j];
		double cx = cell_x(r, j, x0, CW), cw = cell_x(r, j + 1, x0, CW) - cx;
		double vx = cx + PAD_X;
		cairo_set_source_rgb(cr, 0, 0, 0);
		if (c->label) {
			cairo_save(cr);
			cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
			cairo_rectangle(cr, cx, y, LABEL_W, r->h);
			cairo_fill(cr);
			cairo_restore(cr);
			show(cr, c->lay_label, cx + 3.0, y + (r->h - lay_h(c->lay_label)) / 2);
			cairo_set_line_width(cr, 0.4);
			cairo_move_to(cr, cx + LABEL_W, y);
			cairo_line_to(cr, cx + LABEL_W, y + r->h);
			cairo_stroke(cr);
			vx = cx + LABEL_W + PAD_X;
		}
		double rh = c->lay_ruby ? lay_h(c->lay_ruby) : 0;
		double vh = lay_h(c->lay_value);
		double top = y + (r->h - rh - vh) / 2;
		if (c->lay_ruby)
			show(cr, c->lay_ruby, vx, top);
		show(cr, c->lay_value, vx, top + rh);
		cairo_set_line_width(cr, 0.4);
		cairo_rectangle(cr, cx, y, cw, r->h);
		cairo_stroke(cr);
	}
}

static void draw_table(cairo_t *cr, const form_table *t, size_t r0, size_t r1, double y)
{
	double y0 = y;
	for (size_t i = r0; i < r1; i++) {
		draw_row(cr, &t->rows[i], MX, y);
		y += t->rows[i].h;
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.0);
	cairo_rectangle(cr, MX, y0, CW, y - y0);
	cairo_stroke(cr);
}

/* A line of plain layout text, for the page furniture. */
static PangoLayout *text(cairo_t *cr, const char *markup, const char *family, double size,
			 double width, PangoAlignment align)
{
	style_spec st = {family, size, size * 0.6, 1};
	return fit(cr, markup, &st, width, align);
}

/* The square seal mark beside the certifier (職印の位置). */
static void draw_seal(cairo_t *cr, double x, double y)
{
	cairo_save(cr);
	cairo_set_source_rgb(cr, 0.78, 0.12, 0.12);
	cairo_set_line_width(cr, 1.6);
	cairo_rectangle(cr, x, y, SEAL, SEAL);
	cairo_stroke(cr);
	cairo_set_line_width(cr, 0.6);
	cairo_rectangle(cr, x + 3, y + 3, SEAL - 6, SEAL - 6);
	cairo_stroke(cr);
	PangoLayout *l = text(cr, "印", HEAD_FONT, 20, SEAL, PANGO_ALIGN_CENTER);
	show(cr, l, x, y + (SEAL - lay_h(l)) / 2);
	g_object_unref(l);
	cairo_restore(cr);
}

/* ---- Pagination --------------------------------------------------------------- */

typedef struct place {
	int page;
	const form_table *t;
	size_t r0, r1;
	double y;
} place;

typedef struct plan {
	place *v;
	size_t n, cap;
	int pages;
	double end_y;        /* where "以下余白" goes on the last page */
} plan;

static void plan_add(plan *p, int page, const form_table *t, size_t r0, size_t r1, double y)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = realloc(p->v, p->cap * sizeof *p->v);
		if (!p->v)
			abort();
	}
	p->v[p->n++] = (place){page, t, r0, r1, y};
}

/* Tables go down the page in order; a table that does not fit the rest of the
 * page starts the next one, and one longer than a whole page is split between
 * rows. The closing block needs its height at the bottom of the last page. */
static int paginate(const form *f, double top, double bottom, double closing_h, plan *p,
		    at_error *err)
{
	int page = 0;
	double y = top;
	bool placed = false;   /* something on the current page */
	for (size_t i = 0; i <= f->ntables; i++) {
		const form_table *t = i < f->ntables ? &f->tables[i] : &f->notes;
		if (t->n == 0)
			continue;
		double h = table_h(t, 0, t->n);
		if (placed && y + h > bottom && h <= bottom - top) {
			page++;
			y = top;
		}
		size_t r0 = 0;
		while (r0 < t->n) {
			size_t r1 = r0;
			double hh = 0;
			while (r1 < t->n && y + hh + t->rows[r1].h <= bottom) {
				hh += t->rows[r1].h;
				r1++;
			}
			if (r1 == r0) {
				if (y == top)   /* a single row taller than a page */
					return at_fail(err, 400, AT_E_INVALID, t->field ? t->field : "",
						       "%s holds text too long to print on one page",
						       t->field && *t->field ? t->field : "the document");
				page++;
				y = top;
				continue;
			}
			plan_add(p, page, t, r0, r1, y);
			y += hh;
			r0 = r1;
			if (r0 < t->n) {
				page++;
				y = top;
			}
		}
		y += TABLE_GAP;
		placed = true;
	}
	/* "以下余白" under the last table, then the closing block at the foot of
	 * the page; both on the last page, which may have to be a new one. */
	if (placed)
		y -= TABLE_GAP - 2;
	if (y + CONT_H + 8 + closing_h > bottom + CONT_H) {
		page++;
		y = top;
	}
	p->end_y = y;
	p->pages = page + 1;
	return 0;
}

/* ---- Rendering ------------------------------------------------------------ */

static cairo_status_t sink(void *closure, const unsigned char *data, unsigned int len)
{
	sb_add(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

typedef struct furniture {
	PangoLayout *title, *issuer, *serial, *cert, *date, *certifier, *end, *cont;
	double title_y, header_y, body_top, body_bottom, closing_h;
} furniture;

static void furniture_free(furniture *u)
{
	PangoLayout *all[] = {u->title, u->issuer, u->serial, u->cert,
			      u->date, u->certifier, u->end, u->cont};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i])
			g_object_unref(all[i]);
}

static int measure(cairo_t *cr, form *f, furniture *u, at_error *err)
{
	const char *strs[] = {f->title, f->issuer, f->serial, f->certification, f->date,
			      f->certifier};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (strs[i] && check_markup(strs[i], err))
			return -1;
	if (measure_table(cr, &f->header, err) || measure_table(cr, &f->notes, err))
		return -1;
	for (size_t i = 0; i < f->ntables; i++)
		if (measure_table(cr, &f->tables[i], err))
			return -1;

	/* Title: spaced out like a printed form heading; shrinks if a long one. */
	char *tm = form_fmt("<span letter_spacing=\"%d\">%s</span>", 6 * PANGO_SCALE,
			    f->title ? f->title : "");
	style_spec ts = {HEAD_FONT, 20, 12, 1};
	u->title = fit(cr, tm, &ts, CW, PANGO_ALIGN_CENTER);
	g_free(tm);
	if (f->issuer)
		u->issuer = text(cr, f->issuer, HEAD_FONT, 8, CW / 2, PANGO_ALIGN_LEFT);
	if (f->serial) {
		char *m = form_fmt("発行番号　%s", f->serial);
		u->serial = text(cr, m, HEAD_FONT, 8, CW / 2, PANGO_ALIGN_RIGHT);
		g_free(m);
	}
	style_spec cs = {BODY_FONT, 11, 8, 2};
	u->cert = fit(cr, f->certification ? f->certification : "", &cs, CW - 22, PANGO_ALIGN_LEFT);
	u->date = text(cr, f->date ? f->date : "", BODY_FONT, 11, CW / 2, PANGO_ALIGN_LEFT);
	style_spec ks = {BODY_FONT, 13, 8, 1};
	u->certifier = fit(cr, f->certifier ? f->certifier : "", &ks, CW - SEAL - 130,
			   PANGO_ALIGN_RIGHT);
	u->end = text(cr, "以下余白", BODY_FONT, 9, CW, PANGO_ALIGN_RIGHT);
	u->cont = text(cr, "（次頁に続く）", BODY_FONT, 9, CW, PANGO_ALIGN_RIGHT);

	u->title_y = MT + 14;
	u->header_y = u->title_y + lay_h(u->title) + 10;
	u->body_top = u->header_y + table_h(&f->header, 0, f->header.n) + (f->header.n ? 10 : 0);
	u->body_bottom = PAGE_H - MB - PAGENO_H - CONT_H;
	double kh = lay_h(u->certifier) > SEAL ? lay_h(u->certifier) : SEAL;
	u->closing_h = lay_h(u->cert) + 10 + lay_h(u->date) + 6 + kh;
	if (u->body_bottom - u->body_top < u->closing_h + 3 * ROW_MIN)
		return at_fail(err, 400, AT_E_INVALID, "address",
			       "the document's heading is too long to leave room on the page");
	return 0;
}

static void draw_page_furniture(cairo_t *cr, const form *f, const furniture *u, int page,
				int pages)
{
	cairo_set_source_rgb(cr, 0, 0, 0);
	if (u->issuer)
		show(cr, u->issuer, MX, MT);
	if (u->serial)
		show(cr, u->serial, MX + CW / 2, MT);
	show(cr, u->title, MX, u->title_y);
	/* a double rule under the title, as on the printed forms */
	cairo_set_line_width(cr, 0.5);
	double ry = u->title_y + lay_h(u->title) + 2;
	cairo_move_to(cr, MX + CW * 0.3, ry);
	cairo_line_to(cr, MX + CW * 0.7, ry);
	cairo_move_to(cr, MX + CW * 0.3, ry + 2);
	cairo_line_to(cr, MX + CW * 0.7, ry + 2);
	cairo_stroke(cr);
	if (f->header.n)
		draw_table(cr, &f->header, 0, f->header.n, u->header_y);

	char num[64];
	snprintf(num, sizeof num, "%d / %d", page + 1, pages);
	PangoLayout *l = text(cr, num, HEAD_FONT, 8, CW, PANGO_ALIGN_CENTER);
	show(cr, l, MX, PAGE_H - MB - lay_h(l));
	g_object_unref(l);
	if (page + 1 < pages)
		show(cr, u->cont, MX, u->body_bottom + 2);
}

static void draw_closing(cairo_t *cr, const furniture *u, double end_y)
{
	cairo_set_source_rgb(cr, 0, 0, 0);
	show(cr, u->end, MX, end_y);
	/* the certification stands at the foot of the last page, after 以下余白 */
	double kh = lay_h(u->certifier) > SEAL ? lay_h(u->certifier) : SEAL;
	double y = u->body_bottom + CONT_H - u->closing_h;
	show(cr, u->cert, MX + 11, y);
	y += lay_h(u->cert) + 10;
	show(cr, u->date, MX + 33, y);
	y += lay_h(u->date) + 6;
	double sx = MX + CW - SEAL;
	/* the name ends just left of the seal, which stands at the right margin */
	show(cr, u->certifier, MX + 120, y + (kh - lay_h(u->certifier)) / 2);
	draw_seal(cr, sx, y + (kh - SEAL) / 2);
}

int form_render_pdf(form *f, strbuf *pdf, at_error *err)
{
	strbuf out = STRBUF_INIT;
	sb_init(&out);
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(sink, &out, PAGE_W, PAGE_H);
	/* Metadata carries the kind of document only, never whom it is about. */
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE,
				       f->meta_title ? f->meta_title : "");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "Atena");
	if (f->meta_date)   /* the issue time, so the same certificate renders the same bytes */
		cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, f->meta_date);
	cairo_t *cr = cairo_create(s);
	furniture u = {0};
	plan p = {0};
	int rc = measure(cr, f, &u, err);
	if (!rc)
		rc = paginate(f, u.body_top, u.body_bottom, u.closing_h, &p, err);
	if (!rc) {
		size_t k = 0;
		for (int page = 0; page < p.pages; page++) {
			draw_page_furniture(cr, f, &u, page, p.pages);
			for (; k < p.n && p.v[k].page == page; k++)
				draw_table(cr, p.v[k].t, p.v[k].r0, p.v[k].r1, p.v[k].y);
			if (page + 1 == p.pages)
				draw_closing(cr, &u, p.end_y);
			cairo_show_page(cr);
		}
	}
	furniture_free(&u);
	free(p.v);
	cairo_status_t cs = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (cs == CAIRO_STATUS_SUCCESS)
		cs = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (!rc && cs != CAIRO_STATUS_SUCCESS)
		rc = at_fail(err, 500, AT_E_INTERNAL, "", "PDF rendering failed: %s",
			     cairo_status_to_string(cs));
	if (!rc)
		sb_add(pdf, out.buf, out.len);
	sb_release(&out);
	return rc;
}

int form_add_notes(form *f, const json_t *notes, at_error *err)
{
	if (!notes || json_is_null(notes))
		return 0;
	if (!json_is_array(notes))
		return at_fail(err, 400, AT_E_INVALID, "notes", "notes must be an array");
	if (json_array_size(notes) > FORM_MAX_NOTES)
		return at_fail(err, 400, AT_E_INVALID, "notes", "notes may hold at most %d entries",
			       FORM_MAX_NOTES);
	if (!f->notes.field)
		f->notes.field = g_strdup("notes");
	for (size_t i = 0; i < json_array_size(notes); i++) {
		const json_t *n = json_array_get(notes, i);
		char fi[48];
		snprintf(fi, sizeof fi, "notes[%zu]", i);
		if (!json_is_string(n))
			return at_fail(err, 400, AT_E_INVALID, fi, "%s must be a string", fi);
		if (text_check(json_string_value(n), fi, FORM_MAX_LONG, true, TEXT_MULTILINE, err))
			return -1;
		if (!*json_string_value(n))
			continue;
		form_row *r = form_add_row(&f->notes);
		form_add_cell(r, f->notes.n == 1 ? "備考" : "", FS_WIDE, 1,
			      form_esc(json_string_value(n)), NULL);
	}
	return 0;
}

void form_add_row_of(form_table *t, form_pending *cells, size_t n)
{
	size_t have = 0;
	for (size_t i = 0; i < n; i++)
		have += cells[i].m != NULL;
	if (!have) {
		for (size_t i = 0; i < n; i++)
			g_free(cells[i].ruby);
		return;
	}
	double carry = 0;
	for (size_t i = 0; i < n; i++) {
		if (cells[i].m)
			continue;
		g_free(cells[i].ruby);
		cells[i].ruby = NULL;
		size_t j = i;
		while (j > 0 && !cells[j].m)
			j--;
		if (cells[j].m)
			cells[j].w += cells[i].w;
		else
			carry += cells[i].w;   /* nothing to the left: give it rightwards */
	}
	form_row *r = form_add_row(t);
	for (size_t i = 0; i < n; i++) {
		if (!cells[i].m)
			continue;
		form_add_cell(r, cells[i].label, cells[i].st, cells[i].w + carry, cells[i].m,
			      cells[i].ruby);
		carry = 0;
	}
}
