#!/usr/bin/env bash
# The spine's privileged store header may be named only by the spine (store,
# policy, audit). A business module that names it is reaching past the door.
set -euo pipefail
root=${1:-.}
bad=$(grep -rlE 'store_spine\.h|store_spine_enter|store_spine_leave' "$root/src" \
      | grep -vE "^$root/src/(store|policy|audit)/" || true)
if [ -n "$bad" ]; then
  echo "files outside the spine that name the spine's store header:"; echo "$bad"
  echo "0 passed, 1 failed"; exit 1
fi
echo "1 passed, 0 failed"
