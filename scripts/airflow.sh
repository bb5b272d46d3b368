#!/usr/bin/env bash
# Start or stop a local Airflow (standalone) running narrmon's DAGs.
#   scripts/airflow.sh up     migrate, create pools, start in the background (port 8080)
#   scripts/airflow.sh down   stop it (SIGTERM to the whole process group)
#   scripts/airflow.sh status
#   scripts/airflow.sh airflow ARGS…   run the airflow CLI against this instance
# AIRFLOW_HOME is ./airflow_home (git-ignored); metadata in SQLite; parallelism 4.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/airflow_home}"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db}"
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="${AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION:-True}"
export NARRMON_DB_URL="${NARRMON_DB_URL:-sqlite:///$ROOT/data/narrmon.db}"
export NARRMON_CONFIG="${NARRMON_CONFIG:-$ROOT/narrmon.yaml}"
PIDFILE="$AIRFLOW_HOME/standalone.pid"
LOG="$AIRFLOW_HOME/standalone.log"
export PATH="$ROOT/.venv/bin:$PATH"  # standalone starts its parts as `airflow …`
AIRFLOW="$ROOT/.venv/bin/airflow"

up() {
  mkdir -p "$AIRFLOW_HOME"
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "Airflow already running (process group $(cat "$PIDFILE")); see $LOG"; exit 0
  fi
  [ -f "$NARRMON_CONFIG" ] || cp narrmon.example.yaml "$NARRMON_CONFIG"
  "$ROOT/.venv/bin/narrmon" init >/dev/null
  "$AIRFLOW" db migrate >/dev/null
  "$AIRFLOW" pools set telegram_api 1 "Concurrent Telegram API use (one account)" >/dev/null
  "$AIRFLOW" pools set x_api 2 "Concurrent X API use" >/dev/null
  setsid "$AIRFLOW" standalone >"$LOG" 2>&1 < /dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 90); do
    if curl -fsS -o /dev/null http://127.0.0.1:8080/api/v2/monitor/health 2>/dev/null; then
      echo "Airflow is up: http://127.0.0.1:8080 (log: $LOG)"
      pw="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
      [ -f "$pw" ] && echo "login: admin / password in $pw"
      exit 0
    fi
    sleep 2
  done
  echo "Airflow did not answer on :8080 within 180 s; see $LOG" >&2; exit 1
}

down() {
  if [ -f "$PIDFILE" ]; then
    kill -TERM -- "-$(cat "$PIDFILE")" 2>/dev/null || true
    rm -f "$PIDFILE"; echo "Airflow stopped"
  else
    echo "Airflow is not running (no $PIDFILE)"
  fi
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  airflow) shift; exec "$AIRFLOW" "$@" ;;
  status) [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && echo running || echo stopped ;;
  *) echo "usage: $0 up|down|status|airflow ARGS..." >&2; exit 2 ;;
esac
