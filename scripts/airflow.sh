#!/usr/bin/env bash
# Start or stop narrmon's Airflow on this machine.
#   scripts/airflow.sh up        local: `airflow standalone` with the LocalExecutor; metadata on
#                                PostgreSQL when a server answers (database narrmon_airflow,
#                                created if missing), else SQLite with a one-user warning
#   scripts/airflow.sh cluster   the production shape: PostgreSQL metadata, CeleryExecutor on a
#                                Redis broker; scheduler, API server, DAG processor, triggerer and
#                                two Celery workers as separate processes; narrmon's store on
#                                PostgreSQL
#   scripts/airflow.sh down      stop whatever of the above runs (each process group, then waits)
#   scripts/airflow.sh status
#   scripts/airflow.sh airflow ARGS…   run the airflow CLI against the instance last started
# Settings, from the environment (defaults in brackets): AIRFLOW_HOME [./airflow_home],
# AIRFLOW_PORT [8080], NARRMON_AIRFLOW_PG [postgresql+psycopg://postgres@127.0.0.1:5432],
# NARRMON_AIRFLOW_DB [narrmon_airflow; cluster: narrmon_airflow_cluster],
# NARRMON_CELERY_BROKER [redis://127.0.0.1:6379/0], NARRMON_WORKERS [2],
# NARRMON_DB_URL [local: sqlite:///data/narrmon.db; cluster:
# postgresql+psycopg://postgres@127.0.0.1:5432/narrmon], NARRMON_CONFIG [./narrmon.yaml].
# Any AIRFLOW__SECTION__KEY already set wins over what this script sets.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/airflow_home}"
RUN="$AIRFLOW_HOME/run"  # pid files, process logs, the environment of the last start
PORT="${AIRFLOW_PORT:-8080}"
PG_SERVER="${NARRMON_AIRFLOW_PG:-postgresql+psycopg://postgres@127.0.0.1:5432}"
START_TIMEOUT="${NARRMON_AIRFLOW_START_TIMEOUT:-180}"  # seconds to wait for health
STOP_TIMEOUT=30  # seconds between SIGTERM and SIGKILL
export PATH="$ROOT/.venv/bin:$PATH"  # standalone starts its parts as `airflow …`
AIRFLOW="$ROOT/.venv/bin/airflow"
PY="$ROOT/.venv/bin/python"

export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="${AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION:-True}"
export AIRFLOW__API__HOST="${AIRFLOW__API__HOST:-127.0.0.1}"
export AIRFLOW__API__PORT="$PORT"
# Task processes report to the API server's execution API, on whatever port it listens.
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://127.0.0.1:$PORT/execution/}"
export NARRMON_CONFIG="${NARRMON_CONFIG:-$ROOT/narrmon.yaml}"

running() {  # running NAME: its process group is alive
  [ -f "$RUN/$1.pid" ] && kill -0 -- "-$(cat "$RUN/$1.pid")" 2>/dev/null
}

any_running() {
  local f
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] && running "$(basename "$f" .pid)" && return 0
  done
  return 1
}

start() {  # start NAME CMD…: in its own process group, output to $RUN/NAME.log
  local name=$1; shift
  setsid "$@" >"$RUN/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

redact() { sed -E 's#//([^:@/]*):[^@/]*@#//\1@#'; }  # a URL without its password

use_postgres() {  # use_postgres DB: metadata on PostgreSQL database DB (created if missing)
  local url="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-${PG_SERVER%/}/$1}"
  case "$url" in
    postgresql*) "$PY" scripts/airflow_services.py pg-ensure "$url" || return 1 ;;
    *) return 1 ;;
  esac
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="$url"
  case "$url" in  # the async engine takes the same server through psycopg's async driver
    postgresql+psycopg://*)
      export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC:-postgresql+psycopg_async://${url#postgresql+psycopg://}}" ;;
  esac
}

prepare() {  # migrate the metadata, set the pools, make the store; record the environment
  mkdir -p "$RUN"
  [ -f "$NARRMON_CONFIG" ] || cp narrmon.example.yaml "$NARRMON_CONFIG"
  "$ROOT/.venv/bin/narrmon" init >/dev/null
  "$AIRFLOW" db migrate >"$RUN/migrate.log" 2>&1 || { tail -20 "$RUN/migrate.log" >&2; exit 1; }
  # The pools guard the APIs across all workers: one Telegram account, X within its limits.
  "$AIRFLOW" pools set telegram_api 1 "Concurrent Telegram API use (one account)" >/dev/null
  "$AIRFLOW" pools set x_api 2 "Concurrent X API use (within the rate limit)" >/dev/null
  (umask 077; env | grep -E '^(AIRFLOW_HOME|AIRFLOW__|NARRMON_)' | sed "s/'/'\\\\''/g; s/=/='/; s/\$/'/; s/^/export /" >"$RUN/env")
}

wait_healthy() {  # wait_healthy COMPONENT…: until /monitor/health calls each one healthy
  local url="http://127.0.0.1:$PORT/api/v2/monitor/health" i health
  for i in $(seq 1 "$START_TIMEOUT"); do
    if health=$(curl -fsS "$url" 2>/dev/null) && echo "$health" | "$PY" -c '
import json, sys
health = json.load(sys.stdin)
sys.exit(any(health.get(c, {}).get("status") != "healthy" for c in sys.argv[1:]))' "$@"; then
      return 0
    fi
    if ! any_running; then echo "Airflow exited while starting; see $RUN/*.log" >&2; return 1; fi
    sleep 1
  done
  echo "Airflow did not report $* healthy on :$PORT within ${START_TIMEOUT} s; see $RUN/*.log" >&2
  return 1
}

wait_worker() {  # wait_worker NAME: until the Celery worker says it is ready
  local i
  for i in $(seq 1 "$START_TIMEOUT"); do
    grep -qE "@[^ ]+ ready\." "$RUN/$1.log" 2>/dev/null && return 0
    running "$1" || { echo "$1 exited while starting; see $RUN/$1.log" >&2; return 1; }
    sleep 1
  done
  echo "$1 was not ready within ${START_TIMEOUT} s; see $RUN/$1.log" >&2
  return 1
}

refuse_if_running() {
  mkdir -p "$RUN"
  if any_running; then
    echo "Airflow already running from $AIRFLOW_HOME ($(status | tr '\n' ' ')); \`make airflow-stop\` first"
    exit 0
  fi
}

print_login() {
  local pw="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
  echo "Airflow is up: http://127.0.0.1:$PORT (process logs: $RUN/)"
  [ -f "$pw" ] && echo "login: admin / password in $pw"
  return 0
}

up() {
  refuse_if_running
  export NARRMON_DB_URL="${NARRMON_DB_URL:-sqlite:///$ROOT/data/narrmon.db}"
  if use_postgres "${NARRMON_AIRFLOW_DB:-narrmon_airflow}"; then
    export AIRFLOW__CORE__EXECUTOR="${AIRFLOW__CORE__EXECUTOR:-LocalExecutor}"
    echo "Airflow metadata: $(echo "$AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" | redact), $AIRFLOW__CORE__EXECUTOR"
  else
    export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db}"
    {
      echo "warning: Airflow's metadata is in SQLite ($AIRFLOW__DATABASE__SQL_ALCHEMY_CONN), no PostgreSQL."
      echo "warning: SQLite is for one user running one DAG at a time: a few runs at once can"
      echo "warning: fail with 'database is locked'. Start PostgreSQL (or set NARRMON_AIRFLOW_PG)."
    } >&2
  fi
  prepare
  start standalone "$AIRFLOW" standalone
  wait_healthy metadatabase scheduler triggerer dag_processor || exit 1
  print_login
}

cluster() {
  refuse_if_running
  local broker="${AIRFLOW__CELERY__BROKER_URL:-${NARRMON_CELERY_BROKER:-redis://127.0.0.1:6379/0}}"
  local queue="${AIRFLOW__OPERATORS__DEFAULT_QUEUE:-default}" n="${NARRMON_WORKERS:-2}" i
  export NARRMON_DB_URL="${NARRMON_DB_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/narrmon}"
  case "$NARRMON_DB_URL" in
    postgresql*) "$PY" scripts/airflow_services.py pg-ensure "$NARRMON_DB_URL" || exit 1 ;;
    *) echo "the cluster's workers share narrmon's store: NARRMON_DB_URL must be PostgreSQL" >&2; exit 1 ;;
  esac
  use_postgres "${NARRMON_AIRFLOW_DB:-narrmon_airflow_cluster}" || {
    echo "the cluster keeps Airflow's metadata in PostgreSQL: start it or set NARRMON_AIRFLOW_PG" >&2; exit 1; }
  "$PY" scripts/airflow_services.py redis-ping "$broker" || {
    echo "the cluster needs the Celery broker: start Redis or set NARRMON_CELERY_BROKER" >&2; exit 1; }
  export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
  export AIRFLOW__CELERY__BROKER_URL="$broker"
  export AIRFLOW__CELERY__RESULT_BACKEND="${AIRFLOW__CELERY__RESULT_BACKEND:-db+$AIRFLOW__DATABASE__SQL_ALCHEMY_CONN}"
  export AIRFLOW__CELERY__WORKER_CONCURRENCY="${AIRFLOW__CELERY__WORKER_CONCURRENCY:-2}"
  prepare
  start api-server "$AIRFLOW" api-server --port "$PORT"
  start scheduler "$AIRFLOW" scheduler
  start dag-processor "$AIRFLOW" dag-processor
  # One machine: every process writes its logs under $AIRFLOW_HOME/logs, where the API
  # server reads them, so no log server (and no port) per worker or triggerer.
  start triggerer "$AIRFLOW" triggerer --skip-serve-logs
  for i in $(seq 1 "$n"); do
    start "worker$i" "$AIRFLOW" celery worker --celery-hostname "worker$i@%h" \
      --queues "$queue" --skip-serve-logs
  done
  wait_healthy metadatabase scheduler triggerer dag_processor || exit 1
  for i in $(seq 1 "$n"); do wait_worker "worker$i" || exit 1; done
  echo "Airflow metadata: $(echo "$AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" | redact), CeleryExecutor"
  echo "broker $(echo "$broker" | redact), queue $queue, $n workers; store $(echo "$NARRMON_DB_URL" | redact)"
  print_login
}

down() {
  local f name stopped=() i
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    kill -TERM -- "-$(cat "$f")" 2>/dev/null || true
  done
  for i in $(seq 1 "$STOP_TIMEOUT"); do any_running || break; sleep 1; done
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    if running "$name"; then kill -KILL -- "-$(cat "$f")" 2>/dev/null || true; fi
    stopped+=("$name"); rm -f "$f"
  done
  if [ ${#stopped[@]} -eq 0 ]; then echo "Airflow is not running (nothing in $RUN)"
  else echo "Airflow stopped: ${stopped[*]}"; fi
}

status() {
  local f found=0
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    found=1
    if running "$(basename "$f" .pid)"; then echo "$(basename "$f" .pid) running"
    else echo "$(basename "$f" .pid) stopped"; fi
  done
  [ $found = 1 ] || echo "stopped"
}

case "${1:-up}" in
  up) up ;;
  cluster) cluster ;;
  down) down ;;
  status) status ;;
  airflow)
    shift
    # shellcheck disable=SC1091
    [ -f "$RUN/env" ] && . "$RUN/env"
    exec "$AIRFLOW" "$@" ;;
  *) echo "usage: $0 up|cluster|down|status|airflow ARGS..." >&2; exit 2 ;;
esac
