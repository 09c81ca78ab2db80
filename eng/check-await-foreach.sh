#!/usr/bin/env bash
# Library code awaits with ConfigureAwait(false) everywhere (CONTRIBUTING.md). CA2007 enforces it in the build but does
# not see `await foreach` (dotnet/roslyn-analyzers#6652), so this lists the loops over async streams in library code
# that lack it: every project under src/ except applications that opt out with
# <HeraldConfigureAwait>false</HeraldConfigureAwait>.
#
#   eng/check-await-foreach.sh [root]    exit 1 naming file:line of each such loop; root defaults to the repository
set -euo pipefail
root=${1:-"$(dirname "$0")/.."}
cd "$root"

status=0
for project in src/*/*.csproj; do
  if grep -q '<HeraldConfigureAwait>false</HeraldConfigureAwait>' "$project"; then
    continue
  fi
  while IFS= read -r hit; do
    echo "$hit: await foreach without ConfigureAwait(false) in library code; write 'await foreach (var x in source.ConfigureAwait(false))'." >&2
    status=1
  done < <(grep -rn --include='*.cs' --exclude-dir=bin --exclude-dir=obj 'await foreach' "$(dirname "$project")" | grep -v 'ConfigureAwait(false)' | cut -d: -f1,2 || true)
done
exit $status
