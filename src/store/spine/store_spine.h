/*
 * spine — the privileged side of the store, for the spine modules only.
 *
 * The spine (policy, audit) keeps its tables under the `sp_` prefix. A
 * connection refuses any statement that touches them unless it is inside a
 * spine section. This header's folder is on the include path of the spine
 * targets only (see CMakeLists.txt: #include "store_spine.h" does not resolve
 * from a business module), tests/lint/spine_boundary.sh fails the build's
 * tests if any file outside src/store, src/policy and src/audit names it, and
 * tests/unit/test_store.c proves a business connection is refused by the
 * engine itself.
 */
#ifndef ATENA_STORE_SPINE_STORE_SPINE_H
#define ATENA_STORE_SPINE_STORE_SPINE_H

#include "store/store.h"

/* Enter/leave a spine section; sections nest. */
void store_spine_enter(store *s);
void store_spine_leave(store *s);

#endif
