#include "args.h"

#include <stdio.h>
#include <string.h>

int args_parse(int argc, char **argv, const arg_spec *spec, args *out)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			out->help = true;
			continue;
		}
		if (strncmp(a, "--", 2)) {
			if (out->npos >= 4) {
				fprintf(stderr, "atena: too many arguments at %s\n", a);
				return -1;
			}
			out->positional[out->npos++] = a;
			continue;
		}
		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const arg_spec *sp = NULL;
		for (const arg_spec *s = spec; s && s->name; s++)
			if (strlen(s->name) == nlen && !strncmp(s->name, name, nlen))
				sp = s;
		if (!sp) {
			fprintf(stderr, "atena: unknown flag --%.*s (see --help)\n", (int)nlen, name);
			return -1;
		}
		if (out->n >= ARGS_MAX) {
			fprintf(stderr, "atena: too many flags\n");
			return -1;
		}
		const char *val = "";
		if (sp->takes_value) {
			if (eq) {
				val = eq + 1;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				fprintf(stderr, "atena: --%s needs a value\n", sp->name);
				return -1;
			}
		} else if (eq) {
			fprintf(stderr, "atena: --%s takes no value\n", sp->name);
			return -1;
		}
		out->names[out->n] = sp->name;
		out->values[out->n] = val;
		out->n++;
	}
	return 0;
}

const char *args_get(const args *a, const char *name)
{
	for (int i = a->n - 1; i >= 0; i--)
		if (!strcmp(a->names[i], name))
			return a->values[i];
	return NULL;
}

bool args_has(const args *a, const char *name)
{
	return args_get(a, name) != NULL;
}

const char *args_need(const args *a, const char *cmd, const char *name)
{
	const char *v = args_get(a, name);
	if (!v || !*v) {
		fprintf(stderr, "atena %s: --%s is required (see atena %s --help)\n", cmd, name, cmd);
		return NULL;
	}
	return v;
}
