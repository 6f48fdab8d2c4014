#!/usr/bin/env python3
"""Seeded random SQL-ish queries for differential testing of the fingerprint
against pt-query-digest's own QueryRewriter.

Usage: gen_fingerprint_cases.py COUNT SEED > cases.bin
Writes COUNT queries separated by NUL bytes. The queries are token soup
built to hit every rule's edges (comments, quotes, escapes, numbers, IN and
VALUES lists, UNION repeats, LIMIT forms, ORDER BY ... ASC, CALL, USE,
multi-row INSERT, whitespace of every kind), not valid SQL.
"""
import random
import sys

TOKENS = [
    "SELECT", "select", "Select", "FROM", "from", "WHERE", "where", "t", "t1", "tbl_2", "`db`.`t`", "a.b",
    "a", "b", "c", "id", "=", "<>", ">=", ",", ", ", "(", ")", "*", "+", "-", "1", "-1", "+2", "3.14", "5.",
    ".5", "1e10", "1E-5", "0x1F", "0xABC", "x'ab'", "X'CD'", "b'101'", "0b11", "'str'", "'it''s'",
    "'a\\'b'", '"dq"', '"x\\"y"', "'", '"', "NULL", "null", "nullable", "TRUE", "false", "falsehood",
    "IN", "in", "IN (1, 2, 3)", "in(?)", "IN ('a','b')", "IN (SELECT", "VALUES", "values", "VALUE",
    "VALUES (1,2),(3,4)", "values (?, ?) , (?, ?)", "LIMIT", "limit 5", "LIMIT 5, 10", "LIMIT 5,10",
    "LIMIT 5 OFFSET 10", "limit ?", "ORDER BY", "order by", "ASC", "asc", "DESC", "ascending",
    "UNION", "union", "UNION ALL", "union all", "/* c */", "/*!40001 x */", "/**/", "/*", "*/",
    "-- comment", "--", "# hash", "#", "\n", "\r\n", "\t", "  ", "\f", "\x0b", " ", " ", " ", " ",
    "CALL", "call", "USE", "use", "INSERT", "REPLACE", "IGNORE", "INTO", "ON DUPLICATE KEY UPDATE",
    "administrator command:", "Quit", "é", "\\", "?", "%", "@a", "md5_0123456789abcdef0123456789abcdef",
    "/*db.tbl:1/2*/", "NOW()", "GROUP BY", "HAVING", "JOIN", "join", "inner",
]

PREFIXES = [
    "", "", "", "", " ", "\n", "SELECT /*!40001 SQL_NO_CACHE */ * FROM `t`", "administrator command: ",
    "CALL ", "call  p.q(", "use ", "USE ", "INSERT INTO t (a,b) VALUES ", "INSERT IGNORE INTO t VALUES(",
    "REPLACE INTO t VALUES ", "insert into t select ", "select 1 union select 1 union all select 1",
    "select a from t union select a from t", "SELECT x ORDER BY ",
]


def query(rng):
    n = rng.randrange(0, 14)
    parts = [rng.choice(PREFIXES)]
    for _ in range(n):
        tok = rng.choice(TOKENS)
        parts.append(tok)
        if rng.random() < 0.6:
            parts.append(" ")
    q = "".join(parts)
    if rng.random() < 0.1:
        q = q + "\n"
    if rng.random() < 0.05:
        # exact repeats for the UNION rule
        q = q + " UNION " + q
    return q


def main():
    count = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]))
    out = sys.stdout.buffer
    for _ in range(count):
        out.write(query(rng).encode("utf-8").replace(b"\0", b""))
        out.write(b"\0")


main()
