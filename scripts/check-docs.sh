#!/usr/bin/env bash
# Checks the manual: README.md stays short (at most 15 KB) and every relative link in README.md and
# docs/*.md points to a file that exists and, with a #fragment, to a heading in it (GitHub's anchors).
# Exits non-zero and names each broken link. Needs only perl (Debian's perl-base is always installed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
limit=15360
size=$(wc -c <README.md)
status=0
if [ "$size" -gt "$limit" ]; then
    echo "README.md is $size bytes; at most $limit (move detail to docs/)" >&2
    status=1
fi
perl -CSD -Mutf8 -e '
    use strict; use warnings;
    use File::Basename qw(dirname);
    my %anchors;
    sub anchors_of {
        my ($file) = @_;
        return $anchors{$file} if $anchors{$file};
        open(my $fh, "<:encoding(UTF-8)", $file) or return undef;
        my (%seen, %set, $fence);
        while (my $line = <$fh>) {
            if ($line =~ /^\s*```/) { $fence = !$fence; next }
            next if $fence or $line !~ /^#{1,6}\s+(.*?)\s*#*\s*$/;
            my $a = lc $1;
            $a =~ s/[^\p{L}\p{N}\p{M}_\- ]//g;
            $a =~ s/ /-/g;
            my $n = $seen{$a}++;
            $set{$n ? "$a-$n" : $a} = 1;
        }
        return $anchors{$file} = \%set;
    }
    my $bad = 0;
    for my $file (@ARGV) {
        open(my $fh, "<:encoding(UTF-8)", $file) or die "$file: $!";
        my ($fence, $n) = (undef, 0);
        while (my $line = <$fh>) {
            $n++;
            if ($line =~ /^\s*```/) { $fence = !$fence; next }
            next if $fence;
            (my $text = $line) =~ s/`[^`]*`//g;
            while ($text =~ /\]\(([^)\s]+)\)/g) {
                my $link = $1;
                next if $link =~ m{^[a-z][a-z0-9+.-]*:}i;
                my ($path, $frag) = split /#/, $link, 2;
                my $target = $path eq "" ? $file : dirname($file) . "/" . $path;
                if (!-e $target) { print STDERR "$file:$n: broken link $link: no $target\n"; $bad = 1; next }
                next unless defined $frag and $frag ne "" and $target =~ /\.md$/;
                my $set = anchors_of($target);
                unless ($set->{$frag}) { print STDERR "$file:$n: broken link $link: no heading #$frag in $target\n"; $bad = 1 }
            }
        }
    }
    exit $bad;
' README.md docs/*.md || status=1
[ "$status" = 0 ] && echo "docs: README.md $size bytes, every relative link resolves"
exit "$status"
