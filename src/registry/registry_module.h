/*
 * registry_module — the resident register as a platform module: its
 * descriptor (module/module.h) and the parts of it that live in their own
 * files: the routes (registry_routes.c), the CLI commands (registry_cli.c)
 * and the demo step (registry_demo.c). Only src/modules.c names
 * registry_module; only registry_module.c names the rest.
 */
#ifndef ATENA_REGISTRY_REGISTRY_MODULE_H
#define ATENA_REGISTRY_REGISTRY_MODULE_H

#include <jansson.h>
#include <stdint.h>

#include "module/module.h"

#define REGISTRY_OUTBOX_DEFAULT 100   /* notifications per page of the outbox */
#define REGISTRY_OUTBOX_MAX 1000      /* most one page may ask for */

extern const module registry_module;

extern const route registry_routes[];             /* ends with a NULL method */
extern const module_command registry_commands[];  /* ends with a NULL name */
int registry_demo(store *s, const keyring *kr, const module_demo *dm, at_error *err);

/* One page of the outbox inside a door opened for the register (the door
 * checks the view grant and carries the audit event; the outbox is the
 * register's own table): {"notifications":[...], "truncated", "next_after"}
 * after seq `after`, at most limit; next_after (a seq, else null) says where
 * the next page starts (core/json.h json_page). Both transports answer with it. */
int registry_outbox_page(door *d, int64_t after, int64_t limit, json_t **out, at_error *err);

#endif
