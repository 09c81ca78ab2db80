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
# The build names each unrecorded symbol (RS0016: add it) and each recorded one that is gone (RS0017: remove it). A
# project whose dependency fails reports nothing of its own, so passes repeat until a build records nothing more.
record() { # record PROJECT: applies what one build reports; fails when there was nothing to apply
  local project=$1 unshipped="$1/PublicAPI.Unshipped.txt" output added removed
  output=$(dotnet build "$project" -c Release -nologo -clp:NoSummary 2>&1 | grep -E "error RS001[67]: " | grep -F "[$root/$project/" || true)
  added=$(sed -n "s/.*error RS0016: Symbol '\(.*\)' is not part of the declared public API.*/\1/p" <<< "$output" | sort -u)
  removed=$(sed -n "s/.*error RS0017: Symbol '\(.*\)' is part of the declared API.*/\1/p" <<< "$output" | sort -u)
  [ -n "$added$removed" ] || return 1
  if [ -n "$removed" ]; then
    # Gone since the last release: out of the unshipped list. Shipped in a release: marked *REMOVED* there.
    grep -vxF -f <(printf '%s\n' "$removed") "$unshipped" > "$unshipped.new" || true
    mv "$unshipped.new" "$unshipped"
    { grep -xF -f <(printf '%s\n' "$removed") "$project/PublicAPI.Shipped.txt" || true; } | sed 's/^/*REMOVED*/' >> "$unshipped"
  fi
  [ -z "$added" ] || printf '%s\n' "$added" >> "$unshipped"
}

root=$(pwd)
for pass in 1 2 3; do
  changed=0
  for project in "${projects[@]}"; do
    if record "$project"; then
      echo "Recorded public API changes of $project"
      changed=1
    fi
  done
  [ "$changed" = 1 ] || break
done
git status --short -- 'src/*/PublicAPI.*.txt'
