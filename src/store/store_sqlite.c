/*
 * The SQLite backend of store.h: WAL, synchronous=FULL (or group commit:
 * NORMAL plus a shared fsync before a commit returns), foreign keys on,
 * a per-connection statement cache, and an authorizer that keeps business
 * connections out of the spine's `sp_` tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/private_file.h"
#include "store/store.h"
#include "store_spine.h"

/* INSERT ... RETURNING (store_step_id) needs SQLite 3.35; the headers and
 * the library at run time are both checked. */
#define MIN_SQLITE 3035000
#if SQLITE_VERSION_NUMBER < MIN_SQLITE
#error "Atena's store needs SQLite 3.35 or later (INSERT ... RETURNING)"
#endif

#define CACHE_SLOTS 128

struct store_stmt {
	sqlite3_stmt *st;
	store *owner;
	char *sql;
	int spine;      /* prepared inside a spine section */
	int in_use;
	int bind_failed;         /* first parameter whose bind failed (0: none): sticky until done */
	char bind_why[120];      /* SQLite's reason for it */
};

struct group;

struct store {
	sqlite3 *db;
	struct group *grp;   /* store_group_commit: the shared log fsync, or NULL */
	int spine_depth;
	int tx;
	int changes_at_begin;   /* sqlite3_total_changes when the transaction began */
	bool tx_write;              /* it began as a write transaction (store_begin) */
	bool holds_w;               /* holds grp->wmu */
	int stored_code;  /* the statement being prepared defines a trigger, view or alters a table */
	store_stmt cache[CACHE_SLOTS];
	size_t ncache;
};

static int db_fail(store *s, at_error *err, const char *what)
{
	return at_fail(err, 500, AT_E_STORE, "", "database error during %s: %s", what,
		       s && s->db ? sqlite3_errmsg(s->db) : "no connection");
}

/* ---- Fault injection (store.h; test builds only) ---- */
#ifdef ATENA_TEST_CLOCK

static _Atomic int fault_point;        /* store_fault_point armed, 0 none */
static _Atomic int fault_kind;
static _Atomic int64_t fault_nth, fault_count;
static _Atomic bool fault_fired;

int store_fault_arm(store_fault_point point, int64_t nth, store_fault_kind kind)
{
	if (point < STORE_FAULT_STEP || point > STORE_FAULT_WRITE || nth < 1 ||
	    kind < STORE_FAULT_IOERR || kind > STORE_FAULT_BUSY ||
	    (kind == STORE_FAULT_BUSY && point >= STORE_FAULT_SYNC))
		return -1;
	atomic_store(&fault_point, 0);
	atomic_store(&fault_count, 0);
	atomic_store(&fault_fired, false);
	atomic_store(&fault_nth, nth);
	atomic_store(&fault_kind, (int)kind);
	atomic_store(&fault_point, (int)point);
	return 0;
}

bool store_fault_disarm(void)
{
	atomic_store(&fault_point, 0);
	return atomic_exchange(&fault_fired, false);
}

int64_t store_fault_calls(void)
{
	return atomic_load(&fault_count);
}

/* A call at `point`: the SQLite code it must fail with, or SQLITE_OK. */
static int fault_hit(store_fault_point point)
{
	if (atomic_load(&fault_point) != (int)point)
		return SQLITE_OK;
	if (atomic_fetch_add(&fault_count, 1) + 1 != atomic_load(&fault_nth))
		return SQLITE_OK;
	atomic_store(&fault_fired, true);
	switch (atomic_load(&fault_kind)) {
	case STORE_FAULT_FULL:
		return SQLITE_FULL;
	case STORE_FAULT_BUSY:
		return SQLITE_BUSY;
	default:
		return point == STORE_FAULT_SYNC ? SQLITE_IOERR_FSYNC
		       : point == STORE_FAULT_WRITE ? SQLITE_IOERR_WRITE : SQLITE_IOERR;
	}
}

static int fault_fail(int rc, at_error *err, const char *what)
{
	return at_fail(err, 500, AT_E_STORE, "", "database error during %s: %s (injected fault)",
		       what, sqlite3_errstr(rc));
}

/* The fault VFS: every call forwarded to the default VFS's, xWrite and xSync
 * counted (SQLite's test_vfs / test_devsym do the same). The real file sits
 * right after ours in the memory SQLite gives xOpen (szOsFile). */
typedef struct fault_file {
	sqlite3_file base;
	sqlite3_file *real;
} fault_file;

#define FAULT_VFS "atena_fault"
static sqlite3_vfs *fault_real;
#define REAL(f) (((fault_file *)(f))->real)

static int ff_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int ff_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), b, n, off);
}
static int ff_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
	int rc = fault_hit(STORE_FAULT_WRITE);
	return rc ? rc : REAL(f)->pMethods->xWrite(REAL(f), b, n, off);
}
static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int ff_sync(sqlite3_file *f, int flags)
{
	int rc = fault_hit(STORE_FAULT_SYNC);
	return rc ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int ff_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int ff_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int ff_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int ff_check(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int ff_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int ff_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int ff_chars(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int ff_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **p)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, p);
}
static int ff_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void ff_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int ff_shm_unmap(sqlite3_file *f, int del) { return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }
static int ff_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, p);
}
static int ff_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods fault_io = {
	3, ff_close, ff_read, ff_write, ff_truncate, ff_sync, ff_size, ff_lock, ff_unlock,
	ff_check, ff_control, ff_sector, ff_chars, ff_shm_map, ff_shm_lock, ff_shm_barrier,
	ff_shm_unmap, ff_fetch, ff_unfetch,
};

static int fv_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
	(void)v;
	fault_file *ff = (fault_file *)f;
	ff->real = (sqlite3_file *)&ff[1];
	int rc = fault_real->xOpen(fault_real, name, ff->real, flags, out);
	/* The real file's methods set means SQLite will close it through ours. */
	ff->base.pMethods = ff->real->pMethods ? &fault_io : NULL;
	return rc;
}
static int fv_delete(sqlite3_vfs *v, const char *name, int sync)
{
	(void)v;
	return fault_real->xDelete(fault_real, name, sync);
}
static int fv_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return fault_real->xAccess(fault_real, name, flags, out);
}
static int fv_full(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return fault_real->xFullPathname(fault_real, name, n, out);
}
static void *fv_dlopen(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return fault_real->xDlOpen(fault_real, name);
}
static void fv_dlerror(sqlite3_vfs *v, int n, char *msg)
{
	(void)v;
	fault_real->xDlError(fault_real, n, msg);
}
static void (*fv_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return fault_real->xDlSym(fault_real, h, sym);
}
static void fv_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	fault_real->xDlClose(fault_real, h);
}
static int fv_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return fault_real->xRandomness(fault_real, n, out);
}
static int fv_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return fault_real->xSleep(fault_real, us);
}
static int fv_time(sqlite3_vfs *v, double *t)
{
	(void)v;
	return fault_real->xCurrentTime(fault_real, t);
}
static int fv_lasterr(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return fault_real->xGetLastError(fault_real, n, out);
}
static int fv_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
	(void)v;
	return fault_real->xCurrentTimeInt64(fault_real, t);
}
static int fv_setsys(sqlite3_vfs *v, const char *name, sqlite3_syscall_ptr p)
{
	(void)v;
	return fault_real->xSetSystemCall(fault_real, name, p);
}
static sqlite3_syscall_ptr fv_getsys(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return fault_real->xGetSystemCall(fault_real, name);
}
static const char *fv_nextsys(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return fault_real->xNextSystemCall(fault_real, name);
}

static sqlite3_vfs fault_vfs = {
	.iVersion = 3, .zName = FAULT_VFS, .xOpen = fv_open, .xDelete = fv_delete,
	.xAccess = fv_access, .xFullPathname = fv_full, .xDlOpen = fv_dlopen,
	.xDlError = fv_dlerror, .xDlSym = fv_dlsym, .xDlClose = fv_dlclose,
	.xRandomness = fv_random, .xSleep = fv_sleep, .xCurrentTime = fv_time,
	.xGetLastError = fv_lasterr, .xCurrentTimeInt64 = fv_time64,
	.xSetSystemCall = fv_setsys, .xGetSystemCall = fv_getsys, .xNextSystemCall = fv_nextsys,
};

static void fault_register(void)
{
	fault_real = sqlite3_vfs_find(NULL);
	if (!fault_real || fault_real->iVersion < 3)
		abort();   /* a test build on an SQLite without a version-3 default VFS */
	fault_vfs.szOsFile = (int)sizeof(fault_file) + fault_real->szOsFile;
	fault_vfs.mxPathname = fault_real->mxPathname;
	if (sqlite3_vfs_register(&fault_vfs, 0) != SQLITE_OK)
		abort();
}

/* The VFS every connection of a test build opens with. */
static const char *fault_vfs_name(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, fault_register);
	return FAULT_VFS;
}
#else
#define fault_hit(point) SQLITE_OK
#define fault_fail(rc, err, what) db_fail(NULL, (err), (what))
#define fault_vfs_name() NULL
#endif

static int is_spine_name(const char *name)
{
	return name && strncasecmp(name, "sp_", 3) == 0;
}

static int forbidden(at_error *err)
{
	return at_fail(err, 403, AT_E_FORBIDDEN, "",
		       "this connection may not touch the spine's tables; use the access layer");
}

/* Does sql name anything starting "sp_" (as a whole word, bare, quoted or
 * inside a string, since SQLite accepts 'name' where a name is expected)?
 * Deliberately coarse: a false alarm costs a business module a rename, a miss
 * would let it plant code in the spine. */
static int names_spine(const char *sql)
{
	for (size_t i = 0; sql[i]; i++) {
		if (strncasecmp(sql + i, "sp_", 3) != 0)
			continue;
		unsigned char p = i ? (unsigned char)sql[i - 1] : ' ';
		if ((p >= 'a' && p <= 'z') || (p >= 'A' && p <= 'Z') || (p >= '0' && p <= '9') ||
		    p == '_' || p == '$' || p >= 0x80)
			continue;
		return 1;
	}
	return 0;
}

/* The authorizer runs when a statement is prepared (and re-prepared). Outside a
 * spine section nothing may name an sp_ table, attach another database or
 * change the journal and sync settings that durability rests on. */
static int authorizer(void *ud, int action, const char *a, const char *b, const char *dbn,
		      const char *trig)
{
	(void)dbn;
	(void)trig;
	store *s = ud;
	if (s->spine_depth > 0)
		return SQLITE_OK;
	switch (action) {
	case SQLITE_CREATE_TRIGGER:
	case SQLITE_CREATE_TEMP_TRIGGER:
	case SQLITE_CREATE_VIEW:
	case SQLITE_CREATE_TEMP_VIEW:
	case SQLITE_CREATE_VTABLE:
	case SQLITE_ALTER_TABLE:
		/* SQLite authorizes a trigger body or a view only when a statement
		 * that fires or reads it is prepared, which may be inside a spine
		 * section; prepare_checked() looks at the text instead. */
		s->stored_code = 1;
		break;
	default:
		break;
	}
	switch (action) {
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return SQLITE_DENY;
	case SQLITE_PRAGMA:
		return SQLITE_DENY;
	case SQLITE_READ:
	case SQLITE_UPDATE:
	case SQLITE_INSERT:
	case SQLITE_DELETE:
	case SQLITE_CREATE_TABLE:
	case SQLITE_CREATE_TEMP_TABLE:
	case SQLITE_DROP_TABLE:
	case SQLITE_DROP_TEMP_TABLE:
	case SQLITE_ANALYZE:
	case SQLITE_CREATE_VTABLE:
	case SQLITE_DROP_VTABLE:
		return is_spine_name(a) ? SQLITE_DENY : SQLITE_OK;
	case SQLITE_ALTER_TABLE:
		/* a = database name, b = table name */
		return is_spine_name(b) ? SQLITE_DENY : SQLITE_OK;
	case SQLITE_CREATE_INDEX:
	case SQLITE_CREATE_TEMP_INDEX:
	case SQLITE_DROP_INDEX:
	case SQLITE_DROP_TEMP_INDEX:
	case SQLITE_CREATE_TRIGGER:
	case SQLITE_CREATE_TEMP_TRIGGER:
	case SQLITE_DROP_TRIGGER:
	case SQLITE_DROP_TEMP_TRIGGER:
		/* a = index/trigger name, b = table name */
		return is_spine_name(a) || is_spine_name(b) ? SQLITE_DENY : SQLITE_OK;
	case SQLITE_CREATE_VIEW:
	case SQLITE_CREATE_TEMP_VIEW:
	case SQLITE_DROP_VIEW:
	case SQLITE_DROP_TEMP_VIEW:
		return is_spine_name(a) ? SQLITE_DENY : SQLITE_OK;
	default:
		return SQLITE_OK;
	}
}

/* The database holds names, addresses and the log in plain text, and SQLite
 * keeps parts of it in PATH-wal and PATH-shm (issue 9 §4). A new database is
 * created 0600 whatever the umask, and SQLite gives the -wal and -shm it
 * creates the database's own mode; an existing one is refused when group or
 * others may use it or either companion (core/private_file.h). Existing
 * files are checked by path, never opened: closing a descriptor of a file
 * drops every POSIX lock this process holds on it, SQLite's included. */
static int private_db(const char *path, bool create, at_error *err)
{
	if (!*path || !strcmp(path, ":memory:"))
		return 0;
	if (create) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, PRIVATE_FILE_MODE);
		if (fd >= 0) {
			int rc = fchmod(fd, PRIVATE_FILE_MODE);
			int e = errno;
			close(fd);
			if (rc)
				return at_fail(err, 500, AT_E_STORE, "data",
					       "cannot make the database %s private: %s", path,
					       strerror(e));
		} else if (errno != EEXIST) {
			return at_fail(err, 500, AT_E_STORE, "data", "cannot create the database %s: %s",
				       path, strerror(errno));
		}
	} else if (access(path, F_OK)) {
		return at_fail(err, 500, AT_E_STORE, "data", "cannot open the database %s: %s", path,
			       strerror(errno));
	}
	char side[4096];
	if (private_check_path(path, "the database", AT_E_INSECURE, false, err))
		return -1;
	snprintf(side, sizeof side, "%s-wal", path);
	if (private_check_path(side, "the database's write-ahead log", AT_E_INSECURE, true, err))
		return -1;
	snprintf(side, sizeof side, "%s-shm", path);
	return private_check_path(side, "the database's shared-memory file", AT_E_INSECURE, true,
				  err);
}

/* ---- Group commit (store_group_commit) ---------------------------------
 * A connection in group mode runs with synchronous=NORMAL: its COMMIT writes
 * the transaction's frames to the write-ahead log without an fsync. Before
 * store_commit returns, one fsync of the log file must have started after
 * the frames were written: the committer takes a ticket (commits counted in
 * order) and waits until `synced` reaches it. Whoever finds no fsync running
 * becomes the leader, notes how many commits were written, fsyncs once and
 * releases every waiter up to that count; commits made during its fsync wait
 * for the next one. So a commit that returned is on disk, as with FULL, but
 * 32 concurrent commits cost one or two fsyncs instead of 32. SQLite's own
 * checkpoints still sync the log before copying it into the database
 * (synchronous=NORMAL keeps that), and the log is a prefix of commits: what
 * a power loss can cut is a tail of commits nobody was told had happened. */
struct group {
	struct group *next;
	char *wal;                  /* path of the -wal file */
	int fd;                     /* open on it, -1 until the first sync */
	unsigned refs;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Held from BEGIN IMMEDIATE to COMMIT or ROLLBACK: writers of this
	 * process queue here rather than in SQLite's busy handler, which sleeps
	 * 1, 2, 5 ... ms between tries and would idle the log between fsyncs. */
	pthread_mutex_t wmu;
	uint64_t committed;         /* commits whose frames are written */
	uint64_t synced;            /* commits an fsync has covered */
	uint64_t syncs;             /* fsyncs done (store_group_stats) */
	bool busy;                  /* a leader's fsync is running */
};

static pthread_mutex_t groups_mu = PTHREAD_MUTEX_INITIALIZER;
static struct group *groups;

static void group_release(struct group *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&groups_mu);
	if (--g->refs == 0) {
		for (struct group **p = &groups; *p; p = &(*p)->next)
			if (*p == g) {
				*p = g->next;
				break;
			}
		if (g->fd >= 0)
			close(g->fd);
		pthread_mutex_destroy(&g->mu);
		pthread_mutex_destroy(&g->wmu);
		pthread_cond_destroy(&g->cv);
		free(g->wal);
		free(g);
	}
	pthread_mutex_unlock(&groups_mu);
}

/* fsync the log file. The descriptor is checked against the path each time:
 * SQLite deletes the -wal file when its last connection closes and makes a
 * new one later, and an fsync of the old inode would cover nothing. */
static int group_fsync(struct group *g)
{
	struct stat a, b;
	if (g->fd >= 0 && (stat(g->wal, &a) || fstat(g->fd, &b) || a.st_ino != b.st_ino ||
			   a.st_dev != b.st_dev)) {
		close(g->fd);
		g->fd = -1;
	}
	if (g->fd < 0)
		g->fd = open(g->wal, O_RDONLY | O_CLOEXEC);
	if (g->fd < 0)
		return -1;
	return fdatasync(g->fd);
}

/* Wait until the commits written so far (wrote: including one of ours) are
 * on disk. */
static int group_wait(store *s, bool wrote, at_error *err)
{
	struct group *g = s->grp;
	pthread_mutex_lock(&g->mu);
	uint64_t ticket = wrote ? ++g->committed : g->committed;
	bool tried = false;
	while (g->synced < ticket) {
		if (g->busy) {
			pthread_cond_wait(&g->cv, &g->mu);
			continue;
		}
		if (tried) {
			pthread_mutex_unlock(&g->mu);
			return at_fail(err, 500, AT_E_STORE, "",
				       "the database's log could not be synced to disk (%s): the change "
				       "may not survive a power loss and is not confirmed", strerror(errno));
		}
		g->busy = true;
		uint64_t upto = g->committed;
		pthread_mutex_unlock(&g->mu);
		int rc = group_fsync(g);
		int e = errno;
		pthread_mutex_lock(&g->mu);
		g->busy = false;
		g->syncs++;
		if (rc == 0 && upto > g->synced)
			g->synced = upto;
		pthread_cond_broadcast(&g->cv);
		errno = e;
		tried = rc != 0;
	}
	pthread_mutex_unlock(&g->mu);
	return 0;
}

int store_group_commit(store *s, at_error *err)
{
	if (s->grp)
		return 0;
	if (s->tx)
		return at_fail(err, 500, AT_E_INTERNAL, "", "group commit is chosen outside a transaction");
	const char *wal = sqlite3_filename_wal(sqlite3_db_filename(s->db, "main"));
	if (!wal || !*wal)
		return at_fail(err, 500, AT_E_STORE, "", "the database has no write-ahead log file");
	pthread_mutex_lock(&groups_mu);
	struct group *g = groups;
	while (g && strcmp(g->wal, wal))
		g = g->next;
	if (!g) {
		g = calloc(1, sizeof *g);
		if (!g)
			abort();
		g->wal = strdup(wal);
		if (!g->wal)
			abort();
		g->fd = -1;
		pthread_mutex_init(&g->mu, NULL);
		pthread_mutex_init(&g->wmu, NULL);
		pthread_cond_init(&g->cv, NULL);
		g->next = groups;
		groups = g;
	}
	g->refs++;
	pthread_mutex_unlock(&groups_mu);
	/* The authorizer refuses PRAGMA outside a spine section. */
	s->spine_depth++;
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL, &msg);
	s->spine_depth--;
	if (rc != SQLITE_OK) {
		at_fail(err, 500, AT_E_STORE, "", "cannot switch to group commit: %s", msg ? msg : "?");
		sqlite3_free(msg);
		group_release(g);
		return -1;
	}
	s->grp = g;
	return 0;
}

void store_group_stats(store *s, uint64_t *commits, uint64_t *synced, uint64_t *syncs)
{
	*commits = *synced = *syncs = 0;
	if (!s->grp)
		return;
	pthread_mutex_lock(&s->grp->mu);
	*commits = s->grp->committed;
	*synced = s->grp->synced;
	*syncs = s->grp->syncs;
	pthread_mutex_unlock(&s->grp->mu);
}

static void group_unlock_writer(store *s)
{
	if (s->holds_w) {
		s->holds_w = false;
		pthread_mutex_unlock(&s->grp->wmu);
	}
}

/* A statement that changed the database outside a transaction committed on
 * its own: in group mode it is not done before the log is synced. */
static int autocommit_sync(store *s, sqlite3_stmt *st, at_error *err)
{
	if (!s->grp || !sqlite3_get_autocommit(s->db) || sqlite3_stmt_readonly(st))
		return 0;
	return group_wait(s, true, err);
}

int store_open(const char *path, bool create, store **out, at_error *err)
{
	*out = NULL;
	if (sqlite3_libversion_number() < MIN_SQLITE)
		return at_fail(err, 500, AT_E_STORE, "", "SQLite %s is too old: the store needs 3.35 or later"
			       " (INSERT ... RETURNING)", sqlite3_libversion());
	if (strlen(path) > 4000)
		return at_fail(err, 500, AT_E_STORE, "data", "the database path is longer than 4000 bytes");
	if (private_db(path, create, err))
		return -1;
	store *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db, flags, fault_vfs_name()) != SQLITE_OK) {
		at_fail(err, 500, AT_E_STORE, "data", "cannot open the database %s: %s", path,
			s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close(s->db);
		free(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_extended_result_codes(s->db, 1);
	/* Durability and integrity settings are fixed here, before the authorizer
	 * forbids PRAGMA to business connections. */
	const char *setup = "PRAGMA journal_mode=WAL;"
			    "PRAGMA synchronous=FULL;"
			    "PRAGMA foreign_keys=ON;"
			    "PRAGMA trusted_schema=OFF;";
	char *msg = NULL;
	if (sqlite3_exec(s->db, setup, NULL, NULL, &msg) != SQLITE_OK) {
		at_fail(err, 500, AT_E_STORE, "data", "cannot set up the database %s: %s", path,
			msg ? msg : "?");
		sqlite3_free(msg);
		sqlite3_close(s->db);
		free(s);
		return -1;
	}
	sqlite3_set_authorizer(s->db, authorizer, s);
	*out = s;
	return 0;
}

int store_cache_size(store *s, int mib, at_error *err)
{
	if (mib < 1 || mib > 1024)
		return at_fail(err, 500, AT_E_INTERNAL, "cache", "the page cache is 1 to 1024 MiB");
	char sql[48];
	snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", mib * 1024);
	/* The authorizer refuses PRAGMA to business statements; this one is the
	 * store's own, its text fixed here. */
	s->spine_depth++;
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	s->spine_depth--;
	if (rc != SQLITE_OK) {
		at_fail(err, 500, AT_E_STORE, "cache", "cannot size the page cache: %s",
			msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

void store_close(store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ncache; i++) {
		sqlite3_finalize(s->cache[i].st);
		free(s->cache[i].sql);
	}
	if (s->tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	group_unlock_writer(s);
	sqlite3_close(s->db);
	group_release(s->grp);
	free(s);
}

void store_spine_enter(store *s)
{
	s->spine_depth++;
}

void store_spine_leave(store *s)
{
	if (s->spine_depth > 0)
		s->spine_depth--;
}

/* Prepare one statement (the first of sql; *tail gets the rest). *out is
 * NULL without error for an empty statement (only blanks or a comment). */
static int prepare_checked(store *s, const char *sql, unsigned flags, sqlite3_stmt **out,
			   const char **tail, at_error *err)
{
	sqlite3_stmt *st = NULL;
	*out = NULL;
	s->stored_code = 0;
	if (sqlite3_prepare_v3(s->db, sql, -1, flags, &st, tail) != SQLITE_OK) {
		int code = sqlite3_extended_errcode(s->db) & 0xff;
		sqlite3_finalize(st);
		return code == SQLITE_AUTH ? forbidden(err) : db_fail(s, err, "prepare");
	}
	if (st && s->stored_code && s->spine_depth == 0 && names_spine(sqlite3_sql(st))) {
		sqlite3_finalize(st);
		return forbidden(err);
	}
	*out = st;
	return 0;
}

static int step_fail(store *s, int rc, at_error *err, const char *what)
{
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return at_fail(err, 409, AT_E_CONFLICT, "", "the change conflicts with existing data: %s",
			       sqlite3_errmsg(s->db));
	if ((rc & 0xff) == SQLITE_AUTH)
		return forbidden(err);
	return db_fail(s, err, what);
}

/* STORE_CLUSTERED is SQLite's WITHOUT ROWID. The marker is replaced in a copy
 * (*copy, to free) so the stored schema reads as if WITHOUT ROWID were written. */
static const char *dialect(const char *sql, char **copy)
{
	static const char marker[] = STORE_CLUSTERED, native[] = " WITHOUT ROWID";
	*copy = NULL;
	if (!sql || !strstr(sql, marker))
		return sql;
	size_t n = strlen(sql);
	char *out = malloc(n + 1);   /* the native form is not longer than the marker */
	if (!out)
		abort();
	char *o = out;
	for (const char *p = sql; *p;) {
		if (!strncmp(p, marker, sizeof marker - 1)) {
			memcpy(o, native, sizeof native - 1);
			o += sizeof native - 1;
			p += sizeof marker - 1;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	*copy = out;
	return out;
}

/* Like sqlite3_exec, but every statement passes prepare_checked. */
static int run(store *s, const char *sql, at_error *err, const char *what)
{
	char *copy;
	const char *p = dialect(sql, &copy);
	int rc = 0;
	while (p && *p) {
		sqlite3_stmt *st;
		const char *tail = NULL;
		if (prepare_checked(s, p, 0, &st, &tail, err)) {
			rc = -1;
			break;
		}
		if (!st)
			break;  /* nothing but blanks and comments left */
		int sr = fault_hit(STORE_FAULT_STEP), injected = sr != SQLITE_OK;
		if (!injected)
			while ((sr = sqlite3_step(st)) == SQLITE_ROW)
				;
		if (sr != SQLITE_DONE) {
			sqlite3_finalize(st);
			if (injected)
				fault_fail(sr, err, what);
			else
				step_fail(s, sr, err, what);
			rc = -1;
			break;
		}
		int sync = autocommit_sync(s, st, err);
		sqlite3_finalize(st);
		if (sync) {
			rc = -1;
			break;
		}
		p = tail;
	}
	free(copy);
	return rc;
}

int store_begin(store *s, at_error *err)
{
	if (s->tx)
		return at_fail(err, 500, AT_E_INTERNAL, "", "a transaction is already open");
	if (s->grp) {
		pthread_mutex_lock(&s->grp->wmu);
		s->holds_w = true;
	}
	if (run(s, "BEGIN IMMEDIATE", err, "begin")) {
		group_unlock_writer(s);
		return -1;
	}
	s->tx = 1;
	s->tx_write = true;
	s->changes_at_begin = sqlite3_total_changes(s->db);
	return 0;
}

int store_begin_read(store *s, at_error *err)
{
	if (s->tx)
		return at_fail(err, 500, AT_E_INTERNAL, "", "a transaction is already open");
	if (run(s, "BEGIN DEFERRED", err, "begin"))
		return -1;
	s->tx = 1;
	s->tx_write = false;
	s->changes_at_begin = sqlite3_total_changes(s->db);
	return 0;
}

int store_commit(store *s, at_error *err)
{
	if (!s->tx)
		return at_fail(err, 500, AT_E_INTERNAL, "", "no transaction is open");
	bool wrote = s->tx_write || sqlite3_total_changes(s->db) != s->changes_at_begin;
	int injected = fault_hit(STORE_FAULT_COMMIT);
	if (injected) {
		fault_fail(injected, err, "commit");
		store_rollback(s);
		return -1;
	}
	if (run(s, "COMMIT", err, "commit")) {
		store_rollback(s);
		return -1;
	}
	s->tx = 0;
	group_unlock_writer(s);
	/* Group mode: not returned before the log holding it is on disk. A
	 * commit that wrote nothing waits for the commits its snapshot saw. */
	return s->grp ? group_wait(s, wrote, err) : 0;
}

void store_rollback(store *s)
{
	if (!s->tx)
		return;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->tx = 0;
	group_unlock_writer(s);
}

bool store_in_tx(store *s)
{
	return s->tx != 0;
}

int store_exec(store *s, const char *sql, at_error *err)
{
	return run(s, sql, err, "exec");
}

store_stmt *store_prepare(store *s, const char *sql, at_error *err)
{
	int spine = s->spine_depth > 0;
	for (size_t i = 0; i < s->ncache; i++) {
		store_stmt *c = &s->cache[i];
		if (!c->in_use && c->spine == spine && !strcmp(c->sql, sql)) {
			c->in_use = 1;
			return c;
		}
	}
	sqlite3_stmt *st = NULL;
	if (prepare_checked(s, sql, SQLITE_PREPARE_PERSISTENT, &st, NULL, err))
		return NULL;
	if (!st) {
		at_fail(err, 500, AT_E_INTERNAL, "", "store_prepare was given no statement");
		return NULL;
	}
	if (s->ncache < CACHE_SLOTS) {
		store_stmt *c = &s->cache[s->ncache++];
		c->st = st;
		c->owner = s;
		c->sql = strdup(sql);
		if (!c->sql)
			abort();
		c->spine = spine;
		c->in_use = 1;
		return c;
	}
	/* Cache full (or every slot for this SQL in use): an uncached statement. */
	store_stmt *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	c->st = st;
	c->owner = s;
	c->spine = spine;
	c->in_use = 1;
	return c;
}

void store_done(store_stmt *st)
{
	if (!st)
		return;
	if (!st->sql) {  /* uncached */
		sqlite3_finalize(st->st);
		free(st);
		return;
	}
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
	st->bind_failed = 0;
	st->in_use = 0;
}

/* Remember the first failed bind; store_step reports it. */
static int bound(store_stmt *st, int idx, int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	if (!st->bind_failed) {
		st->bind_failed = idx > 0 ? idx : -1;
		snprintf(st->bind_why, sizeof st->bind_why, "%s", sqlite3_errstr(rc));
	}
	return -1;
}

int store_bind_text(store_stmt *st, int idx, const char *v)
{
	if (!v)
		return bound(st, idx, sqlite3_bind_null(st->st, idx));
	return bound(st, idx, sqlite3_bind_text(st->st, idx, v, -1, SQLITE_TRANSIENT));
}

int store_bind_int(store_stmt *st, int idx, int64_t v)
{
	return bound(st, idx, sqlite3_bind_int64(st->st, idx, v));
}

int store_bind_blob(store_stmt *st, int idx, const void *v, size_t len)
{
	return bound(st, idx, sqlite3_bind_blob64(st->st, idx, v, len, SQLITE_TRANSIENT));
}

int store_bind_null(store_stmt *st, int idx)
{
	return bound(st, idx, sqlite3_bind_null(st->st, idx));
}

int store_step(store_stmt *st, at_error *err)
{
	if (st->bind_failed)
		return at_fail(err, 500, AT_E_STORE, "",
			       "parameter %d of the statement could not be bound (%s); nothing was run",
			       st->bind_failed, st->bind_why);
	int rc = fault_hit(STORE_FAULT_STEP);
	if (rc)
		return fault_fail(rc, err, "step");
	rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return STORE_ROW;
	if (rc == SQLITE_DONE)
		return autocommit_sync(st->owner, st->st, err) ? -1 : STORE_DONE;
	return step_fail(st->owner, rc, err, "step");
}

const char *store_col_text(store_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st->st, col);
	return t ? (const char *)t : "";
}

int64_t store_col_int(store_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

const void *store_col_blob(store_stmt *st, int col, size_t *len)
{
	const void *b = sqlite3_column_blob(st->st, col);
	*len = (size_t)sqlite3_column_bytes(st->st, col);
	return b;
}

bool store_col_null(store_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

int64_t store_changes(store *s)
{
	return sqlite3_changes64(s->db);
}

int store_step_id(store_stmt *st, int64_t *id, at_error *err)
{
	int r = store_step(st, err);
	if (r < 0)
		return -1;
	if (r != STORE_ROW)
		return at_fail(err, 500, AT_E_INTERNAL, "",
			       "the INSERT returned no id: it needs RETURNING <key> and must insert a row");
	if (sqlite3_column_type(st->st, 0) != SQLITE_INTEGER)
		return at_fail(err, 500, AT_E_INTERNAL, "",
			       "the INSERT returned %s, not an integer id", sqlite3_column_name(st->st, 0));
	int64_t got = sqlite3_column_int64(st->st, 0);
	r = store_step(st, err);
	if (r < 0)
		return -1;
	if (r == STORE_ROW)
		return at_fail(err, 500, AT_E_INTERNAL, "",
			       "the INSERT returned more than one row; store_step_id takes one");
	*id = got;
	return 0;
}

/* ---- One-shot statements ---- */

int store_bind_args(store_stmt *st, const store_arg *args, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		int idx = (int)i + 1;
		const store_arg *a = &args[i];
		switch (a->type) {
		case STORE_ARG_INT:
			rc |= store_bind_int(st, idx, a->i);
			break;
		case STORE_ARG_TEXT:
			rc |= store_bind_text(st, idx, a->t);
			break;
		case STORE_ARG_BLOB:
			rc |= store_bind_blob(st, idx, a->b, a->len);
			break;
		case STORE_ARG_NULL:
		default:
			rc |= store_bind_null(st, idx);
			break;
		}
	}
	return rc ? -1 : 0;
}

/* Prepare and bind: the statement, or NULL with *err set. */
static store_stmt *prepare_args(store *s, const char *sql, const store_arg *args, size_t n,
				at_error *err)
{
	store_stmt *st = store_prepare(s, sql, err);
	if (st)
		store_bind_args(st, args, n);   /* a failure is sticky: store_step reports it */
	return st;
}

int store_run(store *s, const char *sql, const store_arg *args, size_t n, at_error *err)
{
	store_stmt *st = prepare_args(s, sql, args, n, err);
	if (!st)
		return -1;
	int r;
	while ((r = store_step(st, err)) == STORE_ROW)
		;
	store_done(st);
	return r == STORE_DONE ? 0 : -1;
}

int store_run_id(store *s, const char *sql, const store_arg *args, size_t n, int64_t *id,
		 at_error *err)
{
	store_stmt *st = prepare_args(s, sql, args, n, err);
	if (!st)
		return -1;
	int r = store_step_id(st, id, err);
	store_done(st);
	return r;
}

int store_query_int(store *s, const char *sql, const store_arg *args, size_t n, int64_t *out,
		    at_error *err)
{
	store_stmt *st = prepare_args(s, sql, args, n, err);
	if (!st)
		return -1;
	int r = store_step(st, err);
	if (r == STORE_ROW)
		*out = store_col_int(st, 0);
	store_done(st);
	return r < 0 ? -1 : r == STORE_ROW;
}

int store_query_text(store *s, const char *sql, const store_arg *args, size_t n, char *out,
		     size_t cap, at_error *err)
{
	store_stmt *st = prepare_args(s, sql, args, n, err);
	if (!st)
		return -1;
	int r = store_step(st, err);
	if (r == STORE_ROW) {
		const char *t = store_col_text(st, 0);
		size_t len = strlen(t);
		if (len >= cap) {
			store_done(st);
			return at_fail(err, 500, AT_E_INTERNAL, "",
				       "a stored value of %zu bytes does not fit a buffer of %zu", len, cap);
		}
		memcpy(out, t, len + 1);
	}
	store_done(st);
	return r < 0 ? -1 : r == STORE_ROW;
}

/* ---- Dialect ---- */

static bool plain_name(const char *t)
{
	if (!t || !*t || strlen(t) > 60)
		return false;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

int store_append_only(store *s, const char *table, unsigned refuse, const char *unless,
		      const char *why, at_error *err)
{
	if (!plain_name(table) || !why || strchr(why, '\'') || strlen(why) > 200 ||
	    !(refuse & (STORE_NO_UPDATE | STORE_NO_DELETE)))
		return at_fail(err, 500, AT_E_INTERNAL, "",
			       "store_append_only: a table name of a-z, 0-9 and _, an operation and"
			       " a reason without quotes are required");
	static const struct {
		unsigned bit;
		const char *suffix, *op;
	} ops[] = {{STORE_NO_UPDATE, "no_update", "UPDATE"}, {STORE_NO_DELETE, "no_delete", "DELETE"}};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		char sql[1024];
		int k = snprintf(sql, sizeof sql,
				 "DROP TRIGGER IF EXISTS %s_%s;"
				 "CREATE TRIGGER %s_%s BEFORE %s ON %s%s%s%s"
				 " BEGIN SELECT RAISE(ABORT, '%s'); END;",
				 table, ops[i].suffix, table, ops[i].suffix, ops[i].op, table,
				 unless && ops[i].bit == STORE_NO_UPDATE ? " WHEN NOT (" : "",
				 unless && ops[i].bit == STORE_NO_UPDATE ? unless : "",
				 unless && ops[i].bit == STORE_NO_UPDATE ? ")" : "", why);
		if (k < 0 || (size_t)k >= sizeof sql)
			return at_fail(err, 500, AT_E_INTERNAL, "", "store_append_only: the guard is too long");
		/* Without the bit, an earlier guard of that name goes (DROP only). */
		if (!(refuse & ops[i].bit))
			*strchr(sql, ';') = '\0';
		if (run(s, sql, err, "append-only guard"))
			return -1;
	}
	return 0;
}

int store_explain(store *s, const char *sql, char *out, size_t cap, at_error *err)
{
	if (cap)
		out[0] = '\0';
	size_t n = strlen(sql);
	char *q = malloc(n + 20);
	if (!q)
		abort();
	memcpy(q, "EXPLAIN QUERY PLAN ", 19);
	memcpy(q + 19, sql, n + 1);
	sqlite3_stmt *st = NULL;
	int rc = prepare_checked(s, q, 0, &st, NULL, err);
	free(q);
	if (rc)
		return -1;
	if (!st)
		return at_fail(err, 500, AT_E_INTERNAL, "", "store_explain was given no statement");
	size_t used = 0;
	int sr;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_text(st, 3);   /* id, parent, notused, detail */
		int k = snprintf(out + used, cap > used ? cap - used : 0, "%s\n", d ? (const char *)d : "");
		if (k > 0)
			used += (size_t)k;
	}
	sqlite3_finalize(st);
	if (sr != SQLITE_DONE)
		return db_fail(s, err, "explain");
	if (used >= cap)
		return at_fail(err, 500, AT_E_INTERNAL, "", "store_explain: the plan does not fit %zu bytes",
			       cap);
	return 0;
}

/* ---- Migrations ---- */

static int ensure_schema_table(store *s, at_error *err)
{
	store_spine_enter(s);
	int rc = run(s,
		     "CREATE TABLE IF NOT EXISTS sp_schema("
		     " module TEXT PRIMARY KEY, version INTEGER NOT NULL, applied_at INTEGER NOT NULL)",
		     err, "create schema table");
	store_spine_leave(s);
	return rc;
}

int store_schema_version(store *s, const char *module)
{
	at_error e;
	if (ensure_schema_table(s, &e))
		return -1;
	store_spine_enter(s);
	int v = 0;
	store_stmt *st = store_prepare(s, "SELECT version FROM sp_schema WHERE module = ?", &e);
	if (st) {
		store_bind_text(st, 1, module);
		if (store_step(st, &e) == STORE_ROW)
			v = (int)store_col_int(st, 0);
		store_done(st);
	} else {
		v = -1;
	}
	store_spine_leave(s);
	return v;
}

int store_migrate(store *s, const char *module, const store_migration *m, size_t n,
		  at_error *err)
{
	return store_migrate_steps(s, module, m, n, NULL, 0, err);
}

int store_migrate_steps(store *s, const char *module, const store_migration *m, size_t n,
			const store_migration_step *steps, size_t nsteps, at_error *err)
{
	int have = store_schema_version(s, module);
	if (have < 0)
		return at_fail(err, 500, AT_E_STORE, "", "cannot read the schema version of %s", module);
	/* A list out of order would skip a migration for good once a later one is recorded. */
	for (size_t i = 0; i < n; i++)
		if (m[i].version < 1 || (i > 0 && m[i].version <= m[i - 1].version))
			return at_fail(err, 500, AT_E_INTERNAL, "",
				       "migrations of %s must be numbered 1, 2, 3 ... in increasing order",
				       module);
	for (size_t k = 0; k < nsteps; k++) {
		bool known = false;
		for (size_t i = 0; i < n; i++)
			known |= m[i].version == steps[k].version;
		if (!known || !steps[k].apply)
			return at_fail(err, 500, AT_E_INTERNAL, "",
				       "a migration step of %s names version %d, which is not a migration",
				       module, steps[k].version);
	}
	for (size_t i = 0; i < n; i++) {
		if (m[i].version <= have)
			continue;
		if (store_begin(s, err))
			return -1;
		int failed = m[i].sql ? run(s, m[i].sql, err, "migration") : 0;
		for (size_t k = 0; k < nsteps && !failed; k++)
			if (steps[k].version == m[i].version)
				failed = steps[k].apply(s, err);
		if (failed) {
			/* Copy first: at_fail may not read from the buffer it writes. */
			at_error why = {.status = 500, .code = AT_E_STORE};
			if (err)
				why = *err;
			store_rollback(s);
			return at_fail(err, why.status, why.code, "", "migration %s/%d failed: %s", module,
				       m[i].version, why.message);
		}
		store_spine_enter(s);
		store_stmt *st = store_prepare(s,
			"INSERT INTO sp_schema(module, version, applied_at) VALUES(?, ?, strftime('%s','now'))"
			" ON CONFLICT(module) DO UPDATE SET version = excluded.version,"
			" applied_at = excluded.applied_at", err);
		int rc = -1;
		if (st) {
			store_bind_text(st, 1, module);
			store_bind_int(st, 2, m[i].version);
			rc = store_step(st, err) == STORE_DONE ? 0 : -1;
			store_done(st);
		}
		store_spine_leave(s);
		if (rc || store_commit(s, err)) {
			store_rollback(s);
			return -1;
		}
		have = m[i].version;
	}
	return 0;
}
