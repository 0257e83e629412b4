/*
 * The tax module's owner handle (door.h owner modules). The declared file
 * individual_resident_tax is "own_tables": the module keeps its data in its
 * own tables, so no door — not even one opened with this handle — holds
 * generic records of it.
 */
#include "tax/tax.h"

const door_owner tax_owner = {.module = "tax"};

int tax_init(at_error *err)
{
	return door_register_owner(&tax_owner, err);
}
