#!/usr/bin/env bash
# Lookout demo: builds Lookout, starts a private mosquitto on a free loopback port, lookoutd with the
# shipped configuration, and the device simulator (steady traffic plus a few emergencies), then shows
# the events arriving with `lookout watch`. Ctrl-C stops everything. Works from any directory; run as
# root on a fresh machine (it installs missing packages) or as a user who has them.
#
# usage: scripts/demo.sh [--duration S] [--no-watch] [--rate N] [--dir DIR]
#   --duration S   stop by itself after S seconds (default: run until Ctrl-C; 30 with --no-watch)
#   --no-watch     do not follow events; at the end print `lookout events --all` (for CI and scripts)
#   --rate N       simulator messages per second (default 20)
#   --dir DIR      run directory for configs, database and logs (default: a new /tmp/lookout-demo.*);
#                  it is kept afterwards (a lookoutd started on it again serves `lookout events`)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

duration=""
watch=1
rate=20
run_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration="${2:?--duration needs seconds}"; shift 2 ;;
        --no-watch) watch=0; shift ;;
        --rate) rate="${2:?--rate needs a number}"; shift 2 ;;
        --dir) run_dir="${2:?--dir needs a directory}"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
done
[[ -z "$duration" || "$duration" =~ ^[0-9]+$ ]] || die "--duration takes whole seconds"
[[ "$rate" =~ ^[0-9]+$ ]] || die "--rate takes a whole number"
[ "$watch" = 1 ] || duration="${duration:-30}"

step "Checking required packages"
ensure_packages "${LOOKOUT_BUILD_PACKAGES[@]}"
ensure_swift
build_release
bin="$LOOKOUT_RELEASE_BIN"

if [ -z "$run_dir" ]; then
    run_dir="$(mktemp -d "${TMPDIR:-/tmp}/lookout-demo.XXXXXX")"
else
    mkdir -p "$run_dir"
    run_dir="$(cd "$run_dir" && pwd)"
    # A fresh start: no database, and no broker session with the last run's queued messages.
    rm -rf "$run_dir"/events.db* "$run_dir/broker"
fi
# lookoutd's staff API in the run directory: `lookout events` and every action go through it.
export LOOKOUT_SOCKET="$run_dir/api.sock"

# Children run in their own sessions (setsid): Ctrl-C reaches only this script and `lookout watch`,
# and the cleanup below stops the rest in order: simulator, daemon (commits and exits), broker.
children=()
# Each child leads its own process group: signal the group (a scenario's simulator run included).
# Returns the child's exit status.
stop_child() {
    local pid="$1" name="$2" waited status=0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for waited in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        note "$name did not stop within 10 s; killing it"
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || status=$?
    return "$status"
}
cleanup() {
    trap - EXIT INT TERM
    step "Stopping the demo"
    local i name status
    for ((i = ${#children[@]} - 1; i >= 0; i--)); do
        name="${children[i]#*:}"
        status=0
        stop_child "${children[i]%%:*}" "$name" || status=$?
        if [ "$name" = lookoutd ] && [ "$status" != 0 ]; then
            note "warning: lookoutd ended with status $status; its log:"
            tail -n 15 "$run_dir/lookoutd.log" | sed 's/^/      /'
        fi
    done
    note "run directory (configs, database, logs): $run_dir"
    note "look again: $bin/lookoutd --config $run_dir/lookoutd.conf &"
    note "            LOOKOUT_SOCKET=$run_dir/api.sock $bin/lookout events --all"
}
trap cleanup EXIT
# Ctrl-C is the normal way to end the demo.
trap 'exit 0' INT
trap 'exit 143' TERM

step "Starting a private mosquitto (config derived from config/mosquitto.conf)"
start_private_broker "$run_dir/broker"
children+=("$BROKER_PID:mosquitto")
note "listening on 127.0.0.1:$BROKER_PORT, log $run_dir/broker/mosquitto.log"

step "Starting lookoutd with the shipped configuration"
# A run-time copy of config/lookoutd.conf: broker port and state in the run directory.
write_runtime_daemon_config "$run_dir" "$BROKER_PORT"
setsid "$bin/lookoutd" --config "$run_dir/lookoutd.conf" >"$run_dir/lookoutd.log" 2>&1 &
children+=("$!:lookoutd")
daemon_pid=$!
wait_for_daemon "$bin" "$daemon_pid" "$run_dir/lookoutd.log" 30 "$run_dir/broker/mosquitto.log" \
    || note "warning: lookoutd does not report ready yet; continuing (log: $run_dir/lookoutd.log)"
note "pid $daemon_pid, database $run_dir/events.db, log $run_dir/lookoutd.log"

step "Starting the simulator: $rate msg/s of device traffic, and emergencies every few seconds"
broker_options=(--host 127.0.0.1 --port "$BROKER_PORT")
setsid "$bin/lookout-sim" "${broker_options[@]}" --rate "$rate" --garbage-rate 0.01 >"$run_dir/sim.log" 2>&1 &
children+=("$!:lookout-sim")
# The scenarios, one after another, then again: a fire, an elderly resident's call, a tilted manhole
# cover, water rising in three manholes, a forced door, gas, a burst of denied accesses.
setsid bash -c '
    while true; do
        for scenario in smoke-fire sos manhole-tilt water-cluster door-forced gas door-denied-burst; do
            sleep 4
            echo "$(date +%T) scenario $scenario"
            "$1" scenario "$scenario" "${@:2}" --fast || echo "scenario $scenario failed"
        done
    done' scenarios "$bin/lookout-sim" "${broker_options[@]}" >"$run_dir/scenarios.log" 2>&1 &
children+=("$!:scenarios")

if [ "$watch" = 1 ]; then
    step "Following events (lookout watch). Ctrl-C to stop${duration:+; stops by itself after $duration s}."
    if [ -n "$duration" ]; then
        timeout --foreground -s INT "$duration" "$bin/lookout" watch --since-start || [ $? = 124 ]
    else
        "$bin/lookout" watch --since-start || true
    fi
else
    step "Running for $duration s (--no-watch)"
    sleep "$duration"
    step "Events recorded (lookout events --all)"
    "$bin/lookout" events --all
    # For scripted use: fail when the daemon died or the emergencies did not become red events.
    kill -0 "$daemon_pid" 2>/dev/null || die "lookoutd is not running any more (log: $run_dir/lookoutd.log)"
    "$bin/lookout" events --all --level red --json | grep -q '"level"' || die "no red event was recorded"
fi
