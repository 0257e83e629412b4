/*
 * module — what a business module (the register, the resident tax, and every
 * system after them) exports so the platform can carry it: one descriptor.
 *
 * A module is one folder under src/ (DESIGN.md principle 8). It exports one
 * `module` value naming its businesses, its migration, its owner handle and
 * init, its routes (entries of the server's route table, each with the
 * business it acts under and the door mode of its unit of work), its CLI
 * commands (`atena <module> <command>`) and its demo step. The server's route
 * table, the CLI's command table, migrations (every connection the platform
 * opens for business work) and `atena demo` all iterate the one list in
 * src/modules.c, so adding a module touches its own folder, its declarations
 * and one line of that list (docs/modules.md).
 *
 * Guarantees the platform gives every module through this descriptor:
 *  - a route or command runs only under the business its entry names; a
 *    request naming another business is refused (403) and audited before
 *    the module's code runs (the business is checked once, by the transport's
 *    dispatcher, never by the module);
 *  - its unit of work opens the door in the entry's mode and ends in one
 *    commit, or in an abort whose refusal is audited with its subject by the
 *    one rule of module/unit.h, the same over HTTP and on the console;
 *  - migrate runs before the first request or command that may reach the
 *    module's tables.
 */
#ifndef ATENA_MODULE_MODULE_H
#define ATENA_MODULE_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "crypto/crypto.h"
#include "policy/door.h"
#include "store/store.h"

/* ---- Routes (the server's table; handlers see server/route.h) ------------ */

typedef struct req req;
typedef int (*route_fn)(req *r, at_error *err);

/* Route flags. */
#define R_PUBLIC 1u    /* no session needed */
#define R_PURPOSE 2u   /* needs X-Atena-Business and X-Atena-Reason */
#define R_BODY 4u      /* takes a JSON object body */
/* Needs no grant for its business although it names one (no door, no
 * personal data). Without it, a route that names a business and opens no
 * door (mode 0) is refused unless the staff member holds a current grant,
 * view at least, for that business (module/unit.h unit_need_grant); a route
 * with a door is checked by its door in its mode. */
#define R_NO_GRANT 8u

typedef struct route {
	const char *method;
	const char *pattern;   /* below /api/v1; "{file}", "{id}" and one other "{name}"
				* ("{type}", "{addressee_no}", "{household_no}") are path parameters */
	unsigned flags;
	const char *business;  /* the business it acts under; NULL: the one X-Atena-Business names */
	door_mode mode;        /* the door its unit of work opens (srv_unit); 0: none */
	route_fn fn;
	const char *const *params;   /* query parameters it accepts (NULL: none) */
} route;

/* ---- CLI commands (`atena <module> <name>`; run code sees cli/cli.h) ------ */

typedef struct cli_call cli_call;
typedef struct arg_spec arg_spec;

typedef struct module_command {
	const char *name;
	const char *summary;    /* one line for `atena <module> --help` */
	const char *help;       /* the command's --help, with an example */
	const arg_spec *spec;   /* its flags; a session command lists CLI_SESSION_FLAGS too */
	int npos;               /* positional arguments it takes */
	const char *business;   /* acts as a logged-in staff member under this business;
				 * NULL: a pure command (no login, no database) */
	door_mode mode;         /* the door its unit of work opens (cli_unit); 0: none, and
				 * then the dispatcher checks the grant (unit_need_grant) */
	/* Checks that need no login (positionals, flags, input files): 0 ok,
	 * 1 refused with err set, 2 usage error already printed. May be NULL. */
	int (*prepare)(cli_call *c, at_error *err);
	/* The work: 0 done (output printed); -1 failed with err set; -2 failed
	 * with the message already printed. */
	int (*run)(cli_call *c, at_error *err);
	void (*release)(cli_call *c);   /* frees what prepare kept; may be NULL */
	void (*more_help)(FILE *f);     /* prints what help cannot hold as text (a table's
					 * entries, say) after it; may be NULL */
} module_command;

/* ---- Demo (`atena demo`) -------------------------------------------------- */

/* A staff member the demo needs for a module, with one grant. Staff that
 * several modules name are created once (the first entry's name and
 * department) and get every grant. */
typedef struct module_demo_staff {
	const char *id, *name, *department;
	const char *business, *access;   /* "view" or "update" */
} module_demo_staff;

typedef struct module_demo {
	uint64_t seed;          /* the synthetic ward's seed (sandbox/synth.h) */
	size_t households;      /* its size */
	const char *terminal;   /* the console's terminal id */
} module_demo;

/* ---- The descriptor ------------------------------------------------------- */

struct door_owner;   /* policy/door.h (the owner handle; see docs/modules.md) */

typedef struct module {
	const char *name;                   /* folder and CLI command: "registry" */
	const char *summary;                /* one line for `atena --help` */
	const char *example;                /* a command line for `atena <name> --help` */
	const char *const *businesses;      /* the businesses it acts under, NULL-terminated */
	const struct door_owner *owner;     /* the handle its doors are opened with; NULL: none yet */
	int (*init)(at_error *err);         /* once per process: registers the owner handle; may be NULL */
	int (*migrate)(store *s, at_error *err);   /* its own tables; idempotent; may be NULL */
	const route *routes;                /* ends with an entry whose method is NULL; may be NULL */
	const module_command *commands;     /* ends with an entry whose name is NULL; may be NULL */
	/* Fills a new demo municipality (after the demo staff exist); may be NULL. */
	int (*demo)(store *s, const keyring *kr, const module_demo *dm, at_error *err);
	const module_demo_staff *demo_staff;   /* NULL-id-terminated; may be NULL */
	const char *demo_hint;   /* one line the demo prints: something to try; may be NULL */
	/* Decides a held change of a file the module owns, inside a door opened
	 * with its owner handle (POST /pending/{id}/approve|reject dispatch here
	 * by the owner of the change's file, door_pending_module). May be NULL:
	 * door_pending_decide then decides it. */
	int (*pending_decide)(door *d, int64_t pending_id, bool approve, const char *note,
			      at_error *err);
} module;

/* ---- The list (src/modules.c) --------------------------------------------- */

extern const module *const atena_modules[];   /* NULL-terminated, in dependency order */

/* Every module's init, once per process (thread-safe); the first failure. */
int modules_init(at_error *err);
/* Every module's migrate on s, in list order. */
int modules_migrate(store *s, at_error *err);
/* The module named name, or NULL. */
const module *module_find(const char *name);

#endif
