#!/usr/bin/env bash
# Installs (when missing) and starts the services that integration tests and broker baselines use,
# from Debian packages, bound to 127.0.0.1 only and without systemd:
#   rabbitmq  RabbitMQ 3.10, AMQP on 127.0.0.1:5672 (guest/guest); Erlang distribution on 25672, epmd on 4369
#   nats      NATS 2.9 with JetStream (file store), 127.0.0.1:4222, monitoring 127.0.0.1:8222
#   postgres  PostgreSQL 15, 127.0.0.1:5432, user postgres password postgres
# Usage: eng/services.sh [rabbitmq] [nats] [postgres]          start those named (none named: all)
#        eng/services.sh --stop [rabbitmq] [nats] [postgres]   stop them
# Idempotent: a service this script already started is left alone. Every named service is tried even when
# another fails; each ends with one line, "<service> ready on ..." or "services.sh: <service> failed: <why>; log: <file>",
# and the exit status is non-zero when any failed. Before starting a service it checks the ports the service needs
# and names the process that holds one. Installing packages and starting RabbitMQ or PostgreSQL need root; NATS does not.
# Data and logs live in ${HERALD_SERVICES_DIR:-/tmp/herald-services}. Other ports (the tests then need the URL it prints):
#   HERALD_RABBITMQ_PORT (AMQP, default 5672), HERALD_RABBITMQ_DIST_PORT (Erlang distribution, default AMQP + 20000),
#   HERALD_NATS_PORT (4222),
#   HERALD_NATS_MONITOR_PORT (8222).
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive PATH="$PATH:/usr/sbin:/sbin"
# Not under /root: the rabbitmq user must be able to traverse it.
root_dir=${HERALD_SERVICES_DIR:-/tmp/herald-services}
usage="usage: eng/services.sh [--stop] [rabbitmq] [nats] [postgres]"

log() { echo "[${SECONDS}s] $*"; }
alive() { # alive PIDFILE : the process is running (/proc, for one of another user that kill -0 may not signal)
  local pid
  pid=$(head -1 "$1" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] && { kill -0 "$pid" 2>/dev/null || [ -d "/proc/$pid" ]; }
}
is_root() { [ "$(id -u)" -eq 0 ]; }

failures=()
failed() { # failed SERVICE WHY [LOG] : records the failure and says why, with the last lines of LOG
  failures+=("$1")
  echo "services.sh: $1 failed: $2${3:+; log: $3}" >&2
  if [ -n "${3:-}" ] && [ -s "$3" ]; then
    echo "services.sh: the end of $3:" >&2
    tail -n 8 "$3" | sed 's/^/    /' >&2
  fi
}
failed_already() { [[ " ${failures[*]} " == *" $1 "* ]]; }

wait_for() { # wait_for SECONDS ALIVE COMMAND... : retries COMMAND every 0.2 s; fails at once when the command ALIVE fails
  local end=$((SECONDS + $1)) check=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    eval "$check" || return 1
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.2
  done
}

wait_job() { # wait_job ALIVE COMMAND... : runs COMMAND (which waits on its own) once; fails at once when the command ALIVE fails
  # A process group of its own, so that the whole command (rabbitmqctl is a wrapper around an Erlang VM) can be ended.
  local alive=$1 job
  shift
  setsid "$@" </dev/null >/dev/null 2>&1 &
  job=$!
  while kill -0 "$job" 2>/dev/null; do
    if ! eval "$alive"; then
      kill -TERM -- "-$job" 2>/dev/null
      wait "$job" 2>/dev/null
      return 1
    fi
    sleep 0.2
  done
  wait "$job"
}

port_number() { # port_number VARIABLE DEFAULT : the port in VARIABLE, else DEFAULT; exits when it is not a port number
  local value=${!1:-$2}
  [[ $value =~ ^[0-9]+$ ]] && [ "$value" -ge 1 ] && [ "$value" -le 65535 ] \
    || { echo "services.sh: $1='$value' is not a port number (1-65535)." >&2; exit 2; }
  echo "$value"
}
rabbitmq_port=$(port_number HERALD_RABBITMQ_PORT 5672) || exit 2
rabbitmq_dist_port=$(port_number HERALD_RABBITMQ_DIST_PORT $((rabbitmq_port + 20000))) || exit 2
nats_port=$(port_number HERALD_NATS_PORT 4222) || exit 2
nats_monitor_port=$(port_number HERALD_NATS_MONITOR_PORT 8222) || exit 2
postgres_port=5432

listener() { # listener PORT : names the process listening where a server on 127.0.0.1:PORT would collide; fails when none does
  if command -v ss >/dev/null; then
    local line
    line=$(ss -ltnpH 2>/dev/null | awk -v port="$1" '{
      n = split($4, part, ":"); host = substr($4, 1, length($4) - length(part[n]) - 1)
      if (part[n] == port && host ~ /^(127\.0\.0\.1|0\.0\.0\.0|\*|\[::\]|\[::ffff:127\.0\.0\.1\])$/) { print; exit }
    }')
    [ -n "$line" ] || return 1
    if [[ $line =~ users:\(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
      echo "${BASH_REMATCH[1]} (pid ${BASH_REMATCH[2]})"
    else
      echo "a process of another user (as root, 'ss -ltnp' names it)"
    fi
  elif (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    echo "an unknown process ('ss -ltnp', from iproute2, names it)"
  else
    return 1
  fi
}

ports_free() { # ports_free SERVICE HINT PORT:ROLE... : fails SERVICE naming every port that something else holds
  local service=$1 hint=$2 spec owner taken=""
  shift 2
  for spec in "$@"; do
    owner=$(listener "${spec%%:*}") || continue
    # Every Erlang node of the machine shares one epmd; only another program on its port is in the way.
    [ "${spec#*:}" = epmd ] && { [[ $owner == epmd\ * ]] || epmd -names >/dev/null 2>&1; } && continue
    taken+="${taken:+; }port ${spec%%:*} (${spec#*:}) is taken by $owner"
  done
  [ -z "$taken" ] && return 0
  failed "$service" "$taken, not by a $service this script started. $hint"
  return 1
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
wants() { [[ " ${services[*]} " == *" $1 "* ]] && ! failed_already "$1"; }

# ---- RabbitMQ: rabbitmqctl (a Debian wrapper that runs as the rabbitmq user and keeps this environment) finds the
# same node, config and Erlang cookie as the server.
rmq=$root_dir/rabbitmq
export RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$rabbitmq_port \
  RABBITMQ_DIST_PORT=$rabbitmq_dist_port \
  RABBITMQ_CONFIG_FILE=$rmq/rabbitmq.conf RABBITMQ_MNESIA_BASE=$rmq/mnesia RABBITMQ_LOG_BASE=$rmq/log \
  RABBITMQ_ENABLED_PLUGINS_FILE=$rmq/enabled_plugins RABBITMQ_PID_FILE=$rmq/rabbit.pid \
  ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
rmq_console=$rmq/log/console.log # what the node prints before its own log exists, e.g. why it could not start
rmq_logs="$rmq_console and $rmq/log/$RABBITMQ_NODENAME.log"
rmq_alive() { alive "$RABBITMQ_PID_FILE" || alive "$rmq/server.pid"; }
nats_dir=$root_dir/nats
nats_alive() { alive "$nats_dir/nats.pid"; }

postgres_version() { # the newest installed PostgreSQL major version, or nothing
  find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null | cut -d/ -f5 | sort -V | tail -1
}
postgres_log() { pg_lsclusters -h 2>/dev/null | awk -v v="$1" '$1 == v && $2 == "main" { print $7 }'; }
postgres_running() { pg_lsclusters -h 2>/dev/null | awk -v v="$1" '$1 == v && $2 == "main" && $4 ~ /^online/ { found = 1 } END { exit !found }'; }

if [ "$stop" = 1 ]; then
  if wants rabbitmq; then
    if rmq_alive; then
      rabbitmqctl -q stop "$RABBITMQ_PID_FILE" >/dev/null || { echo "services.sh: rabbitmqctl stop failed; see $rmq_logs." >&2; exit 1; }
      # epmd outlives the broker; end it only when no other Erlang node still uses it.
      if command -v epmd >/dev/null && ! epmd -names 2>/dev/null | grep -q '^name '; then epmd -kill >/dev/null 2>&1 || true; fi
    fi
    rm -f "$RABBITMQ_PID_FILE" "$rmq/server.pid"
    log "rabbitmq stopped"
  fi
  if wants nats; then
    if nats_alive; then
      start-stop-daemon --stop --quiet --oknodo --pidfile "$nats_dir/nats.pid" --retry TERM/10/KILL/5
    fi
    rm -f "$nats_dir/nats.pid"
    log "nats stopped"
  fi
  if wants postgres; then
    version=$(postgres_version)
    if postgres_running "$version"; then
      pg_ctlcluster "$version" main stop
    fi
    log "postgres stopped"
  fi
  exit 0
fi

# ---- ports, before anything is installed or started: a port that another process holds is reported at once, by
# whom, instead of as a server that dies (or a broker that never answers) later.
if wants rabbitmq && ! rmq_alive; then
  if ports_free rabbitmq "Stop it, or set HERALD_RABBITMQ to a broker the tests should use instead (test.sh then starts none)." \
    "$rabbitmq_port:AMQP" "$rabbitmq_dist_port:Erlang distribution" 4369:epmd \
    && command -v epmd >/dev/null && epmd -names 2>/dev/null | grep -q "^name ${RABBITMQ_NODENAME%@*} "; then
    failed rabbitmq "another Erlang node already registered the name $RABBITMQ_NODENAME with epmd ($(epmd -names | grep "^name ${RABBITMQ_NODENAME%@*} ")): a RabbitMQ this script did not start (its data is not under $rmq) runs on this machine. Stop it, or set HERALD_RABBITMQ to it."
  fi
fi
if wants nats && ! nats_alive; then
  ports_free nats "Stop it, or set HERALD_NATS_PORT and HERALD_NATS_MONITOR_PORT to free ports (the tests then need HERALD_NATS=nats://127.0.0.1:<port>), or HERALD_NATS to a server the tests should use." \
    "$nats_port:client" "$nats_monitor_port:monitoring"
fi
if wants postgres && ! postgres_running "$(postgres_version)"; then
  ports_free postgres "Stop it, or set HERALD_POSTGRES to a server the tests should use instead (test.sh then starts none)." \
    "$postgres_port:PostgreSQL"
fi

# ---- packages; a temporary policy-rc.d keeps postinst scripts from starting services on their own
declare -A packages=() # service -> the packages it still needs
if wants rabbitmq && ! command -v rabbitmq-server >/dev/null; then packages[rabbitmq]=rabbitmq-server; fi
if wants nats; then
  [ -x /usr/sbin/nats-server ] || packages[nats]=nats-server
  command -v curl >/dev/null || packages[nats]="${packages[nats]:-} curl"
fi
if wants postgres && [ -z "$(postgres_version)" ]; then packages[postgres]=postgresql; fi
read -r -a need <<<"${packages[*]}"
if [ ${#need[@]} -gt 0 ]; then
  installed=0
  if ! is_root; then
    why="${need[*]} not installed; run this script as root to install them"
  else
    # A policy-rc.d that was already there (container images ship one) is not ours to remove.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    log "installing ${need[*]}"
    if ! apt-get update -q >/dev/null; then
      why="apt-get update failed"
    elif ! apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; then
      why="apt-get install ${need[*]} failed"
    else
      installed=1
      log "installed ${need[*]}"
    fi
  fi
  if [ "$installed" = 0 ]; then
    for service in "${!packages[@]}"; do
      failed "$service" "$why"
    done
  fi
fi
mkdir -p "$root_dir"
chmod 755 "$root_dir" 2>/dev/null

start_rabbitmq() {
  if ! is_root; then
    # rabbitmqctl runs only as root or rabbitmq: a node this script started earlier is taken as ready once it listens.
    if rmq_alive && listener "$rabbitmq_port" >/dev/null; then
      log "rabbitmq ready on 127.0.0.1:$rabbitmq_port (started earlier, pid $(head -1 "$RABBITMQ_PID_FILE"))"
    else
      failed rabbitmq "starting the node needs root (it runs as the rabbitmq user); run as root, or set HERALD_RABBITMQ to a running broker"
    fi
    return
  fi
  mkdir -p "$rmq/mnesia" "$rmq/log"
  echo "listeners.tcp.1 = 127.0.0.1:$rabbitmq_port" >"$rmq/rabbitmq.conf"
  echo '[].' >"$rmq/enabled_plugins"
  chown -R rabbitmq:rabbitmq "$rmq"
  if ! rmq_alive; then
    rm -f "$RABBITMQ_PID_FILE"
    echo "---- $(date -u '+%F %T') eng/services.sh starts the node" >>"$rmq_console"
    # In the foreground (not -detached), in a session of its own, so that what the node prints before its log file
    # exists (a distribution port in use, a bad config) lands in the console log, and the server process lives exactly
    # as long as the node. Every quorum queue holds files open; at 1,024 descriptors (about 830 sockets) a test run that
    # declares a few hundred queues exhausts them, and the Debian wrapper's su resets the limit to 1,024, so the node
    # is started as its user directly, with a higher limit.
    (
      ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
      cd /var/lib/rabbitmq && HOME=/var/lib/rabbitmq exec setsid setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups \
        /usr/lib/rabbitmq/bin/rabbitmq-server
    ) </dev/null >>"$rmq_console" 2>&1 &
    echo $! >"$rmq/server.pid"
  fi
  # In the foreground the node writes no pid file, and 'await_startup' fails while it is still booting: the broker is
  # taken as up once its AMQP listener is (opened at the end of the boot) and 'await_startup' then agrees; both waits
  # give up as soon as the node's process is gone. The listening process's pid becomes the pid file, which
  # 'rabbitmqctl stop' and later runs use.
  if ! wait_for 120 rmq_alive listener "$rabbitmq_port" || ! wait_job rmq_alive rabbitmqctl -q await_startup --timeout 60; then
    if rmq_alive; then
      failed rabbitmq "the node did not finish booting within 120 s (it is still running)" "$rmq_console"
    else
      failed rabbitmq "the node exited while starting" "$rmq_console"
    fi
    echo "services.sh: the node's own log: $rmq/log/$RABBITMQ_NODENAME.log" >&2
    return
  fi
  [[ $(listener "$rabbitmq_port") =~ \(pid\ ([0-9]+)\) ]] && echo "${BASH_REMATCH[1]}" >"$RABBITMQ_PID_FILE"
  log "rabbitmq ready on 127.0.0.1:$rabbitmq_port (pid $(head -1 "$RABBITMQ_PID_FILE"))$([ "$rabbitmq_port" = 5672 ] ||
    echo "; tests: HERALD_RABBITMQ=amqp://guest:guest@127.0.0.1:$rabbitmq_port/")"
}

start_nats() {
  mkdir -p "$nats_dir"
  local nats_log=$nats_dir/nats.log
  if ! nats_alive; then
    echo "---- $(date -u '+%F %T') eng/services.sh starts nats-server" >>"$nats_log"
    start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile "$nats_dir/nats.pid" \
      --output "$nats_log" --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p "$nats_port" -m "$nats_monitor_port" -js -sd "$nats_dir" \
      || { failed nats "start-stop-daemon could not start nats-server" "$nats_log"; return; }
  fi
  if ! wait_for 30 nats_alive curl -fsS "http://127.0.0.1:$nats_monitor_port/healthz?js-enabled-only=true"; then
    if nats_alive; then
      failed nats "nats-server did not report JetStream healthy on 127.0.0.1:$nats_monitor_port within 30 s" "$nats_log"
    else
      failed nats "nats-server exited while starting" "$nats_log"
    fi
    return
  fi
  log "nats ready on 127.0.0.1:$nats_port with JetStream (pid $(head -1 "$nats_dir/nats.pid"))$([ "$nats_port" = 4222 ] ||
    echo "; tests: HERALD_NATS=nats://127.0.0.1:$nats_port")"
}

start_postgres() {
  local version pg_log
  version=$(postgres_version)
  if ! is_root; then
    if postgres_running "$version" && pg_isready -q -h 127.0.0.1 -p "$postgres_port"; then
      log "postgres ready on 127.0.0.1:$postgres_port (started earlier, version $version)"
    else
      failed postgres "starting the server needs root (it runs as the postgres user); run as root, or set HERALD_POSTGRES to a running server"
    fi
    return
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
    pg_createcluster -p "$postgres_port" "$version" main >/dev/null || { failed postgres "pg_createcluster $version main failed"; return; }
  fi
  pg_log=$(postgres_log "$version")
  if ! postgres_running "$version"; then
    pg_ctlcluster "$version" main start -- -o "-c listen_addresses=127.0.0.1" \
      || { failed postgres "pg_ctlcluster $version main start failed" "$pg_log"; return; }
  fi
  if ! wait_for 60 "alive /var/run/postgresql/$version-main.pid" pg_isready -q -h 127.0.0.1 -p "$postgres_port"; then
    failed postgres "the server did not accept connections on 127.0.0.1:$postgres_port (it exited, or 60 s passed)" "$pg_log"
    return
  fi
  runuser -u postgres -- psql -q -c "ALTER USER postgres PASSWORD 'postgres'" >/dev/null \
    || { failed postgres "could not set the postgres user's password" "$pg_log"; return; }
  log "postgres ready on 127.0.0.1:$postgres_port (version $version)"
}

if wants rabbitmq; then start_rabbitmq; fi
if wants nats; then start_nats; fi
if wants postgres; then start_postgres; fi

if [ ${#failures[@]} -gt 0 ]; then
  echo "services.sh: ${#failures[@]} of ${#services[@]} failed to start: ${failures[*]} (see above)." >&2
  exit 1
fi
