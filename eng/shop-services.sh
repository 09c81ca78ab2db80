#!/usr/bin/env bash
# Runs the Shop as four processes on one machine: the orders, payment, inventory and notification services, each its own
# `Shop --service`, on a broker they share, for one run of N orders. Waits for them, then prints the combined summary
# (the counters of the one-process Shop) and exits with 0, or non-zero when a service failed.
# Usage: eng/shop-services.sh [--transport rabbitmq|nats|kafka] [--orders N] [--rate R] [--connection URI] [--prefix NAME]
#                             [--data DIR] [--timeout S] [--json]
#   --transport   the broker (default rabbitmq; eng/services.sh rabbitmq nats starts both locally; kafka starts
#                 herald serve unless --connection names a Kafka)
#   --orders      orders in the run (default 1000); --rate R places them at R a second (default: as fast as possible)
#   --connection, --prefix, --timeout   given to every service as they are (see Shop --help)
#   --data        the data directory the services share (default herald-data-<transport>, as the Shop's), each in
#                 a directory of its own; the script writes to DIR/logs
#   --json        end with the combined summary as one JSON line
# A service killed with SIGKILL (kill -9 PID; the "started" lines on stderr give each PID) is started again with the same
# arguments, up to 3 times per service, as a supervisor would: it goes on where its database says it stopped, its broker
# redelivers what it had not acknowledged, and its inbox skips what it had already done, so nothing is charged twice.
# Any other failure stops the other services and ends the script with that service's exit code and the end of its
# stderr. Each service writes to DIR/logs/<service>.out and .err. SHOP=PATH runs that Shop executable instead of
# building samples/Shop (Release).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
services=(payment inventory notification orders)
max_restarts=3

fail() { echo "shop-services.sh: $*" >&2; exit 2; }
say() { echo "shop-services: $*" >&2; }

transport=rabbitmq orders=1000 json=0 data="" passed=()
while [ $# -gt 0 ]; do
  case "$1" in
    --transport) [ $# -ge 2 ] || fail "--transport needs a value"; transport=$2; shift ;;
    --orders) [ $# -ge 2 ] || fail "--orders needs a value"; orders=$2; shift ;;
    --data) [ $# -ge 2 ] || fail "--data needs a value"; data=$2; shift ;;
    --rate) [ $# -ge 2 ] || fail "--rate needs a value"; rate=$2; shift ;;
    --connection | --prefix | --timeout) [ $# -ge 2 ] || fail "$1 needs a value"; passed+=("$1" "$2"); shift ;;
    --json) json=1 ;;
    -h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown option '$1'; see --help" ;;
  esac
  shift
done
[[ $orders =~ ^[1-9][0-9]*$ ]] || fail "--orders must be a whole number from 1, not '$orders'"
data=${data:-herald-data-$transport}

# Kafka without --connection: `herald serve` holds the embedded log of DIR/serve and shares it with the four services
# over the Kafka protocol on 127.0.0.1:9092 (HERALD=PATH runs that herald executable instead of building
# src/Herald.Cli); it is stopped with the services. With --connection the services use that Kafka as it is.
broker_pid=""
start_broker() {
  case "$transport" in
    kafka)
      local given=0 i
      for ((i = 0; i < ${#passed[@]}; i++)); do [ "${passed[$i]}" = --connection ] && given=1; done
      [ "$given" -eq 0 ] || return 0
      if [ -z "${HERALD:-}" ]; then
        dotnet build "$root/src/Herald.Cli" -c Release -v quiet -nologo >&2 || fail "building src/Herald.Cli failed (see above)"
        HERALD=$root/src/Herald.Cli/bin/Release/net10.0/Herald.Cli
      fi
      "$HERALD" serve --data "$data/serve" --listen 127.0.0.1:9092 --group-initial-rebalance-delay 0 >"$logs/serve.out" 2>"$logs/serve.err" &
      broker_pid=$!
      local waited=0
      until grep -q "^herald serve: Kafka protocol on" "$logs/serve.out" 2>/dev/null; do
        kill -0 "$broker_pid" 2>/dev/null || fail "herald serve did not start: $(tail -n 3 "$logs/serve.err")"
        [ "$waited" -lt 300 ] || { kill "$broker_pid"; fail "herald serve did not start within 30 s"; }
        sleep 0.1; waited=$((waited + 1))
      done
      say "herald serve started (pid $broker_pid) on 127.0.0.1:9092, data directory $data/serve"
      passed+=(--connection 127.0.0.1:9092)
      ;;
  esac
}
stop_broker() { [ -z "$broker_pid" ] || { kill -TERM "$broker_pid" 2>/dev/null; wait "$broker_pid" 2>/dev/null; }; }

if [ -z "${SHOP:-}" ]; then
  dotnet build "$root/samples/Shop" -c Release -v quiet -nologo >&2 || fail "building samples/Shop failed (see above)"
  SHOP=$root/samples/Shop/bin/Release/net10.0/Shop
fi
[ -x "$SHOP" ] || fail "no Shop executable at $SHOP"

run=$(date -u +%Y%m%dT%H%M%S%3N)
logs=$data/logs
mkdir -p "$logs" || fail "cannot create $logs"
start_broker

declare -A pid_of service_of restarts
start() { # start SERVICE : in the background, its output to its logs; records its pid
  local service=$1 args=(--service "$1" --transport "$transport" --orders "$orders" --run "$run" --data "$data" --json "${passed[@]}")
  [ "$service" = orders ] && [ -n "${rate:-}" ] && args+=(--rate "$rate")
  "$SHOP" "${args[@]}" >"$logs/$service.out" 2>>"$logs/$service.err" &
  pid_of[$service]=$!
  service_of[$!]=$service
  say "$service started (pid $!)"
}

stop_all() { # stop_all SIGNAL : signals every service still running and waits for them
  local pid
  for pid in "${pid_of[@]}"; do kill "-$1" "$pid" 2>/dev/null; done
  for pid in "${pid_of[@]}"; do wait "$pid" 2>/dev/null; done
  stop_broker
}
trap 'say "interrupted: stopping the services"; stop_all TERM; exit 130' INT TERM

say "run $run: $orders orders on $transport, data directory $data"
for service in "${services[@]}"; do : >"$logs/$service.err"; restarts[$service]=0; start "$service"; done

summaries=$logs/summaries.jsonl
: >"$summaries"
while [ ${#pid_of[@]} -gt 0 ]; do
  wait -n -p exited "${pid_of[@]}"
  status=$?
  service=${service_of[$exited]}
  unset "pid_of[$service]" "service_of[$exited]"
  if [ "$status" -eq 0 ]; then
    tail -n 1 "$logs/$service.out" >>"$summaries"
    say "$service done"
  elif [ "$status" -eq 137 ] && [ "${restarts[$service]}" -lt "$max_restarts" ]; then
    restarts[$service]=$((restarts[$service] + 1))
    say "$service was killed (SIGKILL); starting it again (restart ${restarts[$service]} of $max_restarts)"
    start "$service"
  else
    say "$service failed with exit code $status; stopping the others. The end of $logs/$service.err:"
    tail -n 20 "$logs/$service.err" >&2
    stop_all TERM
    exit "$status"
  fi
done
stop_broker

echo "Restarts: $(for s in "${services[@]}"; do printf '%s %s, ' "$s" "${restarts[$s]}"; done | sed 's/, $//')" >&2
if [ "$json" = 1 ]; then "$SHOP" --combine "$summaries" --json; else "$SHOP" --combine "$summaries"; fi
