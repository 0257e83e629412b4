/*
 * Bad and good examples for tests/lint/sql_portable.sh, which checks itself
 * on this file before it checks src/. Never compiled. Each line marked
 * `expect:` must be reported with a rule containing those words; every other
 * line is portable SQL (or no SQL) and must not be reported.
 */
static const char *bad[] = {
	"SELECT a FROM t INDEXED BY t_a WHERE a = ?",                     /* expect: index hint */
	"CREATE TABLE t(a TEXT PRIMARY KEY) WITHOUT ROWID",               /* expect: use STORE_CLUSTERED */
	"INSERT OR IGNORE INTO t(a) VALUES(?)",                           /* expect: conflict clause */
	"CREATE TRIGGER t_x BEFORE DELETE ON t BEGIN SELECT 1; END",      /* expect: a trigger */
	"SELECT a FROM t WHERE a = ?1",                                   /* expect: numbered parameter */
	"SELECT a FROM t WHERE at < strftime('%s', 'now')",               /* expect: date function */
	"PRAGMA foreign_keys = OFF",                                      /* expect: PRAGMA */
	"SELECT rowid FROM t",                                            /* expect: rowid (SQLite) */
	"SELECT name FROM sqlite_schema",                                 /* expect: system table */
	"SELECT ifnull(a, '') FROM t",                                    /* expect: COALESCE */
	"SELECT max(a, b) FROM t",                                        /* expect: two-argument */
	/* Keys and bytes (issue 8 §9). */
	"CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT)",                 /* expect: STORE_SERIAL_KEY */
	"CREATE TABLE t(id integer not null primary key, a TEXT)",        /* expect: INTEGER PRIMARY KEY */
	"CREATE TABLE t(id INTEGER NOT NULL, a TEXT, PRIMARY KEY(id))",   /* expect: STORE_INT_KEY */
	"CREATE TABLE t(k TEXT PRIMARY KEY, h BLOB NOT NULL)",            /* expect: STORE_BYTES */
	"CREATE TABLE t(id " STORE_SERIAL_KEY ", h BLOB)",                /* expect: BLOB type */
	"SELECT a FROM t WHERE h = x'00ff'",                              /* expect: blob literal */
	"SELECT last_insert_rowid()",                                     /* expect: RETURNING */
	"CREATE TABLE t(id " STORE_SERIAL_KEY
	" AUTOINCREMENT)",                                                /* expect: AUTOINCREMENT */
};

static const char *good[] = {
	"CREATE TABLE t(id " STORE_SERIAL_KEY ", h " STORE_BYTES " NOT NULL, at INTEGER NOT NULL)",
	"CREATE TABLE t(year " STORE_INT_KEY ", n INTEGER NOT NULL)",
	"CREATE TABLE t(a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY(a, b))" STORE_CLUSTERED,
	"CREATE TABLE t(a INTEGER NOT NULL, b TEXT NOT NULL, PRIMARY KEY(b))",
	"INSERT INTO t(a) VALUES(?) ON CONFLICT(a) DO NOTHING RETURNING id",
	"SELECT a FROM t WHERE kind = 'blob' ORDER BY a",
	"the record has an INTEGER PRIMARY KEY and a BLOB",   /* a message, not SQL */
};

static long last(store *s)
{
	return store_last_id(s);                                          /* expect: store_last_id is gone */
}
