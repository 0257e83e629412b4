/*
 * audit — the tamper-evident access log (DESIGN.md principle 4; seed 001 §4
 * 操作履歴を記録し７年間保管; seed 000 §4 端末、職員、対象住民及び照会日時).
 *
 * Chain encoding (version 1; also written into every export's header so an
 * outside verifier can reimplement it with any BLAKE2b and Ed25519 library):
 *
 *   canonical(event) = u64be(seq) || u64be(ts)
 *                      || for each text field, in this order:
 *                           staff_id, department, terminal_id, business, reason,
 *                           case_id, subject, items, operation, outcome, detail
 *                         u32be(length in bytes) || the UTF-8 bytes
 *   hash[n]          = BLAKE2b-256(hash[n-1] || canonical(event n))   (32-byte digest, no key)
 *   hash[0]          = 32 zero bytes (the prev_hash of event 1)
 *
 *   seq runs 1, 2, 3 ... without gaps; ts is unix seconds (UTC).
 *
 *   checkpoint signature (version 3; numbered n = 1, 2, 3 ... and chained) = Ed25519 over
 *       "atena-audit-checkpoint-v3" || 0x00 || u64be(n) || u64be(seq) || hash[seq]
 *       || u64be(signed_at) || u32be(ledger_v) || ledger
 *       || BLAKE2b-256(signature of checkpoint n-1)
 *     (32 zero bytes for n = 1; checkpoint 1 is the genesis at seq 0 with hash[0]).
 *     ledger = the digest of the grant ledger and the staff security flags at
 *     signing time (audit_set_ledger; 32 zero bytes when none is registered),
 *     computed by version ledger_v (>= 2) of the digest. The version is
 *     signed, so no one can make a checkpoint claim an older digest that
 *     leaves out a column.
 *   Checkpoints of version 2 (ledger_v = 1 in the database: signed before
 *     the digest was versioned) sign the same with another domain and no
 *     u32be(ledger_v):
 *       "atena-audit-checkpoint-v2" || 0x00 || u64be(n) || u64be(seq) || hash[seq]
 *       || u64be(signed_at) || ledger || BLAKE2b-256(signature of checkpoint n-1)
 *     with ledger by version 1 of the digest; they verify as signed.
 *   Checkpoints of version 1 (n = 0 in the database, from before numbering)
 *     sign "atena-audit-checkpoint-v1" || 0x00 || u64be(seq) || hash[seq] || u64be(signed_at);
 *     they may only precede the numbered ones.
 *   export trailer = Ed25519 over
 *       "atena-audit-export-trailer-v1" || 0x00 || u64be(events) || hash[events] || u64be(at)
 *
 * The length prefixes make the encoding unambiguous (no field can borrow
 * bytes from its neighbour); the fixed order means no field can be added or
 * dropped without changing the hash.
 */
#include "audit/audit.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/date.h"
#include "core/strbuf.h"
#include "store_spine.h"

#define NF 11              /* text fields of an event */
#define FIELD_MAX 1024     /* bytes per text field after sanitising */
#define DETAIL_MAX 512     /* bytes for detail: short context, never personal data */
#define HB CRYPTO_HASH_BYTES
#define EXPORT_FORMAT "atena-audit-export-v1"
#define CP_DOMAIN "atena-audit-checkpoint-v1"
#define CP_MSG_BYTES (sizeof CP_DOMAIN + 8 + HB + 8)  /* sizeof counts the 0x00 separator */
#define CP2_DOMAIN "atena-audit-checkpoint-v2"
#define CP3_DOMAIN "atena-audit-checkpoint-v3"
#define CP3_MSG_BYTES (sizeof CP3_DOMAIN + 8 + 8 + HB + 8 + 4 + HB + HB)
#define LEDGER_V_MAX 65535  /* bound on a ledger version read from a file */
#define TR_DOMAIN "atena-audit-export-trailer-v1"
#define TR_MSG_BYTES (sizeof TR_DOMAIN + 8 + HB + 8)
#define WITNESS_FORMAT "atena-audit-witness-v1"
#define WITNESS_TAIL_BYTES 65536  /* what a server reads of its witness at start: many lines */
#define E_CHAIN "audit_chain_broken"
#define LINE_MAX_BYTES (1u << 20)

static const char *const FIELD[NF] = {"staff_id", "department", "terminal_id", "business",
				      "reason",   "case_id",    "subject",     "items",
				      "operation", "outcome",   "detail"};

#define COLS                                                                               \
	"staff_id, department, terminal_id, business, reason, case_id, subject, items, " \
	"operation, outcome, detail"

static const char ENCODING[] =
	"hash = BLAKE2b-256(prev_hash || u64be(seq) || u64be(ts) || for staff_id, department, "
	"terminal_id, business, reason, case_id, subject, items, operation, outcome, detail: "
	"u32be(byte length) || UTF-8 bytes); prev_hash of event 1 = 32 zero bytes; checkpoint "
	"signature = Ed25519 over \"" CP3_DOMAIN "\" || 0x00 || u64be(n) || u64be(seq) || hash || "
	"u64be(signed_at) || u32be(ledger_v) || ledger || BLAKE2b-256(signature of checkpoint n-1, "
	"32 zero bytes for n = 1), or, for checkpoints without ledger_v (ledger version 1), over \""
	CP2_DOMAIN "\" || 0x00 || u64be(n) || u64be(seq) || hash || u64be(signed_at) || ledger || "
	"BLAKE2b-256(signature of checkpoint n-1); checkpoints number 1, 2, 3 ... and checkpoint 1 signs seq 0; trailer signature = "
	"Ed25519 over \"" TR_DOMAIN "\" || 0x00 || u64be(events) || head hash || u64be(signed_at)";

/* One event as hashed: pointers into a row, a JSON object or sanitised buffers. */
typedef struct rec {
	int64_t seq, ts;
	const char *f[NF];
	size_t len[NF];
} rec;

/* ---- Encoding ----------------------------------------------------------- */

static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xffu);
		v >>= 8;
	}
}

static void chain_hash(const unsigned char prev[HB], const rec *r, strbuf *scratch,
		       unsigned char out[HB])
{
	unsigned char b[8];
	sb_reset(scratch);
	sb_add(scratch, prev, HB);
	put_be(b, (uint64_t)r->seq, 8);
	sb_add(scratch, b, 8);
	put_be(b, (uint64_t)r->ts, 8);
	sb_add(scratch, b, 8);
	for (int i = 0; i < NF; i++) {
		put_be(b, (uint64_t)r->len[i], 4);
		sb_add(scratch, b, 4);
		sb_add(scratch, r->f[i], r->len[i]);
	}
	crypto_digest(scratch->buf, scratch->len, out);
}

static void cp_message(int64_t seq, const unsigned char hash[HB], int64_t signed_at,
		       unsigned char msg[CP_MSG_BYTES])
{
	memcpy(msg, CP_DOMAIN, sizeof CP_DOMAIN);  /* with its NUL: the 0x00 separator */
	put_be(msg + sizeof CP_DOMAIN, (uint64_t)seq, 8);
	memcpy(msg + sizeof CP_DOMAIN + 8, hash, HB);
	put_be(msg + sizeof CP_DOMAIN + 8 + HB, (uint64_t)signed_at, 8);
}

/* ---- Sanitising ----------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (n bytes left) and its code point,
 * or 0 when the bytes there are not valid UTF-8 (overlong, surrogate, > U+10FFFF). */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t k;
	uint32_t c, min;
	if ((p[0] & 0xe0) == 0xc0) {
		k = 2, c = p[0] & 0x1fu, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		k = 3, c = p[0] & 0x0fu, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		k = 4, c = p[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (k > n)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return k;
}

/* Characters a log reader must never be shown raw: C0, DEL, C1 (as text_check
 * refuses them), line/paragraph separators and bidirectional overrides, which
 * could make a displayed event read differently from what is stored. */
static int unsafe_cp(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* The log must never refuse an event because of what a user typed: unsafe
 * characters and invalid bytes become '?', and overlong text is cut at a
 * character boundary so that it fits max bytes. */
static void sanitize(strbuf *out, const char *in, size_t inlen, size_t max)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0;
	while (i < inlen) {
		uint32_t c = 0;
		size_t k = utf8_next(p + i, inlen - i, &c);
		if (k == 0 || unsafe_cp(c)) {
			if (out->len + 1 > max)
				break;
			sb_addch(out, '?');
			i += k ? k : 1;
			continue;
		}
		if (out->len + k > max)
			break;
		sb_add(out, p + i, k);
		i += k;
	}
}

/* A JSON string for bytes that our writer made valid UTF-8; bytes changed by
 * hand may not be, and are then shown sanitised (the hash check fails anyway). */
static json_t *jstr(const char *s, size_t len)
{
	json_t *v = json_stringn(s, len);
	if (v)
		return v;
	strbuf sb = STRBUF_INIT;
	sanitize(&sb, s, len, len);
	v = json_stringn(sb.buf ? sb.buf : "", sb.len);
	sb_release(&sb);
	return v;
}

/* ---- Reports ---------------------------------------------------------------- */

static void say(audit_report *rep, int64_t bad_seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(audit_report *rep, int64_t bad_seq, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->message, sizeof rep->message, fmt, ap);
	va_end(ap);
	rep->ok = false;
	rep->bad_seq = bad_seq;
}

/* Walks events in seq order and stops at the first that does not fit. */
typedef struct walker {
	int64_t expected;          /* the seq the next event must have */
	unsigned char prev[HB];    /* recomputed hash of the event before it */
	audit_report *rep;
	strbuf scratch;
} walker;

static void walker_init(walker *w, audit_report *rep)
{
	memset(w, 0, sizeof *w);
	w->expected = 1;
	w->rep = rep;
	sb_init(&w->scratch);
}

/* false (and the report says why) when the event breaks the chain. */
static bool walk(walker *w, const rec *r, const void *prev_stored, size_t plen,
		 const void *hash_stored, size_t hlen, unsigned char out[HB])
{
	audit_report *rep = w->rep;
	if (r->seq != w->expected) {
		if (r->seq > w->expected)
			say(rep, w->expected,
			    "event %lld is missing (the next stored event is %lld): events were "
			    "deleted or the sequence was rewritten",
			    (long long)w->expected, (long long)r->seq);
		else
			say(rep, w->expected,
			    "an event numbered %lld is stored where event %lld should be: the sequence "
			    "was rewritten",
			    (long long)r->seq, (long long)w->expected);
		return false;
	}
	if (plen != HB || memcmp(prev_stored, w->prev, HB)) {
		if (r->seq == 1)
			say(rep, 1, "event 1 does not start the chain: its prev_hash is not 32 zero bytes");
		else
			say(rep, r->seq,
			    "event %lld does not link to event %lld: its prev_hash differs from the "
			    "hash of the event before it (an event was removed, inserted or reordered here)",
			    (long long)r->seq, (long long)r->seq - 1);
		return false;
	}
	chain_hash(w->prev, r, &w->scratch, out);
	if (hlen != HB || memcmp(hash_stored, out, HB)) {
		say(rep, r->seq,
		    "event %lld was modified: its stored hash does not match its contents "
		    "(or its contents were moved here from another position)",
		    (long long)r->seq);
		return false;
	}
	memcpy(w->prev, out, HB);
	w->expected++;
	rep->events++;
	return true;
}

typedef struct cp {
	int64_t n;        /* checkpoint number, 0 for a version-1 checkpoint */
	int64_t seq, signed_at;
	unsigned char hash[HB], sig[CRYPTO_SIG_BYTES], pk[CRYPTO_SIGN_PK_BYTES];
	unsigned char ledger[HB];
	int64_t ledger_v; /* the ledger digest's version (1 for version-2 signatures) */
	unsigned char prev[HB];  /* BLAKE2b of checkpoint n-1's signature (set by chain_cps) */
	bool shapes_ok;   /* blobs had the right lengths */
	long line;        /* export line, 0 for the database */
} cp;

/* The signed message of a numbered checkpoint: version 3 when its ledger
 * version is 2 or more, else version 2 (no ledger_v). Returns its length. */
_Static_assert(sizeof CP2_DOMAIN == sizeof CP3_DOMAIN, "the domains have one length");
static size_t cp_message_n(const cp *c, unsigned char msg[CP3_MSG_BYTES])
{
	bool v3 = c->ledger_v > 1;
	unsigned char *p = msg;
	memcpy(p, v3 ? CP3_DOMAIN : CP2_DOMAIN, sizeof CP3_DOMAIN);
	p += sizeof CP3_DOMAIN;
	put_be(p, (uint64_t)c->n, 8);
	put_be(p + 8, (uint64_t)c->seq, 8);
	memcpy(p + 16, c->hash, HB);
	put_be(p + 16 + HB, (uint64_t)c->signed_at, 8);
	p += 24 + HB;
	if (v3) {
		put_be(p, (uint64_t)c->ledger_v, 4);
		p += 4;
	}
	memcpy(p, c->ledger, HB);
	memcpy(p + HB, c->prev, HB);
	return (size_t)(p + 2 * HB - msg);
}

static bool cp_sig_ok(const cp *c, const unsigned char pk[CRYPTO_SIGN_PK_BYTES])
{
	if (c->n == 0) {
		unsigned char msg[CP_MSG_BYTES];
		cp_message(c->seq, c->hash, c->signed_at, msg);
		return crypto_verify_msg(pk, msg, sizeof msg, c->sig);
	}
	unsigned char msg[CP3_MSG_BYTES];
	size_t len = cp_message_n(c, msg);
	return crypto_verify_msg(pk, msg, len, c->sig);
}

/* Numbering and chaining of checkpoints sorted by seq: version-1 ones first,
 * then 1, 2, 3 ... without a gap, the first numbered one the genesis at seq 0
 * unless version-1 ones precede it; fills each prev. false (the report says
 * why) when a checkpoint was deleted, renumbered or the genesis is missing. */
static bool chain_cps(audit_report *rep, cp *cps, size_t ncp)
{
	int64_t want = 0;
	bool legacy = false;
	for (size_t i = 0; i < ncp; i++) {
		cp *c = &cps[i];
		if (c->n == 0) {
			if (want) {
				say(rep, c->seq, "a version-1 checkpoint at %lld follows numbered ones: the "
				    "checkpoints were rewritten", (long long)c->seq);
				return false;
			}
			legacy = true;
			continue;
		}
		if (!want) {
			if (c->n != 1 || (!legacy && c->seq != 0)) {
				say(rep, c->seq,
				    "the first checkpoint is number %lld at event %lld, but the log starts "
				    "with checkpoint 1 at event 0 (signed at init): earlier checkpoints were deleted",
				    (long long)c->n, (long long)c->seq);
				return false;
			}
			memset(c->prev, 0, HB);
		} else if (c->n != want) {
			say(rep, c->seq,
			    "checkpoint %lld is missing (the next stored one is %lld, at event %lld): "
			    "checkpoints were deleted",
			    (long long)want, (long long)c->n, (long long)c->seq);
			return false;
		} else {
			crypto_digest(cps[i - 1].sig, sizeof cps[i - 1].sig, c->prev);
		}
		want = c->n + 1;
	}
	return true;
}

/* Check one checkpoint against the recomputed chain hash at its seq. */
static bool check_cp(audit_report *rep, const cp *c, const unsigned char chain[HB],
		     const unsigned char pk[CRYPTO_SIGN_PK_BYTES], const char *keyname)
{
	if (!c->shapes_ok) {
		say(rep, c->seq, "checkpoint at %lld is damaged: its hash, key or signature has the wrong length",
		    (long long)c->seq);
		return false;
	}
	if (!cp_sig_ok(c, pk)) {
		bool other = memcmp(c->pk, pk, CRYPTO_SIGN_PK_BYTES) && cp_sig_ok(c, c->pk);
		say(rep, c->seq,
		    "checkpoint at %lld: the signature does not verify with the %s public key%s",
		    (long long)c->seq, keyname,
		    other ? " (it was signed with a different key, the one stored beside it)"
			  : " (the checkpoint was altered or forged)");
		return false;
	}
	if (memcmp(c->hash, chain, HB)) {
		say(rep, c->seq,
		    "checkpoint at %lld does not match the chain: the signed hash differs from the "
		    "recomputed hash of event %lld, so events up to %lld were rewritten after signing",
		    (long long)c->seq, (long long)c->seq, (long long)c->seq);
		return false;
	}
	rep->checkpoints++;
	return true;
}

static void copy_blob(unsigned char *dst, size_t n, const void *src, size_t len, bool *ok)
{
	if (src && len == n)
		memcpy(dst, src, n);
	else
		*ok = false;
}

/* ---- Store helpers ---------------------------------------------------------- */

static const store_migration MIGRATIONS[] = {
	{1,
	 "CREATE TABLE sp_audit_event("
	 " seq " STORE_INT_KEY ","
	 " ts INTEGER NOT NULL,"
	 " staff_id TEXT NOT NULL, department TEXT NOT NULL, terminal_id TEXT NOT NULL,"
	 " business TEXT NOT NULL, reason TEXT NOT NULL, case_id TEXT NOT NULL,"
	 " subject TEXT NOT NULL, items TEXT NOT NULL, operation TEXT NOT NULL,"
	 " outcome TEXT NOT NULL, detail TEXT NOT NULL,"
	 " prev_hash " STORE_BYTES " NOT NULL, hash " STORE_BYTES " NOT NULL);"
	 /* (subject) is ordered by seq within a subject: a resident's history pages without a sort. */
	 "CREATE INDEX sp_audit_event_subject ON sp_audit_event(subject);"
	 "CREATE INDEX sp_audit_event_staff ON sp_audit_event(staff_id, ts);"
	 "CREATE TABLE sp_audit_checkpoint("
	 " seq " STORE_INT_KEY ","
	 " hash " STORE_BYTES " NOT NULL, signed_at INTEGER NOT NULL,"
	 " public_key " STORE_BYTES " NOT NULL, signature " STORE_BYTES " NOT NULL);"},
	/* Checkpoints are numbered and chained, and carry the ledger digest
	 * (version 2 of the signed message; n = 0 marks the older ones). */
	{2,
	 "ALTER TABLE sp_audit_checkpoint ADD COLUMN n INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE sp_audit_checkpoint ADD COLUMN ledger " STORE_BYTES " NOT NULL DEFAULT '';"},
	/* The ledger digest is versioned (audit_set_ledger); checkpoints signed
	 * before this carry version 1. */
	{3, "ALTER TABLE sp_audit_checkpoint ADD COLUMN ledger_v INTEGER NOT NULL DEFAULT 1;"},
};

/* Events and checkpoints are never changed or removed by Atena (issue 9 §1;
 * pruning at retention will be its own, audited path): a stray UPDATE or
 * DELETE fails at the store. Someone with raw write access can drop the
 * guard, which is why the chain, the signatures and the witness exist. */
static int guards(store *s, at_error *err)
{
	if (store_append_only(s, "sp_audit_event", STORE_NO_UPDATE | STORE_NO_DELETE, NULL,
			      "the audit log is append-only", err))
		return -1;
	return store_append_only(s, "sp_audit_checkpoint", STORE_NO_UPDATE | STORE_NO_DELETE, NULL,
				 "audit checkpoints are append-only", err);
}

static const store_migration_step STEPS[] = {{2, guards}};

int audit_migrate(store *s, at_error *err)
{
	store_spine_enter(s);
	int rc = store_migrate_steps(s, "audit", MIGRATIONS, sizeof MIGRATIONS / sizeof MIGRATIONS[0],
				     STEPS, sizeof STEPS / sizeof STEPS[0], err);
	store_spine_leave(s);
	return rc;
}

/* ---- The ledger ----------------------------------------------------------- */

static audit_ledger_fn ledger_fn;
static int ledger_current = 1;  /* the version new checkpoints sign */

void audit_set_ledger(audit_ledger_fn fn, int current)
{
	ledger_fn = fn;
	ledger_current = fn && current > 1 ? current : 1;
}

/* The digest by the given version, inside a spine section and a
 * transaction. Zeros when no digest is registered. */
static int ledger_now(store *s, int64_t version, unsigned char out[HB], at_error *err)
{
	memset(out, 0, HB);
	if (!ledger_fn)
		return 0;
	if (version < 1 || version > ledger_current)
		return at_fail(err, 500, E_CHAIN, "", "a checkpoint names ledger digest version %lld, "
			       "which this Atena does not know (it knows 1 to %d)",
			       (long long)version, ledger_current);
	store_spine_leave(s);
	int rc = ledger_fn(s, (int)version, out, err);
	store_spine_enter(s);
	return rc;
}

/* Whether the ledger now differs from what c signed (by c's version). */
static int ledger_differs(store *s, const cp *c, bool *differs, at_error *err)
{
	unsigned char now[HB];
	if (ledger_now(s, c->ledger_v, now, err))
		return -1;
	*differs = memcmp(now, c->ledger, HB) != 0;
	return 0;
}

/* Whether an event after seq changed the ledger (AUDIT_LEDGER_OPS), so the
 * ledger may legitimately differ from the digest signed at seq. */
static int ledger_moved_after(store *s, int64_t seq, bool *moved, at_error *err)
{
	int64_t n = 0;
	int r = store_query_int(s,
		"SELECT count(*) FROM sp_audit_event WHERE seq > ? AND operation IN (" AUDIT_LEDGER_OPS ")",
		STORE_ARGS(STORE_INT(seq)), &n, err);
	*moved = n > 0;
	return r < 0 ? -1 : 0;
}

/* Reads run in the caller's transaction when one is open, else in a read
 * transaction of their own (one consistent snapshot). */
static int read_begin(store *s, bool *own, at_error *err)
{
	*own = !store_in_tx(s);
	return *own ? store_begin_read(s, err) : 0;
}

static void read_end(store *s, bool own)
{
	if (own)
		store_rollback(s);
}

/* Head of the chain: (0, zeros) when empty. Inside a spine section. */
static int head(store *s, int64_t *seq, unsigned char hash[HB], at_error *err)
{
	*seq = 0;
	memset(hash, 0, HB);
	store_stmt *st = store_prepare(s, "SELECT seq, hash FROM sp_audit_event ORDER BY seq DESC LIMIT 1", err);
	if (!st)
		return -1;
	int rc = store_step(st, err);
	if (rc == STORE_ROW) {
		*seq = store_col_int(st, 0);
		size_t n;
		const void *h = store_col_blob(st, 1, &n);
		/* A damaged head is carried forward as is; audit_verify reports it. */
		if (h)
			memcpy(hash, h, n < HB ? n : HB);
	}
	store_done(st);
	return rc < 0 ? -1 : 0;
}

/* Fill r from columns first..first+12 (seq, ts, fields) of a row. */
static void row_rec(store_stmt *st, int first, rec *r)
{
	r->seq = store_col_int(st, first);
	r->ts = store_col_int(st, first + 1);
	for (int i = 0; i < NF; i++) {
		/* As bytes, not text: a NUL smuggled into a field must change the hash. */
		const void *b = store_col_blob(st, first + 2 + i, &r->len[i]);
		r->f[i] = b ? b : "";
	}
}

/* ---- Append ------------------------------------------------------------------- */

int audit_append(store *s, const audit_event *ev, int64_t *seq_out, at_error *err)
{
	if (!ev)
		return at_fail(err, 500, AT_E_INTERNAL, "", "audit_append was given no event");
	if (!store_in_tx(s))
		return at_fail(err, 500, AT_E_INTERNAL, "",
			       "audit_append must run inside the caller's write transaction, so the "
			       "access and its event commit together");
	const char *in[NF] = {ev->staff_id, ev->department, ev->terminal_id, ev->business,
			      ev->reason,   ev->case_id,    ev->subject,     ev->items,
			      ev->operation, ev->outcome,   ev->detail};
	strbuf clean[NF];
	rec r;
	for (int i = 0; i < NF; i++) {
		sb_init(&clean[i]);
		const char *v = in[i] ? in[i] : "";
		sanitize(&clean[i], v, strlen(v), i == NF - 1 ? DETAIL_MAX : FIELD_MAX);
		r.f[i] = clean[i].buf;
		r.len[i] = clean[i].len;
	}
	r.ts = time_now();

	int rc = -1;
	unsigned char prev[HB], hash[HB];
	strbuf scratch = STRBUF_INIT;
	store_stmt *st;
	store_spine_enter(s);
	if (head(s, &r.seq, prev, err))
		goto out;
	r.seq++;
	chain_hash(prev, &r, &scratch, hash);
	st = store_prepare(s,
		"INSERT INTO sp_audit_event(seq, ts, " COLS ", prev_hash, hash)"
		" VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (!st)
		goto out;
	store_bind_int(st, 1, r.seq);
	store_bind_int(st, 2, r.ts);
	for (int i = 0; i < NF; i++)
		store_bind_text(st, 3 + i, r.f[i]);
	store_bind_blob(st, 14, prev, HB);
	store_bind_blob(st, 15, hash, HB);
	rc = store_step(st, err) == STORE_DONE ? 0 : -1;
	store_done(st);
	if (!rc && seq_out)
		*seq_out = r.seq;
out:
	store_spine_leave(s);
	sb_release(&scratch);
	for (int i = 0; i < NF; i++)
		sb_release(&clean[i]);
	return rc;
}

int audit_append_now(store *s, const audit_event *ev, at_error *err)
{
	if (store_begin(s, err))
		return -1;
	if (audit_append(s, ev, NULL, err)) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

/* ---- Checkpoints ------------------------------------------------------------------ */

#define CP_COLS "seq, hash, signed_at, public_key, signature, n, ledger, ledger_v"

/* One checkpoint row (CP_COLS); shapes_ok says whether every blob had its length. */
static void row_cp(store_stmt *st, cp *c)
{
	memset(c, 0, sizeof *c);
	c->shapes_ok = true;
	c->seq = store_col_int(st, 0);
	c->signed_at = store_col_int(st, 2);
	size_t len;
	const void *b = store_col_blob(st, 1, &len);
	copy_blob(c->hash, HB, b, len, &c->shapes_ok);
	b = store_col_blob(st, 3, &len);
	copy_blob(c->pk, sizeof c->pk, b, len, &c->shapes_ok);
	b = store_col_blob(st, 4, &len);
	copy_blob(c->sig, sizeof c->sig, b, len, &c->shapes_ok);
	c->n = store_col_int(st, 5);
	b = store_col_blob(st, 6, &len);
	if (c->n != 0)  /* version 1 has no ledger */
		copy_blob(c->ledger, HB, b, len, &c->shapes_ok);
	c->ledger_v = store_col_int(st, 7);
}

/* Load every checkpoint in seq order. Inside a spine section. */
static int load_cps(store *s, cp **out, size_t *n, at_error *err)
{
	*out = NULL;
	*n = 0;
	store_stmt *st = store_prepare(s,
		"SELECT " CP_COLS " FROM sp_audit_checkpoint ORDER BY seq", err);
	if (!st)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = store_step(st, err)) == STORE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			cp *g = realloc(*out, cap * sizeof **out);
			if (!g)
				abort();
			*out = g;
		}
		row_cp(st, &(*out)[(*n)++]);
	}
	store_done(st);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* Walk events from seq `from` on (1 = the whole log), starting from the
 * recomputed hash prev. Inside a spine section and a transaction. Returns 0
 * when the walk ran (rep says whether the chain held), -1 on a store error. */
static int walk_db(store *s, walker *w, int64_t from, const cp *cps, size_t ncp, size_t *next_cp,
		   const unsigned char pk[CRYPTO_SIGN_PK_BYTES], at_error *err)
{
	store_stmt *st = store_prepare(s,
		"SELECT seq, ts, " COLS ", prev_hash, hash FROM sp_audit_event WHERE seq >= ? ORDER BY seq",
		err);
	if (!st)
		return -1;
	store_bind_int(st, 1, from);
	int rc;
	unsigned char h[HB];
	while ((rc = store_step(st, err)) == STORE_ROW) {
		rec r;
		row_rec(st, 0, &r);
		size_t plen, hlen;
		const void *p = store_col_blob(st, 13, &plen);
		const void *hh = store_col_blob(st, 14, &hlen);
		/* A checkpoint on a seq that is not there (in a gap) breaks at the gap below. */
		if (!walk(w, &r, p, plen, hh, hlen, h))
			break;
		while (cps && *next_cp < ncp && cps[*next_cp].seq <= r.seq) {
			const cp *c = &cps[*next_cp];
			if (c->seq < r.seq) {
				say(w->rep, c->seq, "checkpoint at %lld refers to no event", (long long)c->seq);
				goto stop;
			}
			if (!check_cp(w->rep, c, h, pk, "given"))
				goto stop;
			(*next_cp)++;
		}
	}
stop:
	store_done(st);
	return rc < 0 ? -1 : 0;
}

/* The newest two checkpoints (by seq), chained as chain_cps would; *n is
 * how many there are (0, 1 or 2). Inside a spine section. */
static int last_cps(store *s, cp out[2], size_t *n, at_error *err)
{
	*n = 0;
	store_stmt *st = store_prepare(s,
		"SELECT " CP_COLS " FROM sp_audit_checkpoint ORDER BY seq DESC LIMIT 2", err);
	if (!st)
		return -1;
	int rc;
	while ((rc = store_step(st, err)) == STORE_ROW) {
		row_cp(st, &out[1 - *n]);
		(*n)++;
	}
	store_done(st);
	if (rc < 0)
		return -1;
	if (*n == 1)
		out[0] = out[1];
	cp *last = &out[1];
	if (last->n > 1 && *n == 2 && out[0].n == last->n - 1)
		crypto_digest(out[0].sig, sizeof out[0].sig, last->prev);
	return 0;
}

/* Sign the head if it moved past the last checkpoint; the caller holds a
 * write transaction. Nothing is signed that does not extend the last signed
 * head (issue 9 §1): the last checkpoint's signature, its place in the
 * numbering, the events since it and the ledger are checked first, since
 * signing a chain someone has rewritten would vouch for the forgery. Only
 * with genesis (platform_init) does an empty log get its first checkpoint
 * (1, at seq 0); any other log with no checkpoint at all had them deleted
 * or was wiped, and is refused. */
static int checkpoint_tx(store *s, const keyring *kr, bool genesis, bool *broken, at_error *err)
{
	*broken = false;
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(kr, pk);
	int64_t hseq;
	unsigned char hhash[HB];
	if (head(s, &hseq, hhash, err))
		return -1;
	cp two[2];
	size_t have = 0;
	if (last_cps(s, two, &have, err))
		return -1;
	cp *last = &two[1];

	audit_report rep;
	memset(&rep, 0, sizeof rep);
	rep.ok = true;
	walker w;
	walker_init(&w, &rep);
	unsigned char ledger[HB];
	if (ledger_now(s, ledger_current, ledger, err)) {
		sb_release(&w.scratch);
		return -1;
	}
	int64_t from = 1;
	if (!have) {
		if (!genesis || hseq > 0)
			say(&rep, hseq ? 1 : 0, "the log has %lld events and no checkpoint: every log "
			    "is signed from its genesis at init, so the checkpoints were deleted "
			    "(or the log wiped)", (long long)hseq);
	} else if (genesis) {
		say(&rep, 0, "the log already has its genesis checkpoint");
	} else if (hseq < last->seq) {
		say(&rep, hseq + 1, "the log ends at event %lld but checkpoint %lld signed event %lld: "
		    "signed events were removed", (long long)hseq, (long long)last->n, (long long)last->seq);
	} else if (last->n > 1 && (have < 2 || two[0].n != last->n - 1)) {
		say(&rep, last->seq, "checkpoint %lld does not follow checkpoint %lld: checkpoints "
		    "were deleted", (long long)last->n, (long long)last->n - 1);
	} else {
		/* Start from the signed hash: only the unsigned tail needs walking. */
		unsigned char h[HB];
		memset(h, 0, HB);
		bool found = last->seq == 0;
		if (!found) {
			store_stmt *q = store_prepare(s, "SELECT hash FROM sp_audit_event WHERE seq = ?", err);
			if (!q) {
				sb_release(&w.scratch);
				return -1;
			}
			store_bind_int(q, 1, last->seq);
			int rc = store_step(q, err);
			size_t len = 0;
			const void *b = rc == STORE_ROW ? store_col_blob(q, 0, &len) : NULL;
			found = b && len == HB;
			if (found)
				memcpy(h, b, HB);
			store_done(q);
			if (rc < 0) {
				sb_release(&w.scratch);
				return -1;
			}
		}
		bool moved = false;
		if (!found)
			say(&rep, last->seq, "checkpoint at %lld refers to a missing event", (long long)last->seq);
		else if (check_cp(&rep, last, h, pk, "key file's"))
			memcpy(w.prev, h, HB);
		if (rep.ok && last->n > 0 && ledger_fn) {
			bool differs = false;
			if (ledger_moved_after(s, last->seq, &moved, err) ||
			    (!moved && ledger_differs(s, last, &differs, err))) {
				sb_release(&w.scratch);
				return -1;
			}
			if (differs)
				say(&rep, last->seq, "the grants or the staff security flags differ from what "
				    "checkpoint %lld signed, and no event since changed them: they were edited "
				    "in the database directly", (long long)last->n);
		}
		w.expected = last->seq + 1;
		from = last->seq + 1;
	}
	/* Checked even with nothing new to sign: a server's tick or any CLI
	 * command then reports a tampered head or ledger at once. */
	if (rep.ok && have && hseq == last->seq) {
		sb_release(&w.scratch);
		return 0;
	}
	size_t none = 0;
	if (rep.ok && walk_db(s, &w, from, NULL, 0, &none, pk, err)) {
		sb_release(&w.scratch);
		return -1;
	}
	sb_release(&w.scratch);
	if (rep.ok && w.expected != hseq + 1)
		say(&rep, w.expected, "event %lld is missing", (long long)w.expected);
	if (!rep.ok) {
		*broken = true;
		return at_fail(err, 500, E_CHAIN, "", "refusing to sign the audit log: %s", rep.message);
	}

	cp c;
	memset(&c, 0, sizeof c);
	c.n = have && last->n > 0 ? last->n + 1 : 1;
	c.seq = hseq;
	c.signed_at = time_now();
	memcpy(c.hash, w.prev, HB);
	memcpy(c.ledger, ledger, HB);
	c.ledger_v = ledger_current;
	if (have && last->n > 0)
		crypto_digest(last->sig, sizeof last->sig, c.prev);
	unsigned char msg[CP3_MSG_BYTES], sig[CRYPTO_SIG_BYTES];
	size_t len = cp_message_n(&c, msg);
	crypto_sign_msg(kr, msg, len, sig);
	store_stmt *st = store_prepare(s,
		"INSERT INTO sp_audit_checkpoint(seq, hash, signed_at, public_key, signature, n, ledger,"
		" ledger_v) VALUES(?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, c.seq);
	store_bind_blob(st, 2, c.hash, HB);
	store_bind_int(st, 3, c.signed_at);
	store_bind_blob(st, 4, pk, sizeof pk);
	store_bind_blob(st, 5, sig, sizeof sig);
	store_bind_int(st, 6, c.n);
	store_bind_blob(st, 7, c.ledger, HB);
	store_bind_int(st, 8, c.ledger_v);
	int rc = store_step(st, err) == STORE_DONE ? 0 : -1;
	store_done(st);
	return rc;
}

static int checkpoint(store *s, const keyring *kr, bool genesis, bool *broken, at_error *err)
{
	bool own = !store_in_tx(s);
	if (own && store_begin(s, err))
		return -1;
	store_spine_enter(s);
	int rc = checkpoint_tx(s, kr, genesis, broken, err);
	store_spine_leave(s);
	if (!own)
		return rc;
	if (rc) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

int audit_checkpoint(store *s, const keyring *kr, at_error *err)
{
	bool broken;
	return checkpoint(s, kr, false, &broken, err);
}

int audit_genesis(store *s, const keyring *kr, at_error *err)
{
	bool broken;
	return checkpoint(s, kr, true, &broken, err);
}

/* ---- Verification ------------------------------------------------------------------ */

static void summary(audit_report *rep, int64_t last_signed, const char *extra)
{
	int n = snprintf(rep->message, sizeof rep->message,
			 "%lld events and %lld checkpoints verified; the chain is intact",
			 (long long)rep->events, (long long)rep->checkpoints);
	size_t used = n > 0 ? (size_t)n : 0;
	if (used < sizeof rep->message && rep->events > 0) {
		if (last_signed >= rep->events)
			n = snprintf(rep->message + used, sizeof rep->message - used,
				     " and signed through event %lld", (long long)last_signed);
		else if (last_signed > 0)
			n = snprintf(rep->message + used, sizeof rep->message - used,
				     "; events %lld..%lld are not covered by a checkpoint yet",
				     (long long)last_signed + 1, (long long)rep->events);
		else
			n = snprintf(rep->message + used, sizeof rep->message - used,
				     "; no event is covered by a checkpoint yet");
		used += n > 0 ? (size_t)n : 0;
	}
	if (extra && used < sizeof rep->message)
		snprintf(rep->message + used, sizeof rep->message - used, "; %s", extra);
}

/* Checkpoints at seq 0 (the genesis) sign the empty chain; walk_db only
 * meets checkpoints at events. */
static bool check_genesis(audit_report *rep, const cp *cps, size_t ncp, size_t *next,
			  const unsigned char pk[CRYPTO_SIGN_PK_BYTES], const char *keyname)
{
	unsigned char zero[HB];
	memset(zero, 0, HB);
	while (*next < ncp && cps[*next].seq <= 0) {
		if (cps[*next].seq < 0) {
			say(rep, 0, "checkpoint at %lld refers to no event", (long long)cps[*next].seq);
			return false;
		}
		if (!check_cp(rep, &cps[*next], zero, pk, keyname))
			return false;
		(*next)++;
	}
	return true;
}

/* The whole database: events, checkpoints, ledger; *cps_out keeps the
 * checkpoints for the witness check (NULL to drop them). */
static int verify_db(store *s, const unsigned char pk[CRYPTO_SIGN_PK_BYTES], audit_report *rep,
		     cp **cps_out, size_t *ncp_out, at_error *err)
{
	memset(rep, 0, sizeof *rep);
	rep->ok = true;
	bool own;
	if (read_begin(s, &own, err))
		return -1;
	store_spine_enter(s);
	cp *cps = NULL;
	size_t ncp = 0, next = 0;
	walker w;
	walker_init(&w, rep);
	int rc = load_cps(s, &cps, &ncp, err);
	if (!rc && ncp == 0) {
		int64_t events = 0;
		rc = store_query_int(s, "SELECT count(*) FROM sp_audit_event", NULL, 0, &events, err) < 0;
		if (!rc)
			say(rep, events ? 1 : 0,
			    "the log has %lld events and no checkpoint, but every log is signed from "
			    "its genesis at init: the checkpoints (and perhaps the events) were deleted",
			    (long long)events);
	}
	if (!rc && rep->ok && chain_cps(rep, cps, ncp) && check_genesis(rep, cps, ncp, &next, pk, "given"))
		/* from the lowest seq stored, so a stray seq 0 or below shows up too */
		rc = walk_db(s, &w, INT64_MIN, cps, ncp, &next, pk, err);
	if (!rc && rep->ok && next < ncp) {
		/* Checkpoints beyond the last event: signed events were cut off the end. */
		say(rep, w.expected,
		    "checkpoint at %lld refers to a missing event — the log was truncated after event %lld",
		    (long long)cps[next].seq, (long long)w.expected - 1);
	}
	const char *extra = NULL;
	if (!rc && rep->ok && ncp && cps[ncp - 1].n > 0 && ledger_fn) {
		const cp *last = &cps[ncp - 1];
		bool moved = false, differs = false;
		rc = ledger_moved_after(s, last->seq, &moved, err) ||
		     (!moved && ledger_differs(s, last, &differs, err));
		if (!rc && moved)
			extra = "the grants and staff flags changed after the last checkpoint and are "
				"checked when it is signed";
		else if (!rc && differs)
			say(rep, last->seq,
			    "the grants or the staff security flags differ from what checkpoint %lld "
			    "signed, and no event since changed them: they were edited in the database "
			    "directly", (long long)last->n);
	}
	store_spine_leave(s);
	read_end(s, own);
	if (!rc && rep->ok)
		summary(rep, ncp ? cps[ncp - 1].seq : 0, extra);
	if (cps_out && !rc) {
		*cps_out = cps;
		*ncp_out = ncp;
	} else {
		free(cps);
	}
	sb_release(&w.scratch);
	return rc;
}

int audit_verify_db(store *s, const unsigned char pk[CRYPTO_SIGN_PK_BYTES], audit_report *rep,
		    at_error *err)
{
	return verify_db(s, pk, rep, NULL, NULL, err);
}

/* ---- Export ---------------------------------------------------------------------- */

static json_t *hexstr(const unsigned char *b, size_t n)
{
	strbuf sb = STRBUF_INIT;
	sb_add_hex(&sb, b, n);
	json_t *v = json_stringn(sb.buf, sb.len);
	sb_release(&sb);
	return v;
}

static int put_line(FILE *out, json_t *o)
{
	int rc = json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (rc || fputc('\n', out) == EOF)
		return -1;
	return 0;
}

static void tr_message(int64_t events, const unsigned char head[HB], int64_t at,
		       unsigned char msg[TR_MSG_BYTES])
{
	memcpy(msg, TR_DOMAIN, sizeof TR_DOMAIN);
	put_be(msg + sizeof TR_DOMAIN, (uint64_t)events, 8);
	memcpy(msg + sizeof TR_DOMAIN + 8, head, HB);
	put_be(msg + sizeof TR_DOMAIN + 8 + HB, (uint64_t)at, 8);
}

/* On a broken chain the file is still written in full (it shows the damage to
 * whoever verifies it), without a new checkpoint, and the call then fails with
 * audit_chain_broken so the operator learns it at once. */
int audit_export(store *s, const keyring *kr, FILE *out, at_error *err)
{
	bool broken = false;
	at_error chain_err;
	at_error_clear(&chain_err);
	if (checkpoint(s, kr, false, &broken, &chain_err)) {
		if (!broken) {
			if (err)
				*err = chain_err;
			return -1;
		}
	}
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(kr, pk);

	json_t *h = json_object();
	json_object_set_new(h, "format", json_string(EXPORT_FORMAT));
	json_object_set_new(h, "public_key", hexstr(pk, sizeof pk));
	json_object_set_new(h, "hash", json_string("blake2b-256"));
	json_object_set_new(h, "encoding", json_string(ENCODING));
	if (put_line(out, h))
		return at_fail(err, 500, AT_E_INTERNAL, "", "cannot write the audit export");

	bool own;
	if (read_begin(s, &own, err))
		return -1;
	store_spine_enter(s);
	int rc = -1, wrc = 0, step = STORE_DONE;
	int64_t events = 0;
	unsigned char last[HB];
	memset(last, 0, HB);
	cp *cps = NULL;
	size_t ncp = 0;
	store_stmt *st = store_prepare(s,
		"SELECT seq, ts, " COLS ", prev_hash, hash FROM sp_audit_event ORDER BY seq", err);
	if (!st)
		goto out;
	while (!wrc && (step = store_step(st, err)) == STORE_ROW) {
		rec r;
		row_rec(st, 0, &r);
		json_t *o = json_object();
		json_object_set_new(o, "seq", json_integer(r.seq));
		json_object_set_new(o, "ts", json_integer(r.ts));
		for (int i = 0; i < NF; i++)
			json_object_set_new(o, FIELD[i], jstr(r.f[i], r.len[i]));
		size_t n;
		const void *b = store_col_blob(st, 13, &n);
		json_object_set_new(o, "prev_hash", hexstr(b, b ? n : 0));
		b = store_col_blob(st, 14, &n);
		json_object_set_new(o, "hash", hexstr(b, b ? n : 0));
		if (b && n == HB)
			memcpy(last, b, HB);
		events++;
		wrc = put_line(out, o);
	}
	store_done(st);
	if (!wrc && step < 0)
		goto out;
	if (!wrc && load_cps(s, &cps, &ncp, err))
		goto out;
	for (size_t i = 0; !wrc && i < ncp; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "checkpoint", json_integer(cps[i].seq));
		json_object_set_new(o, "hash", hexstr(cps[i].hash, HB));
		json_object_set_new(o, "signed_at", json_integer(cps[i].signed_at));
		json_object_set_new(o, "signature", hexstr(cps[i].sig, sizeof cps[i].sig));
		json_object_set_new(o, "public_key", hexstr(cps[i].pk, sizeof cps[i].pk));
		if (cps[i].n > 0) {
			json_object_set_new(o, "n", json_integer(cps[i].n));
			json_object_set_new(o, "ledger", hexstr(cps[i].ledger, HB));
			if (cps[i].ledger_v > 1)
				json_object_set_new(o, "ledger_v", json_integer(cps[i].ledger_v));
		}
		wrc = put_line(out, o);
	}
	if (!wrc) {
		/* The trailer: what the file holds, signed, so that a file cut back to
		 * an earlier checkpoint (or extended) no longer verifies. */
		json_t *o = json_object();
		unsigned char msg[TR_MSG_BYTES], sig[CRYPTO_SIG_BYTES];
		int64_t at = time_now();
		tr_message(events, last, at, msg);
		crypto_sign_msg(kr, msg, sizeof msg, sig);
		json_object_set_new(o, "trailer", json_string(TR_DOMAIN));
		json_object_set_new(o, "events", json_integer(events));
		json_object_set_new(o, "head", hexstr(last, HB));
		json_object_set_new(o, "signed_at", json_integer(at));
		json_object_set_new(o, "signature", hexstr(sig, sizeof sig));
		wrc = put_line(out, o);
	}
	if (wrc || fflush(out) || ferror(out)) {
		at_fail(err, 500, AT_E_INTERNAL, "", "cannot write the audit export");
		goto out;
	}
	if (broken) {
		at_fail(err, 500, E_CHAIN, "", "the log was exported, but %s", chain_err.message);
		goto out;
	}
	rc = 0;
out:
	free(cps);
	store_spine_leave(s);
	read_end(s, own);
	return rc;
}

/* ---- Verifying an export ------------------------------------------------------------ */

static bool hex_field(json_t *o, const char *key, unsigned char *out, size_t n)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) && hex_decode(json_string_value(v), out, n) == 0;
}

static bool int_field(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

static int cp_cmp(const void *a, const void *b)
{
	const cp *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct hashes {
	unsigned char (*h)[HB];  /* h[seq - 1]: recomputed chain hash */
	size_t n, cap;
} hashes;

static void hashes_add(hashes *hs, const unsigned char h[HB])
{
	if (hs->n == hs->cap) {
		hs->cap = hs->cap ? hs->cap * 2 : 1024;
		void *g = realloc(hs->h, hs->cap * HB);
		if (!g)
			abort();
		hs->h = g;
	}
	memcpy(hs->h[hs->n++], h, HB);
}

enum { EV_OK, EV_MALFORMED, EV_BROKEN };

/* One event line; the report says what is wrong unless EV_OK. */
static int export_event(walker *w, json_t *o, long line, hashes *hs)
{
	audit_report *rep = w->rep;
	rec r;
	unsigned char prev[HB], hash[HB], h[HB];
	size_t keys = 0;
	bool ok = int_field(o, "seq", &r.seq) && int_field(o, "ts", &r.ts);
	keys += 2;
	for (int i = 0; ok && i < NF; i++, keys++) {
		json_t *v = json_object_get(o, FIELD[i]);
		ok = json_is_string(v);
		if (ok) {
			r.f[i] = json_string_value(v);
			r.len[i] = json_string_length(v);
		}
	}
	ok = ok && hex_field(o, "prev_hash", prev, HB) && hex_field(o, "hash", hash, HB);
	keys += 2;
	/* Extra keys are refused: a viewer might show what the hash never covered. */
	if (!ok || json_object_size(o) != keys) {
		say(rep, w->expected,
		    "line %ld: malformed event (every event needs integer seq and ts, the %d text "
		    "fields, prev_hash and hash as 64 hex digits, and nothing else)",
		    line, NF);
		return EV_MALFORMED;
	}
	if (!walk(w, &r, prev, HB, hash, HB, h))
		return EV_BROKEN;
	hashes_add(hs, h);
	return EV_OK;
}

/* "line N: " before a message that does not say where it is in the file. */
static void at_line(audit_report *rep, long line)
{
	char m[sizeof rep->message];
	memcpy(m, rep->message, sizeof m);
	/* say() formats with vsnprintf, where cutting a long message is intended. */
	say(rep, rep->bad_seq, "line %ld: %s", line, m);
}

static bool export_cp(audit_report *rep, json_t *o, long line, cp *c)
{
	memset(c, 0, sizeof *c);
	c->shapes_ok = true;
	c->line = line;
	size_t keys = json_object_size(o);
	c->ledger_v = 1;
	bool ok = int_field(o, "checkpoint", &c->seq) && hex_field(o, "hash", c->hash, HB) &&
		  int_field(o, "signed_at", &c->signed_at) &&
		  hex_field(o, "signature", c->sig, sizeof c->sig) &&
		  hex_field(o, "public_key", c->pk, sizeof c->pk);
	/* 5 keys: version 1; 7: numbered, ledger version 1; 8: with ledger_v. */
	if (ok && keys != 5)
		ok = (keys == 7 || keys == 8) && int_field(o, "n", &c->n) && c->n >= 1 &&
		     hex_field(o, "ledger", c->ledger, HB) &&
		     (keys == 7 || (int_field(o, "ledger_v", &c->ledger_v) && c->ledger_v >= 2 &&
				    c->ledger_v <= LEDGER_V_MAX));
	if (!ok) {
		say(rep, c->seq > 0 ? c->seq : 0,
		    "line %ld: malformed checkpoint (needs checkpoint, hash, signed_at, signature, "
		    "public_key, n, ledger and ledger_v (2 to %d) and nothing else; ledger_v only "
		    "absent on ledger version 1, n and ledger only on version-1 checkpoints)",
		    line, LEDGER_V_MAX);
		return false;
	}
	return true;
}

int audit_verify_export(FILE *in, const unsigned char *pk, audit_report *rep, at_error *err)
{
	memset(rep, 0, sizeof *rep);
	rep->ok = true;
	unsigned char key[CRYPTO_SIGN_PK_BYTES];
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	walker w;
	walker_init(&w, rep);
	hashes hs = {0};
	cp *cps = NULL;
	size_t ncp = 0, cpcap = 0;
	bool header = false, have_trailer = false;
	int64_t tr_events = 0, tr_at = 0;
	unsigned char tr_head[HB], tr_sig[CRYPTO_SIG_BYTES];
	long tr_line = 0;
	ssize_t got;

	while (rep->ok && (got = getline(&line, &cap, in)) >= 0) {
		lineno++;
		size_t len = (size_t)got;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (len > LINE_MAX_BYTES) {
			say(rep, header ? w.expected : 0, "line %ld: longer than any export line can be", lineno);
			break;
		}
		json_error_t je;
		json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(o)) {
			say(rep, header ? w.expected : 0, "line %ld: not a JSON object (%s)", lineno,
			    o ? "another JSON value" : je.text);
			json_decref(o);
			break;
		}
		if (!header) {
			json_t *f = json_object_get(o, "format"), *hash = json_object_get(o, "hash");
			if (!json_is_string(f) || strcmp(json_string_value(f), EXPORT_FORMAT) ||
			    !json_is_string(hash) || strcmp(json_string_value(hash), "blake2b-256") ||
			    !hex_field(o, "public_key", key, sizeof key))
				say(rep, 0,
				    "line %ld: not an " EXPORT_FORMAT " header (format, hash "
				    "\"blake2b-256\" and a 64-hex-digit public_key are required)",
				    lineno);
			header = true;
		} else if (have_trailer) {
			say(rep, w.expected, "line %ld: a line after the signed trailer: the export was "
			    "extended after it was written", lineno);
		} else if (json_object_get(o, "trailer")) {
			json_t *t = json_object_get(o, "trailer");
			if (!json_is_string(t) || strcmp(json_string_value(t), TR_DOMAIN) ||
			    !int_field(o, "events", &tr_events) || !hex_field(o, "head", tr_head, HB) ||
			    !int_field(o, "signed_at", &tr_at) ||
			    !hex_field(o, "signature", tr_sig, sizeof tr_sig) || json_object_size(o) != 5)
				say(rep, w.expected, "line %ld: malformed trailer (needs trailer \"" TR_DOMAIN
				    "\", events, head, signed_at, signature and nothing else)", lineno);
			have_trailer = true;
			tr_line = lineno;
		} else if (json_object_get(o, "checkpoint")) {
			if (ncp == cpcap) {
				cpcap = cpcap ? cpcap * 2 : 16;
				cp *g = realloc(cps, cpcap * sizeof *cps);
				if (!g)
					abort();
				cps = g;
			}
			if (export_cp(rep, o, lineno, &cps[ncp]))
				ncp++;
		} else if (export_event(&w, o, lineno, &hs) == EV_BROKEN) {
			at_line(rep, lineno);
		}
		json_decref(o);
	}
	if (ferror(in)) {
		free(line);
		free(cps);
		free(hs.h);
		sb_release(&w.scratch);
		return at_fail(err, 500, AT_E_INTERNAL, "", "cannot read the audit export");
	}
	free(line);
	if (rep->ok && !header)
		say(rep, 0, "the export is empty: it has no " EXPORT_FORMAT " header line");

	rep->unpinned = !pk;
	const unsigned char *use = pk ? pk : key;
	const char *keyname = pk ? "pinned" : "export's own";
	if (rep->ok && ncp == 0)
		say(rep, hs.n ? 1 : 0, "the export holds no checkpoint, but every log is signed from "
		    "its genesis: its checkpoints were removed");
	size_t first = 0;
	if (rep->ok) {
		if (ncp)
			qsort(cps, ncp, sizeof *cps, cp_cmp);
		if (chain_cps(rep, cps, ncp))
			check_genesis(rep, cps, ncp, &first, use, keyname);
		for (size_t i = first; rep->ok && i < ncp; i++) {
			const cp *c = &cps[i];
			if (c->seq < 1 || (size_t)c->seq > hs.n) {
				say(rep, (int64_t)hs.n + 1,
				    "line %ld: checkpoint at %lld refers to a missing event — the log was "
				    "truncated after event %lld",
				    c->line, (long long)c->seq, (long long)hs.n);
				break;
			}
			if (!check_cp(rep, c, hs.h[c->seq - 1], use, keyname))
				at_line(rep, c->line);
		}
	}
	int64_t last_signed = ncp ? cps[ncp - 1].seq : 0;
	if (rep->ok && hs.n > 0 && last_signed < (int64_t)hs.n)
		/* audit_export signs the head before writing: an unsigned tail was added
		 * (or the final checkpoint removed) afterwards. */
		say(rep, last_signed + 1,
		    "events %lld..%zu are not covered by any checkpoint, but an export always ends "
		    "with one: the export was extended or its last checkpoint removed",
		    (long long)last_signed + 1, hs.n);
	if (rep->ok && !have_trailer)
		say(rep, (int64_t)hs.n + 1, "the export has no signed trailer: it was cut short (an "
		    "export always ends with one, after its last checkpoint)");
	if (rep->ok) {
		unsigned char zero[HB], msg[TR_MSG_BYTES];
		memset(zero, 0, HB);
		const unsigned char *h = hs.n ? hs.h[hs.n - 1] : zero;
		tr_message(tr_events, tr_head, tr_at, msg);
		if (!crypto_verify_msg(use, msg, sizeof msg, tr_sig))
			say(rep, (int64_t)hs.n, "line %ld: the trailer's signature does not verify with the "
			    "%s public key", tr_line, keyname);
		else if (tr_events != (int64_t)hs.n || memcmp(tr_head, h, HB))
			say(rep, (int64_t)hs.n, "line %ld: the signed trailer says %lld events, but the "
			    "file holds %zu (or a different head): the export was cut back or extended",
			    tr_line, (long long)tr_events, hs.n);
	}
	if (rep->ok)
		summary(rep, last_signed,
			pk ? NULL : "public key taken from the export itself, so NOTHING IS PROVEN: "
				    "anyone can re-sign a forged file with a key of their own; pin the "
				    "real key with --pubkey");
	else if (!pk && strlen(rep->message) + 80 < sizeof rep->message)
		strcat(rep->message, " (public key taken from the export itself; pin it with --pubkey)");
	free(cps);
	free(hs.h);
	sb_release(&w.scratch);
	return 0;
}

/* ---- Query ---------------------------------------------------------------------- */

int audit_query(store *s, const audit_filter *f, json_t **out, at_error *err)
{
	*out = NULL;
	audit_filter none = {0};
	if (!f)
		f = &none;
	int64_t limit = f->limit == 0 ? 100 : f->limit;
	if (limit < 1 || limit > 1000)
		return at_fail(err, 400, AT_E_INVALID, "limit",
			       "limit must be between 1 and 1000 (0 means 100), not %lld",
			       (long long)f->limit);
	if (f->from < 0)
		return at_fail(err, 400, AT_E_INVALID, "from", "from must be a time after 1970 (or 0 for open)");
	if (f->to < 0 || (f->to && f->to < f->from))
		return at_fail(err, 400, AT_E_INVALID, "to", "to must not be before from (0 means open)");
	if (f->after_seq < 0)
		return at_fail(err, 400, AT_E_INVALID, "after_seq", "after_seq must not be negative");
	bool subject = f->subject && *f->subject, staff = f->staff_id && *f->staff_id;

	/* Only the filters given appear in the SQL, so each shape can use its index;
	 * at most 16 shapes, each cached. */
	strbuf sql = STRBUF_INIT;
	sb_adds(&sql, "SELECT seq, ts, " COLS " FROM sp_audit_event WHERE seq > ?");
	if (subject)
		sb_adds(&sql, " AND subject = ?");
	if (staff)
		sb_adds(&sql, " AND staff_id = ?");
	if (f->from)
		sb_adds(&sql, " AND ts >= ?");
	if (f->to)
		sb_adds(&sql, " AND ts <= ?");
	sb_adds(&sql, " ORDER BY seq LIMIT ?");

	bool own;
	if (read_begin(s, &own, err)) {
		sb_release(&sql);
		return -1;
	}
	store_spine_enter(s);
	int rc = -1;
	store_stmt *st = store_prepare(s, sql.buf, err);
	sb_release(&sql);
	if (st) {
		int i = 1;
		store_bind_int(st, i++, f->after_seq);
		if (subject)
			store_bind_text(st, i++, f->subject);
		if (staff)
			store_bind_text(st, i++, f->staff_id);
		if (f->from)
			store_bind_int(st, i++, f->from);
		if (f->to)
			store_bind_int(st, i++, f->to);
		store_bind_int(st, i, limit);
		json_t *arr = json_array();
		int step;
		while ((step = store_step(st, err)) == STORE_ROW) {
			rec r;
			row_rec(st, 0, &r);
			char t[21];
			time_format(r.ts, t);
			json_t *o = json_object();
			json_object_set_new(o, "seq", json_integer(r.seq));
			json_object_set_new(o, "time", json_string(t));
			for (int k = 0; k < NF; k++)
				json_object_set_new(o, FIELD[k], jstr(r.f[k], r.len[k]));
			json_array_append_new(arr, o);
		}
		store_done(st);
		if (step < 0) {
			json_decref(arr);
		} else {
			*out = arr;
			rc = 0;
		}
	}
	store_spine_leave(s);
	read_end(s, own);
	return rc;
}

/* ---- The witness ------------------------------------------------------------- */

/* Checkpoint number n in cps (seq order; chain_cps has checked that the
 * numbered ones run 1, 2, 3 ... after any version-1 ones), or NULL. */
static const cp *find_cp(const cp *cps, size_t ncp, int64_t n)
{
	size_t lo = 0, hi = ncp;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cps[mid].n < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ncp && cps[lo].n == n ? &cps[lo] : NULL;
}

/* The stored hash of event seq, which must be the witnessed one: the log
 * still reaches that head. Inside a spine section and a transaction. */
static int reaches(store *s, int64_t seq, const unsigned char hash[HB], bool *ok, at_error *err)
{
	unsigned char zero[HB];
	memset(zero, 0, HB);
	if (seq == 0) {
		*ok = !memcmp(hash, zero, HB);
		return 0;
	}
	*ok = false;
	store_stmt *st = store_prepare(s, "SELECT hash FROM sp_audit_event WHERE seq = ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, seq);
	int rc = store_step(st, err);
	size_t len = 0;
	const void *b = rc == STORE_ROW ? store_col_blob(st, 0, &len) : NULL;
	*ok = b && len == HB && !memcmp(b, hash, HB);
	store_done(st);
	return rc < 0 ? -1 : 0;
}

/* What the witness keeps of the newest head it holds. */
typedef struct witnessed {
	int64_t n, seq;                  /* 0, -1 when the file holds none */
	unsigned char sig[CRYPTO_SIG_BYTES];
	int64_t lines;
} witnessed;

/* One witness line into c (n, seq, hash, signed_at, ledger, ledger_v, prev,
 * signature); false when it is not a well-formed witness line. */
static bool witness_parse(const char *line, size_t len, cp *c)
{
	memset(c, 0, sizeof *c);
	c->shapes_ok = true;
	c->ledger_v = 1;
	json_error_t je;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	json_t *f = json_object_get(o, "witness");
	bool ok = json_is_string(f) && !strcmp(json_string_value(f), WITNESS_FORMAT) &&
		  int_field(o, "n", &c->n) && c->n >= 1 && int_field(o, "checkpoint", &c->seq) &&
		  hex_field(o, "hash", c->hash, HB) && int_field(o, "signed_at", &c->signed_at) &&
		  hex_field(o, "ledger", c->ledger, HB) && hex_field(o, "prev", c->prev, HB) &&
		  hex_field(o, "signature", c->sig, sizeof c->sig) &&
		  (!json_object_get(o, "ledger_v") ||
		   (int_field(o, "ledger_v", &c->ledger_v) && c->ledger_v >= 2 &&
		    c->ledger_v <= LEDGER_V_MAX));
	json_decref(o);
	return ok;
}

static void say_not_reached(audit_report *rep, const cp *c, int64_t events)
{
	char t[21];
	time_format(c->signed_at, t);
	say(rep, c->seq,
	    "witnessed checkpoint %lld (event %lld, signed %s) is no longer in the log%s: "
	    "the log was cut back or its checkpoints rewritten after it was witnessed",
	    (long long)c->n, (long long)c->seq, t,
	    c->seq > events ? ", which now ends before that event" : "");
}

/* Check every line of a witness file against the database's checkpoints
 * (cps, already verified against the chain): each witnessed head must carry
 * a valid signature and still be in the log, with the same signature. *top
 * says what the newest witnessed head is. */
static int witness_check(FILE *in, const cp *cps, size_t ncp, int64_t events,
			 const unsigned char pk[CRYPTO_SIGN_PK_BYTES], audit_report *rep,
			 witnessed *top, at_error *err)
{
	memset(top, 0, sizeof *top);
	top->seq = -1;
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	ssize_t got;
	while (rep->ok && (got = getline(&line, &cap, in)) >= 0) {
		lineno++;
		size_t len = (size_t)got;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		cp c;
		if (!witness_parse(line, len, &c)) {
			say(rep, 0, "witness line %ld: not an " WITNESS_FORMAT " line (the witness file "
			    "was damaged)", lineno);
			break;
		}
		top->lines++;
		if (!cp_sig_ok(&c, pk)) {
			say(rep, c.seq, "witness line %ld: checkpoint %lld does not verify with the given "
			    "public key (forged, or witnessed for another key)", lineno, (long long)c.n);
			break;
		}
		if (c.n > top->n) {
			top->n = c.n;
			top->seq = c.seq;
			memcpy(top->sig, c.sig, sizeof c.sig);
		}
		const cp *d = find_cp(cps, ncp, c.n);
		if (!d || memcmp(d->sig, c.sig, sizeof c.sig) || d->seq != c.seq) {
			say_not_reached(rep, &c, events);
			break;
		}
	}
	free(line);
	if (ferror(in))
		return at_fail(err, 500, AT_E_INTERNAL, "", "cannot read the witness file");
	return 0;
}

int audit_verify_witness(store *s, const unsigned char pk[CRYPTO_SIGN_PK_BYTES], FILE *witness,
			 audit_report *rep, at_error *err)
{
	cp *cps = NULL;
	size_t ncp = 0;
	if (verify_db(s, pk, rep, &cps, &ncp, err))
		return -1;
	int rc = 0;
	if (rep->ok) {
		witnessed top;
		rc = witness_check(witness, cps, ncp, rep->events, pk, rep, &top, err);
		if (!rc && rep->ok) {
			size_t used = strlen(rep->message);
			snprintf(rep->message + used, sizeof rep->message - used,
				 "; all %lld witnessed heads (up to checkpoint %lld) are still in the log",
				 (long long)top.lines, (long long)top.n);
		}
	}
	free(cps);
	return rc;
}

/* One witness line for checkpoint c (its prev filled in). */
static int witness_put(FILE *f, const cp *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "witness", json_string(WITNESS_FORMAT));
	json_object_set_new(o, "n", json_integer(c->n));
	json_object_set_new(o, "checkpoint", json_integer(c->seq));
	json_object_set_new(o, "hash", hexstr(c->hash, HB));
	json_object_set_new(o, "signed_at", json_integer(c->signed_at));
	json_object_set_new(o, "ledger", hexstr(c->ledger, HB));
	if (c->ledger_v > 1)
		json_object_set_new(o, "ledger_v", json_integer(c->ledger_v));
	json_object_set_new(o, "prev", hexstr(c->prev, HB));
	json_object_set_new(o, "signature", hexstr(c->sig, sizeof c->sig));
	return put_line(f, o);
}

/* O_APPEND: every write lands at the end whatever else holds the file; the
 * owner of the database should not be able to rewrite it (another volume,
 * chattr +a, a different account). Read from the start. */
static FILE *witness_fopen(const char *path, at_error *err)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "a+") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		at_fail(err, 400, AT_E_INVALID, "witness", "cannot open the witness file %s", path);
		return NULL;
	}
	rewind(f);
	return f;
}

static int witness_flush(FILE *f, const char *path, at_error *err)
{
	if (fflush(f) || fsync(fileno(f)))
		return at_fail(err, 500, AT_E_INTERNAL, "", "cannot write the witness file %s", path);
	return 0;
}

int audit_witness(store *s, const unsigned char pk[CRYPTO_SIGN_PK_BYTES], const char *path,
		  int64_t *added, at_error *err)
{
	*added = 0;
	audit_report rep;
	cp *cps = NULL;
	size_t ncp = 0;
	if (verify_db(s, pk, &rep, &cps, &ncp, err))
		return -1;
	if (!rep.ok) {
		free(cps);
		return at_fail(err, 500, E_CHAIN, "", "not witnessing a log that does not verify: %s",
			       rep.message);
	}
	FILE *f = witness_fopen(path, err);
	if (!f) {
		free(cps);
		return -1;
	}
	witnessed top;
	int rc = witness_check(f, cps, ncp, rep.events, pk, &rep, &top, err);
	if (!rc && !rep.ok)
		rc = at_fail(err, 500, E_CHAIN, "", "the witness disagrees with the log: %s", rep.message);
	for (size_t i = 0; !rc && i < ncp; i++) {
		if (cps[i].n <= top.n)
			continue;
		if (witness_put(f, &cps[i]))
			rc = at_fail(err, 500, AT_E_INTERNAL, "", "cannot write the witness file %s", path);
		else
			(*added)++;
	}
	if (!rc)
		rc = witness_flush(f, path, err);
	if (fclose(f) && !rc)
		rc = at_fail(err, 500, AT_E_INTERNAL, "", "cannot write the witness file %s", path);
	free(cps);
	return rc;
}

/* ---- A witness kept open (the server) ------------------------------------------ */

struct audit_witness_log {
	FILE *f;
	char *path;
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	witnessed top;   /* the newest head in the file */
};

void audit_witness_close(audit_witness_log *w)
{
	if (!w)
		return;
	if (w->f)
		fclose(w->f);
	free(w->path);
	free(w);
}

int audit_witness_sync(audit_witness_log *w, store *s, int64_t *added, at_error *err)
{
	if (added)
		*added = 0;
	bool own;
	if (read_begin(s, &own, err))
		return -1;
	store_spine_enter(s);
	int rc = -1, step = STORE_DONE;
	store_stmt *st = store_prepare(s,
		"SELECT " CP_COLS " FROM sp_audit_checkpoint WHERE seq > ? AND n > 0 ORDER BY seq", err);
	if (!st)
		goto out;
	store_bind_int(st, 1, w->top.seq);
	int64_t lines_before = w->top.lines;
	rc = 0;
	while (!rc && (step = store_step(st, err)) == STORE_ROW) {
		cp c;
		row_cp(st, &c);
		/* Only a head that follows the newest witnessed one, under the
		 * key, is written: a row someone put there is refused, not kept. */
		if (w->top.n)
			crypto_digest(w->top.sig, sizeof w->top.sig, c.prev);
		if (c.n != w->top.n + 1 || !c.shapes_ok || !cp_sig_ok(&c, w->pk))
			rc = at_fail(err, 500, E_CHAIN, "",
				     "not witnessing checkpoint %lld (at event %lld): it %s checkpoint %lld, "
				     "the newest in the witness file %s",
				     (long long)c.n, (long long)c.seq,
				     c.n != w->top.n + 1 || !c.shapes_ok ? "does not follow"
									: "is not signed with the key after",
				     (long long)w->top.n, w->path);
		else if (witness_put(w->f, &c))
			rc = at_fail(err, 500, AT_E_INTERNAL, "", "cannot write the witness file %s", w->path);
		else {
			w->top.n = c.n;
			w->top.seq = c.seq;
			memcpy(w->top.sig, c.sig, sizeof c.sig);
			w->top.lines++;
			if (added)
				(*added)++;
		}
	}
	store_done(st);
	if (!rc && step < 0)
		rc = -1;
	/* Whatever was written reaches the disk, even when a later row failed;
	 * a tick with nothing new costs no fsync. */
	if (w->top.lines > lines_before && witness_flush(w->f, w->path, rc ? NULL : err) && !rc)
		rc = -1;
out:
	store_spine_leave(s);
	read_end(s, own);
	return rc;
}

/* The newest head among the witness file's last WITNESS_TAIL_BYTES (from
 * a line boundary): top->n is 0 when the file holds none. false (rep says
 * why) when a line there is damaged. */
static int witness_tail(FILE *f, cp *top, audit_report *rep, at_error *err)
{
	memset(top, 0, sizeof *top);
	if (fseeko(f, 0, SEEK_END))
		return at_fail(err, 500, AT_E_INTERNAL, "", "cannot read the witness file");
	off_t size = ftello(f), from = size > WITNESS_TAIL_BYTES ? size - WITNESS_TAIL_BYTES : 0;
	if (size < 0 || fseeko(f, from, SEEK_SET))
		return at_fail(err, 500, AT_E_INTERNAL, "", "cannot read the witness file");
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	bool first = from > 0;  /* a line cut by the window's start is skipped */
	while (rep->ok && (got = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)got;
		if (first) {
			first = false;
			continue;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		cp c;
		if (!witness_parse(line, len, &c))
			say(rep, 0, "a line near the end of the witness file is not an " WITNESS_FORMAT
			    " line (the witness file was damaged)");
		else if (c.n > top->n)
			*top = c;
	}
	free(line);
	bool bad = ferror(f);
	/* Reading stops here; every write goes to the end (O_APPEND). */
	if (fseeko(f, 0, SEEK_END) || bad)
		return at_fail(err, 500, AT_E_INTERNAL, "", "cannot read the witness file");
	return 0;
}

int audit_witness_open(store *s, const unsigned char pk[CRYPTO_SIGN_PK_BYTES], const char *path,
		       audit_witness_log **out, at_error *err)
{
	*out = NULL;
	audit_witness_log *w = calloc(1, sizeof *w);
	if (!w || !(w->path = strdup(path))) {
		free(w);
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
	}
	memcpy(w->pk, pk, sizeof w->pk);
	w->top.seq = -1;
	if (!(w->f = witness_fopen(path, err))) {
		audit_witness_close(w);
		return -1;
	}
	/* Only the newest witnessed head is checked: a log cut back below any
	 * witnessed head is cut back below it too, and this stays quick however
	 * long the file grows. Every line, and the whole chain, is what `atena
	 * audit verify --witness` checks. */
	audit_report rep;
	memset(&rep, 0, sizeof rep);
	rep.ok = true;
	cp c;
	int rc = witness_tail(w->f, &c, &rep, err);
	if (!rc && rep.ok && c.n && !cp_sig_ok(&c, pk))
		say(&rep, c.seq, "its newest head, checkpoint %lld, does not verify with the key "
		    "(forged, or witnessed for another key)", (long long)c.n);
	if (!rc && rep.ok && c.n) {
		bool own, there = false;
		int64_t events = 0;
		if ((rc = read_begin(s, &own, err)) == 0) {
			store_spine_enter(s);
			store_stmt *st = store_prepare(s,
				"SELECT " CP_COLS " FROM sp_audit_checkpoint WHERE seq = ?", err);
			rc = st ? 0 : -1;
			if (st) {
				store_bind_int(st, 1, c.seq);
				int r = store_step(st, err);
				if (r == STORE_ROW) {
					cp d;
					row_cp(st, &d);
					there = d.n == c.n && !memcmp(d.sig, c.sig, sizeof c.sig);
				}
				store_done(st);
				rc = r < 0 ? -1 : 0;
			}
			if (!rc && there)
				rc = reaches(s, c.seq, c.hash, &there, err);
			if (!rc)
				rc = store_query_int(s, "SELECT coalesce(max(seq), 0) FROM sp_audit_event",
						     NULL, 0, &events, err) < 0;
			store_spine_leave(s);
			read_end(s, own);
		}
		if (!rc && !there)
			say_not_reached(&rep, &c, events);
	}
	if (!rc && !rep.ok)
		rc = at_fail(err, 500, E_CHAIN, "witness", "the witness %s disagrees with the log: %s",
			     path, rep.message);
	if (!rc && c.n) {
		w->top.n = c.n;
		w->top.seq = c.seq;
		memcpy(w->top.sig, c.sig, sizeof c.sig);
	}
	/* Heads signed while no witness ran (or the whole log, for a new file). */
	if (!rc)
		rc = audit_witness_sync(w, s, NULL, err);
	if (rc) {
		audit_witness_close(w);
		return -1;
	}
	*out = w;
	return 0;
}

int audit_query_page(store *s, const audit_filter *f, json_t **out, at_error *err)
{
	*out = NULL;
	json_t *events = NULL;
	if (audit_query(s, f, &events, err))
		return -1;
	/* One question more, "is there a next event?", so a page never stops
	 * without saying so (issue 8 §7); the answer's shape is json_page's. */
	int64_t limit = f->limit == 0 ? 100 : f->limit;
	size_t n = json_array_size(events);
	if ((int64_t)n == limit && n > 0) {
		audit_filter next = *f;
		next.after_seq = json_integer_value(json_object_get(json_array_get(events, n - 1), "seq"));
		next.limit = 1;
		json_t *more = NULL;
		if (audit_query(s, &next, &more, err)) {
			json_decref(events);
			return -1;
		}
		if (json_array_size(more))
			json_array_append(events, json_array_get(more, 0));
		json_decref(more);
	}
	*out = json_page("events", events, limit, "seq");
	return 0;
}
