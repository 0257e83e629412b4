/*
 * Unit tests for src/crypto: RFC 6238 / RFC 4648 vectors, sealing, key
 * rotation, the key file's checks, blind indexes, passwords and signatures.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Only the sodium parts needed for independent checks. */
#include <sodium/crypto_generichash.h>
#include <sodium/utils.h>

#include "crypto/crypto.h"
#include "test.h"

static char tmpdir[4096];

static void path_in_tmp(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	int rc = write(fd, text, len) == (ssize_t)len ? 0 : -1;
	if (fchmod(fd, mode))
		rc = -1;
	close(fd);
	return rc;
}

/* A fresh key file at tmpdir/name, loaded. */
static keyring *fresh_keyring(const char *name, char *path, size_t n)
{
	at_error err = {0};
	keyring *kr = NULL;
	path_in_tmp(path, n, name);
	unlink(path);
	if (keyring_create(path, &err) || keyring_load(path, &kr, &err)) {
		fprintf(stderr, "fresh_keyring %s: %s\n", path, err.message);
		return NULL;
	}
	return kr;
}

/* ---- TOTP ---------------------------------------------------------------- */

static const unsigned char rfc_seed[] = "12345678901234567890123456789012";
#define RFC_SEED_LEN 32

static void test_totp_rfc6238_vectors(void)
{
	/* RFC 6238 Appendix B, the SHA-256 column (8 digits). */
	static const struct {
		int64_t t;
		uint32_t code;
	} v[] = {
		{59, 46119246},         {1111111109, 68084774}, {1111111111, 67062674},
		{1234567890, 91819424}, {2000000000, 90698825}, {20000000000, 77737706},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		CHECK_INT(totp_code(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, v[i].t, 8), v[i].code);
	/* 6 digits is the same truncation, mod 10^6 */
	CHECK_INT(totp_code(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, 59, 6), 119246);
	/* every time inside one 30 s step gives the same code */
	CHECK_INT(totp_code(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, 30, 8), 46119246);
	CHECK(totp_code(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, 60, 8) != 46119246);
}

/* RFC 6238 Appendix B, the SHA-1 and SHA-512 columns: new secrets are SHA-1
 * (issue 9 §2: the parameters every authenticator app supports). */
static void test_totp_sha1_sha512_vectors(void)
{
	static const unsigned char seed1[] = "12345678901234567890";
	static const unsigned char seed512[] =
		"1234567890123456789012345678901234567890123456789012345678901234";
	static const struct {
		int64_t t;
		uint32_t sha1, sha512;
	} v[] = {
		{59, 94287082, 90693936},         {1111111109, 7081804, 25091201},
		{1111111111, 14050471, 99943326}, {1234567890, 89005924, 93441116},
		{2000000000, 69279037, 38618901}, {20000000000, 65353130, 47863826},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		CHECK_INT(totp_code(TOTP_SHA1, seed1, 20, v[i].t, 8), v[i].sha1);
		CHECK_INT(totp_code(TOTP_SHA512, seed512, 64, v[i].t, 8), v[i].sha512);
	}
	CHECK_INT(TOTP_ALG_DEFAULT, TOTP_SHA1);
	/* The same secret under another algorithm is another code: the stored
	 * algorithm matters. */
	char c[16];
	snprintf(c, sizeof c, "%06u", (unsigned)totp_code(TOTP_SHA1, seed1, 20, 1111111109, 6));
	CHECK_INT(totp_verify(TOTP_SHA1, seed1, 20, c, 1111111109, -1), 1111111109 / TOTP_STEP);
	CHECK_INT(totp_verify(TOTP_SHA256, seed1, 20, c, 1111111109, -1), -1);
	/* Names as stored */
	totp_alg a;
	CHECK(totp_alg_parse("sha1", &a) == 0 && a == TOTP_SHA1);
	CHECK(totp_alg_parse("sha256", &a) == 0 && a == TOTP_SHA256);
	CHECK(totp_alg_parse("sha512", &a) == 0 && a == TOTP_SHA512);
	CHECK(totp_alg_parse("md5", &a) == -1);
	CHECK_STR(totp_alg_name(TOTP_SHA256), "sha256");
}

static void test_totp_long_key(void)
{
	/* A key longer than the SHA-256 block (64 bytes) is hashed first (RFC 2104);
	 * expected values from Python's hmac module. */
	unsigned char k[100];
	for (size_t i = 0; i < sizeof k; i++)
		k[i] = (unsigned char)i;
	CHECK_INT(totp_code(TOTP_SHA256, k, sizeof k, 1700000000, 6), 259831);
	CHECK_INT(totp_code(TOTP_SHA256, k, sizeof k, 1700000000, 8), 4259831);
}

static void code_at(int64_t t, char out[16])
{
	snprintf(out, 16, "%06u", (unsigned)totp_code(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, t, TOTP_DIGITS));
}

static void test_totp_window_and_replay(void)
{
	const int64_t now = 1111111109;
	const int64_t step = now / TOTP_STEP;
	char c[16];

	code_at(now, c);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, c, now, -1), step);
	code_at(now - TOTP_STEP, c);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, c, now, -1), step - 1);
	code_at(now + TOTP_STEP, c);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, c, now, -1), step + 1);
	code_at(now - 2 * TOTP_STEP, c);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, c, now, -1), -1);
	code_at(now + 2 * TOTP_STEP, c);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, c, now, -1), -1);

	/* replay: a step already used, or an earlier one, is refused */
	code_at(now, c);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, c, now, step), -1);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, c, now, step + 1), -1);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, c, now, step - 1), step);
	code_at(now - TOTP_STEP, c);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, c, now, step - 1), -1);

	/* wrong secret */
	code_at(now, c);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN - 1, c, now, -1), -1);
}

static void test_totp_code_format(void)
{
	const int64_t now = 1111111109;
	char c[16], longer[32];
	code_at(now, c);
	const char *bad[] = {"", "12345", "1234567", "12a456", " 12345", "12345 ", "-12345",
			     "１２３４５６"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, bad[i], now, -1), -1);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, NULL, now, -1), -1);
	/* the right code with trailing junk, and the 8-digit form, are refused */
	snprintf(longer, sizeof longer, "%s0", c);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, longer, now, -1), -1);
	CHECK_INT(totp_verify(TOTP_SHA256, rfc_seed, RFC_SEED_LEN, "68084774", now, -1), -1);
}

/* ---- base32 --------------------------------------------------------------- */

static void test_base32_rfc4648(void)
{
	/* RFC 4648 §10, without the padding */
	static const char *const v[][2] = {
		{"", ""},           {"f", "MY"},          {"fo", "MZXQ"},         {"foo", "MZXW6"},
		{"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		strbuf sb = STRBUF_INIT;
		base32_encode((const unsigned char *)v[i][0], strlen(v[i][0]), &sb);
		CHECK_STR(sb.buf, v[i][1]);
		sb_release(&sb);

		unsigned char out[16];
		size_t len = 99;
		CHECK_INT(base32_decode(v[i][1], out, sizeof out, &len), 0);
		CHECK_INT(len, strlen(v[i][0]));
		CHECK(memcmp(out, v[i][0], len) == 0);
	}
}

static void test_base32_decode_forms(void)
{
	unsigned char out[16];
	size_t len = 0;
	CHECK_INT(base32_decode("mzxw6ytboi", out, sizeof out, &len), 0);
	CHECK_INT(len, 6);
	CHECK(memcmp(out, "foobar", 6) == 0);
	CHECK_INT(base32_decode("MzXw6YtBoI", out, sizeof out, &len), 0);
	CHECK(memcmp(out, "foobar", 6) == 0);
	CHECK_INT(base32_decode("MZXW6YTBOI======", out, sizeof out, &len), 0);
	CHECK_INT(len, 6);
	CHECK_INT(base32_decode("MY======", out, sizeof out, &len), 0);
	CHECK_INT(len, 1);
	CHECK_INT(out[0], 'f');

	const char *bad[] = {"MZXW6!", "MZ XW6", "MZXW1", "MZXW8", "MZ=XW6", "M", "MZX", "MZXW6Y",
			     "MZXW6YTBOI\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_INT(base32_decode(bad[i], out, sizeof out, &len), -1);
	CHECK_INT(base32_decode(NULL, out, sizeof out, &len), -1);

	/* capacity is honoured exactly */
	CHECK_INT(base32_decode("MZXW6YTBOI", out, 5, &len), -1);
	CHECK_INT(base32_decode("MZXW6YTBOI", out, 6, &len), 0);
	CHECK_INT(len, 6);
}

static void test_base32_roundtrip(void)
{
	unsigned char secret[TOTP_SECRET_BYTES], back[TOTP_SECRET_BYTES];
	crypto_random(secret, sizeof secret);
	strbuf sb = STRBUF_INIT;
	base32_encode(secret, sizeof secret, &sb);
	CHECK_INT(sb.len, 32); /* 20 bytes = 160 bits = 32 chars, no padding */
	size_t len = 0;
	CHECK_INT(base32_decode(sb.buf, back, sizeof back, &len), 0);
	CHECK_INT(len, sizeof secret);
	CHECK(memcmp(secret, back, sizeof secret) == 0);
	sb_release(&sb);
}

/* ---- Key file and sealing ------------------------------------------------ */

static void test_keyring_create(void)
{
	char path[4200];
	at_error err = {0};
	path_in_tmp(path, sizeof path, "create.json");
	CHECK_INT(keyring_create(path, &err), 0);
	struct stat st;
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	/* never overwritten */
	CHECK_INT(keyring_create(path, &err), -1);
	CHECK_STR(err.code, "key_file_exists");
	CHECK(strstr(err.message, path) != NULL);

	keyring *kr = NULL;
	CHECK_INT(keyring_load(path, &kr, &err), 0);
	CHECK(kr != NULL);
	if (kr)
		CHECK_INT(keyring_current_id(kr), 1);
	keyring_free(kr);

	path_in_tmp(path, sizeof path, "no/such/dir/keys.json");
	CHECK_INT(keyring_create(path, &err), -1);
	path_in_tmp(path, sizeof path, "absent.json");
	kr = (keyring *)&err; /* must be reset to NULL on failure */
	CHECK_INT(keyring_load(path, &kr, &err), -1);
	CHECK(kr == NULL);
	CHECK_STR(err.code, "key_file_io");
}

static void test_seal_open_roundtrip(void)
{
	char path[4200];
	keyring *kr = fresh_keyring("seal.json", path, sizeof path);
	CHECK(kr != NULL);
	if (!kr)
		return;
	at_error err = {0};
	strbuf s = STRBUF_INIT, s2 = STRBUF_INIT, p = STRBUF_INIT;
	const char *name = "山田太郎";

	CHECK_INT(crypto_seal(kr, name, strlen(name), "resident.42.name", &s, &err), 0);
	CHECK(strncmp(s.buf, "v1.1.", 5) == 0);
	CHECK(crypto_is_sealed(s.buf));
	CHECK_INT(crypto_sealed_key_id(s.buf), 1);
	/* nonce (24) + plaintext (12) + tag (16) = 52 bytes -> 70 base64url chars */
	CHECK_INT(s.len, 5 + 70);
	CHECK(strpbrk(s.buf + 5, "+/=") == NULL);
	CHECK_INT(crypto_open(kr, s.buf, "resident.42.name", &p, &err), 0);
	CHECK_STR(p.buf, name);
	CHECK_INT(p.len, strlen(name));

	/* a random nonce: the same value seals differently each time */
	CHECK_INT(crypto_seal(kr, name, strlen(name), "resident.42.name", &s2, &err), 0);
	CHECK(strcmp(s.buf, s2.buf) != 0);

	/* open appends to what out already holds */
	sb_reset(&p);
	sb_adds(&p, "name=");
	CHECK_INT(crypto_open(kr, s2.buf, "resident.42.name", &p, &err), 0);
	CHECK_STR(p.buf, "name=山田太郎");

	/* empty plaintext; NULL aad means "" */
	sb_reset(&s);
	sb_reset(&p);
	CHECK_INT(crypto_seal(kr, "", 0, NULL, &s, &err), 0);
	CHECK(crypto_is_sealed(s.buf));
	CHECK_INT(crypto_open(kr, s.buf, "", &p, &err), 0);
	CHECK_INT(p.len, 0);
	CHECK_INT(crypto_open(kr, s.buf, NULL, &p, &err), 0);

	/* binary plaintext with a NUL inside survives */
	static const char bin[] = {'a', '\0', 'b', '\xff'};
	sb_reset(&s);
	sb_reset(&p);
	CHECK_INT(crypto_seal(kr, bin, sizeof bin, "x", &s, &err), 0);
	CHECK_INT(crypto_open(kr, s.buf, "x", &p, &err), 0);
	CHECK_INT(p.len, sizeof bin);
	CHECK(memcmp(p.buf, bin, sizeof bin) == 0);

	sb_release(&s);
	sb_release(&s2);
	sb_release(&p);
	keyring_free(kr);
}

static void test_open_failures(void)
{
	char path[4200];
	keyring *kr = fresh_keyring("open.json", path, sizeof path);
	CHECK(kr != NULL);
	if (!kr)
		return;
	at_error err = {0};
	strbuf s = STRBUF_INIT, p = STRBUF_INIT, t = STRBUF_INIT;
	CHECK_INT(crypto_seal(kr, "123456789018", 12, "resident.7.my_number", &s, &err), 0);

	/* moved to another record: wrong aad */
	at_error_clear(&err);
	CHECK_INT(crypto_open(kr, s.buf, "resident.8.my_number", &p, &err), -1);
	CHECK_STR(err.code, "decrypt_failed");
	CHECK_INT(err.status, 500);
	CHECK_INT(p.len, 0);
	CHECK_STR(p.buf, "");
	CHECK_INT(crypto_open(kr, s.buf, "", &p, &err), -1);
	CHECK_INT(crypto_open(kr, s.buf, NULL, &p, &err), -1);

	/* tampered ciphertext: change one character in the middle of the payload */
	sb_adds(&t, s.buf);
	size_t mid = 5 + (t.len - 5) / 2;
	t.buf[mid] = t.buf[mid] == 'A' ? 'B' : 'A';
	at_error_clear(&err);
	CHECK_INT(crypto_open(kr, t.buf, "resident.7.my_number", &p, &err), -1);
	CHECK_STR(err.code, "decrypt_failed");
	CHECK_INT(p.len, 0);
	/* tampered nonce (first payload character) */
	sb_reset(&t);
	sb_adds(&t, s.buf);
	t.buf[5] = t.buf[5] == 'A' ? 'B' : 'A';
	CHECK_INT(crypto_open(kr, t.buf, "resident.7.my_number", &p, &err), -1);

	/* truncated */
	sb_reset(&t);
	sb_add(&t, s.buf, s.len - 4);
	CHECK_INT(crypto_open(kr, t.buf, "resident.7.my_number", &p, &err), -1);

	/* unknown key id: same payload under id 99 */
	sb_reset(&t);
	sb_addf(&t, "v1.99.%s", s.buf + 5);
	CHECK(crypto_is_sealed(t.buf));
	CHECK_INT(crypto_sealed_key_id(t.buf), 99);
	at_error_clear(&err);
	CHECK_INT(crypto_open(kr, t.buf, "resident.7.my_number", &p, &err), -1);
	CHECK_STR(err.code, "decrypt_failed");
	CHECK(strstr(err.message, "99") != NULL);

	/* bad formats */
	const char *payload = s.buf + 5;
	const char *fmts[] = {"v2.1.%s", "v1.01.%s", "v1.0.%s", "v1.-1.%s", "v1.x.%s", "v1..%s",
			      "v1.1%s",  "V1.1.%s",  "v1.1.%s+", "v1.1.%s=", "v1.1.%s ", "v1.4294967296.%s",
			      "v1.1.%.20s"};
	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		sb_reset(&t);
		sb_addf(&t, fmts[i], payload);
		CHECK(!crypto_is_sealed(t.buf));
		CHECK_INT(crypto_sealed_key_id(t.buf), 0);
		at_error_clear(&err);
		CHECK_INT(crypto_open(kr, t.buf, "resident.7.my_number", &p, &err), -1);
		CHECK_STR(err.code, "decrypt_failed");
	}
	const char *plain[] = {"", "v1.", "v1.1.", "hello", "123456789018"};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		CHECK(!crypto_is_sealed(plain[i]));
		CHECK_INT(crypto_sealed_key_id(plain[i]), 0);
		CHECK_INT(crypto_open(kr, plain[i], "", &p, &err), -1);
	}
	CHECK(!crypto_is_sealed(NULL));
	CHECK_INT(crypto_open(kr, NULL, "", &p, &err), -1);
	CHECK_INT(p.len, 0);

	/* the largest id is still a well-formed sealed value */
	sb_reset(&t);
	sb_addf(&t, "v1.4294967295.%s", payload);
	CHECK_INT(crypto_sealed_key_id(t.buf), 4294967295u);

	/* the untouched value still opens */
	CHECK_INT(crypto_open(kr, s.buf, "resident.7.my_number", &p, &err), 0);
	CHECK_STR(p.buf, "123456789018");

	sb_release(&s);
	sb_release(&p);
	sb_release(&t);
	keyring_free(kr);
}

static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

static void test_rotation(void)
{
	char path[4200];
	keyring *kr = fresh_keyring("rotate.json", path, sizeof path);
	CHECK(kr != NULL);
	if (!kr)
		return;
	at_error err = {0};
	strbuf s1 = STRBUF_INIT, s2 = STRBUF_INIT, p = STRBUF_INIT, bi1 = STRBUF_INIT,
	       bi2 = STRBUF_INIT;
	unsigned char pk1[CRYPTO_SIGN_PK_BYTES], pk2[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(kr, pk1);
	crypto_blind_index(kr, "my_number", "123456789018", &bi1);

	CHECK_INT(crypto_seal(kr, "old", 3, "a", &s1, &err), 0);
	CHECK_INT(crypto_sealed_key_id(s1.buf), 1);

	CHECK_INT(keyring_rotate(kr, path, &err), 0);
	CHECK_INT(keyring_current_id(kr), 2);
	CHECK_INT(crypto_open(kr, s1.buf, "a", &p, &err), 0);
	CHECK_STR(p.buf, "old");
	CHECK_INT(crypto_seal(kr, "new", 3, "a", &s2, &err), 0);
	CHECK_INT(crypto_sealed_key_id(s2.buf), 2);
	CHECK(strncmp(s2.buf, "v1.2.", 5) == 0);

	/* saved atomically: still 0600, no temp file left behind */
	struct stat st;
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(count_entries(tmpdir, "rotate.json"), 1);

	/* what is on disk is what was in memory */
	keyring *kr2 = NULL;
	CHECK_INT(keyring_load(path, &kr2, &err), 0);
	CHECK(kr2 != NULL);
	if (kr2) {
		CHECK_INT(keyring_current_id(kr2), 2);
		sb_reset(&p);
		CHECK_INT(crypto_open(kr2, s1.buf, "a", &p, &err), 0);
		CHECK_STR(p.buf, "old");
		sb_reset(&p);
		CHECK_INT(crypto_open(kr2, s2.buf, "a", &p, &err), 0);
		CHECK_STR(p.buf, "new");
		/* rotation changes data keys only */
		keyring_public_key(kr2, pk2);
		CHECK(memcmp(pk1, pk2, sizeof pk1) == 0);
		crypto_blind_index(kr2, "my_number", "123456789018", &bi2);
		CHECK_STR(bi1.buf, bi2.buf);
		CHECK_INT(keyring_rotate(kr2, path, &err), 0);
		CHECK_INT(keyring_current_id(kr2), 3);
	}
	keyring_free(kr2);

	/* a failed save leaves memory as it was */
	char bad[4200];
	path_in_tmp(bad, sizeof bad, "no/such/dir/keys.json");
	CHECK_INT(keyring_rotate(kr, bad, &err), -1);
	CHECK_INT(keyring_current_id(kr), 2);
	sb_reset(&s2);
	CHECK_INT(crypto_seal(kr, "x", 1, "a", &s2, &err), 0);
	CHECK_INT(crypto_sealed_key_id(s2.buf), 2);

	/* an old keyring does not know a newer key */
	keyring *kr3 = fresh_keyring("rotate-other.json", bad, sizeof bad);
	if (kr3) {
		sb_reset(&p);
		CHECK_INT(crypto_open(kr3, s1.buf, "a", &p, &err), -1);
		CHECK_STR(err.code, "decrypt_failed");
	}
	keyring_free(kr3);

	sb_release(&s1);
	sb_release(&s2);
	sb_release(&p);
	sb_release(&bi1);
	sb_release(&bi2);
	keyring_free(kr);
}

static void test_rotation_limit(void)
{
	char path[4200];
	keyring *kr = fresh_keyring("limit.json", path, sizeof path);
	CHECK(kr != NULL);
	if (!kr)
		return;
	at_error err = {0};
	for (int i = 2; i <= CRYPTO_MAX_KEYS; i++)
		CHECK_INT(keyring_rotate(kr, path, &err), 0);
	CHECK_INT(keyring_current_id(kr), CRYPTO_MAX_KEYS);
	CHECK_INT(keyring_rotate(kr, path, &err), -1);
	CHECK_INT(keyring_current_id(kr), CRYPTO_MAX_KEYS);
	keyring_free(kr);
	kr = NULL;
	CHECK_INT(keyring_load(path, &kr, &err), 0);
	if (kr)
		CHECK_INT(keyring_current_id(kr), CRYPTO_MAX_KEYS);
	keyring_free(kr);
}

static void test_keyfile_permissions(void)
{
	char path[4200];
	keyring *kr = fresh_keyring("perm.json", path, sizeof path);
	CHECK(kr != NULL);
	keyring_free(kr);
	at_error err = {0};
	static const mode_t bad[] = {0644, 0640, 0604, 0660, 0620, 0602, 0700 | 0010};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(chmod(path, bad[i]), 0);
		kr = NULL;
		at_error_clear(&err);
		CHECK_INT(keyring_load(path, &kr, &err), -1);
		CHECK(kr == NULL);
		CHECK_STR(err.code, "key_file_insecure");
		CHECK(strstr(err.message, "must be readable by its owner only") != NULL);
		CHECK(strstr(err.message, "chmod 600") != NULL);
		CHECK(strstr(err.message, path) != NULL);
	}
	CHECK_INT(chmod(path, 0600), 0);
	CHECK_INT(keyring_load(path, &kr, &err), 0);
	keyring_free(kr);
	CHECK_INT(chmod(path, 0400), 0); /* read-only for the owner is fine */
	kr = NULL;
	CHECK_INT(keyring_load(path, &kr, &err), 0);
	keyring_free(kr);

	/* a directory is not a key file */
	kr = NULL;
	CHECK_INT(keyring_load(tmpdir, &kr, &err), -1);
}

/* The good key file as a jansson object, to be spoilt one field at a time. */
static json_t *good_keyfile(const char *path)
{
	json_error_t je;
	return json_load_file(path, JSON_REJECT_DUPLICATES, &je);
}

static void expect_bad(const char *path, const char *text, const char *field)
{
	CHECK_INT(write_file(path, text, 0600), 0);
	keyring *kr = NULL;
	at_error err = {0};
	int rc = keyring_load(path, &kr, &err);
	CHECK_INT(rc, -1);
	CHECK(kr == NULL);
	CHECK_STR(err.code, "key_file_invalid");
	CHECK_STR(err.field, field);
	if (*field)
		CHECK(strstr(err.message, field) != NULL);
	if (rc == 0) {
		fprintf(stderr, "  accepted: %s\n", text);
		keyring_free(kr);
	}
}

static void expect_bad_json(const char *path, json_t *root, const char *field)
{
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	expect_bad(path, text, field);
	free(text);
	json_decref(root);
}

static void test_keyfile_malformed(void)
{
	char good[4200], bad[4200];
	keyring *kr = fresh_keyring("good.json", good, sizeof good);
	CHECK(kr != NULL);
	keyring_free(kr);
	path_in_tmp(bad, sizeof bad, "bad.json");
	json_t *g = good_keyfile(good);
	CHECK(g != NULL);
	if (!g)
		return;
	/* a 16-byte and a 33-byte key in base64 */
	const char *short_key = "AAAAAAAAAAAAAAAAAAAAAA==";
	const char *long_key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

	expect_bad(bad, "{", "");
	expect_bad(bad, "", "");
	expect_bad(bad, "[]", "");
	expect_bad(bad, "{\"version\":1,\"version\":1}", "");

	json_t *r;
	r = json_deep_copy(g);
	json_object_del(r, "blind_index_key");
	expect_bad_json(bad, r, "blind_index_key");

	r = json_deep_copy(g);
	json_object_set_new(r, "blind_index_key", json_string(short_key));
	expect_bad_json(bad, r, "blind_index_key");

	/* the right length, but not base64 all the way */
	r = json_deep_copy(g);
	json_object_set_new(r, "blind_index_key",
			    json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!="));
	expect_bad_json(bad, r, "blind_index_key");

	r = json_deep_copy(g);
	json_object_set_new(r, "blind_index_key", json_integer(5));
	expect_bad_json(bad, r, "blind_index_key");

	r = json_deep_copy(g);
	json_object_set_new(r, "sign_secret_key", json_string("not base64!"));
	expect_bad_json(bad, r, "sign_secret_key");

	r = json_deep_copy(g);
	json_object_del(r, "sign_public_key");
	expect_bad_json(bad, r, "sign_public_key");

	/* a valid public key that is not the secret key's */
	r = json_deep_copy(g);
	json_object_set_new(r, "sign_public_key",
			    json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
	expect_bad_json(bad, r, "sign_public_key");

	r = json_deep_copy(g);
	json_object_set_new(r, "version", json_integer(2));
	expect_bad_json(bad, r, "version");

	r = json_deep_copy(g);
	json_object_del(r, "version");
	expect_bad_json(bad, r, "version");

	r = json_deep_copy(g);
	json_object_set_new(r, "current", json_integer(7));
	expect_bad_json(bad, r, "current");

	r = json_deep_copy(g);
	json_object_set_new(r, "current", json_string("1"));
	expect_bad_json(bad, r, "current");

	r = json_deep_copy(g);
	json_object_set_new(r, "current", json_integer(0));
	expect_bad_json(bad, r, "current");

	r = json_deep_copy(g);
	json_object_set_new(r, "extra", json_true());
	expect_bad_json(bad, r, "extra");

	r = json_deep_copy(g);
	json_object_set_new(r, "data_keys", json_array());
	expect_bad_json(bad, r, "data_keys");

	r = json_deep_copy(g);
	json_object_set_new(r, "data_keys", json_object());
	expect_bad_json(bad, r, "data_keys");

	r = json_deep_copy(g);
	json_object_del(r, "data_keys");
	expect_bad_json(bad, r, "data_keys");

	r = json_deep_copy(g);
	json_array_append_new(json_object_get(r, "data_keys"), json_string("k"));
	expect_bad_json(bad, r, "data_keys[1]");

	r = json_deep_copy(g);
	json_object_set_new(json_array_get(json_object_get(r, "data_keys"), 0), "key",
			    json_string(short_key));
	expect_bad_json(bad, r, "data_keys[0].key");

	r = json_deep_copy(g);
	json_object_set_new(json_array_get(json_object_get(r, "data_keys"), 0), "key",
			    json_string(long_key));
	expect_bad_json(bad, r, "data_keys[0].key");

	r = json_deep_copy(g);
	json_object_del(json_array_get(json_object_get(r, "data_keys"), 0), "key");
	expect_bad_json(bad, r, "data_keys[0].key");

	r = json_deep_copy(g);
	json_object_set_new(json_array_get(json_object_get(r, "data_keys"), 0), "id",
			    json_integer(0));
	expect_bad_json(bad, r, "data_keys[0].id");

	r = json_deep_copy(g);
	json_object_set_new(json_array_get(json_object_get(r, "data_keys"), 0), "id",
			    json_integer(4294967296LL));
	expect_bad_json(bad, r, "data_keys[0].id");

	r = json_deep_copy(g);
	json_object_set_new(json_array_get(json_object_get(r, "data_keys"), 0), "id",
			    json_real(1.0));
	expect_bad_json(bad, r, "data_keys[0].id");

	r = json_deep_copy(g);
	json_object_set_new(json_array_get(json_object_get(r, "data_keys"), 0), "note",
			    json_string("x"));
	expect_bad_json(bad, r, "data_keys[0].note");

	/* two keys with the same id */
	r = json_deep_copy(g);
	json_t *keys = json_object_get(r, "data_keys");
	json_array_append_new(keys, json_deep_copy(json_array_get(keys, 0)));
	expect_bad_json(bad, r, "data_keys[1].id");

	/* and the good file still loads after all that (sanity of the harness) */
	char *text = json_dumps(g, JSON_INDENT(2));
	CHECK_INT(write_file(bad, text, 0600), 0);
	free(text);
	at_error err = {0};
	kr = NULL;
	CHECK_INT(keyring_load(bad, &kr, &err), 0);
	keyring_free(kr);

	json_decref(g);
}

/* ---- Blind index, hashing, randomness ----------------------------------- */

static int read_blind_key(const char *path, unsigned char key[CRYPTO_KEY_BYTES])
{
	json_t *g = good_keyfile(path);
	if (!g)
		return -1;
	const char *b64 = json_string_value(json_object_get(g, "blind_index_key"));
	size_t n = 0;
	int rc = b64 ? sodium_base642bin(key, CRYPTO_KEY_BYTES, b64, strlen(b64), NULL, &n, NULL,
					 sodium_base64_VARIANT_ORIGINAL)
		     : -1;
	json_decref(g);
	return rc == 0 && n == CRYPTO_KEY_BYTES ? 0 : -1;
}

static void test_blind_index(void)
{
	char path[4200], path2[4200];
	keyring *kr = fresh_keyring("blind.json", path, sizeof path);
	keyring *kr2 = fresh_keyring("blind2.json", path2, sizeof path2);
	CHECK(kr && kr2);
	if (!kr || !kr2) {
		keyring_free(kr);
		keyring_free(kr2);
		return;
	}
	strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	crypto_blind_index(kr, "my_number", "123456789018", &a);
	crypto_blind_index(kr, "my_number", "123456789018", &b);
	CHECK_INT(a.len, 64);
	CHECK(strspn(a.buf, "0123456789abcdef") == 64);
	CHECK_STR(a.buf, b.buf); /* deterministic */

	sb_reset(&b);
	crypto_blind_index(kr, "resident.phone", "123456789018", &b);
	CHECK(strcmp(a.buf, b.buf) != 0); /* domain-separated */
	sb_reset(&b);
	crypto_blind_index(kr, "my_number", "123456789026", &b);
	CHECK(strcmp(a.buf, b.buf) != 0);
	sb_reset(&b);
	crypto_blind_index(kr2, "my_number", "123456789018", &b);
	CHECK(strcmp(a.buf, b.buf) != 0); /* useless without this key file */

	/* the 0x00 separator keeps ("ab","c") apart from ("a","bc") */
	sb_reset(&a);
	sb_reset(&b);
	crypto_blind_index(kr, "ab", "c", &a);
	crypto_blind_index(kr, "a", "bc", &b);
	CHECK(strcmp(a.buf, b.buf) != 0);

	/* the construction exactly: keyed BLAKE2b-256 over domain || 0x00 || value */
	unsigned char key[CRYPTO_KEY_BYTES], h[32];
	CHECK_INT(read_blind_key(path, key), 0);
	static const unsigned char msg[] = "my_number\0" "123456789018";
	crypto_generichash(h, sizeof h, msg, sizeof msg - 1, key, sizeof key);
	strbuf want = STRBUF_INIT;
	sb_add_hex(&want, h, sizeof h);
	sb_reset(&a);
	crypto_blind_index(kr, "my_number", "123456789018", &a);
	CHECK_STR(a.buf, want.buf);

	/* appends */
	sb_reset(&a);
	sb_adds(&a, "bi:");
	crypto_blind_index(kr, "my_number", "123456789018", &a);
	CHECK_INT(a.len, 3 + 64);
	CHECK(strncmp(a.buf, "bi:", 3) == 0);

	sb_release(&want);
	sb_release(&a);
	sb_release(&b);
	keyring_free(kr);
	keyring_free(kr2);
}

static void test_hash(void)
{
	unsigned char h[CRYPTO_HASH_BYTES];
	strbuf sb = STRBUF_INIT;
	/* BLAKE2b-256 known answers (RFC 7693 algorithm, 32-byte output) */
	crypto_digest("", 0, h);
	sb_add_hex(&sb, h, sizeof h);
	CHECK_STR(sb.buf, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
	sb_reset(&sb);
	crypto_digest(NULL, 0, h);
	sb_add_hex(&sb, h, sizeof h);
	CHECK_STR(sb.buf, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
	sb_reset(&sb);
	crypto_digest("abc", 3, h);
	sb_add_hex(&sb, h, sizeof h);
	CHECK_STR(sb.buf, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
	sb_release(&sb);
}

static void test_random(void)
{
	unsigned char a[32] = {0}, b[32] = {0}, zero[32] = {0};
	crypto_random(a, sizeof a);
	crypto_random(b, sizeof b);
	CHECK(memcmp(a, b, sizeof a) != 0);
	CHECK(memcmp(a, zero, sizeof a) != 0);
	crypto_random(a, 0);

	strbuf t1 = STRBUF_INIT, t2 = STRBUF_INIT;
	crypto_random_token(32, &t1);
	crypto_random_token(32, &t2);
	CHECK_INT(t1.len, 43); /* ceil(32 * 8 / 6), no padding */
	CHECK(strspn(t1.buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
	      t1.len);
	CHECK(strcmp(t1.buf, t2.buf) != 0);
	sb_reset(&t1);
	crypto_random_token(16, &t1);
	CHECK_INT(t1.len, 22);
	sb_reset(&t1);
	crypto_random_token(0, &t1);
	CHECK_INT(t1.len, 0);
	sb_release(&t1);
	sb_release(&t2);
}

/* ---- Passwords ------------------------------------------------------------ */

static void test_password(void)
{
	strbuf h1 = STRBUF_INIT, h2 = STRBUF_INIT;
	at_error err = {0};
	CHECK_INT(password_hash("correct horse battery staple", &h1, &err), 0);
	CHECK(strncmp(h1.buf, "$argon2id$", 10) == 0);
	CHECK(password_verify(h1.buf, "correct horse battery staple"));
	CHECK(!password_verify(h1.buf, "correct horse battery stapl"));
	CHECK(!password_verify(h1.buf, ""));
	CHECK(!password_verify(h1.buf, NULL));
	CHECK(!password_verify(NULL, "x"));
	CHECK(!password_verify("", "x"));
	CHECK(!password_verify("$argon2id$garbage", "x"));
	/* a fresh salt every time */
	CHECK_INT(password_hash("correct horse battery staple", &h2, &err), 0);
	CHECK(strcmp(h1.buf, h2.buf) != 0);
	CHECK(password_verify(h2.buf, "correct horse battery staple"));
	/* non-ASCII passwords */
	sb_reset(&h2);
	CHECK_INT(password_hash("パスワード", &h2, &err), 0);
	CHECK(password_verify(h2.buf, "パスワード"));
	CHECK(!password_verify(h2.buf, "ぱすわーど"));
	CHECK_INT(password_hash(NULL, &h2, &err), -1);
	sb_release(&h1);
	sb_release(&h2);
}

/* ---- Signatures, hex ------------------------------------------------------ */

static void test_sign_verify(void)
{
	char path[4200], path2[4200];
	keyring *kr = fresh_keyring("sign.json", path, sizeof path);
	keyring *kr2 = fresh_keyring("sign2.json", path2, sizeof path2);
	CHECK(kr && kr2);
	if (!kr || !kr2) {
		keyring_free(kr);
		keyring_free(kr2);
		return;
	}
	unsigned char pk[CRYPTO_SIGN_PK_BYTES], pk2[CRYPTO_SIGN_PK_BYTES];
	unsigned char sig[CRYPTO_SIG_BYTES];
	keyring_public_key(kr, pk);
	keyring_public_key(kr2, pk2);
	char msg[] = "checkpoint 42 0e5751c026e543b2e8ab2eb06099daa1";
	size_t len = strlen(msg);

	crypto_sign_msg(kr, msg, len, sig);
	CHECK(crypto_verify_msg(pk, msg, len, sig));
	CHECK(!crypto_verify_msg(pk2, msg, len, sig)); /* another key file's key */
	CHECK(!crypto_verify_msg(pk, msg, len - 1, sig));

	msg[7] ^= 0x01; /* one bit of the message */
	CHECK(!crypto_verify_msg(pk, msg, len, sig));
	msg[7] ^= 0x01;
	CHECK(crypto_verify_msg(pk, msg, len, sig));
	sig[10] ^= 0x80; /* one bit of the signature */
	CHECK(!crypto_verify_msg(pk, msg, len, sig));
	sig[10] ^= 0x80;
	pk[0] ^= 0x01; /* one bit of the public key */
	CHECK(!crypto_verify_msg(pk, msg, len, sig));
	pk[0] ^= 0x01;
	CHECK(crypto_verify_msg(pk, msg, len, sig));

	/* Ed25519 is deterministic, and a reloaded key file signs the same */
	unsigned char sig2[CRYPTO_SIG_BYTES];
	keyring *again = NULL;
	at_error err = {0};
	CHECK_INT(keyring_load(path, &again, &err), 0);
	if (again) {
		crypto_sign_msg(again, msg, len, sig2);
		CHECK(memcmp(sig, sig2, sizeof sig) == 0);
	}
	keyring_free(again);

	/* empty message */
	crypto_sign_msg(kr, NULL, 0, sig);
	CHECK(crypto_verify_msg(pk, NULL, 0, sig));
	CHECK(crypto_verify_msg(pk, "", 0, sig));
	CHECK(!crypto_verify_msg(pk, "x", 1, sig));

	keyring_free(kr);
	keyring_free(kr2);
}

static void test_hex_decode(void)
{
	unsigned char out[4];
	CHECK_INT(hex_decode("00ff10aB", out, 4), 0);
	CHECK_INT(out[0], 0x00);
	CHECK_INT(out[1], 0xff);
	CHECK_INT(out[2], 0x10);
	CHECK_INT(out[3], 0xab);
	CHECK_INT(hex_decode("00ff10", out, 4), -1);    /* too short */
	CHECK_INT(hex_decode("00ff10ab00", out, 4), -1); /* too long */
	CHECK_INT(hex_decode("00ff10a", out, 4), -1);    /* odd */
	CHECK_INT(hex_decode("00ff10zz", out, 4), -1);
	CHECK_INT(hex_decode("00 f10ab", out, 4), -1);
	CHECK_INT(hex_decode(NULL, out, 4), -1);
	CHECK_INT(hex_decode("", out, 0), 0);
}

/* ---- Setup ----------------------------------------------------------------- */

/* The temp dir is flat: remove its files, then it. */
static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	if (!d)
		return;
	struct dirent *e;
	char p[4400];
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(tmpdir);
}

int main(void)
{
	at_error err = {0};
	if (crypto_setup(&err) || crypto_setup(&err)) { /* twice: already initialised is fine */
		fprintf(stderr, "crypto_setup: %s\n", err.message);
		return 1;
	}
	const char *base = getenv("ATENA_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0700); /* ctest makes it; a manual run may not have it */
	snprintf(tmpdir, sizeof tmpdir, "%s/test_crypto.XXXXXX", base);
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "mkdtemp %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}

	RUN(test_totp_rfc6238_vectors);
	RUN(test_totp_long_key);
	RUN(test_totp_sha1_sha512_vectors);
	RUN(test_totp_window_and_replay);
	RUN(test_totp_code_format);
	RUN(test_base32_rfc4648);
	RUN(test_base32_decode_forms);
	RUN(test_base32_roundtrip);
	RUN(test_keyring_create);
	RUN(test_seal_open_roundtrip);
	RUN(test_open_failures);
	RUN(test_rotation);
	RUN(test_rotation_limit);
	RUN(test_keyfile_permissions);
	RUN(test_keyfile_malformed);
	RUN(test_blind_index);
	RUN(test_hash);
	RUN(test_random);
	RUN(test_password);
	RUN(test_sign_verify);
	RUN(test_hex_decode);

	remove_tmpdir();
	return test_report();
}
