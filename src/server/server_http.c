/*
 * server_http.c — reading a request and answering it: query parameters,
 * headers, numbers and identifiers, the JSON or byte response, and the error
 * body. It calls nothing else of the server (server_int.h: the files call
 * each other in one direction only).
 */
#include "server/server_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/text.h"

/* ---- Request helpers ------------------------------------------------------ */

bool srv_is_ident(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return false;
	return n >= 1 && n <= 64;
}

int srv_parse_int(const char *s, int64_t min, int64_t max, const char *field, int64_t *out,
		  at_error *err)
{
	size_t n = strlen(s);
	bool ok = n >= 1 && n <= 18 && (s[0] != '0' || n == 1);
	for (size_t i = 0; ok && i < n; i++)
		ok = s[i] >= '0' && s[i] <= '9';
	long long v = ok ? strtoll(s, NULL, 10) : 0;
	if (!ok || v < min || v > max)
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s must be a whole number from %lld to %lld", field, (long long)min,
			       (long long)max);
	*out = (int64_t)v;
	return 0;
}

const char *srv_query(req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *srv_header(req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int srv_reply(req *r, int status, json_t *body, at_error *err)
{
	if (!body && status != 204)
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory building the response");
	r->status = status;
	r->out = body;
	return 0;
}

int srv_reply_bytes(req *r, int status, const char *content_type, const char *disposition,
		    strbuf *body, at_error *err)
{
	(void)err;
	r->status = status;
	r->raw_len = body->len;
	r->raw = sb_detach(body);
	snprintf(r->raw_type, sizeof r->raw_type, "%s", content_type);
	snprintf(r->disposition, sizeof r->disposition, "%s", disposition ? disposition : "");
	return 0;
}

/* ---- Responses ------------------------------------------------------------ */

void srv_common_headers(struct MHD_Response *resp, bool json)
{
	if (json)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"application/json; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result send_text(req *r, int status, char *text)
{
	/* text is malloc'd (jansson's json_dumps) and handed to MHD to free. */
	struct MHD_Response *resp;
	if (text)
		resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	srv_common_headers(resp, text != NULL);
	if (r->location[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
	if (status == 405 && r->allow[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* at_fail truncates with snprintf, which can cut a UTF-8 sequence in two
 * (a long Japanese key named in a message); jansson refuses such a string,
 * so drop any byte that does not start a complete sequence. */
static void utf8_clean(char *s)
{
	char *w = s;
	for (const char *p = s; *p;) {
		unsigned char c = (unsigned char)*p;
		size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
			 : (c & 0xF8) == 0xF0 ? 4 : 0;
		char seq[5] = {0};
		size_t have = 0;
		while (have < k && p[have]) {
			seq[have] = p[have];
			have++;
		}
		if (k && have == k && text_utf8_len(seq) == 1) {
			memmove(w, p, k);
			w += k;
			p += k;
		} else {
			p++;
		}
	}
	*w = '\0';
}

enum MHD_Result srv_send_error(req *r, const at_error *err)
{
	at_error e = *err;
	if (e.status < 400 || e.status > 599) {
		e.status = 500;
		snprintf(e.code, sizeof e.code, "%s", AT_E_INTERNAL);
	}
	if (e.status >= 500)
		fprintf(stderr, "atena: %s %s: %d %s: %s\n", r->method, r->path.buf, e.status,
			e.code, e.message);
	json_t *body = jv_error_body(&e);
	if (!body) {
		utf8_clean(e.code);
		utf8_clean(e.field);
		utf8_clean(e.message);
		body = jv_error_body(&e);
	}
	char *text = body ? jv_dump(body) : NULL;
	json_decref(body);
	if (!text) {
		/* Only when out of memory: a fixed body still says what happened. */
		const char *fixed =
			"{\"error\":{\"code\":\"internal_error\",\"message\":\"out of memory\",\"field\":\"\"}}";
		text = strdup(fixed);
		e.status = 500;
	}
	r->location[0] = '\0';
	return send_text(r, e.status, text);
}

/* A non-JSON body (srv_reply_bytes); MHD frees it. */
static enum MHD_Result send_bytes(req *r)
{
	char *data = r->raw;
	r->raw = NULL;
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(r->raw_len, data, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	srv_common_headers(resp, false);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->raw_type);
	if (r->disposition[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, r->disposition);
	enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

enum MHD_Result srv_send_reply(req *r)
{
	if (r->raw)
		return send_bytes(r);
	if (r->status == 204 || !r->out)
		return send_text(r, r->status ? r->status : 204, NULL);
	char *text = jv_dump(r->out);
	if (!text) {
		at_error e;
		at_fail(&e, 500, AT_E_INTERNAL, "", "out of memory building the response");
		return srv_send_error(r, &e);
	}
	return send_text(r, r->status, text);
}
