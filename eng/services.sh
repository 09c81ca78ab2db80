#!/usr/bin/env bash
# Installs (when missing) and starts the services that integration tests and broker baselines use,
# from Debian packages, bound to 127.0.0.1 only and without systemd:
#   rabbitmq  RabbitMQ 3.10, AMQP on 127.0.0.1:5672 (guest/guest)
#   nats      NATS 2.9 with JetStream (file store), 127.0.0.1:4222, monitoring 127.0.0.1:8222
#   postgres  PostgreSQL 15, 127.0.0.1:5432, user postgres password postgres
# Usage: eng/services.sh [rabbitmq] [nats] [postgres]          start those named (none named: all)
#        eng/services.sh --stop [rabbitmq] [nats] [postgres]   stop them
# Idempotent: a service already running is left alone. Prints one "<service> ready" line per service
# and exits non-zero, naming the service and its log, when one does not come up. Run as root.
# Data and logs live in ${HERALD_SERVICES_DIR:-/tmp/herald-services}.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive PATH="$PATH:/usr/sbin:/sbin"
# Not under /root: the rabbitmq user must be able to traverse it.
root_dir=${HERALD_SERVICES_DIR:-/tmp/herald-services}
usage="usage: eng/services.sh [--stop] [rabbitmq] [nats] [postgres]"

fail() { echo "services.sh: $*" >&2; exit 1; }
log() { echo "[${SECONDS}s] $*"; }
alive() { [ -s "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }
wait_for() { # wait_for SECONDS PIDFILE|- COMMAND... : retries COMMAND every 0.2 s; fails early once PIDFILE's process is gone
  local end=$((SECONDS + $1)) pidfile=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$pidfile" = - ] || alive "$pidfile" || return 1
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.2
  done
}

stop=0
services=()
for arg in "$@"; do
  case "$arg" in
    --stop) stop=1 ;;
    rabbitmq | nats | postgres) services+=("$arg") ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "services.sh: unknown argument '$arg'. $usage" >&2; exit 2 ;;
  esac
done
[ ${#services[@]} -gt 0 ] || services=(rabbitmq nats postgres)
[ "$(id -u)" -eq 0 ] || fail "run as root (it installs packages and starts services as their own users)."
wants() { [[ " ${services[*]} " == *" $1 "* ]]; }

# ---- RabbitMQ: the Debian wrappers run rabbitmq-server and rabbitmqctl as the rabbitmq user and keep
# this environment, so both find the same node, config and Erlang cookie.
rmq=$root_dir/rabbitmq
export RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
  RABBITMQ_CONFIG_FILE=$rmq/rabbitmq.conf RABBITMQ_MNESIA_BASE=$rmq/mnesia RABBITMQ_LOG_BASE=$rmq/log \
  RABBITMQ_ENABLED_PLUGINS_FILE=$rmq/enabled_plugins RABBITMQ_PID_FILE=$rmq/rabbit.pid \
  ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
nats_dir=$root_dir/nats

postgres_version() { # the newest installed PostgreSQL major version, or nothing
  find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null | cut -d/ -f5 | sort -V | tail -1
}

if [ "$stop" = 1 ]; then
  if wants rabbitmq; then
    if alive "$RABBITMQ_PID_FILE"; then
      rabbitmqctl -q stop "$RABBITMQ_PID_FILE" >/dev/null || fail "rabbitmqctl stop failed; see $rmq/log."
      # epmd outlives the broker; end it only when no other Erlang node still uses it.
      if command -v epmd >/dev/null && ! epmd -names 2>/dev/null | grep -q '^name '; then epmd -kill >/dev/null 2>&1 || true; fi
    fi
    rm -f "$RABBITMQ_PID_FILE"
    log "rabbitmq stopped"
  fi
  if wants nats; then
    if alive "$nats_dir/nats.pid"; then
      start-stop-daemon --stop --quiet --oknodo --pidfile "$nats_dir/nats.pid" --retry TERM/10/KILL/5
    fi
    rm -f "$nats_dir/nats.pid"
    log "nats stopped"
  fi
  if wants postgres; then
    version=$(postgres_version)
    if [ -n "$version" ] && pg_ctlcluster "$version" main status >/dev/null 2>&1; then
      pg_ctlcluster "$version" main stop
    fi
    log "postgres stopped"
  fi
  exit 0
fi

# ---- packages; a temporary policy-rc.d keeps postinst scripts from starting services on their own
need=()
if wants rabbitmq && ! command -v rabbitmq-server >/dev/null; then need+=(rabbitmq-server); fi
if wants nats; then
  [ -x /usr/sbin/nats-server ] || need+=(nats-server)
  command -v curl >/dev/null || need+=(curl)
fi
if wants postgres && [ -z "$(postgres_version)" ]; then need+=(postgresql); fi
if [ ${#need[@]} -gt 0 ]; then
  # A policy-rc.d that was already there (container images ship one) is not ours to remove.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  log "installing ${need[*]}"
  apt-get update -q >/dev/null || fail "apt-get update failed."
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null || fail "apt-get install ${need[*]} failed."
  log "installed ${need[*]}"
fi
mkdir -p "$root_dir"
chmod 755 "$root_dir"

if wants rabbitmq; then
  mkdir -p "$rmq/mnesia" "$rmq/log"
  echo 'listeners.tcp.1 = 127.0.0.1:5672' >"$rmq/rabbitmq.conf"
  echo '[].' >"$rmq/enabled_plugins"
  chown -R rabbitmq:rabbitmq "$rmq"
  if ! alive "$RABBITMQ_PID_FILE"; then
    rm -f "$RABBITMQ_PID_FILE"
    # Every quorum queue holds files open; at 1,024 descriptors (about 830 sockets) a test run that declares a few
    # hundred queues exhausts them and the broker stops accepting connections. The Debian wrapper starts the broker
    # through su, whose PAM session resets the limit to 1,024, so it is started as its user directly, with this limit.
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    (cd /var/lib/rabbitmq && HOME=/var/lib/rabbitmq setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups \
      /usr/lib/rabbitmq/bin/rabbitmq-server -detached) || fail "rabbitmq-server did not start; see $rmq/log."
  fi
  # 'rabbitmqctl await_startup' fails while the node is still booting; 'wait' on the pid file does not.
  rabbitmqctl -q wait --timeout 120 "$RABBITMQ_PID_FILE" >/dev/null 2>&1 \
    || fail "rabbitmq did not come up (the node exited or 120 s passed); see $rmq/log."
  log "rabbitmq ready on 127.0.0.1:5672 (pid $(head -1 "$RABBITMQ_PID_FILE"))"
fi

if wants nats; then
  mkdir -p "$nats_dir"
  start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile "$nats_dir/nats.pid" \
    --output "$nats_dir/nats.log" --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -m 8222 -js -sd "$nats_dir"
  wait_for 30 "$nats_dir/nats.pid" curl -fsS "http://127.0.0.1:8222/healthz?js-enabled-only=true" \
    || fail "nats did not come up (nats-server exited or 30 s passed; is another process on port 4222 or 8222?); see $nats_dir/nats.log."
  log "nats ready on 127.0.0.1:4222 with JetStream (pid $(head -1 "$nats_dir/nats.pid"))"
fi

if wants postgres; then
  version=$(postgres_version)
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
    pg_createcluster "$version" main >/dev/null
  fi
  if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
    pg_ctlcluster "$version" main start -- -o "-c listen_addresses=127.0.0.1" \
      || fail "postgres did not start; see /var/log/postgresql/postgresql-$version-main.log."
  fi
  wait_for 60 - pg_isready -q -h 127.0.0.1 -p 5432 \
    || fail "postgres did not accept connections within 60 s; see /var/log/postgresql/postgresql-$version-main.log."
  runuser -u postgres -- psql -q -c "ALTER USER postgres PASSWORD 'postgres'" >/dev/null \
    || fail "could not set the postgres user's password."
  log "postgres ready on 127.0.0.1:5432 (version $version)"
fi
