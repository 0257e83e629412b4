/*
 * registry_module.c — the resident register's module descriptor
 * (module/module.h): its business, migration, routes, commands and demo step.
 */
#include <stdio.h>

#include "audit/audit.h"
#include "core/json.h"
#include "registry/registry.h"
#include "registry/registry_module.h"

int registry_outbox_page(door *d, int64_t after, int64_t limit, json_t **out, at_error *err)
{
	json_t *list = NULL;
	/* One row more than the page: the answer says whether more follow
	 * (truncated) and where to go on (next_after), never a silent cut. */
	if (registry_outbox(door_store(d), after, (int)limit + 1, &list, err)) {
		json_decref(list);
		return -1;
	}
	char detail[96];
	snprintf(detail, sizeof detail, "registry_outbox after=%lld limit=%lld", (long long)after,
		 (long long)limit);
	if (door_note(d, "registry_outbox", AUDIT_OK, "", detail, err)) {
		json_decref(list);
		return -1;
	}
	*out = json_page("notifications", list, limit, "seq");
	return *out ? 0 : at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
}

static const char *const businesses[] = {REGISTRY_BUSINESS, NULL};

/* The counter staff of the demo ward (区民課): both may update the register,
 * and two are needed for four-eyes. */
static const module_demo_staff demo_staff[] = {
	{"clerk1", "窓口 花子", "区民課", REGISTRY_BUSINESS, "update"},
	{"clerk2", "確認 次郎", "区民課", REGISTRY_BUSINESS, "update"},
	{NULL, NULL, NULL, NULL, NULL},
};

const module registry_module = {
	.name = "registry",
	.summary = "the resident register (住民基本台帳): events, views, search, certificates",
	.example = "ATENA_PASSWORD=... ATENA_TOTP=$(oathtool --totp -b SECRET) \\\n"
		   "           atena registry search --name-kana めぐろ --as clerk1 --reason '転入届の受付'",
	.businesses = businesses,
	.owner = &registry_owner,
	.init = registry_init,
	.migrate = registry_migrate,
	.routes = registry_routes,
	.commands = registry_commands,
	.demo = registry_demo,
	.demo_staff = demo_staff,
	.demo_hint = "as clerk1, business resident_register: GET /api/v1/registry/search?name_kana=サトウ",
	.pending_decide = registry_pending_decide,
};
