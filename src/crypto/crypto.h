/*
 * crypto — keys, encryption at rest, blind indexes, password hashes, TOTP and
 * log signatures, all on libsodium.
 *
 * The key file lives in the data directory beside (never inside) the
 * database, mode 0600. It holds:
 *   - data keys, each with a numeric id; new values are sealed with the
 *     newest, and every sealed value names its key id so old values stay
 *     readable after `atena keys rotate` (which then re-seals them);
 *   - the blind-index key (keyed BLAKE2b), for exact-match lookup of values
 *     stored encrypted, My Number above all;
 *   - the Ed25519 key pair that signs audit-log checkpoints.
 *
 * Sealed values are text: "v1.<key id>.<base64url(nonce || ciphertext)>",
 * XChaCha20-Poly1305 with associated data binding the value to its place
 * (file, item, record), so a ciphertext moved to another record fails to open.
 */
#ifndef ATENA_CRYPTO_CRYPTO_H
#define ATENA_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"

#define CRYPTO_KEY_BYTES 32          /* data and blind-index keys */
#define CRYPTO_SIGN_PK_BYTES 32      /* Ed25519 public key */
#define CRYPTO_SIGN_SK_BYTES 64      /* Ed25519 secret key */
#define CRYPTO_SIG_BYTES 64          /* Ed25519 signature */
#define CRYPTO_HASH_BYTES 32         /* BLAKE2b-256 digests (audit chain, tokens) */
#define CRYPTO_MAX_KEYS 64           /* data keys kept in one key file */

/* Call once before anything else (sodium_init). */
int crypto_setup(at_error *err);

/* ---- Key file -------------------------------------------------------- */
typedef struct keyring keyring;

int keyring_create(const char *path, at_error *err);          /* new file; refuses to overwrite */
int keyring_load(const char *path, keyring **out, at_error *err);
void keyring_free(keyring *kr);
int keyring_rotate(keyring *kr, const char *path, at_error *err); /* add a data key, make it current, save */
uint32_t keyring_current_id(const keyring *kr);
void keyring_public_key(const keyring *kr, unsigned char pk[CRYPTO_SIGN_PK_BYTES]);

/* ---- Encryption at rest --------------------------------------------- */
/* Seal plaintext with the current key; appends the sealed text to out. */
int crypto_seal(const keyring *kr, const char *plaintext, size_t len, const char *aad,
		strbuf *out, at_error *err);
/* Open a sealed value (any key id still in the ring); appends plaintext to out. */
int crypto_open(const keyring *kr, const char *sealed, const char *aad, strbuf *out,
		at_error *err);
bool crypto_is_sealed(const char *s);
/* Key id a sealed value was sealed with, or 0 when it is not a sealed value. */
uint32_t crypto_sealed_key_id(const char *sealed);

/* ---- Blind index ------------------------------------------------------ */
/* Hex keyed hash of value under a domain ("my_number", "file.item"), so equal
 * values can be found without decrypting and without the hash being usable
 * by someone who lacks the key file. Appends 64 hex chars to out. */
void crypto_blind_index(const keyring *kr, const char *domain, const char *value, strbuf *out);

/* ---- Hashing and randomness ------------------------------------------- */
/* BLAKE2b-256 (named crypto_digest: libsodium already exports a crypto_hash). */
void crypto_digest(const void *data, size_t len, unsigned char out[CRYPTO_HASH_BYTES]);
void crypto_random(void *buf, size_t len);
/* n random bytes as base64url without padding, appended to out. */
void crypto_random_token(size_t nbytes, strbuf *out);

/* ---- Passwords (Argon2id) --------------------------------------------- */
/* At most this many Argon2id runs (64 MiB each) at once in the process,
 * independent of the server's thread count; the rest wait their turn. */
#define PASSWORD_HASH_CONCURRENCY 4
int password_hash(const char *password, strbuf *out, at_error *err);
bool password_verify(const char *hash, const char *password);
/* One verification against a hash no password matches, at the same cost as
 * password_verify: an unknown or held-back account answers in the same time. */
void password_verify_decoy(const char *password);
/* The most Argon2id runs seen at once since the last call (tests). */
unsigned password_hash_peak(void);

/* ---- TOTP (RFC 6238) -------------------------------------------------- */
/* Software stand-in for the seeds' biometric/IC-card factor, computed by
 * liboath. New secrets use SHA-1, 6 digits, 30 s: the parameters every
 * authenticator app supports (many ignore the otpauth URI's algorithm).
 * Secrets made before issue 9 are SHA-256 and keep working: the algorithm
 * is stored with each secret. */
#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_SECRET_BYTES 20
typedef enum { TOTP_SHA1 = 0, TOTP_SHA256 = 1, TOTP_SHA512 = 2 } totp_alg;
#define TOTP_ALG_DEFAULT TOTP_SHA1
/* "sha1", "sha256", "sha512": the stored form (upper-case it for a URI). */
const char *totp_alg_name(totp_alg alg);
int totp_alg_parse(const char *name, totp_alg *out);
/* Code for the step containing unix time t (digits 6 to 8); UINT32_MAX if
 * liboath fails. */
uint32_t totp_code(totp_alg alg, const unsigned char *secret, size_t len, int64_t t, int digits);
/* Accepts the current step and one either side. Returns the matched step
 * (>= 0), or -1. A step <= last_used_step is refused (no replay). */
int64_t totp_verify(totp_alg alg, const unsigned char *secret, size_t len, const char *code,
		    int64_t now, int64_t last_used_step);
/* RFC 4648 base32 without padding, as authenticator apps expect. */
void base32_encode(const unsigned char *data, size_t len, strbuf *out);
int base32_decode(const char *s, unsigned char *out, size_t cap, size_t *len);

/* ---- Signatures (Ed25519) ---------------------------------------------- */
void crypto_sign_msg(const keyring *kr, const void *msg, size_t len,
		     unsigned char sig[CRYPTO_SIG_BYTES]);
bool crypto_verify_msg(const unsigned char pk[CRYPTO_SIGN_PK_BYTES], const void *msg, size_t len,
		       const unsigned char sig[CRYPTO_SIG_BYTES]);

/* ---- Hex / base64 helpers -------------------------------------------- */
int hex_decode(const char *hex, unsigned char *out, size_t outlen);  /* exact length */

#endif
