#!/usr/bin/env bash
# Builds the Lookout Debian package: release binaries (Swift runtime linked statically, so the package
# does not need /opt/swift), systemd unit, sysusers.d/tmpfiles.d entries, configuration as conffiles,
# man pages, bash completion, maintainer scripts.
#
# usage: scripts/build-deb.sh [--out DIR] [--fast] [--no-build]
#   --out DIR    where to put the .deb (default: .build/deb); prints the .deb path on the last line
#   --fast       compress with zstd -3 instead of xz -6 (about 1 s instead of about 45 s; for tests)
#   --no-build   reuse the existing release build
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

out="$LOOKOUT_ROOT/.build/deb"
compression=(-Zxz -z6)
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --fast) compression=(-Zzstd -z3); shift ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
done

ensure_packages "${LOOKOUT_BUILD_PACKAGES[@]}" "${LOOKOUT_PACKAGING_PACKAGES[@]}"
ensure_swift
if [ "$build" = 1 ]; then
    build_release
else
    LOOKOUT_RELEASE_BIN="$(swift build --package-path "$LOOKOUT_ROOT" "${LOOKOUT_RELEASE_FLAGS[@]}" --show-bin-path)"
fi

version="$(sed -n 's/^public let lookoutVersion = "\(.*\)"$/\1/p' "$LOOKOUT_ROOT/Sources/Daemon/DaemonVersion.swift")"
[ -n "$version" ] || die "cannot read lookoutVersion from Sources/Daemon/DaemonVersion.swift"
arch="$(dpkg --print-architecture)"
name="lookout_${version}_${arch}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$out/$name"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"
step "Staging $name in $stage"

# Executables, stripped (the static Swift runtime makes them large).
# (--remove-section=.comment: compiler version strings, which lintian flags as unneeded.)
for exe in lookoutd lookout lookout-sim; do
    [ -x "$LOOKOUT_RELEASE_BIN/$exe" ] || die "missing release build of $exe in $LOOKOUT_RELEASE_BIN"
    install -D -m 0755 "$LOOKOUT_RELEASE_BIN/$exe" "$stage/usr/bin/$exe"
    strip --strip-unneeded --remove-section=.comment "$stage/usr/bin/$exe"
done

# systemd integration.
install -D -m 0644 "$LOOKOUT_ROOT/systemd/lookoutd.service" "$stage/lib/systemd/system/lookoutd.service"
install -D -m 0644 "$LOOKOUT_ROOT/packaging/sysusers.d/lookout.conf" "$stage/usr/lib/sysusers.d/lookout.conf"
install -D -m 0644 "$LOOKOUT_ROOT/packaging/tmpfiles.d/lookout.conf" "$stage/usr/lib/tmpfiles.d/lookout.conf"

# Configuration (conffiles): the shipped configuration, with the database and other state in
# /var/lib/lookout instead of the demo's paths next to the config file, the metrics in the unit's
# RuntimeDirectory= (/run/lookout, readable by node_exporter).
install -d -m 0755 "$stage/etc/lookout" "$stage/etc/lookout/rules.d"
if [ -f "$LOOKOUT_ROOT/config/lookoutd.conf" ]; then
    rewrite_daemon_config "$LOOKOUT_ROOT/config/lookoutd.conf" /var/lib/lookout/events.db /run/lookout/lookout.prom \
        >"$stage/etc/lookout/lookoutd.conf"
    chmod 0644 "$stage/etc/lookout/lookoutd.conf"
else
    note "warning: config/lookoutd.conf not in this tree yet; not packaged"
fi
if [ -f "$LOOKOUT_ROOT/config/devices.csv" ]; then
    install -m 0644 "$LOOKOUT_ROOT/config/devices.csv" "$stage/etc/lookout/devices.csv"
else
    note "warning: config/devices.csv not in this tree yet; not packaged"
fi
for rules in "$LOOKOUT_ROOT"/config/rules.d/*.rules; do
    [ -e "$rules" ] || { note "warning: no config/rules.d/*.rules in this tree yet"; break; }
    install -m 0644 "$rules" "$stage/etc/lookout/rules.d/"
done
install -D -m 0644 "$LOOKOUT_ROOT/config/mosquitto.conf" "$stage/usr/share/doc/lookout/examples/mosquitto.conf"
# Notifiers (docs/operators.md, out-of-band notification): the reference notifier (sh + curl, which the
# package recommends) and an example notifier configuration naming it where the package installs it.
install -D -m 0755 "$LOOKOUT_ROOT/config/notifiers/http-post" "$stage/usr/lib/lookout/notifiers/http-post"
sed 's#^command = notifiers/#command = /usr/lib/lookout/notifiers/#' "$LOOKOUT_ROOT/config/notifiers.conf" \
    >"$stage/usr/share/doc/lookout/examples/notifiers.conf"
chmod 0644 "$stage/usr/share/doc/lookout/examples/notifiers.conf"
install -D -m 0644 "$LOOKOUT_ROOT/config/prometheus/lookout-alerts.yml" \
    "$stage/usr/share/doc/lookout/examples/prometheus/lookout-alerts.yml"

# Documentation: man pages, bash completion.
for page in "$LOOKOUT_ROOT"/packaging/man/*.[0-9]; do
    section="${page##*.}"
    install -d -m 0755 "$stage/usr/share/man/man$section"
    gzip -9n <"$page" >"$stage/usr/share/man/man$section/$(basename "$page").gz"
    chmod 0644 "$stage/usr/share/man/man$section/$(basename "$page").gz"
done
if [ -f "$LOOKOUT_ROOT/config/completion/lookout.bash" ]; then
    install -D -m 0644 "$LOOKOUT_ROOT/config/completion/lookout.bash" "$stage/usr/share/bash-completion/completions/lookout"
else
    note "warning: config/completion/lookout.bash not in this tree yet; not packaged"
fi
install -D -m 0644 "$LOOKOUT_ROOT/packaging/debian/copyright" "$stage/usr/share/doc/lookout/copyright"
# The manual (README.md and docs/*.md, by reader), readable where the man pages point.
install -m 0644 "$LOOKOUT_ROOT/README.md" "$stage/usr/share/doc/lookout/README.md"
install -d -m 0755 "$stage/usr/share/doc/lookout/docs"
install -m 0644 "$LOOKOUT_ROOT"/docs/*.md "$stage/usr/share/doc/lookout/docs/"
# A native package's changelog, dated by the last commit so that rebuilds are identical.
maintainer="$(sed -n 's/^Maintainer: //p' "$LOOKOUT_ROOT/packaging/debian/control.in")"
changed="$(git -C "$LOOKOUT_ROOT" log -1 --format=%cD 2>/dev/null || date -R)"
printf 'lookout (%s) unstable; urgency=medium\n\n  * Lookout %s.\n\n -- %s  %s\n' \
    "$version" "$version" "$maintainer" "$changed" | gzip -9n >"$stage/usr/share/doc/lookout/changelog.gz"
chmod 0644 "$stage/usr/share/doc/lookout/changelog.gz"

# Control files.
for script in postinst prerm postrm; do
    install -m 0755 "$LOOKOUT_ROOT/packaging/debian/$script" "$stage/DEBIAN/$script"
done
(cd "$stage" && find etc -type f | sort | sed 's#^#/#') >"$stage/DEBIAN/conffiles"
[ -s "$stage/DEBIAN/conffiles" ] || rm "$stage/DEBIAN/conffiles"

(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
    >"$stage/DEBIAN/md5sums"
depends="$(debian_shlib_depends "$stage"/usr/bin/*)"
installed_size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" \
    -e "s/@INSTALLED_SIZE@/$installed_size/" \
    "$LOOKOUT_ROOT/packaging/debian/control.in" >"$stage/DEBIAN/control"
note "Depends: $depends"

step "dpkg-deb --build ($name.deb)"
dpkg-deb --root-owner-group "${compression[@]}" --build "$stage" "$out/$name.deb" >/dev/null
note "$(du -h "$out/$name.deb" | cut -f1) $out/$name.deb"
echo "$out/$name.deb"
