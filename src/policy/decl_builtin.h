/* The declaration documents built into the binary (generated from declarations/). */
#ifndef ATENA_POLICY_DECL_BUILTIN_H
#define ATENA_POLICY_DECL_BUILTIN_H

struct decl_builtin {
	const char *name;   /* file name under declarations/ */
	const char *json;   /* its text */
};

/* Terminated by {NULL, NULL}. */
extern const struct decl_builtin decl_builtins[];

#endif
