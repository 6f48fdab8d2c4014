// Tests of filters/sql_fingerprint: pt-query-digest's fingerprint and Query ID.
//
// The expected fingerprints and checksums below were produced by the
// installed pt-query-digest 3.2.1 (QueryRewriter::fingerprint and
// make_checksum, default options), not by this implementation; the
// integration test slowlog_fingerprint_differential compares the two on
// thousands of generated queries whenever Percona Toolkit is installed.
#include "filters/sql_fingerprint.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace logpost::filters {
namespace {

struct Case {
  const char* query;
  const char* fingerprint;
  const char* checksum;
};

// One row per rule (and per quirk kept for parity).
const Case k_cases[] = {
    {"SELECT * FROM orders WHERE id = 42",
     "select * from orders where id = ?",
     "9C05EA5686390AEB296E90D8F864A512"},
    {"select * from orders where id=42",
     "select * from orders where id=?",
     "81CF91BA4C2E30D9ABC4F28B7E1013A7"},
    {"SELECT name FROM users WHERE email = 'a@b.c' AND active = TRUE",
     "select name from users where email = ? and active = ?",
     "B2A38B73FAB0F9A1FDC90ED13643DE99"},
    {"SELECT * FROM t WHERE s = \"double\" AND x = 'it''s'",
     "select * from t where s = ? and x = ??",
     "E3416A5411D46832638536D1494DEE70"},
    {"SELECT * FROM t WHERE s = 'can\\'t'",
     "select * from t where s = ?",
     "3642E48707226DB900A58937430DDF4E"},
    {"SELECT * FROM t WHERE a IS NULL OR b = NULL",
     "select * from t where a is ? or b = ?",
     "7CF3787E9D272F2CE56CFD47809CA97B"},
    {"SELECT * FROM t WHERE price > -1.5e+3 AND qty < +7",
     "select * from t where price > ? and qty < ?",
     "240FB32C718085D3BA9145D0C83C0BF7"},
    {"SELECT * FROM t WHERE h = 0xDEADBEEF",
     "select * from t where h = ?deadbeef",
     "B1D3339594E4A1338BC09485CEC59E5B"},
    {"SELECT * FROM table1 JOIN t2 ON table1.id = t2.id",
     "select * from table? join t? on table?id = t?id",
     "A69E33C74603EC1DC1D3F8427DE2BC26"},
    {"SELECT * FROM t WHERE id IN (1, 2, 3) AND name IN ('a','b')",
     "select * from t where id in(?+) and name in(?+)",
     "64B0D123A5F2AB51AF61BBAC5A220312"},
    {"SELECT * FROM t WHERE id IN (SELECT id FROM u)",
     "select * from t where id in (select id from u)",
     "CCB7354719396BE051631288726D5E54"},
    {"INSERT INTO t (a, b) VALUES (1, 'x')",
     "insert into t (a, b) values(?+)",
     "8888B738690000778A1971675757BAE0"},
    {"INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')",
     "insert into t (a, b) values(?+)",
     "8888B738690000778A1971675757BAE0"},
    {"INSERT IGNORE INTO t VALUES (1),(2)",
     "insert ignore into t values(?+)",
     "100EF902330EE8E5923CED5686B44618"},
    {"REPLACE INTO t VALUES (1, 2), (3, 4)",
     "replace into t values(?+)",
     "BCC5D6D3F1B7555F4044C84594C94EC0"},
    {"INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a)",
     "insert into t (a) values(?+) on duplicate key update a = values(a)",
     "E941FA9545B6D406ED36590A516C2A79"},
    {"INSERT INTO t (a, c) VALUES (1, NOW()), (2, NOW())",
     "insert into t (a, c) values (?, now())",
     "14EC43545CB97128D2AAB4426A74D3A9"},
    {"SELECT /* app:checkout */ SUM(x) FROM t -- trailing comment",
     "select sum(x) from t ",
     "6DB75614D571B29AF9811C5AB773A497"},
    {"SELECT /*!40100 SQL_CALC_FOUND_ROWS */ * FROM t",
     "select /*!? sql_calc_found_rows */ * from t",
     "348282366804F681CB911541E88FC9D3"},
    {"SELECT a # hash comment\nFROM t",
     "select a from t",
     "6AC00D0C56EC7A0F460B801D1AC030CB"},
    {"SELECT\t*\n  FROM   t\n WHERE   a = 1",
     "select * from t where a = ?",
     "E630D2FEB6D5BB9184AFF9783CD458FF"},
    {"SELECT * FROM t LIMIT 10",
     "select * from t limit ?",
     "753C37E76A107EB7B71696DAF8BE14DB"},
    {"SELECT * FROM t LIMIT 10, 20",
     "select * from t limit ?",
     "753C37E76A107EB7B71696DAF8BE14DB"},
    {"SELECT * FROM t LIMIT 10 OFFSET 20",
     "select * from t limit ?",
     "753C37E76A107EB7B71696DAF8BE14DB"},
    {"SELECT * FROM t ORDER BY a ASC, b DESC, c asc",
     "select * from t order by a, b desc, c",
     "D1690263DC6E191C49F26B7ED96D8DE8"},
    {"SELECT a FROM t UNION SELECT a FROM t",
     "select a from t /*repeat union*/",
     "12D16F5C5A7E4E476767C1BED0543D3A"},
    {"SELECT a FROM t UNION ALL SELECT a FROM t UNION ALL SELECT a FROM t",
     "select a from t /*repeat union all*/",
     "E700BAD94274D97D48A0F45E6652C74D"},
    {"CALL update_stats(1, 'x')",
     "call update_stats",
     "A324AFD76563C159FDE7F26D2AA72CDE"},
    {"call  db.proc()",
     "call  db.proc",
     "13A9DCB3EF226DAB573AA24E68A39A71"},
    {"USE shop",
     "use ?",
     "DD749893CA4A219A6C099B0B73EA7633"},
    {"use `my-db`;",
     "use ?",
     "DD749893CA4A219A6C099B0B73EA7633"},
    {"administrator command: Quit",
     "administrator command: Quit",
     "EDBC971AEC392917AA353644DE4C4CB4"},
    {"administrator command: Prepare",
     "administrator command: Prepare",
     "DA556F9115773A1A99AA0165670CE848"},
    {"SELECT /*!40001 SQL_NO_CACHE */ * FROM `film`",
     "mysqldump",
     "E3C753C2F267B2D767A347A2812914DF"},
    {"SELECT /*orders.t:1/4*/ COUNT(*) FROM t",
     "percona-toolkit",
     "8DD0EF5DCAF873994C88D66B213FB95B"},
    {"SET NAMES utf8mb4",
     "set names utf?m?",
     "995F41A1456C1CF6746D96521AE5B82C"},
    {"SELECT * FROM t WHERE token = md5('x') AND hash = 'd41d8cd98f00b204e9800998ecf8427e'",
     "select * from t where token = md?(?) and hash = ?",
     "AD8CF50B4759F78BBC506A3C4BEDB35F"},
    {"SELECT * FROM t WHERE col_1 = 1 AND a-b > 0",
     "select * from t where col_? = ? and a? > ?",
     "1A3FB2A5211E88FCA25AFEB9B1BA41F1"},
};

TEST(SqlFingerprint, MatchesPtQueryDigestOnEachRule) {
  for (const auto& c : k_cases) {
    SCOPED_TRACE(c.query);
    std::string fp = fingerprint(c.query);
    EXPECT_EQ(fp, c.fingerprint);
    EXPECT_EQ(query_checksum(fp), c.checksum);
  }
}

TEST(SqlFingerprint, LiteralsOfAnyFormShareOneClass) {
  // Different literal spellings, same class: that is the point of a digest.
  const std::string base = fingerprint("SELECT * FROM t WHERE a = 1 AND b = 'x'");
  EXPECT_EQ(fingerprint("select * from t where a = 99999 and b = \"yy\""), base);
  EXPECT_EQ(fingerprint("SELECT  *  FROM t\nWHERE a = -3.5e7 AND b = 'its'"), base);
  EXPECT_EQ(fingerprint("SELECT * FROM t WHERE a = 0x1f AND b = 'a\\'b'"), base);
  EXPECT_NE(fingerprint("SELECT * FROM u WHERE a = 1 AND b = 'x'"), base);
}

TEST(SqlFingerprint, ChecksumIsUppercaseMd5OfTheFingerprint) {
  // As md5sum(1) prints them, uppercased.
  EXPECT_EQ(query_checksum("select ?"), "1FE1379FE2A31B8D16219655761820A2");
  EXPECT_EQ(query_checksum(""), "D41D8CD98F00B204E9800998ECF8427E");
}

TEST(SqlFingerprint, AnyBytesHaveAFingerprint) {
  // Unterminated quotes and comments, NUL bytes, invalid UTF-8: no crash,
  // and unterminated constructs are kept as text, as pt-query-digest does.
  EXPECT_EQ(fingerprint("select 'unterminated"), "select 'unterminated");
  EXPECT_EQ(fingerprint("select /* open"), "select /* open");
  EXPECT_EQ(fingerprint(std::string("SELECT \0 \xff", 10)), std::string("select \0 \xff", 10));
  EXPECT_EQ(fingerprint(""), "");
}

// The shared development set: input<TAB>expected, with \n escapes.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[i + 1];
      if (n == 'n') { out.push_back('\n'); ++i; continue; }
      if (n == 't') { out.push_back('\t'); ++i; continue; }
      if (n == '\\') { out.push_back('\\'); ++i; continue; }
    }
    out.push_back(s[i]);
  }
  return out;
}

TEST(SqlFingerprint, SharedDevelopmentSet) {
  const std::filesystem::path file =
      std::filesystem::path(LOGPOST_SHARED_DIR) / "corpus" / "dev-cases" / "fingerprint-dev.tsv";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "no shared corpus at " << file;
  std::ifstream in(file);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));  // header
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    std::string query = unescape(line.substr(0, tab));
    std::string expected = unescape(line.substr(tab + 1));
    EXPECT_EQ(fingerprint(query), expected) << "query: " << line.substr(0, tab);
    ++rows;
  }
  EXPECT_GT(rows, 0);
}

}  // namespace
}  // namespace logpost::filters
