// sql_fingerprint.hpp — the query fingerprint and checksum of pt-query-digest.
//
// A fingerprint is a query with its literals abstracted away, so that
// `SELECT * FROM t WHERE id = 5` and `select * from t where id=7` fall into
// one query class. fingerprint() reproduces, rule for rule, the fingerprint
// that pt-query-digest (Percona Toolkit 3.x, QueryRewriter::fingerprint with
// its default options) groups a slow log by, so our "worst queries" report
// has the same classes and the same ids as the one operators already know:
//
//   - `SELECT /*!40001 SQL_NO_CACHE */ * FROM `...  -> "mysqldump"
//   - a `/*db.table:N/M*/` marker (pt-table-checksum)  -> "percona-toolkit"
//   - `administrator command: ...`                  -> unchanged
//   - `CALL proc(...)`                              -> "call proc"
//   - a multi-row INSERT/REPLACE is cut after its first VALUES (...) row
//   - comments: /* ... */ (not /*! ... */), -- and # to the end of the line
//   - `use db`                                      -> "use ?"
//   - strings '...' and "...", true/false, numbers (decimal, hex 0x..,
//     x'..', b'..', signs, exponents), NULL        -> ?
//     (digits inside identifiers become ? too, as in pt-query-digest:
//     `table1` -> `table?`)
//   - whitespace collapsed to one space, leading whitespace removed,
//     lowercased
//   - `IN (...)`, `VALUES (...), (...)` of placeholders -> `in(?+)`, `values(?+)`
//   - `select X union [all] select X ...`           -> `select X /*repeat union [all]*/`
//   - `LIMIT n`, `LIMIT n, m`, `LIMIT n OFFSET m`   -> `limit ?` (first LIMIT only)
//   - `ASC` after the first ORDER BY is dropped (the default order)
//
// pt-query-digest's quirks are reproduced on purpose (parity is the point):
// a trailing space survives, `a-b` becomes `a?`, `ASC` is removed even as the
// start of a longer word after ORDER BY. See docs/fingerprint.md.
//
// pt-fingerprint (the command) differs from pt-query-digest in one rule: it
// leaves true/false alone. We follow pt-query-digest, whose checksums name
// the query classes.
//
// query_checksum() is pt-query-digest's "Query ID" without its "0x": the MD5
// of the fingerprint as 32 uppercase hex digits.
//
// Bytes are treated as bytes (ASCII rules for case, word characters and
// whitespace), as Perl does for an undecoded log.
//
// Errors: none; any bytes have a fingerprint.
// Cost: a dozen linear passes over the query, no regex engine; the UNION
// rule is quadratic in the number of "union"s of a query (rare).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace logpost::filters {

std::string fingerprint(std::string_view query);

// 32 uppercase hex digits: MD5 of the fingerprint.
std::string query_checksum(std::string_view fingerprint);

}  // namespace logpost::filters
