#!/usr/bin/env bash
# Installs the Kafka clients that judge herald serve from outside Herald: kcat (Debian's package, librdkafka inside).
# Confluent.Kafka comes from NuGet with the tests. The Herald.Server tests run kcat; eng/test.sh calls this script first.
# Usage: eng/kafka-clients.sh     Idempotent; prints one "kafka clients ready" line, or exits non-zero saying why.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

fail() { echo "kafka-clients.sh: $*" >&2; exit 1; }

if ! command -v kcat >/dev/null; then
  [ "$(id -u)" -eq 0 ] || fail "kcat is missing: install Debian's kcat package, or run this script as root to install it."
  echo "kafka-clients.sh: installing kcat"
  apt-get update -q >/dev/null || fail "apt-get update failed."
  apt-get install -y -q --no-install-recommends kcat >/dev/null || fail "apt-get install kcat failed."
fi

echo "kafka clients ready: $(kcat -V 2>&1 | sed -n 's/^Version \([^ ]*\) .*librdkafka \([^ ]*\).*/kcat \1 (librdkafka \2)/p')"
