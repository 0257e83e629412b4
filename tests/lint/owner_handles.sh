#!/usr/bin/env bash
# A module's owner handle (policy/door.h: `const door_owner <module>_owner`,
# the only key to writing the module's declared files) is named only inside
# its own folder src/<module>/ and by the list of modules (src/modules.c,
# src/module/), which opens doors on each module's behalf. Anything else that
# names it could write the module's records past the module's own rules.
set -euo pipefail
root=${1:-.}
# No allowlist beyond the list and its dispatcher: /pending/{id} reaches the
# owning module through its descriptor (module.h pending_decide).
allowed="src/modules\.c|src/module/"
fail=0 n=0
mods=$(grep -rhoE 'const door_owner [a-z][a-z0-9_]*_owner[[:space:]]*=' "$root/src" \
       | sed -E 's/const door_owner ([a-z0-9_]+)_owner.*/\1/' | sort -u)
if [ -z "$mods" ]; then
  echo "no owner handle defined under src/ (registry_owner, tax_owner, ...)"; echo "0 passed, 1 failed"; exit 1
fi
for m in $mods; do
  n=$((n + 1))
  # Defined in its own folder, and only there.
  where=$(grep -rlE "const door_owner ${m}_owner[[:space:]]*=" "$root/src" | sed "s|^$root/||")
  if [ "$(echo "$where" | grep -cvE "^src/$m/")" != 0 ]; then
    echo "${m}_owner is defined outside src/$m/:"; echo "$where"; fail=$((fail + 1)); continue
  fi
  bad=$(grep -rlwE "${m}_owner" "$root/src" | sed "s|^$root/||" \
        | grep -vE "^src/$m/" | grep -vE "^($allowed)" || true)
  if [ -n "$bad" ]; then
    echo "files outside src/$m/ that name ${m}_owner:"; echo "$bad"; fail=$((fail + 1))
  fi
done
# Nor may anything else take a module's handle out of the list by name
# (module_find("tax")->owner): that is the same key, fetched another way.
n=$((n + 1))
bad=$(grep -rlE 'module_find[[:space:]]*\([^;]*\)[[:space:]]*->[[:space:]]*owner' "$root/src" \
      | sed "s|^$root/||" | grep -vE "^($allowed)" || true)
if [ -n "$bad" ]; then
  echo "files that take an owner handle through module_find(...)->owner:"; echo "$bad"; fail=$((fail + 1))
fi
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
