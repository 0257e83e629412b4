/*
 * fuzz_tmp.h — the private scratch folder of a harness that needs files
 * (fuzz_law, fuzz_http): on /dev/shm when there is one (no disk flushes),
 * else $TMPDIR or /tmp, named atena-fuzz-NAME-PID-XXXXXX. A crash ends a
 * harness without its atexit cleanup, so each start first removes the
 * folders of its NAME whose process is gone.
 */
#ifndef ATENA_FUZZ_TMP_H
#define ATENA_FUZZ_TMP_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_tmp_dir[256];

static void fuzz_rm_rf(const char *path)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);   /* our own names: no quotes in them */
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", path);
}

static void fuzz_tmp_cleanup(void)
{
	if (fuzz_tmp_dir[0])
		fuzz_rm_rf(fuzz_tmp_dir);
}

/* Makes the folder (exits on failure) and returns its path. */
static const char *fuzz_tmp_make(const char *name)
{
	struct stat st;
	const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
		: getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char prefix[96];
	snprintf(prefix, sizeof prefix, "atena-fuzz-%s-", name);
	DIR *d = opendir(base);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		long pid = strtol(e->d_name + strlen(prefix), NULL, 10);
		if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
			char stale[512];
			snprintf(stale, sizeof stale, "%s/%s", base, e->d_name);
			fuzz_rm_rf(stale);
		}
	}
	if (d)
		closedir(d);
	snprintf(fuzz_tmp_dir, sizeof fuzz_tmp_dir, "%s/%s%ld-XXXXXX", base, prefix,
		 (long)getpid());
	if (!mkdtemp(fuzz_tmp_dir)) {
		fprintf(stderr, "fuzz: mkdtemp %s: %s\n", fuzz_tmp_dir, strerror(errno));
		exit(2);
	}
	atexit(fuzz_tmp_cleanup);
	return fuzz_tmp_dir;
}

#endif
