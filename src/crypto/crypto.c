/*
 * crypto — see crypto.h. Everything here is a thin, strict layer over
 * libsodium; the only algorithms written out by hand are the RFC 4226/6238
 * truncation and RFC 4648 base32, which libsodium does not provide.
 */
#include "crypto/crypto.h"
#include "core/private_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <liboath/oath.h>
#include <pthread.h>
/* Only the parts of libsodium used here. */
#include <sodium/core.h>
#include <sodium/crypto_aead_xchacha20poly1305.h>
#include <sodium/crypto_generichash.h>
#include <sodium/crypto_pwhash.h>
#include <sodium/crypto_sign.h>
#include <sodium/randombytes.h>
#include <sodium/utils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Error codes of this module (at_error.code). */
#define E_KEYFILE "key_file_invalid"   /* malformed key file contents */
#define E_KEYPERM "key_file_insecure"  /* group/world may access the key file */
#define E_KEYIO "key_file_io"          /* cannot read/write the key file */
#define E_KEYEXISTS "key_file_exists"  /* keyring_create would overwrite */
#define E_DECRYPT "decrypt_failed"     /* crypto_open refused a value */

#define KEYFILE_VERSION 1
#define KEYFILE_MAX_BYTES (64u * 1024u) /* 64 keys in base64 fit in ~4 KiB */

/* Sealed plaintexts are field values, never files: refuse anything absurd so
 * no length arithmetic below can overflow. */
#define SEAL_MAX_PLAINTEXT ((size_t)64 * 1024 * 1024)

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define B64STD sodium_base64_VARIANT_ORIGINAL

_Static_assert(CRYPTO_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "data key size");
_Static_assert(CRYPTO_KEY_BYTES == crypto_generichash_KEYBYTES, "blind-index key size");
_Static_assert(CRYPTO_HASH_BYTES == crypto_generichash_BYTES, "hash size");
_Static_assert(CRYPTO_SIGN_PK_BYTES == crypto_sign_PUBLICKEYBYTES, "Ed25519 public key size");
_Static_assert(CRYPTO_SIGN_SK_BYTES == crypto_sign_SECRETKEYBYTES, "Ed25519 secret key size");
_Static_assert(CRYPTO_SIG_BYTES == crypto_sign_BYTES, "Ed25519 signature size");

struct data_key {
	uint32_t id;
	unsigned char key[CRYPTO_KEY_BYTES];
};

struct keyring {
	size_t nkeys;
	uint32_t current;
	struct data_key keys[CRYPTO_MAX_KEYS];
	unsigned char blind[CRYPTO_KEY_BYTES];
	unsigned char sign_pk[CRYPTO_SIGN_PK_BYTES];
	unsigned char sign_sk[CRYPTO_SIGN_SK_BYTES];
};

/* libsodium may dereference message pointers even for zero lengths; give it a
 * real byte instead of NULL. */
static const unsigned char empty_byte[1];

int crypto_setup(at_error *err)
{
	/* sodium_init returns 1 when already initialised: that is success too. */
	if (sodium_init() < 0)
		return at_fail(err, 500, AT_E_INTERNAL, "", "libsodium could not be initialised");
	return 0;
}

/* ---- Key file -------------------------------------------------------- */

static keyring *keyring_alloc(void)
{
	keyring *kr = calloc(1, sizeof *kr);
	if (!kr)
		abort(); /* out of memory is fatal in Atena (see strbuf.h) */
	/* Best effort: keep keys out of swap. Failure (RLIMIT_MEMLOCK) is not fatal. */
	(void)sodium_mlock(kr, sizeof *kr);
	return kr;
}

void keyring_free(keyring *kr)
{
	if (!kr)
		return;
	sodium_memzero(kr, sizeof *kr);
	(void)sodium_munlock(kr, sizeof *kr);
	free(kr);
}

uint32_t keyring_current_id(const keyring *kr)
{
	return kr->current;
}

void keyring_public_key(const keyring *kr, unsigned char pk[CRYPTO_SIGN_PK_BYTES])
{
	memcpy(pk, kr->sign_pk, CRYPTO_SIGN_PK_BYTES);
}

static const struct data_key *find_key(const keyring *kr, uint32_t id)
{
	for (size_t i = 0; i < kr->nkeys; i++)
		if (kr->keys[i].id == id)
			return &kr->keys[i];
	return NULL;
}

/* Standard base64 of a key into a json string; the stack copy is wiped.
 * (jansson's own copy is freed without wiping: a known limit, see report.) */
static int set_b64(json_t *obj, const char *name, const unsigned char *bin, size_t len)
{
	char b64[sodium_base64_ENCODED_LEN(CRYPTO_SIGN_SK_BYTES, B64STD)];
	if (len > CRYPTO_SIGN_SK_BYTES)
		return -1;
	sodium_bin2base64(b64, sizeof b64, bin, len, B64STD);
	int rc = json_object_set_new(obj, name, json_string(b64));
	sodium_memzero(b64, sizeof b64);
	return rc;
}

/* The key file as JSON text, caller wipes and frees. */
static char *keyring_to_json(const keyring *kr)
{
	json_t *root = json_object();
	json_t *keys = json_array();
	int rc = (root && keys) ? 0 : -1;
	if (!rc)
		rc |= json_object_set_new(root, "version", json_integer(KEYFILE_VERSION));
	if (!rc)
		rc |= json_object_set_new(root, "current", json_integer((json_int_t)kr->current));
	for (size_t i = 0; !rc && i < kr->nkeys; i++) {
		json_t *k = json_object();
		if (!k) {
			rc = -1;
			break;
		}
		rc |= json_object_set_new(k, "id", json_integer((json_int_t)kr->keys[i].id));
		rc |= set_b64(k, "key", kr->keys[i].key, CRYPTO_KEY_BYTES);
		rc |= json_array_append_new(keys, k);
	}
	if (!rc) {
		rc |= json_object_set(root, "data_keys", keys);
		rc |= set_b64(root, "blind_index_key", kr->blind, CRYPTO_KEY_BYTES);
		rc |= set_b64(root, "sign_public_key", kr->sign_pk, CRYPTO_SIGN_PK_BYTES);
		rc |= set_b64(root, "sign_secret_key", kr->sign_sk, CRYPTO_SIGN_SK_BYTES);
	}
	char *text = rc ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(keys);
	json_decref(root);
	return text;
}

static void wipe_free(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The JSON text plus a newline to fd, then fsync, so a crash never leaves a
 * half-written key file behind a successful return. */
static int write_keyfile(int fd, const keyring *kr)
{
	char *text = keyring_to_json(kr);
	if (!text) {
		errno = ENOMEM;
		return -1;
	}
	int rc = write_all(fd, text, strlen(text));
	if (!rc)
		rc = write_all(fd, "\n", 1);
	int saved = errno;
	wipe_free(text);
	errno = saved;
	if (!rc)
		rc = fsync(fd);
	return rc;
}

/* fsync the directory holding path so a create/rename survives a crash.
 * Best effort: some file systems refuse fsync on directories. */
static void sync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		abort();
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

static void fill_new_keyring(keyring *kr)
{
	kr->nkeys = 1;
	kr->keys[0].id = 1;
	kr->current = 1;
	crypto_aead_xchacha20poly1305_ietf_keygen(kr->keys[0].key);
	crypto_generichash_keygen(kr->blind);
	crypto_sign_keypair(kr->sign_pk, kr->sign_sk);
}

int keyring_create(const char *path, at_error *err)
{
	if (!path || !*path)
		return at_fail(err, 500, E_KEYIO, "", "no key file path given");
	/* O_EXCL: never overwrite a key file, whose loss makes every sealed
	 * value unreadable. Mode 0600 from the first byte written. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return at_fail(err, 409, E_KEYEXISTS, "",
				       "the key file %s already exists; refusing to overwrite it", path);
		return at_fail(err, 500, E_KEYIO, "", "cannot create the key file %s: %s", path,
			       strerror(errno));
	}
	keyring *kr = keyring_alloc();
	fill_new_keyring(kr);
	/* umask can only remove bits from 0600, but be explicit. */
	int rc = fchmod(fd, 0600);
	if (!rc)
		rc = write_keyfile(fd, kr);
	int saved = errno;
	keyring_free(kr);
	if (close(fd) && !rc) {
		rc = -1;
		saved = errno;
	}
	if (rc) {
		unlink(path);
		return at_fail(err, 500, E_KEYIO, "", "cannot write the key file %s: %s", path,
			       strerror(saved));
	}
	sync_parent_dir(path);
	return 0;
}

static int bad_field(at_error *err, const char *path, const char *field, const char *rule)
{
	return at_fail(err, 500, E_KEYFILE, field, "the key file %s is malformed: %s %s", path,
		       field, rule);
}

/* Decode a standard-base64 string field of exactly len bytes. */
static int get_b64(json_t *obj, const char *name, const char *field, const char *path,
		   unsigned char *out, size_t len, at_error *err)
{
	json_t *v = json_object_get(obj, name);
	if (!v)
		return bad_field(err, path, field, "is missing");
	if (!json_is_string(v))
		return bad_field(err, path, field, "must be a base64 string");
	const char *s = json_string_value(v);
	size_t slen = json_string_length(v);
	size_t got = 0;
	const char *end = NULL;
	if (slen != sodium_base64_ENCODED_LEN(len, B64STD) - 1 ||
	    sodium_base642bin(out, len, s, slen, NULL, &got, &end, B64STD) != 0 ||
	    end != s + slen || got != len) {
		sodium_memzero(out, len);
		char rule[64];
		snprintf(rule, sizeof rule, "must be standard base64 of exactly %zu bytes", len);
		return bad_field(err, path, field, rule);
	}
	return 0;
}

static int get_u32(json_t *obj, const char *name, const char *field, const char *path,
		   uint32_t *out, at_error *err)
{
	json_t *v = json_object_get(obj, name);
	if (!v)
		return bad_field(err, path, field, "is missing");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX)
		return bad_field(err, path, field, "must be an integer from 1 to 4294967295");
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

static int only_keys(json_t *obj, const char *const *allowed, const char *prefix,
		     const char *path, at_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		const char *const *a = allowed;
		while (*a && strcmp(*a, key))
			a++;
		if (!*a) {
			char field[96];
			snprintf(field, sizeof field, "%s%s", prefix, key);
			return bad_field(err, path, field, "is not a key file field");
		}
	}
	return 0;
}

static int parse_keyfile(json_t *root, const char *path, keyring *kr, at_error *err)
{
	static const char *const top[] = {"version", "current", "data_keys", "blind_index_key",
					  "sign_public_key", "sign_secret_key", NULL};
	static const char *const dk[] = {"id", "key", NULL};
	char field[96];

	if (!json_is_object(root))
		return at_fail(err, 500, E_KEYFILE, "",
			       "the key file %s is malformed: it must hold a JSON object", path);
	if (only_keys(root, top, "", path, err))
		return -1;
	json_t *ver = json_object_get(root, "version");
	if (!ver)
		return bad_field(err, path, "version", "is missing");
	if (!json_is_integer(ver) || json_integer_value(ver) != KEYFILE_VERSION)
		return bad_field(err, path, "version", "must be 1");
	if (get_u32(root, "current", "current", path, &kr->current, err))
		return -1;

	json_t *keys = json_object_get(root, "data_keys");
	if (!keys)
		return bad_field(err, path, "data_keys", "is missing");
	if (!json_is_array(keys) || json_array_size(keys) < 1 ||
	    json_array_size(keys) > CRYPTO_MAX_KEYS)
		return bad_field(err, path, "data_keys", "must be an array of 1 to 64 keys");
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k) {
		snprintf(field, sizeof field, "data_keys[%zu]", i);
		if (!json_is_object(k))
			return bad_field(err, path, field, "must be an object {id, key}");
		snprintf(field, sizeof field, "data_keys[%zu].", i);
		if (only_keys(k, dk, field, path, err))
			return -1;
		snprintf(field, sizeof field, "data_keys[%zu].id", i);
		uint32_t id;
		if (get_u32(k, "id", field, path, &id, err))
			return -1;
		if (find_key(kr, id))
			return bad_field(err, path, field, "repeats an id already used");
		snprintf(field, sizeof field, "data_keys[%zu].key", i);
		if (get_b64(k, "key", field, path, kr->keys[i].key, CRYPTO_KEY_BYTES, err))
			return -1;
		kr->keys[i].id = id;
		kr->nkeys = i + 1;
	}
	if (!find_key(kr, kr->current))
		return bad_field(err, path, "current", "must be the id of one of data_keys");
	if (get_b64(root, "blind_index_key", "blind_index_key", path, kr->blind,
		    CRYPTO_KEY_BYTES, err) ||
	    get_b64(root, "sign_public_key", "sign_public_key", path, kr->sign_pk,
		    CRYPTO_SIGN_PK_BYTES, err) ||
	    get_b64(root, "sign_secret_key", "sign_secret_key", path, kr->sign_sk,
		    CRYPTO_SIGN_SK_BYTES, err))
		return -1;
	/* A mismatched pair would sign checkpoints nobody can verify. */
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	crypto_sign_ed25519_sk_to_pk(pk, kr->sign_sk);
	int same = sodium_memcmp(pk, kr->sign_pk, sizeof pk);
	sodium_memzero(pk, sizeof pk);
	if (same != 0)
		return bad_field(err, path, "sign_public_key",
				 "does not belong to sign_secret_key");
	return 0;
}

int keyring_load(const char *path, keyring **out, at_error *err)
{
	*out = NULL;
	if (!path || !*path)
		return at_fail(err, 500, E_KEYIO, "", "no key file path given");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return at_fail(err, 500, E_KEYIO, "", "cannot open the key file %s: %s", path,
			       strerror(errno));
	struct stat st;
	if (fstat(fd, &st)) {
		int e = errno;
		close(fd);
		return at_fail(err, 500, E_KEYIO, "", "cannot stat the key file %s: %s", path,
			       strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return at_fail(err, 500, E_KEYIO, "", "the key file %s is not a regular file", path);
	}
	/* Checked on the open descriptor, so the file cannot be swapped between
	 * the check and the read. */
	if (private_check_fd(fd, "the key file", path, E_KEYPERM, err)) {
		close(fd);
		return -1;
	}
	if (st.st_size > (off_t)KEYFILE_MAX_BYTES) {
		close(fd);
		return at_fail(err, 500, E_KEYFILE, "",
			       "the key file %s is larger than %u bytes; it is not a key file", path,
			       KEYFILE_MAX_BYTES);
	}
	char *buf = malloc(KEYFILE_MAX_BYTES + 1);
	if (!buf)
		abort();
	size_t len = 0;
	int rerr = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, KEYFILE_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rerr = errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > KEYFILE_MAX_BYTES)
			break;
	}
	close(fd);
	if (rerr || len > KEYFILE_MAX_BYTES) {
		sodium_memzero(buf, KEYFILE_MAX_BYTES + 1);
		free(buf);
		if (rerr)
			return at_fail(err, 500, E_KEYIO, "", "cannot read the key file %s: %s",
				       path, strerror(rerr));
		return at_fail(err, 500, E_KEYFILE, "",
			       "the key file %s is larger than %u bytes; it is not a key file", path,
			       KEYFILE_MAX_BYTES);
	}

	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	sodium_memzero(buf, KEYFILE_MAX_BYTES + 1);
	free(buf);
	if (!root)
		return at_fail(err, 500, E_KEYFILE, "",
			       "the key file %s is not valid JSON: %s (line %d, column %d)", path,
			       je.text, je.line, je.column);
	keyring *kr = keyring_alloc();
	int rc = parse_keyfile(root, path, kr, err);
	json_decref(root);
	if (rc) {
		keyring_free(kr);
		return -1;
	}
	*out = kr;
	return 0;
}

/* Write kr to path atomically: a 0600 temp file beside it, fsync, rename. */
static int keyring_save(const keyring *kr, const char *path, at_error *err)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof ".tmp.XXXXXX");
	if (!tmp)
		abort();
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
	int fd = mkstemp(tmp); /* glibc creates it 0600 */
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return at_fail(err, 500, E_KEYIO, "", "cannot create a temporary file beside %s: %s",
			       path, strerror(e));
	}
	int rc = fchmod(fd, 0600);
	/* When root rotates a service user's key file, keep the owner so the
	 * service can still read it after the rename. */
	struct stat st;
	if (!rc && stat(path, &st) == 0 && (st.st_uid != geteuid() || st.st_gid != getegid()))
		rc = fchown(fd, st.st_uid, st.st_gid);
	if (!rc)
		rc = write_keyfile(fd, kr);
	int saved = errno;
	if (close(fd) && !rc) {
		rc = -1;
		saved = errno;
	}
	if (!rc && rename(tmp, path)) {
		rc = -1;
		saved = errno;
	}
	if (rc) {
		unlink(tmp);
		free(tmp);
		return at_fail(err, 500, E_KEYIO, "", "cannot save the key file %s: %s", path,
			       strerror(saved));
	}
	free(tmp);
	sync_parent_dir(path);
	return 0;
}

int keyring_rotate(keyring *kr, const char *path, at_error *err)
{
	if (kr->nkeys >= CRYPTO_MAX_KEYS)
		return at_fail(err, 500, E_KEYFILE, "data_keys",
			       "the key file already holds %d data keys, the most it can hold",
			       CRYPTO_MAX_KEYS);
	uint32_t max = 0;
	for (size_t i = 0; i < kr->nkeys; i++)
		if (kr->keys[i].id > max)
			max = kr->keys[i].id;
	if (max == UINT32_MAX)
		return at_fail(err, 500, E_KEYFILE, "data_keys", "no data key id is left to use");
	uint32_t old_current = kr->current;
	struct data_key *k = &kr->keys[kr->nkeys];
	k->id = max + 1;
	crypto_aead_xchacha20poly1305_ietf_keygen(k->key);
	kr->nkeys++;
	kr->current = k->id;
	if (keyring_save(kr, path, err)) {
		/* Memory stays equal to the file on disk: an unsaved key must never seal. */
		kr->nkeys--;
		kr->current = old_current;
		sodium_memzero(k, sizeof *k);
		return -1;
	}
	return 0;
}

/* ---- Encryption at rest --------------------------------------------- */

/* Parse "v1.<id>.<b64url>": the id (canonical decimal, 1..UINT32_MAX) and
 * where the payload starts. The payload must be long enough for nonce + tag
 * and contain only base64url characters. */
static bool parse_sealed(const char *s, uint32_t *id, const char **b64, size_t *b64len)
{
	if (!s || strncmp(s, "v1.", 3) != 0)
		return false;
	const char *p = s + 3;
	if (*p < '1' || *p > '9') /* no leading zero, no sign: one spelling per id */
		return false;
	uint64_t v = 0;
	int ndig = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++ndig > 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > UINT32_MAX || *p != '.')
		return false;
	p++;
	size_t n = 0;
	for (const char *q = p; *q; q++, n++) {
		char c = *q;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	if (n < sodium_base64_ENCODED_LEN(NONCE_BYTES + TAG_BYTES, B64URL) - 1 || n % 4 == 1)
		return false;
	*id = (uint32_t)v;
	*b64 = p;
	*b64len = n;
	return true;
}

bool crypto_is_sealed(const char *s)
{
	uint32_t id;
	const char *b64;
	size_t n;
	return parse_sealed(s, &id, &b64, &n);
}

uint32_t crypto_sealed_key_id(const char *sealed)
{
	uint32_t id;
	const char *b64;
	size_t n;
	return parse_sealed(sealed, &id, &b64, &n) ? id : 0;
}

int crypto_seal(const keyring *kr, const char *plaintext, size_t len, const char *aad,
		strbuf *out, at_error *err)
{
	if (!kr)
		return at_fail(err, 500, AT_E_INTERNAL, "", "no key file loaded");
	if (len > SEAL_MAX_PLAINTEXT)
		return at_fail(err, 413, AT_E_TOO_LARGE, "",
			       "a value to encrypt must be at most %zu bytes", SEAL_MAX_PLAINTEXT);
	if (!plaintext && len)
		return at_fail(err, 500, AT_E_INTERNAL, "", "no plaintext given to seal");
	if (!plaintext)
		plaintext = (const char *)empty_byte;
	if (!aad)
		aad = "";
	const struct data_key *k = find_key(kr, kr->current);
	if (!k)
		return at_fail(err, 500, AT_E_INTERNAL, "", "the current data key is missing");

	size_t blen = NONCE_BYTES + len + TAG_BYTES;
	unsigned char *bin = malloc(blen);
	if (!bin)
		abort();
	randombytes_buf(bin, NONCE_BYTES); /* 192-bit nonce: random is safe (XChaCha20) */
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(bin + NONCE_BYTES, &clen,
						   (const unsigned char *)plaintext, len,
						   (const unsigned char *)aad, strlen(aad), NULL, bin,
						   k->key);
	sb_addf(out, "v1.%" PRIu32 ".", k->id);
	size_t b64cap = sodium_base64_ENCODED_LEN(blen, B64URL); /* includes the NUL */
	sb_grow(out, b64cap);
	sodium_bin2base64(out->buf + out->len, b64cap, bin, blen, B64URL);
	out->len += strlen(out->buf + out->len);
	free(bin);
	return 0;
}

int crypto_open(const keyring *kr, const char *sealed, const char *aad, strbuf *out,
		at_error *err)
{
	uint32_t id;
	const char *b64;
	size_t b64len;
	if (!kr)
		return at_fail(err, 500, AT_E_INTERNAL, "", "no key file loaded");
	if (!aad)
		aad = "";
	if (!parse_sealed(sealed, &id, &b64, &b64len) ||
	    b64len > sodium_base64_ENCODED_LEN(SEAL_MAX_PLAINTEXT + NONCE_BYTES + TAG_BYTES,
					       B64URL))
		return at_fail(err, 500, E_DECRYPT, "", "the value is not a well-formed sealed value");
	const struct data_key *k = find_key(kr, id);
	if (!k)
		return at_fail(err, 500, E_DECRYPT, "",
			       "the value was sealed with data key %" PRIu32
			       ", which is not in the key file",
			       id);
	size_t cap = b64len / 4 * 3 + 3;
	unsigned char *bin = malloc(cap);
	if (!bin)
		abort();
	size_t blen = 0;
	const char *end = NULL;
	if (sodium_base642bin(bin, cap, b64, b64len, NULL, &blen, &end, B64URL) != 0 ||
	    end != b64 + b64len || blen < NONCE_BYTES + TAG_BYTES) {
		free(bin);
		return at_fail(err, 500, E_DECRYPT, "", "the value is not a well-formed sealed value");
	}
	size_t mcap = blen - NONCE_BYTES - TAG_BYTES;
	sb_grow(out, mcap);
	unsigned char *m = (unsigned char *)out->buf + out->len;
	unsigned long long mlen = 0;
	int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
		m, &mlen, NULL, bin + NONCE_BYTES, blen - NONCE_BYTES, (const unsigned char *)aad,
		strlen(aad), bin, k->key);
	free(bin);
	if (rc != 0) {
		sodium_memzero(m, mcap);
		out->buf[out->len] = '\0';
		return at_fail(err, 500, E_DECRYPT, "",
			       "the sealed value does not open: it was altered, or belongs to "
			       "another place");
	}
	out->len += (size_t)mlen;
	out->buf[out->len] = '\0';
	return 0;
}

/* ---- Blind index ------------------------------------------------------ */

void crypto_blind_index(const keyring *kr, const char *domain, const char *value, strbuf *out)
{
	static const unsigned char sep = 0; /* domain never holds NUL: unambiguous split */
	if (!domain)
		domain = "";
	if (!value)
		value = "";
	crypto_generichash_state st;
	unsigned char h[CRYPTO_HASH_BYTES];
	crypto_generichash_init(&st, kr->blind, CRYPTO_KEY_BYTES, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain));
	crypto_generichash_update(&st, &sep, 1);
	crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
	crypto_generichash_final(&st, h, sizeof h);
	sb_add_hex(out, h, sizeof h);
	sodium_memzero(&st, sizeof st);
}

/* ---- Hashing and randomness ------------------------------------------- */

void crypto_digest(const void *data, size_t len, unsigned char out[CRYPTO_HASH_BYTES])
{
	crypto_generichash(out, CRYPTO_HASH_BYTES, data ? data : empty_byte, len, NULL, 0);
}

void crypto_random(void *buf, size_t len)
{
	if (len)
		randombytes_buf(buf, len);
}

void crypto_random_token(size_t nbytes, strbuf *out)
{
	if (!nbytes)
		return;
	unsigned char *b = malloc(nbytes);
	if (!b)
		abort();
	randombytes_buf(b, nbytes);
	size_t cap = sodium_base64_ENCODED_LEN(nbytes, B64URL);
	sb_grow(out, cap);
	sodium_bin2base64(out->buf + out->len, cap, b, nbytes, B64URL);
	out->len += strlen(out->buf + out->len);
	sodium_memzero(b, nbytes); /* tokens are secrets (sessions, passwords) */
	free(b);
}

/* ---- Passwords (Argon2id) --------------------------------------------- */

/* Each Argon2id run takes crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB) and is
 * reachable before authentication, so at most PASSWORD_HASH_CONCURRENCY run at
 * once whatever the server's thread count (issue 9 §2); the others wait. */
static pthread_mutex_t pwhash_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pwhash_cv = PTHREAD_COND_INITIALIZER;
static unsigned pwhash_running, pwhash_peak;

static void pwhash_acquire(void)
{
	pthread_mutex_lock(&pwhash_mu);
	while (pwhash_running >= PASSWORD_HASH_CONCURRENCY)
		pthread_cond_wait(&pwhash_cv, &pwhash_mu);
	if (++pwhash_running > pwhash_peak)
		pwhash_peak = pwhash_running;
	pthread_mutex_unlock(&pwhash_mu);
}

static void pwhash_release(void)
{
	pthread_mutex_lock(&pwhash_mu);
	pwhash_running--;
	pthread_cond_signal(&pwhash_cv);
	pthread_mutex_unlock(&pwhash_mu);
}

unsigned password_hash_peak(void)
{
	pthread_mutex_lock(&pwhash_mu);
	unsigned p = pwhash_peak;
	pwhash_peak = pwhash_running;
	pthread_mutex_unlock(&pwhash_mu);
	return p;
}

int password_hash(const char *password, strbuf *out, at_error *err)
{
	if (!password)
		return at_fail(err, 400, AT_E_MISSING, "password", "password is required");
	char h[crypto_pwhash_STRBYTES];
	pwhash_acquire();
	int r = crypto_pwhash_str_alg(h, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				      crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
	pwhash_release();
	if (r != 0)
		return at_fail(err, 500, AT_E_INTERNAL, "",
			       "the password could not be hashed (out of memory?)");
	sb_adds(out, h);
	return 0;
}

bool password_verify(const char *hash, const char *password)
{
	if (!hash || !password)
		return false;
	/* libsodium's parameter is a crypto_pwhash_STRBYTES array: give it one,
	 * so a short stored string is never read past its end. */
	char h[crypto_pwhash_STRBYTES] = {0};
	size_t n = strlen(hash);
	if (n == 0 || n >= sizeof h)
		return false;
	memcpy(h, hash, n);
	pwhash_acquire();
	bool ok = crypto_pwhash_str_verify(h, password, strlen(password)) == 0;
	pwhash_release();
	return ok;
}

/* A hash of a random password, made once, with the parameters password_hash
 * uses: checking against it costs what checking a real account costs. */
static char decoy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t decoy_once = PTHREAD_ONCE_INIT;
static void decoy_make(void)
{
	char pw[33];
	unsigned char r[16];
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(pw, sizeof pw, r, sizeof r);
	if (crypto_pwhash_str_alg(decoy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
		decoy_hash[0] = '\0';
	sodium_memzero(pw, sizeof pw);
}

void password_verify_decoy(const char *password)
{
	pthread_once(&decoy_once, decoy_make);
	(void)password_verify(decoy_hash, password ? password : "");
}

/* ---- TOTP (RFC 6238) -------------------------------------------------- */

/* liboath (OATH Toolkit, Debian's liboath0) computes the codes: a maintained
 * RFC 4226/6238 implementation with SHA-1, SHA-256 and SHA-512 (issue 9 §2).
 * oath_init is called once per process before the first code. */
static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_ready = OATH_OK;
static void oath_start(void)
{
	oath_ready = oath_init();
}

static const char *const totp_alg_names[] = {"sha1", "sha256", "sha512"};

const char *totp_alg_name(totp_alg alg)
{
	return (unsigned)alg < sizeof totp_alg_names / sizeof totp_alg_names[0]
		       ? totp_alg_names[alg]
		       : "sha1";
}

int totp_alg_parse(const char *name, totp_alg *out)
{
	for (size_t i = 0; name && i < sizeof totp_alg_names / sizeof totp_alg_names[0]; i++)
		if (!strcmp(name, totp_alg_names[i])) {
			*out = (totp_alg)i;
			return 0;
		}
	return -1;
}

static int64_t totp_step(int64_t t)
{
	/* floor(t / 30), also for t < 0 */
	int64_t q = t / TOTP_STEP;
	return (t % TOTP_STEP != 0 && t < 0) ? q - 1 : q;
}

/* The code of one step into out (digits + NUL), or -1. */
static int totp_at_step(totp_alg alg, const unsigned char *secret, size_t len, int64_t step,
			unsigned digits, char out[16])
{
	pthread_once(&oath_once, oath_start);
	if (oath_ready != OATH_OK || step < 0 || step > INT64_MAX / TOTP_STEP)
		return -1;
	int flags = alg == TOTP_SHA256 ? OATH_TOTP_HMAC_SHA256
		    : alg == TOTP_SHA512 ? OATH_TOTP_HMAC_SHA512
					 : 0;
	/* liboath takes the time, not the step: the step's first second. */
	return oath_totp_generate2(secret ? (const char *)secret : "", len,
				   (time_t)(step * TOTP_STEP), TOTP_STEP, 0, digits, flags, out) == OATH_OK
		       ? 0
		       : -1;
}

uint32_t totp_code(totp_alg alg, const unsigned char *secret, size_t len, int64_t t, int digits)
{
	/* RFC 4226 §5.3 asks for 6 to 8 digits; anything else gets the default. */
	if (digits < 6 || digits > 8)
		digits = TOTP_DIGITS;
	int64_t step = totp_step(t);
	char c[16];
	/* Steps before 1970 are meaningless; RFC 6238 T is unsigned. */
	if (totp_at_step(alg, secret, len, step < 0 ? 0 : step, (unsigned)digits, c))
		return UINT32_MAX;
	uint32_t v = (uint32_t)strtoul(c, NULL, 10);
	sodium_memzero(c, sizeof c);
	return v;
}

int64_t totp_verify(totp_alg alg, const unsigned char *secret, size_t len, const char *code,
		    int64_t now, int64_t last_used_step)
{
	if (!code || strlen(code) != TOTP_DIGITS)
		return -1;
	for (size_t i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return -1;
	int64_t cur = totp_step(now);
	int64_t matched = -1;
	/* One step either side absorbs clock drift and typing time (RFC 6238 §5.2).
	 * All three are computed and compared in constant time. */
	for (int64_t s = cur - 1; s <= cur + 1; s++) {
		char want[16];
		if (totp_at_step(alg, secret, len, s, TOTP_DIGITS, want))
			continue;
		int eq = sodium_memcmp(want, code, TOTP_DIGITS) == 0;
		sodium_memzero(want, sizeof want);
		if (eq && s > last_used_step && matched < 0)
			matched = s; /* s <= last_used_step would be a replay */
	}
	return matched;
}

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void base32_encode(const unsigned char *data, size_t len, strbuf *out)
{
	sb_grow(out, (len + 4) / 5 * 8);
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			sb_addch(out, b32_alphabet[(acc >> bits) & 31u]);
		}
		acc &= (1u << bits) - 1u; /* keep only unread bits: no overflow */
	}
	if (bits > 0)
		sb_addch(out, b32_alphabet[(acc << (5 - bits)) & 31u]);
}

static int b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int base32_decode(const char *s, unsigned char *out, size_t cap, size_t *len)
{
	if (!s)
		return -1;
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '=') /* padding is optional; only at the end */
		n--;
	/* 8 chars carry 5 bytes; a final group of 1, 3 or 6 chars cannot occur. */
	size_t rem = n % 8;
	if (rem == 1 || rem == 3 || rem == 6)
		return -1;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b32_value(s[i]);
		if (v < 0 || (bits + 5 >= 8 && o >= cap)) {
			if (out)
				sodium_memzero(out, o); /* may be a secret: leave nothing half-done */
			return -1;
		}
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)((acc >> bits) & 0xffu);
		}
		acc &= (1u << bits) - 1u;
	}
	if (len)
		*len = o;
	return 0;
}

/* ---- Signatures (Ed25519) ---------------------------------------------- */

void crypto_sign_msg(const keyring *kr, const void *msg, size_t len,
		     unsigned char sig[CRYPTO_SIG_BYTES])
{
	crypto_sign_detached(sig, NULL, msg ? msg : empty_byte, len, kr->sign_sk);
}

bool crypto_verify_msg(const unsigned char pk[CRYPTO_SIGN_PK_BYTES], const void *msg, size_t len,
		       const unsigned char sig[CRYPTO_SIG_BYTES])
{
	return crypto_sign_verify_detached(sig, msg ? msg : empty_byte, len, pk) == 0;
}

/* ---- Hex ----------------------------------------------------------------- */

int hex_decode(const char *hex, unsigned char *out, size_t outlen)
{
	if (!hex || outlen > SIZE_MAX / 2)
		return -1;
	size_t hlen = strlen(hex);
	if (hlen != outlen * 2)
		return -1;
	size_t got = 0;
	const char *end = NULL;
	if (sodium_hex2bin(out, outlen, hex, hlen, NULL, &got, &end) != 0 || end != hex + hlen ||
	    got != outlen)
		return -1;
	return 0;
}
