#!/usr/bin/env bash
# Runs Lookout's executables under an approximation of lookoutd.service's sandbox, for machines where
# systemd is not PID 1: the unit's system-call filter (SystemCallFilter=@system-service ~@privileged
# @resources, SystemCallErrorNumber=EPERM, SystemCallArchitectures=native), MemoryDenyWriteExecute=yes
# and NoNewPrivileges=yes (scripts/sandbox/unit-sandbox.c, a seccomp filter built from
# `systemd-analyze syscall-filter`), as an unprivileged user with UMask=0077. Namespace settings
# (ProtectSystem=, PrivateUsers=, ...) are not reproduced.
#
# usage: scripts/check-sandbox.sh BIN_DIR
#   BIN_DIR holds lookoutd, lookout and lookout-sim (e.g. the extracted package's usr/bin).
# Checks: the filter refuses W+X memory and a @resources call; `lookoutd --check` on the shipped
# configuration; the reference notifier (config/notifiers/http-post: sh and curl) runs under the filter; then lookoutd runs against a private broker while lookout-sim plays a smoke fire,
# `lookout events` shows the red event, the metrics file is readable by others (0644), and lookoutd
# stops with exit 0 on SIGTERM.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

source_bin="$(cd "${1:?usage: check-sandbox.sh BIN_DIR}" && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/lookout-sandbox.XXXXXX")"
broker_pid=""
daemon_pid=""
cleanup() {
    local pid
    for pid in $daemon_pid $broker_pid; do
        kill -TERM -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$scratch"
}
trap cleanup EXIT

# The allowed system calls: @system-service minus @privileged and @resources, groups expanded.
syscall_group() {
    local name
    systemd-analyze syscall-filter "$1" | tail -n +2 | sed 's/^[[:space:]]*//' | grep -v '^#' | grep . |
        while read -r name; do
            case "$name" in @*) syscall_group "$name" ;; *) echo "$name" ;; esac
        done
}
syscall_group @system-service | sort -u >"$scratch/service"
{ syscall_group @privileged; syscall_group @resources; } | sort -u >"$scratch/denied"
comm -23 "$scratch/service" "$scratch/denied" |
    awk '{ printf "#ifdef __NR_%s\n__NR_%s,\n#endif\n", $1, $1 }' >"$scratch/allowed-syscalls.h"

step "Building the sandbox ($(comm -23 "$scratch/service" "$scratch/denied" | wc -l) system calls allowed)"
compiler="$(command -v cc || command -v gcc || command -v clang)" || die "no C compiler"
"$compiler" -O2 -Wall -I "$scratch" -o "$scratch/unit-sandbox" "$LOOKOUT_ROOT/scripts/sandbox/unit-sandbox.c"

# An unprivileged identity, like User=lookout (numeric: nothing is added to /etc/passwd), UMask=0077.
service_uid=64123
as_service=(setpriv --reuid="$service_uid" --regid="$service_uid" --clear-groups
    bash -c 'umask 0077; exec "$@"' _ "$scratch/unit-sandbox")
chmod 0755 "$scratch"
install -d -o "$service_uid" -g "$service_uid" -m 0700 "$scratch/state"
# The executables where that user can reach them (BIN_DIR may be inside a private directory).
bin="$scratch/bin"
install -d -m 0755 "$bin"
install -m 0755 "$source_bin/lookoutd" "$source_bin/lookout" "$source_bin/lookout-sim" "$bin/"

step "Sandbox self-test"
"${as_service[@]}" --self-test
note "ok    mmap(W|X), mprotect(X), setpriority and reboot refused with EPERM"

step "lookoutd --check in the sandbox"
write_runtime_daemon_config "$scratch/state" 1883
"${as_service[@]}" "$bin/lookoutd" --check --config "$scratch/state/lookoutd.conf" >/dev/null
note "ok"

step "The reference notifier in the sandbox (sh + curl, run by lookoutd as a command)"
install -m 0755 "$LOOKOUT_ROOT/config/notifiers/http-post" "$bin/http-post"
free_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 9)"
notifier_status=0
echo '{"id":"E-1"}' | env -i PATH=/usr/bin:/bin LOOKOUT_IDEMPOTENCY_KEY=E-1.s0.a1.fire \
    "${as_service[@]}" "$bin/http-post" "http://127.0.0.1:$free_port/hook" >"$scratch/notifier.out" 2>&1 || notifier_status=$?
# Nothing listens on the port: curl itself must run (no W+X memory, no refused system call) and report it.
[ "$notifier_status" = 7 ] || { cat "$scratch/notifier.out" >&2; die "http-post in the sandbox: exit $notifier_status (want 7: cannot connect)"; }
note "ok    curl runs under the filter and MemoryDenyWriteExecute (exit 7: nothing listens on the test port)"

step "lookoutd in the sandbox against a private broker"
start_private_broker "$scratch/broker"
broker_pid=$BROKER_PID
write_runtime_daemon_config "$scratch/state" "$BROKER_PORT"
setsid "${as_service[@]}" "$bin/lookoutd" --config "$scratch/state/lookoutd.conf" >"$scratch/lookoutd.log" 2>&1 &
daemon_pid=$!
# `lookout events` asks the daemon, on the socket write_runtime_daemon_config put in the state directory.
export LOOKOUT_SOCKET="$scratch/state/api.sock"
wait_for_daemon "$bin" "$daemon_pid" "$scratch/lookoutd.log" 20 "$scratch/broker/mosquitto.log" \
    || { cat "$scratch/lookoutd.log" >&2; die "lookoutd did not report running and connected within 20 s"; }
"$bin/lookout-sim" scenario smoke-fire --host 127.0.0.1 --port "$BROKER_PORT" --fast >/dev/null
for waited in $(seq 1 100); do
    "$bin/lookout" events --level red --json 2>/dev/null | grep -q '"kind" *: *"smoke"' && break
    sleep 0.2
done
"$bin/lookout" events --level red --json | grep -q '"kind" *: *"smoke"' \
    || { cat "$scratch/lookoutd.log" >&2; die "no red smoke event recorded by lookoutd in the sandbox"; }
note "ok    red smoke event recorded"
# node_exporter reads the metrics file as another user: 0644 whatever the unit's UMask=0077.
metrics_mode="$(stat -c %a "$scratch/state/metrics.prom" 2>/dev/null || echo missing)"
[ "$metrics_mode" = 644 ] || die "metrics file mode under UMask=0077: $metrics_mode (want 644, node_exporter must read it)"
note "ok    metrics file 0644 under UMask=0077 (node_exporter can read it)"
kill -TERM "$daemon_pid"
status=0
wait "$daemon_pid" || status=$?
daemon_pid=""
[ "$status" = 0 ] || { cat "$scratch/lookoutd.log" >&2; die "lookoutd exited with $status on SIGTERM in the sandbox"; }
note "ok    SIGTERM: exit 0"
step "lookoutd works in the sandbox"
