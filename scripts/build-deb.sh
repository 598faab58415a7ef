#!/usr/bin/env bash
# Builds Lookout's Debian packages from one release build (Swift runtime linked statically, so the
# packages do not need /opt/swift), one per kind of machine:
#   lookoutd       the server: lookoutd, systemd unit, sysusers.d/tmpfiles.d, configuration (conffiles),
#                  maintainer scripts, example broker and Prometheus configurations, lookoutd(8)
#   lookout        staff machines and the server: the CLI lookout, its catalogs (po/*.po compiled by msgfmt into
#                  /usr/share/locale/LANG/LC_MESSAGES/lookout.mo), bash completion, lookout(1) (and its translations)
#   lookout-tools  test and demo systems: lookout-sim and lookout-bench, their man pages
# Maintainer and Homepage come from packaging/debian/package.conf (environment: LOOKOUT_MAINTAINER,
# LOOKOUT_HOMEPAGE). See docs/packaging.md.
#
# usage: scripts/build-deb.sh [--out DIR] [--fast] [--no-build]
#   --out DIR    where to put the .debs (default: .build/deb); prints one .deb path per line at the end
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
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
done

# shellcheck source=../packaging/debian/package.conf
source "$LOOKOUT_ROOT/packaging/debian/package.conf"

ensure_packages "${LOOKOUT_BUILD_PACKAGES[@]}" "${LOOKOUT_PACKAGING_PACKAGES[@]}"
ensure_swift
if [ "$build" = 1 ]; then
    build_release
else
    LOOKOUT_RELEASE_BIN="$(swift build --package-path "$LOOKOUT_ROOT" "${LOOKOUT_RELEASE_FLAGS[@]}" --show-bin-path)"
fi

version="$(sed -n 's/^public let lookoutVersion = "\(.*\)"$/\1/p' "$LOOKOUT_ROOT/Sources/Vocabulary/LookoutVersion.swift")"
[ -n "$version" ] || die "cannot read lookoutVersion from Sources/Vocabulary/LookoutVersion.swift"
# The packages Break and Replace the single package `lookout` (<< 0.2.0~) they were split from; a
# lower version would break the new `lookout` too.
dpkg --compare-versions "$version" ge 0.2.0~ || die "version $version: the split packages need 0.2.0 or later"
arch="$(dpkg --print-architecture)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
changed="$(git -C "$LOOKOUT_ROOT" log -1 --format=%cD 2>/dev/null || date -R)"

# Maintainer and Homepage as sed replacement text (a `&`, `|` or `\` in them stays literal).
sed_literal() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }
maintainer="$(sed_literal "$LOOKOUT_MAINTAINER")"
homepage="$(sed_literal "$LOOKOUT_HOMEPAGE")"

# The package each man page belongs to: a command's page goes with its command, file formats
# (section 5, e.g. lookoutd.conf(5)) with the daemon that reads them. A new page must be placed here.
man_package() {
    case "$1" in
        lookoutd.8|*.5) echo lookoutd ;;
        lookout.1) echo lookout ;;
        lookout-sim.1|lookout-bench.1) echo lookout-tools ;;
        *) die "packaging/man/$1: which package ships it? (man_package in scripts/build-deb.sh)" ;;
    esac
}

# Starts staging package $1 in $stage (a fresh directory), with its copyright and changelog.
begin_package() {
    package="$1"
    stage="$out/${package}_${version}_${arch}"
    rm -rf "$stage"
    mkdir -p "$stage/DEBIAN"
    step "Staging ${package}_${version}_${arch} in $stage"
    sed -e "s|@MAINTAINER@|$maintainer|" -e "s|@HOMEPAGE@|$homepage|" \
        "$LOOKOUT_ROOT/packaging/debian/copyright" | install -D -m 0644 /dev/stdin "$stage/usr/share/doc/$package/copyright"
    # A native package's changelog, dated by the last commit so that rebuilds are identical.
    printf '%s (%s) unstable; urgency=medium\n\n  * Lookout %s.\n\n -- %s  %s\n' \
        "$package" "$version" "$version" "$LOOKOUT_MAINTAINER" "$changed" | gzip -9n >"$stage/usr/share/doc/$package/changelog.gz"
    chmod 0644 "$stage/usr/share/doc/$package/changelog.gz"
}

# Installs the release executables $@ into the stage, stripped.
# (--remove-section=.comment: compiler version strings, which lintian flags as unneeded.)
install_executables() {
    local exe
    for exe in "$@"; do
        [ -x "$LOOKOUT_RELEASE_BIN/$exe" ] || die "missing release build of $exe in $LOOKOUT_RELEASE_BIN"
        install -D -m 0755 "$LOOKOUT_RELEASE_BIN/$exe" "$stage/usr/bin/$exe"
        strip --strip-unneeded --remove-section=.comment "$stage/usr/bin/$exe"
    done
}

# Installs the man pages of packaging/man/ that belong to this package, compressed; a translated page
# (packaging/man/LANG/NAME.N) goes to /usr/share/man/LANG/manN, where man(1) finds it in that language.
install_man_pages() {
    local page name section owner directory
    for page in "$LOOKOUT_ROOT"/packaging/man/*.[0-9] "$LOOKOUT_ROOT"/packaging/man/*/*.[0-9]; do
        [ -e "$page" ] || continue
        name="$(basename "$page")"
        owner="$(man_package "$name")" # (an assignment, so that its die stops the build under set -e)
        [ "$owner" = "$package" ] || continue
        section="${name##*.}"
        directory="$stage/usr/share/man/man$section"
        case "$page" in "$LOOKOUT_ROOT"/packaging/man/*/*) directory="$stage/usr/share/man/$(basename "$(dirname "$page")")/man$section" ;; esac
        install -d -m 0755 "$directory"
        gzip -9n <"$page" >"$directory/$name.gz"
        chmod 0644 "$directory/$name.gz"
    done
}

# Compiles the CLI's catalogs (po/LANG.po, checked by msgfmt --check) into /usr/share/locale/LANG/LC_MESSAGES/lookout.mo,
# where lookout looks by default (TerminalText/Localized.swift).
install_catalogs() {
    local po language
    for po in "$LOOKOUT_ROOT"/po/*.po; do
        language="$(basename "$po" .po)"
        install -d -m 0755 "$stage/usr/share/locale/$language/LC_MESSAGES"
        msgfmt --check -o "$stage/usr/share/locale/$language/LC_MESSAGES/lookout.mo" "$po"
        chmod 0644 "$stage/usr/share/locale/$language/LC_MESSAGES/lookout.mo"
    done
}

# Writes the control files (control from packaging/debian/$package/control.in, maintainer scripts,
# conffiles, md5sums) and builds the .deb.
finish_package() {
    local script depends installed_size deb
    for script in preinst postinst prerm postrm; do
        [ -f "$LOOKOUT_ROOT/packaging/debian/$package/$script" ] || continue
        install -m 0755 "$LOOKOUT_ROOT/packaging/debian/$package/$script" "$stage/DEBIAN/$script"
    done
    if [ -d "$stage/etc" ]; then
        (cd "$stage" && find etc -type f | sort | sed 's#^#/#') >"$stage/DEBIAN/conffiles"
        [ -s "$stage/DEBIAN/conffiles" ] || rm "$stage/DEBIAN/conffiles"
    fi
    (cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
        >"$stage/DEBIAN/md5sums"
    depends="$(debian_shlib_depends "$stage"/usr/bin/*)"
    installed_size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
    sed -e "s/@VERSION@/$version/g" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" \
        -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s|@MAINTAINER@|$maintainer|" \
        -e "s|@HOMEPAGE@|$homepage|" \
        "$LOOKOUT_ROOT/packaging/debian/$package/control.in" >"$stage/DEBIAN/control"
    note "Depends: $(sed -n 's/^Depends: //p' "$stage/DEBIAN/control")"
    note "Installed-Size: $installed_size KiB"
    deb="$out/${package}_${version}_${arch}.deb"
    step "dpkg-deb --build ($(basename "$deb"))"
    dpkg-deb --root-owner-group "${compression[@]}" --build "$stage" "$deb" >/dev/null
    note "$(du -h "$deb" | cut -f1) $deb"
    built+=("$deb")
}

built=()

# lookoutd: the server.
begin_package lookoutd
install_executables lookoutd
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
# The active rule set is the Chinese one (config/rules.d.zh_CN, the operators' own words); the English set
# (config/rules.d) and a pristine copy of the Chinese one, each with its `lookout rules test` cases, are examples.
for rules in "$LOOKOUT_ROOT"/config/rules.d.zh_CN/*.rules; do
    [ -e "$rules" ] || { note "warning: no config/rules.d.zh_CN/*.rules in this tree yet"; break; }
    install -m 0644 "$rules" "$stage/etc/lookout/rules.d/"
done
for set in rules.d rules.d.zh_CN; do
    [ -d "$LOOKOUT_ROOT/config/$set" ] || continue
    install -d -m 0755 "$stage/usr/share/doc/lookout/examples/$set/tests"
    for file in "$LOOKOUT_ROOT/config/$set"/*.rules; do
        install -m 0644 "$file" "$stage/usr/share/doc/lookout/examples/$set/"
    done
    for file in "$LOOKOUT_ROOT/config/$set"/tests/*.test; do
        install -m 0644 "$file" "$stage/usr/share/doc/lookout/examples/$set/tests/"
    done
    if [ -d "$LOOKOUT_ROOT/config/$set/tests/recordings" ]; then
        install -d -m 0755 "$stage/usr/share/doc/lookout/examples/$set/tests/recordings"
        install -m 0644 "$LOOKOUT_ROOT/config/$set"/tests/recordings/* "$stage/usr/share/doc/lookout/examples/$set/tests/recordings/"
    fi
done
# The examples keep the path they had in the single package `lookout` (documented there).
install -D -m 0644 "$LOOKOUT_ROOT/config/mosquitto.conf" "$stage/usr/share/doc/lookout/examples/mosquitto.conf"
install -D -m 0644 "$LOOKOUT_ROOT/config/mosquitto.acl" "$stage/usr/share/doc/lookout/examples/mosquitto.acl"
# The staff directory is an example only: its logins must not get rights on a server that happens to have them.
install -D -m 0644 "$LOOKOUT_ROOT/config/staff.conf" "$stage/usr/share/doc/lookout/examples/staff.conf"
# Notifiers (docs/operators.md, out-of-band notification): the reference notifier (sh + curl, which the
# package recommends) and an example notifier configuration naming it where the package installs it.
install -D -m 0755 "$LOOKOUT_ROOT/config/notifiers/http-post" "$stage/usr/lib/lookout/notifiers/http-post"
sed 's#^command = notifiers/#command = /usr/lib/lookout/notifiers/#' "$LOOKOUT_ROOT/config/notifiers.conf" \
    >"$stage/usr/share/doc/lookout/examples/notifiers.conf"
chmod 0644 "$stage/usr/share/doc/lookout/examples/notifiers.conf"
install -D -m 0644 "$LOOKOUT_ROOT/config/prometheus/lookout-alerts.yml" \
    "$stage/usr/share/doc/lookout/examples/prometheus/lookout-alerts.yml"
install_man_pages
# The manual (README.md and docs/*.md, by reader), with the server where operators read it; the man pages
# of the daemon point here.
install -D -m 0644 "$LOOKOUT_ROOT/README.md" "$stage/usr/share/doc/lookoutd/README.md"
install -d -m 0755 "$stage/usr/share/doc/lookoutd/docs"
install -m 0644 "$LOOKOUT_ROOT"/docs/*.md "$stage/usr/share/doc/lookoutd/docs/"
finish_package

# lookout: the staff CLI.
begin_package lookout
install_executables lookout
install_catalogs
install_man_pages
if [ -f "$LOOKOUT_ROOT/config/completion/lookout.bash" ]; then
    install -D -m 0644 "$LOOKOUT_ROOT/config/completion/lookout.bash" "$stage/usr/share/bash-completion/completions/lookout"
else
    note "warning: config/completion/lookout.bash not in this tree yet; not packaged"
fi
finish_package

# lookout-tools: simulator and benchmarks.
begin_package lookout-tools
install_executables lookout-sim lookout-bench
install_man_pages
finish_package

printf '%s\n' "${built[@]}"
