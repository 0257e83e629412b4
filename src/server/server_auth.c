/*
 * server_auth.c — who is asking and why: the bearer session, the purpose
 * headers (X-Atena-Business, X-Atena-Reason, X-Atena-Case) with refusals
 * written to the audit log, the route's business, the request's unit of
 * work (srv_unit, on module/unit.h) and the session routes (login, logout,
 * /me, password change).
 */
#include "server/server_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "core/json.h"
#include "core/text.h"
#include "policy/decl.h"
#include "policy/grant.h"

/* ---- Session -------------------------------------------------------------- */

static bool token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

int srv_session(req *r, at_error *err)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || !*h)
		return at_fail(err, 401, AT_E_AUTH, "Authorization",
			       "this request needs a session: send Authorization: Bearer <token> "
			       "from POST " SRV_PREFIX "/sessions");
	if (strncasecmp(h, "Bearer ", 7))
		return at_fail(err, 401, AT_E_AUTH, "Authorization",
			       "Authorization must be Bearer <token>");
	const char *tok = h + 7;
	while (*tok == ' ')
		tok++;
	size_t n = 0;
	while (tok[n] && token_char(tok[n]))
		n++;
	/* A malformed token is refused here, without a database look-up. */
	if (n == 0 || n > SRV_TOKEN_MAX || tok[n])
		return at_fail(err, 401, AT_E_AUTH, "Authorization",
			       "the bearer token is malformed");
	r->token = tok;
	/* The idle clock is refreshed inside the request's unit of work
	 * (srv_unit), or after the handler when it had none (server.c). */
	return staff_session_peek(r->s, tok, &r->who, err);
}

/* ---- Purpose -------------------------------------------------------------- */

void srv_operation(req *r, char *out, size_t n)
{
	if (!text_check(r->path.buf, "path", 200, false, 0, NULL))
		snprintf(out, n, "%s %s", r->method, r->path.buf);
	else
		snprintf(out, n, "%s %s%s", r->method, SRV_PREFIX, r->rt ? r->rt->pattern : "");
}

int srv_audit_now(req *r, const char *outcome, const char *detail, at_error *err)
{
	char op[240];
	srv_operation(r, op, sizeof op);
	audit_event ev = {
		.staff_id = r->who.id,
		.department = r->who.department,
		.terminal_id = r->who.terminal_id,
		.business = r->ctx.business,
		.reason = r->ctx.reason,
		.case_id = r->ctx.case_id,
		.subject = "",
		.items = "",
		.operation = op,
		.outcome = outcome,
		.detail = detail,
	};
	at_error e;
	at_error_clear(&e);
	if (audit_append_now(r->s, &ev, &e)) {
		fprintf(stderr, "atena: could not audit %s (%s): %s\n", op, outcome, e.message);
		if (err)
			*err = e;
		return -1;
	}
	return 0;
}

/* The unit description of this request: its context, the route's mode, the
 * module's owner handle. op is the caller's buffer for the operation. */
static unit request_unit(req *r, const char *subject, char *op, size_t n)
{
	srv_operation(r, op, n);
	return (unit){
		.s = r->s,
		.kr = r->kr,
		.ctx = &r->ctx,
		.mode = r->rt ? r->rt->mode : DOOR_READ,
		.owner = r->mod ? r->mod->owner : NULL,
		.operation = op,
		.subject = subject ? subject : "",
		.session = r->touched ? NULL : r->token,
	};
}

void srv_header_fields(at_error *err)
{
	/* The door names its context fields; over HTTP they are the headers. */
	if (!strcmp(err->field, "business"))
		snprintf(err->field, sizeof err->field, "X-Atena-Business");
	else if (!strcmp(err->field, "reason"))
		snprintf(err->field, sizeof err->field, "X-Atena-Reason");
	else if (!strcmp(err->field, "case"))
		snprintf(err->field, sizeof err->field, "X-Atena-Case");
}

int srv_unit(req *r, const char *subject, unit_fn fn, void *arg, at_error *err)
{
	char op[240];
	unit u = request_unit(r, subject, op, sizeof op);
	int rc = unit_run(&u, fn, arg, err);
	if (rc == UNIT_OPEN_REFUSED)
		srv_header_fields(err);
	if (rc == 0 && u.session)
		r->touched = true;
	return rc ? -1 : 0;
}

int srv_refused(req *r, const char *subject, at_error *err)
{
	char op[240];
	unit u = request_unit(r, subject, op, sizeof op);
	unit_refused(&u, err);
	return -1;
}

/* The person the path names, for refusals before any handler: the
 * platform's key of a person ({addressee_no}, 10 digits), else nobody. */
static const char *path_subject(req *r)
{
	if (r->rt && strstr(r->rt->pattern, "{addressee_no}") && text_is_digits(r->raw_param, 10))
		return r->raw_param;
	return "";
}

int srv_route_business(req *r, at_error *err)
{
	const char *want = r->rt ? r->rt->business : NULL;
	if (!want)
		return 0;
	if (strcmp(r->ctx.business, want)) {
		at_fail(err, 403, AT_E_FORBIDDEN, "X-Atena-Business",
			"this route is used only under business %s", want);
		return srv_refused(r, path_subject(r), err);
	}
	/* A route without a door still acts under its business: the grant is
	 * checked here (its door would check it otherwise). */
	if (r->rt->mode || (r->rt->flags & R_NO_GRANT))
		return 0;
	char op[240];
	unit u = request_unit(r, path_subject(r), op, sizeof op);
	if (unit_need_grant(&u, err)) {
		srv_header_fields(err);
		return -1;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Browsers can only send Latin-1 in headers, so a value may also come as
 * RFC 8187 ext-value UTF-8''<percent-encoded UTF-8> (e.g. a Japanese reason).
 * 1 when absent or empty, 0 with the text in out, -1 on a bad value. */
static int purpose_header(req *r, const char *name, size_t max_chars, strbuf *out,
			  at_error *err)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
	if (!v || !*v)
		return 1;
	sb_reset(out);
	if (!strncasecmp(v, "UTF-8''", 7)) {
		for (const char *p = v + 7; *p; p++) {
			if (*p != '%') {
				sb_addch(out, *p);
				continue;
			}
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
			if (lo < 0 || (hi == 0 && lo == 0))
				return at_fail(err, 400, AT_E_INVALID, name,
					       "%s has a bad percent-encoding", name);
			sb_addch(out, (char)(hi * 16 + lo));
			p += 2;
		}
	} else {
		sb_adds(out, v);
	}
	return text_check(out->buf, name, max_chars, false, 0, err);
}

int srv_purpose(req *r, at_error *err)
{
	int rc = purpose_header(r, "X-Atena-Business", SRV_BUSINESS_MAX, &r->business, err);
	if (rc == 1) {
		at_fail(err, 400, AT_E_MISSING, "X-Atena-Business",
			"X-Atena-Business is required: the business this request acts under");
		goto refuse;
	} else if (rc) {
		goto refuse;
	}
	r->ctx.business = r->business.buf;
	rc = purpose_header(r, "X-Atena-Reason", SRV_REASON_MAX, &r->reason, err);
	if (rc == 1) {
		at_fail(err, 400, AT_E_MISSING, "X-Atena-Reason",
			"X-Atena-Reason is required: why this request is made (1 to %d characters)",
			SRV_REASON_MAX);
		goto refuse;
	} else if (rc) {
		goto refuse;
	}
	r->ctx.reason = r->reason.buf;
	rc = purpose_header(r, "X-Atena-Case", SRV_CASE_MAX, &r->case_id, err);
	if (rc < 0)
		goto refuse;
	if (rc == 0)
		r->ctx.case_id = r->case_id.buf;
	/* Checked once: a route that names its business compares with it
	 * (srv_route_business), and its door checks the declaration again in
	 * its own snapshot; only the platform's routes check it here. */
	if (!(r->rt && r->rt->business) && !decl_business_exists(r->s, r->ctx.business)) {
		at_fail(err, 400, AT_E_INVALID, "X-Atena-Business",
			"X-Atena-Business names no declared business");
		goto refuse;
	}
	r->ctx.staff_id = r->who.id;
	r->ctx.department = r->who.department;
	r->ctx.terminal_id = r->who.terminal_id;
	srv_operation(r, r->op, sizeof r->op);
	r->ctx.operation = r->op;
	return 0;
refuse:;
	/* The refusal is itself an access attempt worth recording (principle 4),
	 * written by the one writer with whatever purpose headers were clean. */
	door_ctx c = r->ctx;
	c.staff_id = r->who.id;
	c.department = r->who.department;
	c.terminal_id = r->who.terminal_id;
	char op[240];
	srv_operation(r, op, sizeof op);
	at_error le;
	at_error_clear(&le);
	if (door_log_refusal(r->s, &c, op, path_subject(r), err, &le))
		fprintf(stderr, "atena: could not audit %s (%s): %s\n", op, err->code, le.message);
	return -1;
}

/* ---- Session routes ------------------------------------------------------- */

static json_t *staff_json(const staff_info *w)
{
	return json_pack("{s:s,s:s,s:s,s:b}", "id", w->id, "name", w->name, "department",
			 w->department, "admin", w->admin);
}

int h_login(req *r, at_error *err)
{
	static const char *const keys[] = {"staff_id", "password", "totp", "terminal_id",
					   "new_password", NULL};
	const char *id, *pw, *totp, *term, *newpw = NULL;
	if (jv_no_unknown(r->json, "", keys, err) ||
	    jv_string(r->json, "", "staff_id", true, 64, &id, err) ||
	    jv_string(r->json, "", "password", true, 1024, &pw, err) ||
	    jv_string(r->json, "", "totp", true, 16, &totp, err) ||
	    jv_string(r->json, "", "terminal_id", true, 64, &term, err) ||
	    jv_string(r->json, "", "new_password", false, 1024, &newpw, err))
		return -1;
	strbuf tok = STRBUF_INIT;
	sb_init(&tok);
	staff_info who;
	memset(&who, 0, sizeof who);
	/* Held back per address too: the terminal id is the client's to rotate. */
	char addr[80];
	conn_source(r->conn, addr, sizeof addr);
	if (staff_login_from(r->s, r->kr, id, pw, totp, term, addr, newpw, &tok, &who, err)) {
		sb_release(&tok);
		return -1;
	}
	json_t *out = json_pack("{s:s,s:o,s:i}", "token", tok.buf, "staff", staff_json(&who),
				"idle_timeout_seconds", (json_int_t)STAFF_IDLE_TIMEOUT);
	sb_release(&tok);
	return srv_reply(r, 201, out, err);
}

int h_logout(req *r, at_error *err)
{
	r->touched = true;   /* the session ends: nothing to refresh */
	if (staff_logout(r->s, r->token, err))
		return -1;
	return srv_reply(r, 204, NULL, err);
}

int h_me(req *r, at_error *err)
{
	json_t *ledger;
	if (grant_ledger(r->s, r->who.id, &ledger, err))
		return -1;
	return srv_reply(r, 200, json_pack("{s:o,s:o}", "staff", staff_json(&r->who), "grants", ledger),
			 err);
}

int h_me_password(req *r, at_error *err)
{
	static const char *const keys[] = {"old_password", "new_password", NULL};
	const char *oldpw, *newpw;
	if (jv_no_unknown(r->json, "", keys, err) ||
	    jv_string(r->json, "", "old_password", true, 1024, &oldpw, err) ||
	    jv_string(r->json, "", "new_password", true, 1024, &newpw, err))
		return -1;
	if (staff_change_password(r->s, r->who.id, oldpw, newpw, r->token, err))
		return -1;
	return srv_reply(r, 204, NULL, err);
}
