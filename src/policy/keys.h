/*
 * keys — key rotation for values encrypted at rest.
 *
 * `atena keys rotate` adds a data key to the key file and makes it current,
 * then re-seals every sealed value in the store under it: items of declared
 * files (every version, so history stays readable), pending changes and staff
 * TOTP secrets. Old keys stay in the key file until no value names them
 * (keys_status reports the count per key id). The whole re-seal is one
 * transaction and is audited under business "administration".
 */
#ifndef ATENA_POLICY_KEYS_H
#define ATENA_POLICY_KEYS_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"

int keys_rotate(const char *dir, int64_t *resealed, at_error *err);
/* {"current": id, "values_by_key": {"1": n, "2": m}} */
int keys_status(const char *dir, json_t **out, at_error *err);

#endif
