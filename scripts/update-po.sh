#!/usr/bin/env bash
# Extracts the CLI's translatable messages (the call sites of `tr(...)` and `trPlural(...)` in Sources/lookout and
# Sources/TerminalText, see TerminalText/Localized.swift) into po/lookout.pot, and merges them into every
# po/*.po (msgmerge). xgettext does not read Swift; this reads the one call form the sources use: string literals,
# joined by `+` when long, never an interpolation.
#
#   scripts/update-po.sh           rewrite po/lookout.pot, merge the .po files
#   scripts/update-po.sh --check   change nothing; fail when po/lookout.pot is not what the sources say, or a .po
#                                  misses a translation (or has a fuzzy one) of a message in it
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$LOOKOUT_ROOT"

extract() {
    # shellcheck disable=SC2016
    perl -e '
        use strict; use warnings;
        my (%seen, @order);
        my $lit = qr/"(?:[^"\\\n]|\\.)*"/;           # a literal, to match
        my $litc = qr/"((?:[^"\\\n]|\\.)*)"/;        # its text, to take
        my $lits = qr/$lit(?:\s*\+\s*$lit)*/s;
        sub unswift {
            my ($text, $where) = @_;
            die "$where: interpolation in a translated message: use %1\$s and an argument\n" if $text =~ /\\\(/;
            $text =~ s/\\(["\\nt0]|u\{[0-9a-fA-F]+\})/$1 eq "n" ? "\n" : $1 eq "t" ? "\t" : $1 =~ m{^u\{(.*)\}} ? chr(hex($1)) : $1/ge;
            return $text;
        }
        sub joined { my ($group, $where) = @_; my @parts = $group =~ /$litc/g; return join "", map { unswift($_, $where) } @parts; }
        sub po { my $s = shift; $s =~ s/\\/\\\\/g; $s =~ s/"/\\"/g; $s =~ s/\t/\\t/g;
                 return "\"$s\"" unless $s =~ /\n./s;
                 my @lines = split /(?<=\n)/, $s; return "\"\"\n" . join("\n", map { "\"" . s/\n/\\n/r . "\"" } @lines); }
        for my $file (@ARGV) {
            open my $fh, "<:encoding(UTF-8)", $file or die "$file: $!\n";
            local $/; my $src = <$fh>; close $fh;
            $src =~ s{^(\s*)//.*$}{$1}mg;   # comments (doc comments show calls as examples) are not call sites
            while ($src =~ /(?<![A-Za-z0-9_.])(tr|trPlural)\(\s*($lits)(?:\s*,\s*($lits))?/g) {
                my ($kind, $one, $two) = ($1, $2, $3);
                my $line = 1 + (substr($src, 0, $-[0]) =~ tr/\n//);
                my $where = "$file:$line";
                my $id = joined($one, $where);
                my $plural = $kind eq "trPlural" ? joined($two // die("$where: trPlural needs two literals\n"), $where) : undef;
                my $key = $id . "\x00" . ($plural // "");
                push @order, $key unless $seen{$key};
                push @{$seen{$key}{refs}}, $where;
                $seen{$key}{id} = $id; $seen{$key}{plural} = $plural;
            }
        }
        binmode STDOUT, ":encoding(UTF-8)";
        print "# Messages of the lookout CLI. Made by scripts/update-po.sh from the sources: do not edit.\n";
        print "msgid \"\"\nmsgstr \"\"\n\"Project-Id-Version: lookout\\n\"\n\"MIME-Version: 1.0\\n\"\n";
        print "\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Content-Transfer-Encoding: 8bit\\n\"\n";
        print "\"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n\"\n";
        for my $key (@order) {
            my $m = $seen{$key};
            print "\n#: ", join(" ", @{$m->{refs}}), "\n";
            print "#, c-format\n" if ($m->{id} . ($m->{plural} // "")) =~ /%(?:\d+\$)?[sd]/;
            print "msgid ", po($m->{id}), "\n";
            if (defined $m->{plural}) { print "msgid_plural ", po($m->{plural}), "\nmsgstr[0] \"\"\nmsgstr[1] \"\"\n"; }
            else { print "msgstr \"\"\n"; }
        }
    ' $(find Sources/lookout Sources/TerminalText -name '*.swift' | LC_ALL=C sort)
}

# The msgids of a catalog, one per entry, sorted (what --check compares).
msgids() { msgcat --no-location --no-wrap --sort-output "$1" | grep -E '^msgid' || true; }

if [ "${1:-}" = "--check" ]; then
    work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
    extract >"$work/lookout.pot"
    if ! diff <(msgids "$work/lookout.pot") <(msgids po/lookout.pot) >"$work/diff"; then
        sed 's/^/    /' "$work/diff" >&2
        die "po/lookout.pot is not what the sources say (< sources, > po/lookout.pot): run scripts/update-po.sh"
    fi
    for po in po/*.po; do
        msgfmt --check -o /dev/null "$po" || die "$po: msgfmt --check failed"
        msgcmp "$po" "$work/lookout.pot" || die "$po: a message of the sources has no translation (or a fuzzy one)"
    done
    note "po/lookout.pot matches the sources; every po/*.po translates every message"
    exit 0
fi

extract >po/lookout.pot.new
mv po/lookout.pot.new po/lookout.pot
for po in po/*.po; do
    [ -e "$po" ] || continue
    msgmerge --quiet --update --backup=none --no-wrap "$po" po/lookout.pot
done
note "po/lookout.pot: $(grep -c '^msgid ' po/lookout.pot) entries (the header included)"
