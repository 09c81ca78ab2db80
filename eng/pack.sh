#!/usr/bin/env bash
# Packs every shippable Herald project (src/*, the herald tool, the dotnet new templates) into a local feed folder and
# lists what it wrote. The version is <VersionPrefix> in Directory.Build.props with a prerelease suffix unless given.
#
# Usage: eng/pack.sh [--output DIR] [--version X] [--configuration C] [--no-build]
#   --output DIR         the feed folder (default artifacts/packages)
#   --version X          the packages' version, such as 1.2.0 or 1.2.0-rc.1 (default <VersionPrefix>-dev.<UTC time>)
#   --configuration C    the build configuration (default Release)
#   --no-build           pack what the last build of that configuration left, with the version it was built with
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
output="$root/artifacts/packages"
version=""
configuration=Release
no_build=false

usage() { sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//' >&2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --output|--version|--configuration)
      if [ $# -lt 2 ] || [ -z "$2" ]; then echo "pack.sh: $1 needs a value." >&2; usage; exit 2; fi
      case "$1" in
        --output) output="$2" ;;
        --version) version="$2" ;;
        --configuration) configuration="$2" ;;
      esac
      shift 2 ;;
    --no-build) no_build=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "pack.sh: unknown option '$1'." >&2; usage; exit 2 ;;
  esac
done

# Every project in src/ ships: one missing from the packing list would silently not be published.
list="$root/eng/package/Herald.Packages.slnx"
for project in "$root"/src/*/*.csproj; do
  name=$(basename "$project")
  if ! grep -q "/$name\"" "$list"; then
    echo "pack.sh: $name is in src/ but not in eng/package/Herald.Packages.slnx; add it there." >&2
    exit 1
  fi
done

if [ "$no_build" = true ]; then
  if [ -n "$version" ]; then
    echo "pack.sh: --version needs a build (the assemblies carry the version); drop --no-build or --version." >&2
    exit 2
  fi
  version=$(dotnet msbuild "$root/src/Herald/Herald.csproj" -nologo -getProperty:Version -p:Configuration="$configuration")
else
  if [ -z "$version" ]; then
    prefix=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$root/Directory.Build.props")
    version="$prefix-dev.$(date -u +%Y%m%d-%H%M%S)"
  fi
fi
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$ ]]; then
  echo "pack.sh: '$version' is not a version such as 1.2.0 or 1.2.0-rc.1." >&2
  exit 2
fi

mkdir -p "$output"
output=$(cd "$output" && pwd)
args=(pack "$list" -c "$configuration" -o "$output" --nologo -v quiet)
if [ "$no_build" = true ]; then
  args+=(--no-build)
else
  args+=(-p:Version="$version")
fi
if ! dotnet "${args[@]}"; then
  echo "pack.sh: dotnet ${args[*]} failed (see above)." >&2
  exit 1
fi

echo "Packed Herald $version into $output:"
count=0
for package in "$output"/*."$version".nupkg "$output"/*."$version".snupkg; do
  [ -e "$package" ] || continue
  echo "  $(basename "$package")"
  count=$((count + 1))
done
if [ "$count" -eq 0 ]; then
  echo "pack.sh: no package of version $version in $output." >&2
  exit 1
fi
