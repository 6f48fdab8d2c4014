// sqlite_db.hpp — SQLite, wrapped once: a connection (SqliteDb) and its
// prepared statements (SqliteStatement), both RAII, every failure a Result.
//
// Error mapping (what a caller may do next):
//   SQLITE_BUSY / SQLITE_LOCKED (after the busy timeout)  -> ErrorCode::temporary
//   SQLITE_FULL (disk full), SQLITE_IOERR                  -> ErrorCode::temporary
//   SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN          -> ErrorCode::permanent
//   SQLITE_CORRUPT, SQLITE_NOTADB                          -> ErrorCode::data
//   SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH      -> ErrorCode::data
//   anything else (misuse, bad SQL)                        -> ErrorCode::internal
// Messages name the database file and SQLite's own words.
//
// Cost: statements are compiled once by prepare() and reused with reset();
// binding text copies it (SQLITE_TRANSIENT) so callers' buffers may change.
// The first open() in the process turns SQLite's memory statistics off
// (sqlite3_config before SQLite initialises): its allocator then takes no
// global mutex; sqlite3_memory_used() and heap limits are not available.
// Thread-safety: a connection and its statements belong to one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace logpost {

class SqliteStatement {
 public:
  SqliteStatement() = default;
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Parameters are 1-based, as in SQLite.
  void bind_null(int index);
  void bind_int(int index, int64_t value);
  void bind_double(int index, double value);
  void bind_text(int index, std::string_view value);
  void bind_optional_text(int index, const std::optional<std::string>& value);
  // Binds without copying: `value` must stay valid and unchanged until the
  // statement is reset or re-bound (the hot path of bulk inserts).
  void bind_text_nocopy(int index, std::string_view value);

  // Runs one step: true when a row is available, false when done.
  Result<bool> step();
  // step() until done, for statements without rows.
  Result<void> run();
  // Makes the statement reusable and clears bindings.
  void reset();

  // Columns are 0-based, as in SQLite; valid after step() returned true.
  [[nodiscard]] bool column_is_null(int column) const;
  [[nodiscard]] int64_t column_int(int column) const;
  [[nodiscard]] double column_double(int column) const;
  [[nodiscard]] std::string column_text(int column) const;
  [[nodiscard]] int column_count() const;

 private:
  friend class SqliteDb;
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, std::string origin);

  sqlite3* m_db = nullptr;
  sqlite3_stmt* m_stmt = nullptr;
  std::string m_origin;  // database path, for messages
};

class SqliteDb {
 public:
  enum class Mode { read_write_create, read_write, read_only };

  // Opens (creating when allowed) a database with extended result codes and
  // `busy_timeout_ms` of waiting on locks before SQLITE_BUSY.
  static Result<SqliteDb> open(const std::filesystem::path& path, Mode mode, int busy_timeout_ms = 5000);

  SqliteDb(SqliteDb&& other) noexcept;
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // Runs one or more statements without results (schema, PRAGMA, BEGIN).
  Result<void> exec(std::string_view sql);
  Result<SqliteStatement> prepare(std::string_view sql);

  // Single-value helper for "SELECT x" queries; nullopt when no row or NULL.
  Result<std::optional<int64_t>> query_int(std::string_view sql);

  // Rows changed by the last INSERT/UPDATE/DELETE.
  [[nodiscard]] int64_t changes() const;
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

 private:
  SqliteDb(sqlite3* db, std::filesystem::path path);

  sqlite3* m_db = nullptr;
  std::filesystem::path m_path;
};

// The Error for a SQLite result code (see the table above); exposed for tests.
Error sqlite_error(int code, std::string_view what, std::string_view detail);

// RAII transaction: BEGIN IMMEDIATE on construction via begin(), ROLLBACK in
// the destructor unless commit() succeeded.
class SqliteTransaction {
 public:
  static Result<SqliteTransaction> begin(SqliteDb& db);
  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  ~SqliteTransaction();
  Result<void> commit();

 private:
  explicit SqliteTransaction(SqliteDb* db) : m_db(db) {}
  SqliteDb* m_db = nullptr;
};

}  // namespace logpost
