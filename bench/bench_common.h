/*
 * bench_common — what every Atena benchmark shares: a clock, argument
 * parsing that names the flag, the machine and command line printed with the
 * figures, and a fresh data directory on a real disk.
 *
 * Header-only (static inline), because every .c file in bench/ is its own
 * program.
 */
#ifndef ATENA_BENCH_COMMON_H
#define ATENA_BENCH_COMMON_H

#include <errno.h>
#include <dirent.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/strbuf.h"

/* ---- Time ---------------------------------------------------------------- */
static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process (user + system), seconds. */
static inline double bench_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- Arguments ---------------------------------------------------------- */
/* A whole number in [min, max] for flag, or a message naming the flag. */
static inline int bench_parse_count(const char *prog, const char *flag, const char *s,
				    uint64_t min, uint64_t max, uint64_t *out)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s)) {
		fprintf(stderr, "%s: %s needs a whole number, got \"%s\"\n", prog, flag, s ? s : "");
		return -1;
	}
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno == ERANGE || v < min || v > max) {
		fprintf(stderr, "%s: %s must be between %" PRIu64 " and %" PRIu64 ", got %s\n", prog,
			flag, min, max, s);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

/* The flag at argv[*i] and its value, the one loop every bench walks: 1 for
 * --help or -h; 0 with *value NULL for a flag named in `switches` (which
 * takes no value), else with *value the next argument (and *i moved past
 * it); -1 with a message when the value is missing. */
static inline int bench_flag(const char *prog, int argc, char **argv, int *i,
			     const char *const *switches, const char **flag, const char **value)
{
	*flag = argv[*i];
	*value = NULL;
	if (!strcmp(*flag, "--help") || !strcmp(*flag, "-h"))
		return 1;
	for (const char *const *sw = switches; sw && *sw; sw++)
		if (!strcmp(*flag, *sw))
			return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "%s: %s needs a value (see --help)\n", prog, *flag);
		return -1;
	}
	*value = argv[++*i];
	return 0;
}

/* A failed call of the spine: what, the field and the message; exit 1. */
static inline void bench_die(const char *prog, const char *what, const at_error *e)
{
	fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, e->field, *e->field ? ": " : "", e->message);
	exit(1);
}

/* The exact command line, quoted so it can be pasted back into a shell. */
static inline void bench_command_line(int argc, char **argv, strbuf *out)
{
	for (int i = 0; i < argc; i++) {
		if (i)
			sb_addch(out, ' ');
		const char *a = argv[i];
		if (*a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_./=:,+@") == strlen(a)) {
			sb_adds(out, a);
			continue;
		}
		sb_addch(out, '\'');
		for (; *a; a++) {
			if (*a == '\'')
				sb_adds(out, "'\\''");
			else
				sb_addch(out, *a);
		}
		sb_addch(out, '\'');
	}
}

/* ---- The machine ---------------------------------------------------------- */
typedef struct bench_machine {
	long nproc;
	char cpu[160];        /* "model name" of /proc/cpuinfo */
	char kernel[160];     /* uname -sr */
	char fs[32];          /* file system of the data directory */
	char date[32];        /* UTC, when the run started */
	char load[64];        /* /proc/loadavg at the start: other work skews the figures */
} bench_machine;

static inline const char *bench_fs_name(long type)
{
	switch ((unsigned long)type) {
	case 0xEF53: return "ext4";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x794C7630: return "overlayfs";
	case 0x2FC12FC1: return "zfs";
	case 0x6969: return "nfs";
	case 0xF2F52010: return "f2fs";
	default: return "other";
	}
}

/* The 1, 5 and 15 minute load averages now, "?" when unknown. The benches
 * print them at the start and at the end: the machine is shared. */
static inline void bench_load_now(char out[64])
{
	snprintf(out, 64, "?");
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		double l1, l5, l15;
		if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
			snprintf(out, 64, "%.2f %.2f %.2f", l1, l5, l15);
		fclose(f);
	}
}

static inline void bench_machine_read(const char *dir, bench_machine *m)
{
	memset(m, 0, sizeof *m);
	m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(m->cpu, sizeof m->cpu, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		char line[512];
		while (fgets(line, sizeof line, f)) {
			if (strncmp(line, "model name", 10) == 0) {
				char *v = strchr(line, ':');
				if (v) {
					v++;
					while (*v == ' ' || *v == '\t')
						v++;
					v[strcspn(v, "\n")] = '\0';
					snprintf(m->cpu, sizeof m->cpu, "%s", v);
				}
				break;
			}
		}
		fclose(f);
	}
	bench_load_now(m->load);
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof m->kernel, "%.60s %.90s", u.sysname, u.release);
	struct statfs sf;
	snprintf(m->fs, sizeof m->fs, "%s", statfs(dir, &sf) == 0 ? bench_fs_name((long)sf.f_type) : "?");
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static inline void bench_machine_print(const bench_machine *m, const char *cmd, const char *dir)
{
	printf("date:     %s\n", m->date);
	printf("machine:  %ld CPUs, %s; %s\n", m->nproc, m->cpu, m->kernel);
	printf("load:     %s (1, 5, 15 min averages at the start)\n", m->load);
	printf("sqlite:   %s (WAL, synchronous=FULL)\n", sqlite3_libversion());
	printf("data dir: %s (%s)\n", dir, m->fs);
	printf("command:  %s\n", cmd);
	if (atof(m->load) > 0.5 * (double)m->nproc)
		printf("WARNING:  the machine is busy (load %s on %ld CPUs): figures will be noisy\n",
		       m->load, m->nproc);
	if (strcmp(m->fs, "tmpfs") == 0)
		printf("WARNING:  the data directory is on tmpfs: fsync costs nothing there, so the "
		       "durable figures are not those of a disk\n");
}

/* A JSON string (for the final line); s is ASCII or UTF-8 text. */
static inline void bench_json_str(strbuf *sb, const char *s)
{
	sb_addch(sb, '"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\') {
			sb_addch(sb, '\\');
			sb_addch(sb, (char)*c);
		} else if (*c < 0x20) {
			sb_addf(sb, "\\u%04x", *c);
		} else {
			sb_addch(sb, (char)*c);
		}
	}
	sb_addch(sb, '"');
}

static inline void bench_json_machine(strbuf *sb, const bench_machine *m, const char *cmd)
{
	sb_adds(sb, "\"date\":");
	bench_json_str(sb, m->date);
	sb_addf(sb, ",\"nproc\":%ld,\"cpu\":", m->nproc);
	bench_json_str(sb, m->cpu);
	sb_adds(sb, ",\"kernel\":");
	bench_json_str(sb, m->kernel);
	sb_adds(sb, ",\"load\":");
	bench_json_str(sb, m->load);
	char end[64];
	bench_load_now(end);
	sb_adds(sb, ",\"load_end\":");
	bench_json_str(sb, end);
	sb_adds(sb, ",\"fs\":");
	bench_json_str(sb, m->fs);
	sb_adds(sb, ",\"sqlite\":");
	bench_json_str(sb, sqlite3_libversion());
	sb_adds(sb, ",\"command\":");
	bench_json_str(sb, cmd);
}

/* --json FILE: the final JSON line also goes to FILE (for the lead to paste
 * or a script to collect); "-" or NULL writes nothing more. */
static inline int bench_write_json(const char *prog, const char *path, const strbuf *json)
{
	if (!path || !strcmp(path, "-"))
		return 0;
	FILE *f = fopen(path, "w");
	int bad = !f;
	if (f) {
		bad = fprintf(f, "%s\n", json->buf) < 0;
		bad |= fclose(f) != 0;
	}
	if (bad) {
		fprintf(stderr, "%s: --json %s: cannot write: %s\n", prog, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- Data directory --------------------------------------------------------- */
/* Fill dir with a directory that does not exist yet: the --dir value (which
 * must not exist), or a new name under $TMPDIR (else /var/tmp, which is on
 * disk where /tmp may be tmpfs). */
static inline int bench_fresh_dir(const char *prog, const char *flag_value, strbuf *dir)
{
	if (flag_value) {
		struct stat st;
		if (stat(flag_value, &st) == 0) {
			fprintf(stderr, "%s: --dir %s already exists; give a path that does not exist yet "
					"(the bench needs a fresh data directory)\n",
				prog, flag_value);
			return -1;
		}
		sb_adds(dir, flag_value);
		return 0;
	}
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/var/tmp";
	sb_addf(dir, "%s/atena-%s-XXXXXX", base, prog);
	if (!mkdtemp(dir->buf)) {
		fprintf(stderr, "%s: cannot create a directory under %s: %s (set TMPDIR or --dir)\n",
			prog, base, strerror(errno));
		return -1;
	}
	return 0;   /* empty, mode 0700: platform_init accepts an existing empty directory */
}

/* Remove the data directory: its files (the database, WAL, key file, plain.db)
 * and the directory itself. The benches create no subdirectories. */
static inline void bench_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		strbuf path = STRBUF_INIT;
		sb_init(&path);
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			sb_reset(&path);
			sb_addf(&path, "%s/%s", dir, e->d_name);
			unlink(path.buf);
		}
		sb_release(&path);
		closedir(d);
	}
	rmdir(dir);
}

/* Size in bytes of a file, 0 when absent. */
static inline int64_t bench_file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

#endif
