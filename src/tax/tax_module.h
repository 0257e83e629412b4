/*
 * tax_module — the individual resident tax as a platform module: its
 * descriptor (module/module.h) and the parts that live in their own files:
 * the routes (tax_routes.c), the CLI commands (tax_cli.c) and the demo step
 * (tax_demo.c), with what both transports share (tax_module.c). Only
 * src/modules.c names tax_module.
 */
#ifndef ATENA_TAX_TAX_MODULE_H
#define ATENA_TAX_TAX_MODULE_H

#include <jansson.h>
#include <stdint.h>

#include "module/module.h"
#include "tax/law.h"

#define TAX_ASSESS_CHUNK 2000   /* persons per committed chunk of the annual batch, by default */

extern const module tax_module;

extern const route tax_routes[];             /* ends with a NULL method */
extern const module_command tax_commands[];  /* ends with a NULL name */
int tax_demo(store *s, const keyring *kr, const module_demo *dm, at_error *err);

/* The built-in law, loaded once per process and shared read-only by every
 * thread (tax/law.h); NULL with err when it does not load. */
const tax_law *tax_law_shared(at_error *err);

/* The installments of one collection method as JSON [{month, amount}...]:
 * method "special" (12 months, 地方税法321条の5), "ordinary" (4 納期 with
 * the municipality's rounding) or "pension" (仮徴収 and 本徴収; previous:
 * last year's pension-part tax, 0 in the first year). Errors name the fields
 * "method" and "fiscal_year". */
int tax_schedule_for(const tax_law *law, const char *method, int64_t annual, int64_t previous,
		     int fiscal_year, const char *municipality, json_t **out, at_error *err);

#endif
