/*
 * server_static.c — the web UI's files, when the server is given a static
 * directory. Only GET/HEAD of regular files whose path is made of plain
 * segments ([A-Za-z0-9._-], none starting with '.'), so no request can climb
 * out of the directory or reach a hidden file; "/" is index.html.
 */
#include "server/server_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_PATH_MAX 512

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".json", "application/json; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".woff2", "font/woff2"},
	{".txt", "text/plain; charset=utf-8"},
	{".map", "application/json; charset=utf-8"},
};

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

static bool clean_path(const char *p)
{
	if (p[0] != '/' || strlen(p) > STATIC_PATH_MAX)
		return false;
	for (const char *s = p; *s == '/';) {
		s++;
		size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
		/* empty segments, "." and ".." and hidden files are all refused here */
		if (n == 0 || s[0] == '.')
			return false;
		s += n;
		if (*s && *s != '/')
			return false;
	}
	return true;
}

static enum MHD_Result not_found(req *r)
{
	at_error err;
	at_fail(&err, 404, AT_E_NOT_FOUND, "", "no such route");
	return srv_send_error(r, &err);
}

enum MHD_Result srv_static(req *r, const char *root)
{
	if (!root)
		return not_found(r);
	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
		at_error err;
		snprintf(r->allow, sizeof r->allow, "GET, HEAD");
		at_fail(&err, 405, "method_not_allowed", "", "%s is not allowed here; allowed: GET, HEAD",
			r->method);
		return srv_send_error(r, &err);
	}
	const char *p = strcmp(r->path.buf, "/") ? r->path.buf : "/index.html";
	if (!clean_path(p))
		return not_found(r);
	strbuf full = STRBUF_INIT;
	sb_init(&full);
	sb_addf(&full, "%s%s", root, p);
	/* O_NOFOLLOW: a symlink planted as the last component is not followed. */
	int fd = open(full.buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	sb_release(&full);
	if (fd < 0)
		return not_found(r);
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return not_found(r);
	}
	struct MHD_Response *resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	srv_common_headers(resp, false);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(p));
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
	enum MHD_Result ok = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ok;
}
