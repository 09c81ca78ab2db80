#!/usr/bin/env bash
# Checks what the compiler does not: formatting, the size limits of source files, and ConfigureAwait on await foreach.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

# House style: no file in src/ over 500 lines, generated ones included (the Kafka codecs are a file per message).
while read -r lines file; do
  if [ "$lines" -gt 500 ]; then
    echo "$file has $lines lines; split it by collaborator (limit 500)." >&2
    status=1
  fi
done < <(git ls-files 'src/*.cs' | xargs -r wc -l | grep -v ' total$')

# Herald.Server's Kafka codecs are generated from Protocol/messages.kdef: the checked-in files must be what the
# generator writes from it.
dotnet run eng/kafka-codegen.cs -- --check || status=1

# Library code's await foreach loops, which CA2007 does not see, use ConfigureAwait(false) as its awaits do.
eng/check-await-foreach.sh || status=1

if ! dotnet format Herald.slnx --verify-no-changes --verbosity quiet; then
  echo "dotnet format found changes to make: run 'dotnet format Herald.slnx'." >&2
  status=1
fi

exit $status
