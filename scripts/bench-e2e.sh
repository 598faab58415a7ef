#!/usr/bin/env bash
# End to end through a private mosquitto, side by side in the same run:
#   (a) mosquitto_sub -c -q Q -t '+/+/+/+' > /dev/null      (b) lookoutd (release build)
# Phases: rate at QoS 0 and QoS 1, backlog drain of queued QoS 1 messages, and (with --scale) resident
# memory and start-up time with many registered devices.
#
#   scripts/bench-e2e.sh [--messages N] [--devices-per-kind N] [--drain N] [--drain-runs N] [--scale DEVICES_PER_KIND]
#                        [--background-rate N] [--staff-burst N] [--remote-acks N] [--phases rate,drain,latency,scale,remote]
#
# Defaults: 1,000,000 messages from 100,000 devices (25,000 per kind), drain 200,000 (3 runs), scale 250,000
# per kind (1,000,000 devices, the most lookout-sim writes). LOOKOUTD=/path/to/lookoutd runs another
# lookoutd binary (an older build, for a before/after comparison in the same run), LOOKOUTD_CONFIG=DIR the
# configuration directory it reads (lookoutd.conf and rules.d; default config/ of this checkout: an older
# build needs the config/ of its own tree, which it can parse); KEEP_WORK=1 keeps the
# work directory (databases, registries, logs) for a closer look. lookout-sim first publishes one retained status per device, so every phase
# carries devices + N messages. Completion of lookoutd is read from its metrics file
# (lookout_messages_received_total, written every 0.5 s) in the rate phases, and in the drain from the
# database: the backlog ends with a call-button press (device DRAIN-END) whose event marks that all before it
# was processed; of mosquitto_sub from its exit (-C count).
# Hand-off publishing is off (its topics would match '+/+/+/+').
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

MESSAGES=1000000 PER_KIND=25000 DRAIN=200000 DRAIN_RUNS=3 SCALE=250000 PHASES=rate,drain,latency BACKGROUND_RATE=10000
STAFF_BURST=0 REMOTE_ACKS=0
while [ $# -gt 0 ]; do
    case "$1" in
        --messages) MESSAGES="$2"; shift 2 ;;
        --devices-per-kind) PER_KIND="$2"; shift 2 ;;
        --drain) DRAIN="$2"; shift 2 ;;
        --drain-runs) DRAIN_RUNS="$2"; shift 2 ;;
        --scale) SCALE="$2"; PHASES="$PHASES,scale"; shift 2 ;;
        --phases) PHASES="$2"; shift 2 ;;
        --background-rate) BACKGROUND_RATE="$2"; shift 2 ;;
        --staff-burst) STAFF_BURST="$2"; shift 2 ;;
        --remote-acks) REMOTE_ACKS="$2"; PHASES="$PHASES,remote"; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

BIN="$(swift build --package-path "$LOOKOUT_ROOT" -c release --show-bin-path)"
for tool in lookoutd lookout-sim lookout-bench; do
    [ -x "$BIN/$tool" ] || die "build first: swift build -c release (missing $BIN/$tool)"
done
LOOKOUTD="${LOOKOUTD:-$BIN/lookoutd}"
CONFIG_DIR="${LOOKOUTD_CONFIG:-$LOOKOUT_ROOT/config}"
[ -f "$CONFIG_DIR/lookoutd.conf" ] && [ -d "$CONFIG_DIR/rules.d" ] || die "no lookoutd.conf and rules.d in $CONFIG_DIR"
[ -x "$LOOKOUTD" ] || die "no lookoutd at $LOOKOUTD"
command -v mosquitto_sub >/dev/null || die "mosquitto_sub is needed: apt-get install mosquitto-clients"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lookout-bench-e2e.XXXXXX")"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${KEEP_WORK:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", e - s }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Starts a fresh private broker in $WORK/$1 (no sessions, no retained messages from earlier phases).
fresh_broker() {
    [ -n "${BROKER_PID:-}" ] && { kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; }
    start_private_broker "$WORK/$1/broker"
    PIDS+=("$BROKER_PID")
}

# Writes $WORK/$1/lookoutd.conf (QoS $2) and the registry for $3 devices per kind.
daemon_config() {
    local dir="$WORK/$1"
    mkdir -p "$dir"
    ln -sfn "$CONFIG_DIR/rules.d" "$dir/rules.d"
    "$BIN/lookout-sim" --devices-per-kind "$3" --registry "$dir/devices.csv" --count 0 >/dev/null
    # The drain's end marker is a registered call button (an unregistered one's alarm folds into a shared event).
    echo "DRAIN-END,sos,c01,1,1,bench drain end,grid-01,property,86400,,,," >>"$dir/devices.csv"
    rewrite_daemon_config "$CONFIG_DIR/lookoutd.conf" "$dir/lookout.db" "$dir/lookout.prom" "$BROKER_PORT" "$dir/api.sock" |
        awk -v qos="$2" '
            /^[[:space:]]*\[/ { section = $0; gsub(/[][[:space:]]/, "", section) }
            section == "topics" && $1 == "qos" { print "qos = " qos; next }
            section == "handoff" && $1 == "enabled" { print "enabled = false"; next }
            section == "status" && $1 == "interval" { print "interval = 500ms"; next }
            section == "log" && $1 == "level" { print "level = warning"; next }
            { print }' >"$dir/lookoutd.conf"
    rm -f "$dir/lookout.prom"
}

# Starts lookoutd for $WORK/$1; sets DAEMON_PID; waits until its first metrics file (connected or not).
start_daemon() {
    local dir="$WORK/$1"
    rm -f "$dir/lookout.prom"
    "$LOOKOUTD" --config "$dir/lookoutd.conf" 2>>"$dir/lookoutd.log" &
    DAEMON_PID=$!
    PIDS+=("$DAEMON_PID")
}

# Messages lookoutd of $WORK/$1 has received, from its metrics file (0 before the first one).
daemon_received() {
    awk '$1 == "lookout_messages_received_total" { printf "%d", $2; found = 1 } END { if (!found) print 0 }' \
        "$WORK/$1/lookout.prom" 2>/dev/null || echo 0
}

# Waits until lookoutd of $WORK/$1 reports it is connected (status row via metrics `lookout_connected 1`);
# gives up after 300 s (start-up with 1,000,000 registered devices took about 45 s before issue 6).
wait_connected() {
    local since; since=$(now)
    while [ "$(elapsed "$since" "$(now)" | cut -d. -f1)" -lt 300 ]; do
        if awk '$1 == "lookout_broker_connected" && $2 == 1 { ok = 1 } END { exit !ok }' "$WORK/$1/lookout.prom" 2>/dev/null; then return 0; fi
        kill -0 "$DAEMON_PID" 2>/dev/null || die "lookoutd died: $(tail -5 "$WORK/$1/lookoutd.log")"
        sleep 0.05
    done
    die "lookoutd did not connect (see $WORK/$1/lookoutd.log)"
}

# Waits until lookoutd of $WORK/$1 has received $2 messages; prints the time it got there. When the count
# stops growing for 15 s (the broker dropped messages for a slow QoS 0 consumer), prints the time of the
# last progress and records the shortfall in DAEMON_SHORT.
wait_received() {
    local got last=-1 last_at; last_at=$(now)
    DAEMON_SHORT=0
    while got=$(daemon_received "$1"); [ "$got" -lt "$2" ]; do
        kill -0 "$DAEMON_PID" 2>/dev/null || die "lookoutd died: $(tail -5 "$WORK/$1/lookoutd.log")"
        if [ "$got" -ne "$last" ]; then
            last=$got; last_at=$(now)
        elif [ "$(elapsed "$last_at" "$(now)" | cut -d. -f1)" -ge 15 ]; then
            DAEMON_SHORT=$(($2 - got))
            echo "$last_at"
            return 0
        fi
        sleep 0.05
    done
    now
}

stop_daemon() { kill "$DAEMON_PID" 2>/dev/null || true; wait "$DAEMON_PID" 2>/dev/null || true; }

publish() { # qos count devices-per-kind
    "$BIN/lookout-sim" --host 127.0.0.1 --port "$BROKER_PORT" --client-id bench-pub --qos "$1" --count "$2" \
        --devices-per-kind "$3" --rate 10000000 >/dev/null
}

# With a second argument N, staff bursts of N requests run through lookoutd's API socket the whole time
# (staff_burst below): the QoS 1 ratio with and without them, in the same run.
rate_phase() { # qos [staff burst]
    local qos="$1" burst="${2:-0}" phase="rate-q$1" total=$((PER_KIND * 4 + MESSAGES)) staff_pid=""
    [ "$burst" -gt 0 ] && phase="rate-q$1-staff"
    step "Rate at QoS $qos: $MESSAGES messages + $((PER_KIND * 4)) statuses from $((PER_KIND * 4)) devices$([ "$burst" -gt 0 ] && echo ", staff bursts of $burst requests")"
    fresh_broker "$phase"
    daemon_config "$phase" "$qos" "$PER_KIND"
    printf '[user %s]\nname = bench\nrole = admin\n' "$(id -un)" >"$WORK/$phase/staff.conf"
    start_daemon "$phase"; wait_connected "$phase"
    if [ "$burst" -gt 0 ]; then
        staff_burst "$phase" "$burst" & staff_pid=$!
        PIDS+=("$staff_pid")
        sleep 1
    fi
    mosquitto_sub -p "$BROKER_PORT" -q "$qos" -c -i bench-sub -t '+/+/+/+' -C "$total" >/dev/null &
    local sub=$!; PIDS+=("$sub")
    sleep 0.5
    local start; start=$(now)
    publish "$qos" "$MESSAGES" "$PER_KIND"
    local published; published=$(now)
    wait "$sub"; local sub_done; sub_done=$(now)
    local daemon_done; daemon_done=$(wait_received "$phase" "$total")
    local got; got=$(daemon_received "$phase")
    local short=$((total - got))
    if [ -n "$staff_pid" ]; then
        kill "$staff_pid" 2>/dev/null || true; wait "$staff_pid" 2>/dev/null || true
        note "staff requests answered meanwhile: $(cat "$WORK/$phase/staff-ok" 2>/dev/null | wc -l) (refused or failed: $(cat "$WORK/$phase/staff-failed" 2>/dev/null | wc -l))"
    fi
    stop_daemon
    local tp ts td
    tp=$(elapsed "$start" "$published"); ts=$(elapsed "$start" "$sub_done"); td=$(elapsed "$start" "$daemon_done")
    note "publisher done ${tp} s ($(rate "$total" "$tp") msg/s)"
    note "(a) mosquitto_sub: ${ts} s, $(rate "$total" "$ts") msg/s"
    note "(b) lookoutd:      ${td} s, $(rate "$got" "$td") msg/s (metrics every 0.5 s)"
    [ "$short" -gt 0 ] && note "    lookoutd received $short fewer messages (dropped by the broker: a slow QoS 0 consumer)"
    local daemon_rate; daemon_rate=$(rate "$got" "$td")
    note "ratio b/a: $(ratio "$daemon_rate" "$(rate "$total" "$ts")")"
    RESULTS+=("| rate QoS $qos$([ "$burst" -gt 0 ] && echo ", staff bursts of $burst") | $total | $(rate "$total" "$ts") | $daemon_rate (got $got) | $(ratio "$daemon_rate" "$(rate "$total" "$ts")") |")
}

# Waits until the event of the drain's last message (a call-button press of device DRAIN-END) is in the
# database of $WORK/$1; prints the time it was seen. The backlog is one queue delivered in order, so the
# press is processed after everything queued before it: a finer clock than the metrics file (0.5 s).
wait_drain_end() {
    local db="$WORK/$1/lookout.db"
    until [ "$(sqlite3 -readonly "$db" "SELECT count(*) FROM events WHERE device_id = 'DRAIN-END'" 2>/dev/null || echo 0)" = 1 ]; do
        kill -0 "$DAEMON_PID" 2>/dev/null || die "lookoutd died: $(tail -5 "$WORK/$1/lookoutd.log")"
        sleep 0.02
    done
    now
}

drain_phase() { # run number
    local phase=drain-$1 per_kind=250 total=$((250 * 4 + DRAIN + 1))
    step "Backlog drain, run $1 of $DRAIN_RUNS: $DRAIN QoS 1 messages + 1000 statuses + 1 last press queued while both consumers are offline"
    fresh_broker "$phase"
    daemon_config "$phase" 1 "$per_kind"
    start_daemon "$phase"; wait_connected "$phase"; stop_daemon
    mosquitto_sub -p "$BROKER_PORT" -q 1 -c -i bench-drain -t '+/+/+/+' -E >/dev/null
    publish 1 "$DRAIN" "$per_kind"
    mosquitto_pub -p "$BROKER_PORT" -q 1 -t c01/sos/DRAIN-END/event -m "{\"ts\":$(date +%s%3N),\"event\":\"sos\",\"press\":\"short\"}"
    sleep 1
    local start; start=$(now)
    mosquitto_sub -p "$BROKER_PORT" -q 1 -c -i bench-drain -t '+/+/+/+' -C "$total" >/dev/null
    local ts; ts=$(elapsed "$start" "$(now)")
    start=$(now)
    start_daemon "$phase"
    local td; td=$(elapsed "$start" "$(wait_drain_end "$phase")")
    # CPU time to the same point: on a busy shared machine it varies much less than the wall-clock rate.
    local cpu; cpu=$(cpu_seconds)
    wait_received "$phase" "$total" >/dev/null
    [ "$(daemon_received "$phase")" -ge "$total" ] || die "lookoutd received $(daemon_received "$phase") of $total drained messages"
    stop_daemon
    note "(a) mosquitto_sub -c: ${ts} s, $(rate "$total" "$ts") msg/s"
    note "(b) lookoutd (incl. start-up): ${td} s, $(rate "$total" "$td") msg/s, ${cpu} s CPU (user + sys)"
    DRAIN_CPU+=("$cpu")
    note "ratio b/a: $(ratio "$ts" "$td")"
    RESULTS+=("| drain QoS 1 backlog, run $1 | $total | $(rate "$total" "$ts") | $(rate "$total" "$td") | $(ratio "$ts" "$td") |")
}

# CPU time (user + system) lookoutd has used so far: start-up cost that does not depend on how busy the
# shared machine is (the wall-clock time does).
cpu_seconds() {
    awk '{ printf "%.2f", ($14 + $15) / ticks }' ticks="$(getconf CLK_TCK)" "/proc/$DAEMON_PID/stat"
}

# Memory and start-up with many registered devices, each sent one message (a retained status).
scale_phase() {
    local phase=scale devices=$((SCALE * 4))
    step "Scale: $devices registered devices, one message each"
    fresh_broker "$phase"
    daemon_config "$phase" 1 "$SCALE"
    local start; start=$(now)
    start_daemon "$phase"; wait_connected "$phase"
    note "first start (registry, rules, empty state): $(elapsed "$start" "$(now)") s to connected, $(cpu_seconds) s CPU"
    publish 1 0 "$SCALE"
    wait_received "$phase" "$devices" >/dev/null
    sleep 1
    note "after one message per device: $(grep -E 'VmRSS|VmHWM' "/proc/$DAEMON_PID/status" | tr -s ' \t' ' ' | tr '\n' ' ')"
    stop_daemon
    note "database: $(du -m "$WORK/$phase/lookout.db" | cut -f1) MB"
    start=$(now)
    start_daemon "$phase"; wait_connected "$phase"
    local restart restart_cpu; restart=$(elapsed "$start" "$(now)"); restart_cpu=$(cpu_seconds)
    sleep 1
    note "restart (registry + rules + state restore) to connected: ${restart} s (metrics every 0.5 s), ${restart_cpu} s CPU ($(cpu_seconds) s one second later)"
    note "after restart: $(grep -E 'VmRSS|VmHWM' "/proc/$DAEMON_PID/status" | tr -s ' \t' ' ' | tr '\n' ' ')"
    stop_daemon
}

# Call-button press → event in the database, under background telemetry (lookout-bench latency). With
# --staff-burst N a second run does the same while staff requests keep coming through lookoutd's API socket:
# bursts of N `lookout note` requests (8 at a time: write transactions, each with its timeline entry and
# audit row) and a long reader (`lookout events --all` of the whole table) in a loop, until the presses end.
latency_phase() {
    local phase=latency per_kind=250 burst
    local bursts=(0)
    [ "$STAFF_BURST" -gt 0 ] && bursts+=("$STAFF_BURST")
    for burst in "${bursts[@]}"; do
        phase=latency
        if [ "$burst" -gt 0 ]; then
            phase=latency-staff
            step "Latency: call-button presses under ${BACKGROUND_RATE} msg/s background telemetry and staff bursts of $burst requests"
        else
            step "Latency: call-button presses under ${BACKGROUND_RATE} msg/s background telemetry"
        fi
        fresh_broker "$phase"
        daemon_config "$phase" 1 "$per_kind"
        printf '[user %s]\nname = bench\nrole = admin\n' "$(id -un)" >"$WORK/$phase/staff.conf"
        start_daemon "$phase"; wait_connected "$phase"
        local staff_pid=""
        if [ "$burst" -gt 0 ]; then
            staff_burst "$phase" "$burst" & staff_pid=$!
            PIDS+=("$staff_pid")
        fi
        "$BIN/lookout-bench" latency --port "$BROKER_PORT" --database "$WORK/$phase/lookout.db" \
            --devices-per-kind "$per_kind" --messages "$per_kind" --background-rate "$BACKGROUND_RATE" | sed 's/^/    /'
        if [ -n "$staff_pid" ]; then
            kill "$staff_pid" 2>/dev/null || true; wait "$staff_pid" 2>/dev/null || true
            note "staff requests answered during the presses: $(cat "$WORK/$phase/staff-ok" 2>/dev/null | wc -l) (refused or failed: $(cat "$WORK/$phase/staff-failed" 2>/dev/null | wc -l))"
        fi
        stop_daemon
    done
}

# Staff traffic for latency_phase: a manual event to write notes on, then bursts of $2 notes (8 requests at a
# time) and a full `events --all` read, in a loop; each answered request is a line in $WORK/$1/staff-ok.
staff_burst() {
    local dir="$WORK/$1" burst="$2" event
    [ -x "$BIN/lookout" ] || { echo "no $BIN/lookout: swift build -c release" >>"$dir/staff-failed"; return; }
    export LOOKOUT_SOCKET="$dir/api.sock"
    event=$("$BIN/lookout" report --kind other --where "bench desk" --title "bench staff burst" --level yellow 2>/dev/null |
        grep -o 'E-[0-9]*' | head -1) || true
    [ -n "$event" ] || { echo "no event" >>"$dir/staff-failed"; return; }
    while true; do
        seq 1 "$burst" | xargs -P 8 -I{} sh -c \
            '"$0" note "$1" "bench note {}" >/dev/null 2>&1 && echo ok >>"$2" || echo failed >>"$3"' \
            "$BIN/lookout" "$event" "$dir/staff-ok" "$dir/staff-failed"
        "$BIN/lookout" events --all -n 100000 >/dev/null 2>&1 && echo ok >>"$dir/staff-ok" || echo failed >>"$dir/staff-failed"
    done
}

# The staff API over the broker (issue 16): a broker with a password file and the shipped ACL (the anonymous
# load generators may read and write device topics only), lookoutd serving [remote] as broker user lookoutd, and
# `lookout-bench remote-ack` as staff broker user bench: $REMOTE_ACKS manual events raised and acknowledged one
# after the other on one MQTT 5 connection, each ack timed from its publish to lookoutd's answer, under
# ${BACKGROUND_RATE} msg/s of device telemetry.
remote_phase() {
    local phase=remote per_kind=250 dir="$WORK/remote"
    step "Remote ack round trip: $REMOTE_ACKS acks through the broker under ${BACKGROUND_RATE} msg/s background telemetry"
    mkdir -p "$dir/broker"
    : >"$dir/broker/passwd"
    mosquitto_passwd -b "$dir/broker/passwd" lookoutd "daemon pw"
    mosquitto_passwd -b "$dir/broker/passwd" bench "bench pw"
    { echo "topic readwrite +/+/+/+"; cat "$LOOKOUT_ROOT/config/mosquitto.acl"; } >"$dir/broker/acl"
    printf 'daemon pw\n' >"$dir/daemon-password"
    printf 'bench pw\n' >"$dir/bench-password"
    BROKER_EXTRA="password_file $dir/broker/passwd
acl_file $dir/broker/acl" fresh_broker "$phase"
    daemon_config "$phase" 1 "$per_kind"
    printf '[user bench]\nname = bench\nrole = admin\n' >"$dir/staff.conf"
    awk -v port="$BROKER_PORT" -v password="$dir/daemon-password" '
        /^[[:space:]]*\[/ { section = $0; gsub(/[][[:space:]]/, "", section) }
        section == "remote" && $1 == "enabled" {
            print "enabled = true"; print "host = 127.0.0.1"; print "port = " port
            print "username = lookoutd"; print "password_file = " password; next }
        { print }' "$dir/lookoutd.conf" >"$dir/lookoutd.conf.new" && mv "$dir/lookoutd.conf.new" "$dir/lookoutd.conf"
    start_daemon "$phase"; wait_connected "$phase"
    local tries
    for tries in $(seq 1 200); do
        awk '$1 == "lookout_remote_api_serving" && $2 == 1 { ok = 1 } END { exit !ok }' "$dir/lookout.prom" 2>/dev/null && break
        sleep 0.05
    done
    "$BIN/lookout-bench" remote-ack --port "$BROKER_PORT" --user bench --password-file "$dir/bench-password" \
        --devices-per-kind "$per_kind" --messages "$REMOTE_ACKS" --background-rate "$BACKGROUND_RATE" | sed 's/^/    /'
    stop_daemon
}

RESULTS=() DRAIN_CPU=()
case ",$PHASES," in *,rate,*) rate_phase 0; rate_phase 1; [ "$STAFF_BURST" -gt 0 ] && rate_phase 1 "$STAFF_BURST" ;; esac
# The drain is short (about 2 s) and mosquitto_sub's own rate varies from run to run: several runs.
case ",$PHASES," in *,drain,*) for run in $(seq 1 "$DRAIN_RUNS"); do drain_phase "$run"; done ;; esac
case ",$PHASES," in *,latency,*) latency_phase ;; esac
case ",$PHASES," in *,scale,*) scale_phase ;; esac
case ",$PHASES," in *,remote,*) remote_phase ;; esac
if [ ${#RESULTS[@]} -gt 0 ]; then
    step "Summary (msg/s; ratio = lookoutd / mosquitto_sub)"
    echo "| phase | messages | mosquitto_sub | lookoutd | ratio |"
    echo "|---|---:|---:|---:|---:|"
    printf '%s\n' "${RESULTS[@]}"
    if [ ${#DRAIN_CPU[@]} -gt 0 ]; then echo "lookoutd CPU seconds (user + sys, incl. start-up) per drain: ${DRAIN_CPU[*]}"; fi
fi
