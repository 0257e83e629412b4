/*
 * private_file — the one rule for what Atena keeps on disk: the data
 * directory is its owner's alone and every file Atena keeps in it (the
 * database, its -wal and -shm, the key file) is readable by its owner only.
 * A file of names, addresses or the log that the group or others can read
 * is a leak no audit event ever sees (issue 9 §4).
 *
 * Guarantees: a path whose group or other permission bits are set is
 * refused with a message that names it, its mode, the rule and the chmod
 * that fixes it (`chmod 700` for a directory, `chmod 600` for a file).
 * Checked on an open descriptor where the caller has one, so the file
 * cannot be swapped between the check and its use.
 *
 * Typical use:
 *   if (private_check_fd(fd, "the key file", path, "key_file_insecure", err)) ...
 *   if (private_check_path(dir, "the data directory", AT_E_INSECURE, false, err)) ...
 */
#ifndef ATENA_CORE_PRIVATE_FILE_H
#define ATENA_CORE_PRIVATE_FILE_H

#include <stdbool.h>

#include "core/error.h"

#define PRIVATE_DIR_MODE 0700    /* what Atena creates a data directory with */
#define PRIVATE_FILE_MODE 0600   /* what Atena creates every file in it with */

/* fd's file or directory (what: "the database", path: for the message) is
 * refused, with error code `code`, when group or others have any bit. */
int private_check_fd(int fd, const char *what, const char *path, const char *code,
		     at_error *err);
/* The same by path (symbolic links followed). A path that does not exist is
 * refused too, unless may_be_missing. */
int private_check_path(const char *path, const char *what, const char *code,
		       bool may_be_missing, at_error *err);

#endif
