#!/usr/bin/env bash
# Lint + format check (biome) over the files git tracks, so a scratch file nobody added cannot fail
# `npm test`. Extra arguments go to biome (`bash scripts/lint.sh --write` formats and fixes).
set -euo pipefail
cd "$(dirname "$0")/.."
files=()
while IFS= read -r -d '' f; do
  [ -e "$f" ] && files+=("$f") # tracked but deleted in the work tree: nothing to lint
done < <(git ls-files -z)
# biome itself skips what biome.json excludes (json, md, dist…) and types it does not know.
printf '%s\0' "${files[@]}" |
  xargs -0 npx biome check --files-ignore-unknown=true --no-errors-on-unmatched "$@"
