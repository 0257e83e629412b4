/*
 * tax_module.c — the resident tax's module descriptor (module/module.h) and
 * what its routes and commands share: the loaded law and the schedules.
 */
#include <pthread.h>
#include <string.h>

#include "tax/schedule.h"
#include "tax/tax.h"
#include "tax/tax_module.h"

/* The law is read-only once loaded: one copy for every thread. */
static tax_law *g_law;
static at_error g_law_err;
static pthread_once_t g_law_once = PTHREAD_ONCE_INIT;

static void load_law(void)
{
	if (tax_law_load_builtin(&g_law, &g_law_err))
		g_law = NULL;
}

const tax_law *tax_law_shared(at_error *err)
{
	pthread_once(&g_law_once, load_law);
	if (!g_law) {
		*err = g_law_err;
		return NULL;
	}
	return g_law;
}

int tax_schedule_for(const tax_law *law, const char *method, int64_t annual, int64_t previous,
		     int fiscal_year, const char *municipality, json_t **out, at_error *err)
{
	*out = NULL;
	bool special = method && !strcmp(method, "special");
	bool ordinary = method && !strcmp(method, "ordinary");
	if (!special && !ordinary && !(method && !strcmp(method, "pension")))
		return at_fail(err, 400, AT_E_INVALID, "method",
			       "method must be special, ordinary or pension");
	if (!tax_law_has_year(law, fiscal_year))
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year", "no tax law data for fiscal year %d",
			       fiscal_year);
	int64_t unit = tax_law_installment_unit(law, municipality), excess = 0;
	tax_installment inst[TAX_SCHEDULE_MAX];
	size_t n = special ? 12 : 4;
	int rc = special    ? tax_schedule_special(annual, fiscal_year, inst, err)
		 : ordinary ? tax_schedule_ordinary(annual, fiscal_year, unit, inst, err)
			    : tax_schedule_pension(annual, previous, fiscal_year, unit, inst, &n,
						   &excess, err);
	if (rc)
		return -1;
	*out = tax_schedule_to_json(inst, n);
	return *out ? 0 : at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
}

static const char *const businesses[] = {TAX_BUSINESS, NULL};

/* The tax section's staff of the demo ward (税務課): one who assesses, one
 * who may only look. */
static const module_demo_staff demo_staff[] = {
	{"tax1", "税務 一郎", "税務課", TAX_BUSINESS, "update"},
	{"viewer", "閲覧 三郎", "税務課", TAX_BUSINESS, "view"},
	{NULL, NULL, NULL, NULL, NULL},
};

const module tax_module = {
	.name = "tax",
	.summary = "the individual resident tax (個人住民税): compute, intake, assess, notices",
	.example = "atena tax compute < case.json\n"
		   "         ATENA_PASSWORD=... ATENA_TOTP=... atena tax person 0000012345 \\\n"
		   "           --fiscal-year 2025 --as tax1 --reason '税額の照会'",
	.businesses = businesses,
	.owner = &tax_owner,
	.init = tax_init,
	.migrate = tax_migrate,
	.routes = tax_routes,
	.commands = tax_commands,
	.demo = tax_demo,
	.demo_staff = demo_staff,
	.demo_hint = "as tax1, business individual_resident_tax: GET /api/v1/tax/holds?fiscal_year=2025",
};
