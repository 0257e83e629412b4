/*
 * The register's owner handle (door.h owner modules). Only doors opened with
 * this instance may write the resident register's records, so every change
 * goes through the register's own rules and its outbox (registry_event,
 * registry_import, registry_pending_decide), never the generic records API.
 */
#include "registry/registry.h"

const door_owner registry_owner = {.module = "registry"};

int registry_init(at_error *err)
{
	return door_register_owner(&registry_owner, err);
}
