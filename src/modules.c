/*
 * modules.c — the one list of business modules (module/module.h). The
 * server's route table, the CLI's commands, the migrations and `atena demo`
 * iterate it, in this order (a module after the ones it reads: tax reads the
 * register). Adding a module is one line here (docs/modules.md).
 */
#include <pthread.h>
#include <string.h>

#include "module/module.h"
#include "registry/registry_module.h"
#include "tax/tax_module.h"

const module *const atena_modules[] = {
	&registry_module,
	&tax_module,
	NULL,
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static at_error init_err;
static int init_rc;

static void init_all(void)
{
	at_error_clear(&init_err);
	for (const module *const *m = atena_modules; *m && !init_rc; m++)
		if ((*m)->init)
			init_rc = (*m)->init(&init_err);
}

int modules_init(at_error *err)
{
	pthread_once(&init_once, init_all);
	if (init_rc && err)
		*err = init_err;
	return init_rc ? -1 : 0;
}

int modules_migrate(store *s, at_error *err)
{
	for (const module *const *m = atena_modules; *m; m++)
		if ((*m)->migrate && (*m)->migrate(s, err))
			return -1;
	return 0;
}

const module *module_find(const char *name)
{
	for (const module *const *m = atena_modules; *m; m++)
		if (!strcmp((*m)->name, name))
			return *m;
	return NULL;
}
