#!/usr/bin/env bash
# The street office's monthly report at size: `lookout stats --month` (terminal view, --json, --csv) through a
# lookoutd started on a database of N events spread evenly over the 365 days before now, and whether a report
# holds up intake while it runs.
#
#   scripts/bench-report.sh [EVENTS]                     (default 10000000; try 1000000 first)
#   LOOKOUT_BIN=.build/debug scripts/bench-report.sh 1000000   (a debug build: slower Swift, same SQL)
#   KEEP_DATABASE=/tmp/report.db scripts/bench-report.sh     (keep the filled database, e.g. for EXPLAIN QUERY PLAN)
#   REUSE_DATABASE=/tmp/report.db scripts/bench-report.sh    (time a database kept before instead of filling one;
#                                                             it is moved in and, with KEEP_DATABASE, back out)
#
# lookoutd creates the database (the current schema), then SQL fills it: 10,000 devices (smoke, sos, door,
# manhole) in 20 communities of 25 buildings (a grid per 5 buildings), and EVENTS events, each with its device's
# place, teams, times to acknowledge (30 s – 10 min) and to be on site (1 – 30 min), and a cause (about 55 % real,
# 20 % nuisance with one smoke detector in 50 far worse, 8 % false, 5 % test, 2 % prank, call buttons' errand and
# cancelled-by-resident, 5 % none); 500 devices offline. The rows go through the schema's triggers, so both
# roll-ups are filled as the daemon would fill them. The report of the month before last is timed: 5 runs after a
# warm-up, fastest and median, with `lookout --version` (process start) as the baseline. Then, while reports run
# back to back, 200 write transactions on a connection of their own (as the daemon's intake) are timed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

EVENTS="${1:-10000000}"
BIN="${LOOKOUT_BIN:-$(swift build --package-path "$LOOKOUT_ROOT" -c release --show-bin-path)}"
for tool in lookout lookoutd; do
    [ -x "$BIN/$tool" ] || die "build first: swift build -c release (missing $BIN/$tool)"
done
command -v sqlite3 >/dev/null || die "sqlite3 (the CLI) is needed: apt-get install sqlite3"
command -v python3 >/dev/null || die "python3 is needed for the intake check"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lookout-bench-report.XXXXXX")"
daemon_pid=""
stop_daemon() {
    [ -z "$daemon_pid" ] || { kill -TERM "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; }
    daemon_pid=""
}
trap 'stop_daemon; [ -z "${KEEP_DATABASE:-}" ] || mv "$DB" "$KEEP_DATABASE"; rm -rf "$WORK"' EXIT
DB="$WORK/lookout.db"

write_api_only_daemon_config "$WORK" "$DB"
export LOOKOUT_SOCKET="$WORK/api.sock"
start_daemon() {
    "$BIN/lookoutd" --config "$WORK/lookoutd.conf" >>"$WORK/lookoutd.log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 1 300); do
        "$BIN/lookout" events -n 1 >/dev/null 2>&1 && return 0
        kill -0 "$daemon_pid" 2>/dev/null || { cat "$WORK/lookoutd.log" >&2; die "lookoutd exited"; }
        sleep 0.2
    done
    die "lookoutd did not answer"
}

if [ -n "${REUSE_DATABASE:-}" ]; then
    mv "$REUSE_DATABASE" "$DB"
    note "reusing $REUSE_DATABASE: $(sqlite3 "$DB" "SELECT count(*) FROM events") events"
else
    step "Schema from lookoutd, then $EVENTS events over 365 days with SQL"
    start_daemon
    stop_daemon
    start=$(date +%s.%N)
    sqlite3 "$DB" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
CREATE TEMP TABLE d AS
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
SELECT i, CASE i % 4 WHEN 0 THEN 'smoke' WHEN 1 THEN 'sos' WHEN 2 THEN 'door' ELSE 'manhole' END AS kind,
    printf('c%02d', i % 20 + 1) AS community, printf('%d号楼', (i / 20) % 25 + 1) AS building,
    printf('c%02d-g%d', i % 20 + 1, (i / 20) % 25 / 5 + 1) AS grid FROM n;
INSERT INTO devices (id, kind, community, building, grid, registered, last_seen, online, updated_at)
SELECT printf('%s-%05d', upper(substr(kind, 1, 2)), i), kind, community, building, grid, 1,
    CAST(strftime('%s','now') AS INTEGER) * 1000 - (i % 500 + 1) * 3600000 * (CASE WHEN i < 500 THEN 5 ELSE 0 END) - 60000,
    CASE WHEN i < 500 THEN 0 ELSE 1 END, 0 FROM d;
BEGIN;
WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < $EVENTS),
e AS (SELECT n, (n * 7919) % 10000 AS dev, ((n * 2654435761) >> 16) % 100 AS r,
          CAST(strftime('%s','now') AS INTEGER) * 1000 - 31536000000 + n * (31536000000 / $EVENTS) AS at FROM c)
INSERT INTO events (rule, event_key, level, initial_level, status, kind, device_id, grp, community, building, unit,
    address, grid, owner, resident_name, resident_phone, emergency_contact, registered, title, description, teams,
    assignee, topic, payload, first_seen, last_seen, count, ack_within_ms, onsite_within_ms, ack_deadline,
    onsite_deadline, acknowledged_at, onsite_at, resolved_at, closed_at, repeat_logged_at, updated_at, cause)
SELECT d.kind || '_alarm', d.kind || ':' || e.n, 'red', 'red', 'closed', d.kind,
    printf('%s-%05d', upper(substr(d.kind, 1, 2)), d.i), '', d.community, d.building, '1', d.building || '1单元',
    d.grid, 'property', '', '', '', 1, d.kind || ' alarm', '',
    CASE d.kind WHEN 'smoke' THEN 'property' || char(10) || 'fire' WHEN 'sos' THEN 'property' || char(10) || 'medical'
        ELSE 'property' END, '', d.community || '/' || d.kind, '{}', e.at, e.at, 1, 300000, 900000,
    e.at + 300000, e.at + 900000, e.at + 30000 + (e.n % 571) * 1000, e.at + 60000 + (e.n % 1741) * 1000,
    e.at + 2000000, e.at + 3000000, e.at, e.at + 3000000,
    CASE WHEN d.kind = 'smoke' AND d.i % 50 = 0 AND e.r < 70 THEN 'nuisance'
         WHEN e.r < 5 THEN NULL
         WHEN e.r < 60 THEN 'real'
         WHEN e.r < 80 THEN CASE WHEN d.kind = 'sos' THEN 'errand' ELSE 'nuisance' END
         WHEN e.r < 88 THEN CASE WHEN d.kind = 'sos' THEN 'cancelled-by-resident' ELSE 'false' END
         WHEN e.r < 93 THEN 'test' WHEN e.r < 95 THEN 'prank' ELSE 'real' END
FROM e JOIN d ON d.i = e.dev;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
ANALYZE;
SQL
    end=$(date +%s.%N)
    note "$(sqlite3 "$DB" "SELECT count(*) FROM events") events, $(du -m "$DB" | cut -f1) MB, built in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", e - s }') s"
    note "roll-ups: $(sqlite3 "$DB" "SELECT count(*) FROM stats_counts") stats_counts, $(sqlite3 "$DB" "SELECT count(*) FROM stats_causes") stats_causes rows"
fi

start_daemon
MONTH=$(date -d "$(date +%Y-%m-15) -2 month" +%Y-%m)
note "lookout stats --month $MONTH --json (start): $("$BIN/lookout" stats --month "$MONTH" --json | head -c 400 | tr -d '\n')"
step "Timing the report of $MONTH (ms, fastest and median of 5)"
printf '%-44s %10s %10s\n' command fastest median
read -r f m < <(time_command "$BIN/lookout" --version); printf '%-44s %10s %10s\n' "baseline: lookout --version" "$f" "$m"
read -r f m < <(time_command "$BIN/lookout" stats --month "$MONTH"); printf '%-44s %10s %10s\n' "lookout stats --month $MONTH" "$f" "$m"
read -r f m < <(time_command "$BIN/lookout" stats --month "$MONTH" --json); printf '%-44s %10s %10s\n' "lookout stats --month $MONTH --json" "$f" "$m"
read -r f m < <(time_command "$BIN/lookout" stats --month "$MONTH" --csv); printf '%-44s %10s %10s\n' "lookout stats --month $MONTH --csv" "$f" "$m"
read -r f m < <(time_command "$BIN/lookout" stats --since 30d); printf '%-44s %10s %10s\n' "lookout stats --since 30d" "$f" "$m"
# The same month as an explicit period: `--month` (like `today` or `06:00`) first asks lookoutd for the site's time zone
# with a `status` request, whose cost is timed on its own.
period=$("$BIN/lookout" stats --month "$MONTH" --json | python3 -c '
import datetime, json, sys
o = json.load(sys.stdin)
print(" ".join(str(int(datetime.datetime.fromisoformat(o[k].replace("Z", "+00:00")).timestamp())) for k in ("since", "until")))')
read -r since until <<<"$period"
read -r f m < <(time_command "$BIN/lookout" stats --since "@$since" --until "@$until"); printf '%-44s %10s %10s\n' "lookout stats --since @$since --until @$until" "$f" "$m"
status_json() { "$BIN/lookout" status --json || true; }  # exits 1 here: no broker
read -r f m < <(time_command status_json); printf '%-44s %10s %10s\n' "lookout status --json" "$f" "$m"

step "Intake while reports run: 200 write transactions on a connection of their own (ms)"
( for _ in $(seq 1 20); do "$BIN/lookout" stats --month "$MONTH" >/dev/null; done ) &
reports=$!
python3 - "$DB" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
times = []
for i in range(200):
    s = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO daemon_status (key, value, updated_at) VALUES ('bench', ?, ?) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at", (str(i), i))
    db.execute("COMMIT")
    times.append((time.perf_counter() - s) * 1000)
    time.sleep(0.02)
times.sort()
print("    write transaction: median %.2f ms, p99 %.2f ms, max %.2f ms" % (times[100], times[197], times[-1]))
PY
wait "$reports"
