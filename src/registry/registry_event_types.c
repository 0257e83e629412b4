/*
 * registry_event_types.c — the register's change-event types (異動の種類),
 * the one list (registry.h). Labels are the names a 住民票 and the counter
 * use (seed 001 §1.5; 住基法 22–25条, 30条の4, 30条の46–51; 番号法 7条2項;
 * 住基法施行令 12条 for the ex officio acts), which the certificate prints as
 * 異動事由 (registry_cert_form.c). Each type carries its planner and whether it
 * is an ex officio act (職権記載・消除・修正, 住基法8条, 施行令12条: held for a
 * second person, seed 001 §1.5 four-eyes), so dispatch iterates this list.
 */
#include <string.h>

#include "registry/registry.h"
#include "registry_event_int.h"

const registry_event_type registry_event_types[] = {
	{"move_in", "転入", false, ev_move_in},
	{"move_out_planned", "転出届", false, ev_move_out},   /* the notification (住基法24条); the record stays */
	{"move_out_confirmed", "転出", false, ev_move_out},   /* the removal, as a 住民票 names it */
	{"move_out_cancelled", "転出取消", false, ev_move_out},
	{"in_ward_move", "転居", false, ev_in_ward_move},
	{"birth", "出生", false, ev_birth},
	{"death", "死亡", false, ev_death},
	{"household_change", "世帯変更", false, ev_household_change},
	{"ex_officio_entry", "職権記載", true, ev_move_in},
	{"ex_officio_removal", "職権消除", true, ev_ex_officio_removal},
	{"ex_officio_correction", "職権修正", true, ev_ex_officio_correction},
	{"resident_code_change", "住民票コード変更", false, ev_code_change},
	{"my_number_change", "個人番号変更", false, ev_code_change},
	{"foreign_status_change", "在留資格等変更", false, ev_foreign_status_change},
	{NULL, NULL, false, NULL},
};

const registry_event_type *registry_event_type_find(const char *name)
{
	for (const registry_event_type *t = registry_event_types; name && t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

void registry_event_type_names(strbuf *out)
{
	for (const registry_event_type *t = registry_event_types; t->name; t++)
		sb_addf(out, "%s%s", t == registry_event_types ? "" : t[1].name ? ", " : " or ",
			t->name);
}
