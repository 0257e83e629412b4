/*
 * private_file — see private_file.h.
 */
#include "core/private_file.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int check_mode(const struct stat *st, const char *what, const char *path,
		      const char *code, at_error *err)
{
	if (!(st->st_mode & (S_IRWXG | S_IRWXO)))
		return 0;
	bool dir = S_ISDIR(st->st_mode);
	return at_fail(err, 500, code, "data",
		       "%s %s must be %s by its owner only, but its mode is %04o (fix: chmod %s %s)",
		       what, path, dir ? "accessible" : "readable",
		       (unsigned)(st->st_mode & 07777), dir ? "700" : "600", path);
}

int private_check_fd(int fd, const char *what, const char *path, const char *code,
		     at_error *err)
{
	struct stat st;
	if (fstat(fd, &st))
		return at_fail(err, 500, AT_E_INTERNAL, "data", "cannot stat %s %s: %s", what, path,
			       strerror(errno));
	return check_mode(&st, what, path, code, err);
}

int private_check_path(const char *path, const char *what, const char *code,
		       bool may_be_missing, at_error *err)
{
	struct stat st;
	if (stat(path, &st)) {
		if (errno == ENOENT && may_be_missing)
			return 0;
		return at_fail(err, 500, AT_E_INTERNAL, "data", "cannot stat %s %s: %s", what, path,
			       strerror(errno));
	}
	return check_mode(&st, what, path, code, err);
}
