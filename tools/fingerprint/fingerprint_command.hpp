// fingerprint_command.hpp — logpost-fingerprint: pt-query-digest's query
// fingerprints and checksums from the command line.
//
// NAME
//   logpost-fingerprint — fingerprint SQL statements or a slow log's queries
//
// SYNOPSIS
//   logpost-fingerprint --query SQL
//   logpost-fingerprint [FILE|-]
//   logpost-fingerprint --null [FILE|-]
//   logpost-fingerprint --slow-log FILE|-
//
// DESCRIPTION
//   --query SQL   prints "CHECKSUM<TAB>FINGERPRINT" for one statement.
//   FILE (or standard input): statements separated by ";\n", read the way
//                 pt-fingerprint reads them ("#" lines dropped, leading
//                 whitespace skipped, records not starting with a word
//                 character ignored); one "CHECKSUM<TAB>FINGERPRINT" line each.
//   --null, -z    statements separated by NUL bytes, taken verbatim; each
//                 result "CHECKSUM<TAB>FINGERPRINT" ends in a NUL byte.
//   --slow-log    splits a MySQL/MariaDB slow log into entries
//                 (common/log_splitter.hpp, then pt-query-digest's ";\n#"
//                 boundary), reads each entry's statement
//                 (filters/mysql_slowlog_parser.hpp) and prints one line per
//                 query class, "CHECKSUM<TAB>COUNT<TAB>FINGERPRINT", sorted by
//                 checksum, then "# events=N classes=N no_statement=N
//                 skipped=N banners=N" on standard error. As pt-query-digest
//                 does, an entry counts when its Query_time is a number or
//                 it is an administrator command (others are `skipped`), and one without a statement falls
//                 in the class of the empty fingerprint. The classes and
//                 counts are what pt-query-digest reports for the same log.
//   CHECKSUM is pt-query-digest's Query ID without "0x"; the fingerprint
//   rules are in filters/sql_fingerprint.hpp and docs/fingerprint.md.
//   Input is streamed: memory is bounded by the longest statement (slow
//   logs: by the splitter's entry limit) and the number of classes.
//
// DIAGNOSTICS
//   Exit 0 on success, 64 on a usage error, 66 when FILE cannot be opened,
//   74 on a read or write error.
//
// SECURITY
//   Reads the named file or standard input, writes standard output and
//   standard error; nothing else. Trusts nothing in its input: any bytes
//   have a fingerprint.
#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace logpost::tools {

// Runs the command with argv-style arguments (without the program name);
// returns the exit status.
int run_fingerprint_command(std::span<const std::string_view> args, std::istream& in, std::ostream& out,
                            std::ostream& err);

}  // namespace logpost::tools
