#!/usr/bin/env bash
# Records the public API of Herald's libraries. Each project under src/ (the CLI, a tool, aside) lists its public API
# in PublicAPI.Shipped.txt (what a released version had) and PublicAPI.Unshipped.txt (what changed since); the build
# fails on a public symbol added or removed without being recorded (RS0016, RS0017).
#
#   eng/public-api.sh          record the current public API in each PublicAPI.Unshipped.txt (review the diff)
#   eng/public-api.sh --ship   at a release: move every unshipped entry into PublicAPI.Shipped.txt
set -euo pipefail
cd "$(dirname "$0")/.."

projects=()
for file in src/*/PublicAPI.Shipped.txt; do
  projects+=("$(dirname "$file")")
done

if [ "${1:-}" = "--ship" ]; then
  for project in "${projects[@]}"; do
    shipped="$project/PublicAPI.Shipped.txt" unshipped="$project/PublicAPI.Unshipped.txt"
    # *REMOVED* entries take their line out of the shipped list; the rest join it, sorted as the analyzer writes them.
    removed=$(sed -n 's/^\*REMOVED\*//p' "$unshipped")
    { echo '#nullable enable'
      { grep -v '^#nullable enable$' "$shipped" | grep -vxF -f <(printf '%s\n' "$removed") || true
        grep -v '^#nullable enable$' "$unshipped" | grep -v '^\*REMOVED\*' || true; } | LC_ALL=C sort -u
    } > "$shipped.new"
    mv "$shipped.new" "$shipped"
    echo '#nullable enable' > "$unshipped"
  done
  echo "Shipped the public API of ${#projects[@]} project(s)."
  exit 0
fi

[ $# -eq 0 ] || { echo "usage: eng/public-api.sh [--ship]" >&2; exit 2; }
for project in "${projects[@]}"; do
  echo "Recording the public API of $project"
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 RS0037 --severity warn --verbosity quiet
done
git status --short -- 'src/*/PublicAPI.*.txt'
