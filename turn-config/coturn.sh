#!/usr/bin/env bash
# Starts and stops a local coturn for Duet (development and tests).
#
#   turn-config/coturn.sh start    start coturn on free ports; prints the DUET_TURN_URLS value
#   turn-config/coturn.sh stop     stop it (by the pid it wrote)
#   turn-config/coturn.sh status   say whether it runs; prints the DUET_TURN_URLS value if so
#
# Environment:
#   DUET_TURN_SECRET  the shared secret (the same value the signaling server gets). When unset,
#                     the script keeps one in $DUET_DATA_DIR/turn-secret (mode 600, made once),
#                     so the caller can read that file and give the server the same value.
#   DUET_DATA_DIR     data folder (default ./data); coturn's files go in $DUET_DATA_DIR/coturn/:
#                     turnserver.conf (generated, mode 600), turnserver.pid, turnserver.log, urls
#   DUET_TURN_PORT    listening port (default: a free one)
#   DUET_TURN_CONF    template (default: turnserver-test.conf beside this script, loopback only)
#
# Only the URL list goes to standard output, so `URLS=$(turn-config/coturn.sh start)` works;
# messages go to standard error. The secret is never printed and never on coturn's command line.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${DUET_DATA_DIR:-data}
DIR="$DATA/coturn"
PIDFILE="$DIR/turnserver.pid"
LOG="$DIR/turnserver.log"
CONF="$DIR/turnserver.conf"
URLS_FILE="$DIR/urls"
TEMPLATE=${DUET_TURN_CONF:-$HERE/turnserver-test.conf}
IP=127.0.0.1

say() { echo "coturn.sh: $*" >&2; }
die() { say "$*"; exit 1; }

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # Guard against a stale pid reused by another program.
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = turnserver ] || return 1
  echo "$pid"
}

port_in_use() {
  [ -n "$(ss -Hlntu "( sport = :$1 )" 2>/dev/null)" ]
}

free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + RANDOM % 20000))
    if ! port_in_use "$p"; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

secret() {
  if [ -n "${DUET_TURN_SECRET:-}" ]; then
    printf '%s' "$DUET_TURN_SECRET"
    return
  fi
  local f="$DATA/turn-secret"
  if [ ! -s "$f" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n=+/' > "$f")
    say "made a new shared secret in $f (give the signaling server DUET_TURN_SECRET=\$(cat $f))"
  fi
  cat "$f"
}

start() {
  command -v turnserver >/dev/null || die "coturn is not installed (apt-get install -y coturn)"
  [ -f "$TEMPLATE" ] || die "no template $TEMPLATE"
  mkdir -p "$DIR"
  if pid=$(running_pid); then
    say "already running (pid $pid)"
    cat "$URLS_FILE"
    return 0
  fi
  local port min max s
  port=${DUET_TURN_PORT:-$(free_port)}
  port_in_use "$port" && die "port $port is in use"
  # 100 relay ports from a random base; coturn skips any that are taken.
  min=$((40000 + (RANDOM % 200) * 100))
  max=$((min + 99))
  s=$(secret)
  [ -n "$s" ] || die "empty secret"
  (
    umask 077
    {
      cat "$TEMPLATE"
      echo
      echo "# --- added by coturn.sh ---"
      echo "listening-port=$port"
      echo "min-port=$min"
      echo "max-port=$max"
      echo "static-auth-secret=$s"
      echo "pidfile=$(realpath -m "$DIR/turnserver.coturn.pid")"
      echo "log-file=$(realpath -m "$LOG")"
    } > "$CONF"
  )
  : > "$LOG"
  # Own session, no terminal: it outlives this script and stops only by its pid.
  setsid turnserver -c "$(realpath "$CONF")" >> "$LOG" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$PIDFILE"
  local i
  for i in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      tail -n 20 "$LOG" >&2 || true
      die "coturn exited at start (log: $LOG)"
    fi
    if [ -n "$(ss -Hlnu "( sport = :$port )" 2>/dev/null)" ] \
        && [ -n "$(ss -Hlnt "( sport = :$port )" 2>/dev/null)" ]; then
      break
    fi
    sleep 0.05
  done
  port_in_use "$port" || { stop >/dev/null 2>&1 || true; die "coturn did not listen on $port (log: $LOG)"; }
  echo "turn:$IP:$port?transport=udp,turn:$IP:$port?transport=tcp" > "$URLS_FILE"
  say "started (pid $pid) on $IP:$port, relay ports $min-$max, log $LOG"
  cat "$URLS_FILE"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PIDFILE" "$URLS_FILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid"
  local i
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid ignored TERM for 5 s: KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE" "$URLS_FILE"
  say "stopped (pid $pid)"
}

status() {
  local pid
  if pid=$(running_pid); then
    say "running (pid $pid)"
    cat "$URLS_FILE"
  else
    say "not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
