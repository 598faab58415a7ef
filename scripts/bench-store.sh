#!/usr/bin/env bash
# Event store at size: `lookout events` and `lookout stats --since 30d` on a database of N events.
# `lookout events` goes through a lookoutd started on the database (socket round trip included).
#
#   scripts/bench-store.sh [EVENTS]        (default 10000000; try 1000000 first)
#   BASELINE_LOOKOUT=/tmp/lookout.before BASELINE_SCHEMA=2 scripts/bench-store.sh 10000000
#
# A seed database comes from `lookout-bench pipeline` (real rules, real events); its events are then
# copied with SQL, spread over 90 days, almost all closed, about 1 in 20,000 left open (red, yellow
# and green mixed as the rules raised them). The copies go through the schema's triggers, so the
# statistics roll-up is filled as the daemon would fill it. Baseline in the same run: `lookout --version`
# (process start). Each command runs 5 times after one warm-up; the fastest and the median are printed.
#
# BASELINE_LOOKOUT: an older `lookout` build whose read commands are timed on the same database, for a
# before/after in one run. An older build refuses a newer schema, so for its runs the database's
# `user_version` is set to BASELINE_SCHEMA (it reads only what that schema had) and restored after.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

EVENTS="${1:-10000000}"
BIN="$(swift build --package-path "$LOOKOUT_ROOT" -c release --show-bin-path)"
for tool in lookout lookoutd lookout-bench; do
    [ -x "$BIN/$tool" ] || die "build first: swift build -c release (missing $BIN/$tool)"
done
command -v sqlite3 >/dev/null || die "sqlite3 (the CLI) is needed: apt-get install sqlite3"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lookout-bench-store.XXXXXX")"
daemon_pid=""
trap '[ -z "$daemon_pid" ] || { kill -TERM "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; }; rm -rf "$WORK"' EXIT
DB="$WORK/lookout.db"

step "Seed database from lookout-bench pipeline (real rules)"
(cd "$LOOKOUT_ROOT" && "$BIN/lookout-bench" pipeline --messages 100000 --devices-per-kind 2500 --rounds 1 \
    --keep-database "$DB" >/dev/null)
seed=$(sqlite3 "$DB" "SELECT count(*) FROM events")
first=$(sqlite3 "$DB" "SELECT min(id) FROM events")
note "seed: $seed events"

step "Grow to $EVENTS events with SQL"
start=$(date +%s.%N)
# Copies of the seed events, first_seen spread evenly over the 90 days before now, closed except every 20,000th.
sqlite3 "$DB" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
CREATE TEMP TABLE seed AS SELECT * FROM events;
CREATE TEMP TABLE copies(n INTEGER PRIMARY KEY);
WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ($EVENTS + $seed - 1) / $seed)
INSERT INTO copies SELECT n FROM c;
BEGIN;
INSERT INTO events (rule, event_key, level, initial_level, escalate_to, status, kind, device_id, grp, community,
    building, unit, address, grid, owner, resident_name, resident_phone, emergency_contact, registered, title,
    description, teams, assignee, topic, payload, first_seen, last_seen, count, ack_within_ms, onsite_within_ms,
    ack_deadline, onsite_deadline, acknowledged_at, onsite_at, resolved_at, closed_at, ack_escalated,
    onsite_escalated, overdue, silenced, merged_into, repeat_logged_at, updated_at)
SELECT s.rule, s.event_key || '#' || s.copy || '-' || s.id, s.level, s.initial_level, s.escalate_to,
    CASE WHEN (s.copy * 7919 + s.id) % 20000 = 0 THEN 'open' ELSE 'closed' END,
    s.kind, s.device_id, s.grp, s.community, s.building, s.unit, s.address, s.grid, s.owner, s.resident_name,
    s.resident_phone, s.emergency_contact, s.registered, s.title, s.description, s.teams, s.assignee, s.topic,
    s.payload, s.at, s.at, s.count, s.ack_within_ms, s.onsite_within_ms, s.at + s.ack_within_ms,
    s.at + s.onsite_within_ms, s.at + 60000, s.at + 600000, s.at + 1200000, s.at + 1800000, 0, 0, 0, 0, NULL,
    s.at, s.at + 1800000
FROM (SELECT seed.*, copies.n AS copy,
             base + ((copies.n - 1) * $seed + seed.id - $first) * (7776000000 / $EVENTS) AS at
      FROM copies CROSS JOIN seed
      CROSS JOIN (SELECT CAST(strftime('%s','now') AS INTEGER) * 1000 - 7776000000 AS base)) s
LIMIT $EVENTS - $seed;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
end=$(date +%s.%N)
total=$(sqlite3 "$DB" "SELECT count(*) FROM events")
open=$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE status NOT IN ('closed','resolved','cleared')")
note "$total events ($open not closed), $(du -m "$DB" | cut -f1) MB, built in $(awk -v s="$start" -v e="$end" "BEGIN { printf \"%.0f\", e - s }") s"
note "statistics roll-up: $(sqlite3 "$DB" "SELECT count(*) FROM stats_counts") stats_counts rows, $(sqlite3 "$DB" "SELECT count(*) FROM stats_durations") stats_durations rows"

# `lookout events` and `stats` ask lookoutd (issue 16): a daemon on this database, without a broker (nothing
# listens on port 9), serving its staff API in the work directory with the invoking user as admin.
write_api_only_daemon_config "$WORK" "$DB"
"$BIN/lookoutd" --config "$WORK/lookoutd.conf" >"$WORK/lookoutd.log" 2>&1 &
daemon_pid=$!
export LOOKOUT_SOCKET="$WORK/api.sock"
for waited in $(seq 1 300); do
    "$BIN/lookout" events -n 1 >/dev/null 2>&1 && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$WORK/lookoutd.log" >&2; die "lookoutd exited"; }
    sleep 0.2
done
note "lookout stats --since 30d counts: $("$BIN/lookout" stats --since 30d --json | head -c 300 | tr -d '\n')"
step "Timing (ms, fastest and median of 5)"
printf '%-40s %10s %10s\n' command fastest median
read -r f m < <(time_command "$BIN/lookout" --version); printf '%-40s %10s %10s\n' "baseline: lookout --version" "$f" "$m"
read -r f m < <(time_command "$BIN/lookout" events); printf '%-40s %10s %10s\n' "lookout events" "$f" "$m"
read -r f m < <(time_command "$BIN/lookout" stats --since 30d); printf '%-40s %10s %10s\n' "lookout stats --since 30d" "$f" "$m"
read -r f m < <(time_command "$BIN/lookout" events --all --since 24h --limit 100); printf '%-40s %10s %10s\n' "lookout events --all --since 24h -n 100" "$f" "$m"

if [ -n "${BASELINE_LOOKOUT:-}" ]; then
    step "Same run, older build $BASELINE_LOOKOUT (schema version set to ${BASELINE_SCHEMA:?set BASELINE_SCHEMA})"
    current_schema=$(sqlite3 "$DB" "PRAGMA user_version")
    sqlite3 "$DB" "PRAGMA user_version = $BASELINE_SCHEMA"
    note "older build, lookout stats --since 30d counts: $("$BASELINE_LOOKOUT" stats --since 30d --json | head -c 300 | tr -d '\n')"
    read -r f m < <(time_command "$BASELINE_LOOKOUT" events); printf '%-40s %10s %10s\n' "older: lookout events" "$f" "$m"
    read -r f m < <(time_command "$BASELINE_LOOKOUT" stats --since 30d); printf '%-40s %10s %10s\n' "older: lookout stats --since 30d" "$f" "$m"
    sqlite3 "$DB" "PRAGMA user_version = $current_schema"
    read -r f m < <(time_command "$BIN/lookout" stats --since 30d); printf '%-40s %10s %10s\n' "lookout stats --since 30d (again)" "$f" "$m"
fi
