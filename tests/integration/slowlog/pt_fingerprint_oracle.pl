#!/usr/bin/perl
# The reference fingerprints: pt-query-digest's own QueryRewriter and
# make_checksum, loaded from the installed pt-query-digest (its main() only
# runs when it is executed, not when it is required).
# Usage: pt_fingerprint_oracle.pl /path/to/pt-query-digest < queries
# Input: queries separated by NUL bytes. Output: "CHECKSUM\tFINGERPRINT\0"
# per query, the format of `logpost-fingerprint --null`.
use strict;
use warnings;
require $ARGV[0];
my $qr = QueryRewriter->new(QueryParser => QueryParser->new());
binmode STDIN;
binmode STDOUT;
my $all = do { local $/; <STDIN> };
my @queries = split /\0/, $all, -1;
pop @queries;    # after the last NUL
for my $q (@queries) {
    my $f = $qr->fingerprint($q);
    print Transformers::make_checksum($f), "\t", $f, "\0";
}
