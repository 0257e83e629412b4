/* The resident register: see registry.h. */
#include "registry/registry.h"
