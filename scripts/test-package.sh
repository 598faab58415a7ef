#!/usr/bin/env bash
# Packaging test: builds the three .debs (scripts/build-deb.sh --fast: lookoutd, lookout, lookout-tools),
# then checks them: control fields, dependencies, Breaks/Replaces of the single package `lookout` they
# were split from, which package holds which file (no file in two packages, no load generator in the
# server's package), owners and modes, conffiles, copyright, that the extracted executables run without
# the Swift toolchain, man pages (one per executable, in its package; the unit's Documentation= pages in
# lookoutd), bash completion, sysusers.d/tmpfiles.d entries applied to a scratch root, the packaged
# configuration (`lookoutd --check`), the systemd unit (scripts/check-unit.sh on the extracted lookoutd),
# the packaged lookoutd at work under the unit's system-call filter (scripts/check-sandbox.sh), and an
# upgrade from the single package with dpkg in a scratch root (maintainer scripts left out there: they
# would act on this machine). With LOOKOUT_LINTIAN=1, also installs and runs lintian (about a minute
# more: 128 packages, xz compression).
# Exits non-zero when any check fails. Called by scripts/test.sh before `swift test`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$LOOKOUT_ROOT/packaging/debian/package.conf"

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

packages=(lookoutd lookout lookout-tools)
step "Building the .debs"
bash "$LOOKOUT_ROOT/scripts/build-deb.sh" "${compression[@]}" --out "$scratch/out"
# Per package: deb[P] the file, root of P extracted alone in $scratch/P, listing of P in $scratch/P.listing.
# $scratch/all holds the three extracted together (a server with the tools).
declare -A deb
all="$scratch/all"
for package in "${packages[@]}"; do
    deb[$package]="$(find "$scratch/out" -maxdepth 1 -name "${package}_*.deb" | head -n 1)"
    [ -n "${deb[$package]}" ] || die "build-deb.sh produced no $package .deb"
    dpkg-deb -x "${deb[$package]}" "$scratch/$package"
    dpkg-deb -e "${deb[$package]}" "$scratch/$package/DEBIAN"
    dpkg-deb -c "${deb[$package]}" >"$scratch/$package.listing"
    dpkg-deb -x "${deb[$package]}" "$all"
done
check "exactly three .debs built" test "$(find "$scratch/out" -maxdepth 1 -name '*.deb' | wc -l)" = 3
root="$scratch/lookoutd"
version="$(dpkg-deb -f "${deb[lookoutd]}" Version)"
field() { dpkg-deb -f "${deb[$1]}" "$2"; }

step "Control files and dependencies"
check "Version $version matches lookoutVersion" grep -q "lookoutVersion = \"$version\"" "$LOOKOUT_ROOT/Sources/Vocabulary/LookoutVersion.swift"
for package in "${packages[@]}"; do
    check "$package: Package, Version $version" test "$(field "$package" Package) $(field "$package" Version)" = "$package $version"
    check "$package: Maintainer and Homepage from package.conf" \
        test "$(field "$package" Maintainer)|$(field "$package" Homepage)" = "$LOOKOUT_MAINTAINER|$LOOKOUT_HOMEPAGE"
    check "$package: Depends names no Swift runtime" bash -c '! grep -qi swift <<<"$1"' _ "$(field "$package" Depends)"
    check "$package: DEP-5 copyright, Apache-2.0" bash -c \
        'grep -q "^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" "$1" && grep -q "^License: Apache-2.0$" "$1" && ! grep -q "@[A-Z]*@" "$1"' \
        _ "$scratch/$package/usr/share/doc/$package/copyright"
done
check "lookoutd Depends names libmosquitto1 and libsqlite3-0" bash -c 'grep -q libmosquitto1 <<<"$1" && grep -q libsqlite3-0 <<<"$1"' _ "$(field lookoutd Depends)"
check "lookout Depends names libsqlite3-0 and libmosquitto1 (the staff API over the broker)" bash -c 'grep -q libsqlite3-0 <<<"$1" && grep -q libmosquitto1 <<<"$1"' _ "$(field lookout Depends)"
check "lookout-tools Depends names libmosquitto1" bash -c 'grep -q libmosquitto1 <<<"$1"' _ "$(field lookout-tools Depends)"
for package in "${packages[@]}"; do
    # Rule files' `timezone "Asia/Shanghai"` is read from /usr/share/zoneinfo (all three load rules).
    check "$package Depends names tzdata" bash -c 'grep -qw tzdata <<<"$1"' _ "$(field "$package" Depends)"
done
check "lookout does not depend on the daemon (staff machines)" bash -c '! grep -q lookoutd <<<"$1"' _ "$(field lookout Depends)"
for package in lookoutd lookout-tools; do
    check "$package Breaks and Replaces lookout (<< 0.2.0~), the single package" \
        test "$(field "$package" Breaks)|$(field "$package" Replaces)" = "lookout (<< 0.2.0~)|lookout (<< 0.2.0~)"
done

step "Layout, owners and modes"
# `dpkg-deb -c` prints: mode owner/group size date time ./path
expect_entry() {
    local mode="$1" path="$2" listing="$3"
    awk -v m="$mode" -v p="./${path#/}" '$6 == p && $1 == m && $2 == "root/root" { found = 1 } END { exit !found }' "$listing" \
        || { grep -F " ./${path#/}" "$listing" || echo "missing: $path"; return 1; }
}
# `expect PACKAGE MODE PATH...`: each PATH is in PACKAGE with MODE, root/root.
expect() {
    local package="$1" mode="$2" path; shift 2
    for path in "$@"; do
        check "$package: $path $mode root/root" expect_entry "$mode" "$path" "$scratch/$package.listing"
    done
}
expect lookoutd -rwxr-xr-x /usr/bin/lookoutd
expect lookout -rwxr-xr-x /usr/bin/lookout
expect lookout-tools -rwxr-xr-x /usr/bin/lookout-sim /usr/bin/lookout-bench
expect lookoutd -rw-r--r-- /lib/systemd/system/lookoutd.service /usr/lib/sysusers.d/lookout.conf \
    /usr/lib/tmpfiles.d/lookout.conf /usr/share/man/man8/lookoutd.8.gz /usr/share/doc/lookoutd/copyright \
    /usr/share/doc/lookoutd/changelog.gz /usr/share/doc/lookout/examples/mosquitto.conf
expect lookout -rw-r--r-- /usr/share/man/man1/lookout.1.gz /usr/share/doc/lookout/copyright /usr/share/doc/lookout/changelog.gz \
    /usr/share/locale/zh_CN/LC_MESSAGES/lookout.mo
expect lookout-tools -rw-r--r-- /usr/share/man/man1/lookout-sim.1.gz /usr/share/man/man1/lookout-bench.1.gz \
    /usr/share/doc/lookout-tools/copyright /usr/share/doc/lookout-tools/changelog.gz
for package in "${packages[@]}"; do
    listing="$scratch/$package.listing"
    check "$package: every entry owned by root/root" bash -c '! awk '"'"'$2 != "root/root"'"'"' "$1" | grep .' _ "$listing"
    check "$package: nothing writable by group or others" bash -c '! awk '"'"'substr($1, 6, 1) == "w" || substr($1, 9, 1) == "w"'"'"' "$1" | grep .' _ "$listing"
    check "$package: nothing under /usr/local, /opt or /var" bash -c '! grep -E " \./(usr/local|opt|var)/" "$1"' _ "$listing"
done
check "lookoutd: only lookoutd in /usr/bin" test "$(ls "$scratch/lookoutd/usr/bin")" = lookoutd
check "lookout: only lookout in /usr/bin" test "$(ls "$scratch/lookout/usr/bin")" = lookout
check "lookout: nothing under /etc, no systemd unit, no maintainer script but postinst" bash -c \
    'test ! -e "$1/etc" && test ! -e "$1/lib" && test "$(cd "$1/DEBIAN" && ls | grep -v -e control -e md5sums | tr "\n" " ")" = "postinst "' _ "$scratch/lookout"
check "lookout-tools: nothing under /etc, no systemd unit, no maintainer script" bash -c \
    'test ! -e "$1/etc" && test ! -e "$1/lib" && test "$(cd "$1/DEBIAN" && ls | tr "\n" " ")" = "control md5sums "' _ "$scratch/lookout-tools"
# Files (not directories) shipped by more than one package would make dpkg refuse the second.
check "no file in two packages" bash -c 'cat "$@" | awk '"'"'$1 !~ /^d/ { print $6 }'"'"' | sort | uniq -d | grep . && exit 1 || exit 0' _ \
    "$scratch/lookoutd.listing" "$scratch/lookout.listing" "$scratch/lookout-tools.listing"
# Files from the repository that must be shipped once they exist in the tree.
shipped_if_present() {
    local package="$1" source="$2" target="$3"
    [ -e "$LOOKOUT_ROOT/$source" ] || { note "skip  $target ($source not in this tree)"; return 0; }
    check "$package: $target -rw-r--r-- root/root (from $source)" expect_entry -rw-r--r-- "$target" "$scratch/$package.listing"
}
shipped_if_present lookoutd config/lookoutd.conf /etc/lookout/lookoutd.conf
shipped_if_present lookoutd config/devices.csv /etc/lookout/devices.csv
# The Chinese rule set is the active one; the English set is an example beside it (docs/rules.md).
for rules in "$LOOKOUT_ROOT"/config/rules.d.zh_CN/*.rules; do
    [ -e "$rules" ] && shipped_if_present lookoutd "config/rules.d.zh_CN/$(basename "$rules")" "/etc/lookout/rules.d/$(basename "$rules")"
done
for rules in "$LOOKOUT_ROOT"/config/rules.d/*.rules; do
    [ -e "$rules" ] && shipped_if_present lookoutd "config/rules.d/$(basename "$rules")" "/usr/share/doc/lookout/examples/rules.d/$(basename "$rules")"
done
check "lookoutd: the installed rule set is the Chinese one" bash -c \
    'dpkg-deb --fsys-tarfile "$1" | tar -xO ./etc/lookout/rules.d/sos.rules | grep -q "紧急呼叫"' _ "${deb[lookoutd]}"
shipped_if_present lookout config/completion/lookout.bash /usr/share/bash-completion/completions/lookout
shipped_if_present lookoutd README.md /usr/share/doc/lookoutd/README.md
for doc in "$LOOKOUT_ROOT"/docs/*.md; do
    shipped_if_present lookoutd "docs/$(basename "$doc")" "/usr/share/doc/lookoutd/docs/$(basename "$doc")"
done
for page in "$LOOKOUT_ROOT"/packaging/man/*.5; do
    shipped_if_present lookoutd "packaging/man/$(basename "$page")" "/usr/share/man/man5/$(basename "$page").gz"
done
shipped_if_present lookoutd config/prometheus/lookout-alerts.yml /usr/share/doc/lookout/examples/prometheus/lookout-alerts.yml
# The staff directory is an example only (issue 16): its logins must not get rights on the server.
shipped_if_present lookoutd config/staff.conf /usr/share/doc/lookout/examples/staff.conf
check "no staff directory is installed in /etc/lookout" test ! -e "$root/etc/lookout/staff.conf"
# The reference notifier (docs/operators.md, out-of-band notification) and the example naming it, in the server package.
if [ -e "$LOOKOUT_ROOT/config/notifiers/http-post" ]; then
    check "lookoutd: /usr/lib/lookout/notifiers/http-post -rwxr-xr-x root/root" \
        expect_entry -rwxr-xr-x /usr/lib/lookout/notifiers/http-post "$scratch/lookoutd.listing"
    check "http-post is valid sh" sh -n "$root/usr/lib/lookout/notifiers/http-post"
    check "lookoutd Recommends curl (the reference notifier runs it)" bash -c 'grep -qw curl <<<"$1"' _ "$(field lookoutd Recommends)"
    shipped_if_present lookoutd config/notifiers.conf /usr/share/doc/lookout/examples/notifiers.conf
    check "the example notifiers.conf names the installed notifier" \
        grep -q '^command = /usr/lib/lookout/notifiers/http-post' "$root/usr/share/doc/lookout/examples/notifiers.conf"
fi
check "the packaged unit is systemd/lookoutd.service" cmp "$LOOKOUT_ROOT/systemd/lookoutd.service" "$root/lib/systemd/system/lookoutd.service"

step "Conffiles and maintainer scripts"
conffiles_expected="$(cd "$root" && find etc -type f | sort | sed 's#^#/#')"
conffiles_actual="$(sort "$root/DEBIAN/conffiles" 2>/dev/null || true)"
check "conffiles = every file under /etc" test "$conffiles_expected" = "$conffiles_actual"
for script in lookoutd/postinst lookoutd/prerm lookoutd/postrm lookout/postinst; do
    check "$script is executable and valid sh" bash -c 'test -x "$1" && sh -n "$1"' _ "$scratch/${script%%/*}/DEBIAN/${script#*/}"
done

step "Executables run without the Swift toolchain"
for exe in lookoutd lookout lookout-sim lookout-bench; do
    check "$exe: no library from /opt/swift or missing (ldd)" bash -c '! ldd "$1" | grep -E "not found|/opt/swift|swift"' _ "$all/usr/bin/$exe"
done
# A clean environment: no PATH or LD_LIBRARY_PATH pointing at /opt/swift.
run_clean() { env -i PATH=/usr/bin:/bin HOME=/nonexistent LANG=C.UTF-8 "$@"; }
check "lookoutd --version prints $version" bash -c 'out="$("${@:2}")" && grep -qF "$1" <<<"$out" || { echo "$out"; exit 1; }' _ "$version" \
    env -i PATH=/usr/bin:/bin "$root/usr/bin/lookoutd" --version
check "lookout --help exits 0" run_clean "$all/usr/bin/lookout" --help
check "lookout-sim --help exits 0" run_clean "$all/usr/bin/lookout-sim" --help
check "lookout-bench --help exits 0" run_clean "$all/usr/bin/lookout-bench" --help
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
for page in "$LOOKOUT_ROOT"/packaging/man/*.[0-9]; do
    name="$(basename "$page")"
    check "packaging/man/$name is shipped by exactly one package" \
        test "$(cat "$scratch"/*.listing | grep -c " ./usr/share/man/man${name##*.}/$name.gz$")" = 1
done
# Every page in both languages (issue 18): the Chinese one is installed under /usr/share/man/zh_CN/manN.
for page in "$LOOKOUT_ROOT"/packaging/man/*.[0-9]; do
    name="$(basename "$page")"
    check "packaging/man/$name has its Chinese page packaging/man/zh_CN/$name" test -e "$LOOKOUT_ROOT/packaging/man/zh_CN/$name"
done
for page in "$LOOKOUT_ROOT"/packaging/man/*/*.[0-9]; do
    [ -e "$page" ] || continue
    name="$(basename "$page")" language="$(basename "$(dirname "$page")")"
    check "packaging/man/$language/$name is shipped by exactly one package" \
        test "$(cat "$scratch"/*.listing | grep -c " ./usr/share/man/$language/man${name##*.}/$name.gz$")" = 1
done
# Every command has its page, in the package that installs the command.
for package in "${packages[@]}"; do
    for exe in "$scratch/$package"/usr/bin/*; do
        exe="$(basename "$exe")"
        check "$package: man page for $exe" bash -c 'ls "$1"/usr/share/man/man[18]/"$2".[18].gz' _ "$scratch/$package" "$exe"
    done
done
# The unit's Documentation=man:PAGE(SECTION) must be installed with the unit.
documentation="$(sed -n 's/^Documentation=//p' "$root/lib/systemd/system/lookoutd.service" | tr ' ' '\n' | sed -n 's/^man:\(.*\)(\([0-9]\))$/\1.\2/p')"
check "the unit's Documentation= names man pages" test -n "$documentation"
for page in $documentation; do
    check "lookoutd: Documentation=man:${page%.*}(${page##*.}) is in the package" \
        test -f "$root/usr/share/man/man${page##*.}/$page.gz"
done
for page in "$all"/usr/share/man/man*/*.gz "$all"/usr/share/man/*/man*/*.gz; do
    [ -e "$page" ] || continue
    # groff -ww prints every warning (bad requests, macros, escapes); none are expected. -k: preconv reads a translated
    # page's UTF-8 as man(1) does.
    check "$(basename "$page") renders without warnings" bash -c 'w="$(zcat "$1" | groff -k -man -Tutf8 -ww -z 2>&1)"; [ -z "$w" ] || { echo "$w"; exit 1; }' _ "$page"
done
completion="$all/usr/share/bash-completion/completions/lookout"
if [ -f "$completion" ]; then
    check "bash completion defines a completion for lookout" bash -c 'source "$1" && complete -p lookout' _ "$completion"
fi

step "sysusers.d and tmpfiles.d applied to a scratch root"
sysroot="$scratch/sysroot"
mkdir -p "$sysroot/etc/lookout"
check "systemd-sysusers creates user and group lookout" bash -c \
    'systemd-sysusers --root="$1" "$2" && grep -q "^lookout:x:[0-9]*:[0-9]*:.*:/var/lib/lookout:/usr/sbin/nologin$" "$1/etc/passwd" && grep -q "^lookout:" "$1/etc/group"' \
    _ "$sysroot" "$root/usr/lib/sysusers.d/lookout.conf"
check "systemd-tmpfiles creates /var/lib/lookout 0700 lookout:lookout and the database 0600" bash -c \
    'systemd-tmpfiles --root="$1" --create "$2" &&
     uid="$(awk -F: "\$1 == \"lookout\" { print \$3 }" "$1/etc/passwd")" &&
     test "$(stat -c "%a %u" "$1/var/lib/lookout")" = "700 $uid" &&
     test "$(stat -c "%a %u" "$1/var/lib/lookout/events.db")" = "600 $uid" &&
     test "$(stat -c "%a %u" "$1/etc/lookout/mqtt-password")" = "600 0"' \
    _ "$sysroot" "$root/usr/lib/tmpfiles.d/lookout.conf"

step "systemd unit of the package"
check "scripts/check-unit.sh on the extracted lookoutd alone" bash "$LOOKOUT_ROOT/scripts/check-unit.sh" "$root"
check "scripts/check-sandbox.sh: the packaged lookoutd works under the unit's seccomp filter" \
    bash "$LOOKOUT_ROOT/scripts/check-sandbox.sh" "$all/usr/bin"

step "Upgrade from the single package lookout 0.1.0, with dpkg in a scratch root"
# What dpkg does with the files: Breaks/Replaces move them from the old package to the new ones without
# a conflict, and conffiles the operator changed are kept without a question. The maintainer scripts
# are left out of these copies (they would create users and start services on this machine); the
# dependencies (libc6, libmosquitto1, ...) are not in the scratch database, hence --force-depends.
upgrade="$scratch/upgrade"
mkdir -p "$upgrade"
without_scripts() {
    local from="$1" to="$2" tree="$upgrade/tree"
    rm -rf "$tree"
    dpkg-deb -R "$from" "$tree"
    rm -f "$tree"/DEBIAN/preinst "$tree"/DEBIAN/postinst "$tree"/DEBIAN/prerm "$tree"/DEBIAN/postrm
    dpkg-deb --root-owner-group -Zzstd -z1 --build "$tree" "$to" >/dev/null
    rm -rf "$tree"
}
for package in "${packages[@]}"; do
    without_scripts "${deb[$package]}" "$upgrade/$package.deb"
done
# The single package as 0.1.0 built it: every file of the three but lookout-bench, one doc directory.
old="$upgrade/old"
cp -a "$all" "$old"
rm -rf "$old/usr/bin/lookout-bench" "$old/usr/share/man/man1/lookout-bench.1.gz" \
    "$old/usr/share/doc/lookoutd" "$old/usr/share/doc/lookout-tools"
mkdir -p "$old/DEBIAN"
(cd "$old" && find etc -type f | sort | sed 's#^#/#') >"$old/DEBIAN/conffiles"
printf 'Package: lookout\nVersion: 0.1.0\nArchitecture: %s\nMaintainer: %s\nDescription: community sensor alert daemon\n' \
    "$(dpkg --print-architecture)" "$LOOKOUT_MAINTAINER" >"$old/DEBIAN/control"
dpkg-deb --root-owner-group -Zzstd -z1 --build "$old" "$upgrade/lookout_0.1.0.deb" >/dev/null
rm -rf "$old"
# `scratch_dpkg ROOT ARGS...`: dpkg on the scratch root ROOT, never asking (stdin is empty), and
# --auto-deconfigure like apt (lookoutd Breaks the old lookout until lookout is unpacked too).
scratch_dpkg() {
    local r="$1"; shift
    mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates"
    touch "$r/var/lib/dpkg/status" "$r/var/lib/dpkg/available"
    dpkg --root="$r" --log="$r/dpkg.log" --force-depends --auto-deconfigure "$@" </dev/null
}
owner() { dpkg --root="$1" -S "$2" 2>/dev/null | cut -d: -f1; }
# Installs the old package, changes its lookoutd.conf, then installs $2... in one dpkg run.
upgrade_in() {
    local r="$1"; shift
    scratch_dpkg "$r" -i "$upgrade/lookout_0.1.0.deb" >/dev/null
    echo "# changed by the operator" >>"$r/etc/lookout/lookoutd.conf"
    scratch_dpkg "$r" -i "$@"
}
# Checks of a scratch root after an upgrade to the three packages.
check_upgraded() {
    local r="$1" what="$2" package
    check "$what: lookoutd, lookout and lookout-tools $version installed" bash -c \
        'for p in lookoutd lookout lookout-tools; do test "$(dpkg --root="$1" -s "$p" | sed -n "s/^Status: //p;s/^Version: //p" | tr "\n" " ")" = "install ok installed $2 " || exit 1; done' \
        _ "$r" "$version"
    check "$what: dpkg --audit finds nothing" bash -c 'test -z "$(dpkg --root="$1" --audit)"' _ "$r"
    check "$what: lookoutd owns /usr/bin/lookoutd, its unit and /etc/lookout/lookoutd.conf" bash -c \
        'for f in /usr/bin/lookoutd /lib/systemd/system/lookoutd.service /etc/lookout/lookoutd.conf; do test "$(dpkg --root="$1" -S "$f" | cut -d: -f1)" = lookoutd || exit 1; done' _ "$r"
    check "$what: lookout-tools owns /usr/bin/lookout-sim" test "$(owner "$r" /usr/bin/lookout-sim)" = lookout-tools
    check "$what: the operator's change to lookoutd.conf is kept" grep -qx "# changed by the operator" "$r/etc/lookout/lookoutd.conf"
    for package in "${packages[@]}"; do
        check "$what: every file of $package is in place" bash -c \
            'awk '"'"'$1 !~ /^d/ { print substr($6, 2) }'"'"' "$2" | while read -r f; do test -e "$1$f" || { echo "missing: $f"; exit 1; }; done' \
            _ "$r" "$scratch/$package.listing"
    done
    # When lookout was unpacked first, dpkg still lists the moved conffiles as lookout's, obsolete:
    # purging lookout (a staff machine's package) must not delete the daemon's configuration.
    check "$what: purging lookout keeps /etc/lookout, lookoutd's" bash -c \
        'dpkg --root="$1" --log="$1/dpkg.log" --force-depends -P lookout </dev/null >/dev/null &&
         grep -qx "# changed by the operator" "$1/etc/lookout/lookoutd.conf" && test "$(cd "$1" && find etc -type f | sort)" = "$2" &&
         test "$(dpkg --root="$1" -S /etc/lookout/lookoutd.conf | cut -d: -f1)" = lookoutd' \
        _ "$r" "$(cd "$root" && find etc -type f | sort)"
}
check "apt's order (the old package's new version first): dpkg -i lookout lookoutd lookout-tools" \
    upgrade_in "$upgrade/a" "$upgrade/lookout.deb" "$upgrade/lookoutd.deb" "$upgrade/lookout-tools.deb"
check_upgraded "$upgrade/a" "lookout first"
rm -rf "$upgrade/a"
check "the other order: dpkg -i lookoutd lookout-tools lookout" \
    upgrade_in "$upgrade/b" "$upgrade/lookoutd.deb" "$upgrade/lookout-tools.deb" "$upgrade/lookout.deb"
check_upgraded "$upgrade/b" "lookoutd first"
check "removing lookout-tools leaves lookoutd" bash -c \
    'dpkg --root="$1" --log="$1/dpkg.log" -r lookout-tools </dev/null >/dev/null && test ! -e "$1/usr/bin/lookout-sim" && test -x "$1/usr/bin/lookoutd"' \
    _ "$upgrade/b"
rm -rf "$upgrade/b"
# `apt upgrade` alone upgrades lookout without installing lookoutd: the daemon's files go; lookout's
# postinst says so; installing lookoutd afterwards brings them back with the operator's configuration.
check "upgrading lookout alone (dpkg -i lookout)" upgrade_in "$upgrade/c" "$upgrade/lookout.deb"
check "... removes /usr/bin/lookoutd" test ! -e "$upgrade/c/usr/bin/lookoutd"
mkdir -p "$upgrade/stub"
printf '#!/bin/sh\necho "logger $*" >&2\n' >"$upgrade/stub/logger"
chmod 0755 "$upgrade/stub/logger"
check "... and lookout's postinst warns (stderr and the journal) to install lookoutd" bash -c \
    'out="$(DPKG_ROOT="$1" PATH="$2:$PATH" sh "$3" configure 0.1.0 2>&1)" && grep -q "logger .*apt install lookoutd" <<<"$out" && grep -q "^lookout: .*apt install lookoutd" <<<"$out" || { echo "$out"; exit 1; }' \
    _ "$upgrade/c" "$upgrade/stub" "$scratch/lookout/DEBIAN/postinst"
check "... not when lookoutd is installed" bash -c \
    'out="$(DPKG_ROOT="$1" PATH="$2:$PATH" sh "$3" configure 0.1.0 2>&1)" && test -z "$out" || { echo "$out"; exit 1; }' \
    _ "$scratch/all" "$upgrade/stub" "$scratch/lookout/DEBIAN/postinst"
check "then dpkg -i lookoutd lookout-tools" scratch_dpkg "$upgrade/c" -i "$upgrade/lookoutd.deb" "$upgrade/lookout-tools.deb"
check_upgraded "$upgrade/c" "lookout, then lookoutd"
rm -rf "$upgrade"

if [ "${LOOKOUT_LINTIAN:-0}" = 1 ]; then
    step "lintian (fails on errors and warnings; informational tags are listed)"
    for package in "${packages[@]}"; do
        check "lintian finds no error or warning in $package" lintian --fail-on error,warning --tag-display-limit 0 -I "${deb[$package]}"
    done
fi

if [ "$failures" -gt 0 ]; then
    die "packaging test: $failures check(s) failed"
fi
step "Packaging test passed (${deb[*]})"
