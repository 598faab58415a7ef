#!/usr/bin/env bash
# Packaging test: builds the .deb (scripts/build-deb.sh --fast), then checks it without installing it:
# control fields and dependencies, file layout, owners and modes, conffiles, that the extracted
# executables run without the Swift toolchain, man pages, bash completion, sysusers.d/tmpfiles.d
# entries applied to a scratch root, the packaged configuration (`lookoutd --check`), the systemd
# unit (scripts/check-unit.sh on the extracted tree), and the packaged lookoutd at work under the
# unit's system-call filter (scripts/check-sandbox.sh). With LOOKOUT_LINTIAN=1, also installs and runs
# lintian (about a minute more: 128 packages, xz compression).
# Exits non-zero when any check fails. Called by scripts/test.sh before `swift test`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/lookout-package-test.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
failures=0

# Records one check: `check DESCRIPTION COMMAND...` prints ok/FAIL and counts failures.
check() {
    local what="$1"; shift
    local output
    if output="$("$@" 2>&1)"; then
        note "ok    $what"
    else
        note "FAIL  $what"
        [ -n "$output" ] && printf '%s\n' "$output" | sed 's/^/          /'
        failures=$((failures + 1))
    fi
}

# lintian only accepts xz/gzip archives; without it, zstd saves most of the compression time.
compression=(--fast)
if [ "${LOOKOUT_LINTIAN:-0}" = 1 ]; then
    ensure_packages lintian
    compression=()
fi

step "Building the .deb"
bash "$LOOKOUT_ROOT/scripts/build-deb.sh" "${compression[@]}" --out "$scratch/out"
deb="$(find "$scratch/out" -maxdepth 1 -name '*.deb' | head -n 1)"
[ -n "$deb" ] || die "build-deb.sh produced no .deb"
root="$scratch/root"
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$root/DEBIAN"
listing="$scratch/listing"
dpkg-deb -c "$deb" >"$listing"
version="$(dpkg-deb -f "$deb" Version)"

step "Control file and dependencies"
depends="$(dpkg-deb -f "$deb" Depends)"
check "Package is lookout" test "$(dpkg-deb -f "$deb" Package)" = lookout
check "Version $version matches lookoutVersion" grep -q "lookoutVersion = \"$version\"" "$LOOKOUT_ROOT/Sources/Daemon/DaemonVersion.swift"
check "Depends names libmosquitto1 ($depends)" grep -q 'libmosquitto1' <<<"$depends"
check "Depends names libsqlite3-0" grep -q 'libsqlite3-0' <<<"$depends"
check "Depends names no Swift runtime" bash -c '! grep -qi swift <<<"$1"' _ "$depends"

step "Layout, owners and modes"
# `dpkg-deb -c` prints: mode owner/group size date time ./path
expect_entry() {
    local mode="$1" path="$2"
    awk -v m="$mode" -v p="./${path#/}" '$6 == p && $1 == m && $2 == "root/root" { found = 1 } END { exit !found }' "$listing" \
        || { grep -F " ./${path#/}" "$listing" || echo "missing: $path"; return 1; }
}
for exe in lookoutd lookout lookout-sim; do
    check "/usr/bin/$exe -rwxr-xr-x root/root" expect_entry -rwxr-xr-x "/usr/bin/$exe"
done
for file in /lib/systemd/system/lookoutd.service /usr/lib/sysusers.d/lookout.conf \
    /usr/lib/tmpfiles.d/lookout.conf /usr/share/man/man8/lookoutd.8.gz /usr/share/man/man1/lookout.1.gz \
    /usr/share/doc/lookout/copyright; do
    check "$file -rw-r--r-- root/root" expect_entry -rw-r--r-- "$file"
done
check "every entry owned by root/root" bash -c '! awk '"'"'$2 != "root/root"'"'"' "$1" | grep .' _ "$listing"
check "nothing writable by group or others" bash -c '! awk '"'"'substr($1, 6, 1) == "w" || substr($1, 9, 1) == "w"'"'"' "$1" | grep .' _ "$listing"
check "nothing under /usr/local, /opt or /var" bash -c '! grep -E " \./(usr/local|opt|var)/" "$1"' _ "$listing"
# Files from the repository that must be shipped once they exist in the tree.
shipped_if_present() {
    local source="$1" target="$2"
    [ -e "$LOOKOUT_ROOT/$source" ] || { note "skip  $target ($source not in this tree)"; return 0; }
    check "$target -rw-r--r-- root/root (from $source)" expect_entry -rw-r--r-- "$target"
}
shipped_if_present config/lookoutd.conf /etc/lookout/lookoutd.conf
shipped_if_present config/devices.csv /etc/lookout/devices.csv
for rules in "$LOOKOUT_ROOT"/config/rules.d/*.rules; do
    [ -e "$rules" ] && shipped_if_present "config/rules.d/$(basename "$rules")" "/etc/lookout/rules.d/$(basename "$rules")"
done
shipped_if_present config/completion/lookout.bash /usr/share/bash-completion/completions/lookout
shipped_if_present README.md /usr/share/doc/lookout/README.md
for doc in "$LOOKOUT_ROOT"/docs/*.md; do
    shipped_if_present "docs/$(basename "$doc")" "/usr/share/doc/lookout/docs/$(basename "$doc")"
done
for page in "$LOOKOUT_ROOT"/packaging/man/*.[0-9]; do
    shipped_if_present "packaging/man/$(basename "$page")" "/usr/share/man/man${page##*.}/$(basename "$page").gz"
done
shipped_if_present config/prometheus/lookout-alerts.yml /usr/share/doc/lookout/examples/prometheus/lookout-alerts.yml
# The reference notifier (docs/operators.md, out-of-band notification) and the example naming it.
if [ -e "$LOOKOUT_ROOT/config/notifiers/http-post" ]; then
    check "/usr/lib/lookout/notifiers/http-post -rwxr-xr-x root/root" expect_entry -rwxr-xr-x /usr/lib/lookout/notifiers/http-post
    check "http-post is valid sh" sh -n "$root/usr/lib/lookout/notifiers/http-post"
    check "Recommends curl (the reference notifier runs it)" bash -c 'grep -qw curl <<<"$1"' _ "$(dpkg-deb -f "$deb" Recommends)"
    shipped_if_present config/notifiers.conf /usr/share/doc/lookout/examples/notifiers.conf
    check "the example notifiers.conf names the installed notifier" \
        grep -q '^command = /usr/lib/lookout/notifiers/http-post' "$root/usr/share/doc/lookout/examples/notifiers.conf"
fi
check "the packaged unit is systemd/lookoutd.service" cmp "$LOOKOUT_ROOT/systemd/lookoutd.service" "$root/lib/systemd/system/lookoutd.service"

step "Conffiles and maintainer scripts"
conffiles_expected="$(cd "$root" && find etc -type f | sort | sed 's#^#/#')"
conffiles_actual="$(sort "$root/DEBIAN/conffiles" 2>/dev/null || true)"
check "conffiles = every file under /etc" test "$conffiles_expected" = "$conffiles_actual"
for script in postinst prerm postrm; do
    check "$script is executable and valid sh" bash -c 'test -x "$1" && sh -n "$1"' _ "$root/DEBIAN/$script"
done

step "Executables run without the Swift toolchain"
for exe in lookoutd lookout lookout-sim; do
    check "$exe: no library from /opt/swift or missing (ldd)" bash -c '! ldd "$1" | grep -E "not found|/opt/swift|swift"' _ "$root/usr/bin/$exe"
done
# A clean environment: no PATH or LD_LIBRARY_PATH pointing at /opt/swift.
run_clean() { env -i PATH=/usr/bin:/bin HOME=/nonexistent LANG=C.UTF-8 "$@"; }
check "lookoutd --version prints $version" bash -c 'out="$("${@:2}")" && grep -qF "$1" <<<"$out" || { echo "$out"; exit 1; }' _ "$version" \
    env -i PATH=/usr/bin:/bin "$root/usr/bin/lookoutd" --version
check "lookout --help exits 0" run_clean "$root/usr/bin/lookout" --help
check "lookout-sim --help exits 0" run_clean "$root/usr/bin/lookout-sim" --help
if [ -f "$root/etc/lookout/lookoutd.conf" ]; then
    check "lookoutd --check accepts the packaged configuration" \
        run_clean "$root/usr/bin/lookoutd" --check --config "$root/etc/lookout/lookoutd.conf"
    check "packaged configuration keeps the database in /var/lib/lookout" \
        grep -qE '^[[:space:]]*[a-z_]+[[:space:]]*=[[:space:]]*"?/var/lib/lookout/events\.db' "$root/etc/lookout/lookoutd.conf"
    # The unit's RuntimeDirectory=lookout (0755): node_exporter, another user, can read the file there.
    check "packaged configuration writes the metrics to /run/lookout/lookout.prom" \
        grep -qE '^[[:space:]]*metrics_file[[:space:]]*=[[:space:]]*/run/lookout/lookout\.prom$' "$root/etc/lookout/lookoutd.conf"
    check "the unit provides /run/lookout world-readable and keeps it after a crash" bash -c \
        'grep -qx "RuntimeDirectory=lookout" "$1" && grep -qx "RuntimeDirectoryMode=0755" "$1" && grep -qx "RuntimeDirectoryPreserve=yes" "$1"' \
        _ "$root/lib/systemd/system/lookoutd.service"
fi

step "Man pages and bash completion"
for page in "$root"/usr/share/man/man*/*.gz; do
    # groff -ww prints every warning (bad requests, macros, escapes); none are expected.
    check "$(basename "$page") renders without warnings" bash -c 'w="$(zcat "$1" | groff -man -Tutf8 -ww -z 2>&1)"; [ -z "$w" ] || { echo "$w"; exit 1; }' _ "$page"
done
completion="$root/usr/share/bash-completion/completions/lookout"
if [ -f "$completion" ]; then
    check "bash completion defines a completion for lookout" bash -c 'source "$1" && complete -p lookout' _ "$completion"
fi

step "sysusers.d and tmpfiles.d applied to a scratch root"
sysroot="$scratch/sysroot"
mkdir -p "$sysroot/etc/lookout"
check "systemd-sysusers creates user and group lookout" bash -c \
    'systemd-sysusers --root="$1" "$2" && grep -q "^lookout:x:[0-9]*:[0-9]*:.*:/var/lib/lookout:/usr/sbin/nologin$" "$1/etc/passwd" && grep -q "^lookout:" "$1/etc/group"' \
    _ "$sysroot" "$root/usr/lib/sysusers.d/lookout.conf"
check "systemd-tmpfiles creates /var/lib/lookout 2770 lookout:lookout and the database 0660" bash -c \
    'systemd-tmpfiles --root="$1" --create "$2" &&
     uid="$(awk -F: "\$1 == \"lookout\" { print \$3 }" "$1/etc/passwd")" &&
     test "$(stat -c "%a %u" "$1/var/lib/lookout")" = "2770 $uid" &&
     test "$(stat -c "%a %u" "$1/var/lib/lookout/events.db")" = "660 $uid" &&
     test "$(stat -c "%a %u" "$1/etc/lookout/mqtt-password")" = "600 0"' \
    _ "$sysroot" "$root/usr/lib/tmpfiles.d/lookout.conf"

step "systemd unit of the package"
check "scripts/check-unit.sh on the extracted tree" bash "$LOOKOUT_ROOT/scripts/check-unit.sh" "$root"
check "scripts/check-sandbox.sh: the packaged lookoutd works under the unit's seccomp filter" \
    bash "$LOOKOUT_ROOT/scripts/check-sandbox.sh" "$root/usr/bin"

if [ "${LOOKOUT_LINTIAN:-0}" = 1 ]; then
    step "lintian (fails on errors and warnings; informational tags are listed)"
    check "lintian finds no error or warning" lintian --fail-on error,warning --tag-display-limit 0 -I "$deb"
fi

if [ "$failures" -gt 0 ]; then
    die "packaging test: $failures check(s) failed"
fi
step "Packaging test passed ($deb)"
