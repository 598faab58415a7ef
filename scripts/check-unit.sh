#!/usr/bin/env bash
# Checks systemd/lookoutd.service with systemd-analyze: `verify` (syntax, executables, man page) and
# `security --offline=true` (exposure score must stay at or below LOOKOUT_MAX_EXPOSURE, default 2.0).
#
# usage: scripts/check-unit.sh [ROOT]
#   ROOT: a filesystem tree holding usr/bin/lookoutd, usr/share/man and lib/systemd/system/lookoutd.service
#         (the extracted .deb); the unit's absolute paths are mapped into it. Without ROOT, a scratch
#         tree is made from the sources (a stand-in executable, the roff man pages).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

root="${1:-}"
unit_source="$LOOKOUT_ROOT/systemd/lookoutd.service"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/lookout-unit.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

if [ -z "$root" ]; then
    root="$scratch/root"
    mkdir -p "$root/usr/bin" "$root/usr/share/man/man1" "$root/usr/share/man/man8"
    cp /bin/true "$root/usr/bin/lookoutd"
    cp "$LOOKOUT_ROOT"/packaging/man/*.1 "$root/usr/share/man/man1/"
    cp "$LOOKOUT_ROOT"/packaging/man/*.8 "$root/usr/share/man/man8/"
else
    root="$(cd "$root" && pwd)"
    unit_source="$root/lib/systemd/system/lookoutd.service"
fi
[ -f "$unit_source" ] || die "no unit at $unit_source"

# systemd-analyze verify needs ExecStart= binaries to exist: point /usr/bin/ at the tree.
unit="$scratch/lookoutd.service"
sed "s#/usr/bin/#$root/usr/bin/#g" "$unit_source" >"$unit"

step "systemd-analyze verify lookoutd.service (executables and man page from $root)"
MANPATH="$root/usr/share/man" systemd-analyze verify "$unit"
note "ok"

max="${LOOKOUT_MAX_EXPOSURE:-2.0}"
step "systemd-analyze security --offline=true lookoutd.service (must be <= $max)"
# --threshold takes the score times ten.
threshold="$(awk -v m="$max" 'BEGIN { printf "%d", m * 10 }')"
systemd-analyze security --offline=true --threshold="$threshold" "$unit" | tail -n 1 \
    || die "lookoutd.service: exposure above $max (full report: systemd-analyze security --offline=true systemd/lookoutd.service)"
