// sqlite_db.cpp — the only file that includes <sqlite3.h>.
#include "common/sqlite_db.hpp"

#include <sqlite3.h>

#include <utility>

namespace logpost {

Error sqlite_error(int code, std::string_view what, std::string_view detail) {
  ErrorCode ec = ErrorCode::internal;
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      ec = ErrorCode::temporary;
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
      ec = ErrorCode::permanent;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_TOOBIG:
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
      ec = ErrorCode::data;
      break;
    default:
      break;
  }
  std::string message(what);
  message += ": ";
  message += detail.empty() ? sqlite3_errstr(code) : detail;
  return Error{ec, std::move(message)};
}

namespace {
Error db_error(sqlite3* db, int code, std::string_view what) {
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  return sqlite_error(code, what, detail ? detail : "");
}
}  // namespace

// ---- SqliteStatement ----

SqliteStatement::SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, std::string origin)
    : m_db(db), m_stmt(stmt), m_origin(std::move(origin)) {}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)),
      m_stmt(std::exchange(other.m_stmt, nullptr)),
      m_origin(std::move(other.m_origin)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    if (m_stmt) sqlite3_finalize(m_stmt);
    m_db = std::exchange(other.m_db, nullptr);
    m_stmt = std::exchange(other.m_stmt, nullptr);
    m_origin = std::move(other.m_origin);
  }
  return *this;
}

SqliteStatement::~SqliteStatement() {
  if (m_stmt) sqlite3_finalize(m_stmt);
}

void SqliteStatement::bind_null(int index) { sqlite3_bind_null(m_stmt, index); }
void SqliteStatement::bind_int(int index, int64_t value) { sqlite3_bind_int64(m_stmt, index, value); }
void SqliteStatement::bind_double(int index, double value) { sqlite3_bind_double(m_stmt, index, value); }
void SqliteStatement::bind_text(int index, std::string_view value) {
  sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}
void SqliteStatement::bind_text_nocopy(int index, std::string_view value) {
  sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
}
void SqliteStatement::bind_optional_text(int index, const std::optional<std::string>& value) {
  if (value) bind_text(index, *value);
  else bind_null(index);
}

Result<bool> SqliteStatement::step() {
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = db_error(m_db, rc, m_origin);
  // A failed step leaves the statement needing a reset before reuse.
  sqlite3_reset(m_stmt);
  return tl::unexpected(std::move(e));
}

Result<void> SqliteStatement::run() {
  for (;;) {
    auto row = step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
  }
}

void SqliteStatement::reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

bool SqliteStatement::column_is_null(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
int64_t SqliteStatement::column_int(int column) const { return sqlite3_column_int64(m_stmt, column); }
double SqliteStatement::column_double(int column) const { return sqlite3_column_double(m_stmt, column); }
std::string SqliteStatement::column_text(int column) const {
  const auto* text = sqlite3_column_text(m_stmt, column);
  int n = sqlite3_column_bytes(m_stmt, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n));
}
int SqliteStatement::column_count() const { return sqlite3_column_count(m_stmt); }

// ---- SqliteDb ----

SqliteDb::SqliteDb(sqlite3* db, std::filesystem::path path) : m_db(db), m_path(std::move(path)) {}

SqliteDb::SqliteDb(SqliteDb&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_path(std::move(other.m_path)) {}

SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    if (m_db) sqlite3_close_v2(m_db);
    m_db = std::exchange(other.m_db, nullptr);
    m_path = std::move(other.m_path);
  }
  return *this;
}

SqliteDb::~SqliteDb() {
  if (m_db) sqlite3_close_v2(m_db);
}

namespace {
// Process-wide settings, made before SQLite initialises (the first open):
// no memory statistics, so SQLite's allocator takes no global mutex per
// allocation (nothing here reads sqlite3_memory_used() or sets a heap limit).
void configure_sqlite_once() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);  // SQLITE_MISUSE if initialised already: harmless
    return true;
  }();
  (void)configured;
}
}  // namespace

Result<SqliteDb> SqliteDb::open(const std::filesystem::path& path, Mode mode, int busy_timeout_ms) {
  configure_sqlite_once();
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case Mode::read_write_create:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case Mode::read_write:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case Mode::read_only:
      flags |= SQLITE_OPEN_READONLY;
      break;
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = db_error(db, rc, "open " + path.string());
    sqlite3_close_v2(db);
    return tl::unexpected(std::move(e));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return SqliteDb(db, path);
}

Result<void> SqliteDb::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return tl::unexpected(sqlite_error(rc, m_path.string(), detail));
  }
  return {};
}

Result<SqliteStatement> SqliteDb::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return tl::unexpected(db_error(m_db, rc, m_path.string() + ": prepare"));
  return SqliteStatement(m_db, stmt, m_path.string());
}

Result<std::optional<int64_t>> SqliteDb::query_int(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return tl::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row || stmt->column_is_null(0)) return std::optional<int64_t>{};
  return std::optional<int64_t>{stmt->column_int(0)};
}

int64_t SqliteDb::changes() const { return sqlite3_changes64(m_db); }

// ---- SqliteTransaction ----

Result<SqliteTransaction> SqliteTransaction::begin(SqliteDb& db) {
  auto r = db.exec("BEGIN IMMEDIATE");
  if (!r) return tl::unexpected(r.error());
  return SqliteTransaction(&db);
}

SqliteTransaction::SqliteTransaction(SqliteTransaction&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}

SqliteTransaction::~SqliteTransaction() {
  if (m_db) (void)m_db->exec("ROLLBACK");
}

Result<void> SqliteTransaction::commit() {
  auto r = m_db->exec("COMMIT");
  if (!r) return r;  // the destructor rolls back
  m_db = nullptr;
  return {};
}

}  // namespace logpost
