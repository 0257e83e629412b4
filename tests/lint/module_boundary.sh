#!/usr/bin/env bash
# A module is one unit (docs/modules.md): the platform's own code — the
# server (src/server), the CLI (src/cli) and the dispatcher (src/module) —
# names no business module; it reaches them only through the descriptors of
# src/modules.c. So adding a module never touches those folders.
set -euo pipefail
root=${1:-.}
mods=$(grep -hoE '^\s*&[a-z][a-z0-9_]*_module,' "$root/src/modules.c" | sed -E 's/[^a-z0-9_]//g; s/_module$//')
fail=0 n=0
for m in $mods; do
  n=$((n + 1))
  bad=$(grep -rlE "#include \"$m/|\b${m}_[a-z_]+\(" "$root/src/server" "$root/src/cli" "$root/src/module" \
        | sed "s|^$root/||" || true)
  if [ -n "$bad" ]; then
    echo "the platform names module $m (use its descriptor instead):"; echo "$bad"; fail=$((fail + 1))
  fi
done
[ "$n" -gt 0 ] || { echo "no modules listed in src/modules.c"; echo "0 passed, 1 failed"; exit 1; }
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
