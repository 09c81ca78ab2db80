#!/usr/bin/env bash
# Installs what the JavaScript interop sample (samples/interop/js) needs: node and npm when missing (Debian's
# nodejs and npm packages, as root), then the sample's packages exactly as its package-lock.json pins them.
# The Herald.RabbitMQ, Herald.Nats and Herald.Kafka interop tests run the sample with node; eng/test.sh calls this script first.
# Usage: eng/interop.sh          Idempotent; prints one "interop sample ready" line, or exits non-zero saying why.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
root=$(cd "$(dirname "$0")/.." && pwd)
sample=$root/samples/interop/js

fail() { echo "interop.sh: $*" >&2; exit 1; }

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  [ "$(id -u)" -eq 0 ] || fail "node and npm are missing: install Node.js 18 or later with npm, or run this script as root to install Debian's nodejs and npm."
  echo "interop.sh: installing nodejs npm"
  apt-get update -q >/dev/null || fail "apt-get update failed."
  apt-get install -y -q --no-install-recommends nodejs npm >/dev/null || fail "apt-get install nodejs npm failed."
fi

major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 18 ] || fail "node $(node --version) is too old: the sample's packages need 18 or later."

# 'npm ci' installs the lock file's versions and nothing else, and refuses a lock file that no longer matches package.json.
(cd "$sample" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
  || fail "npm ci failed in $sample (see above; is the npm registry reachable?)."
echo "interop sample ready: node $(node --version), $(cd "$sample" && node -p \
  "Object.entries(require('./package.json').dependencies).map(([name, version]) => name + ' ' + version).join(', ')")"
