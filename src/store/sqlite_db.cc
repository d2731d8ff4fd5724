#include "store/sqlite_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <utility>

namespace herald::sqlite {
namespace {

// Sorts SQLite result codes into herald's error codes: constraint
// violations are the caller's input, SQL errors are herald's bugs, and
// everything else (I/O, locks, full disk, corruption) is the database.
ErrorCode ClassifyResultCode(int code) {
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      return ErrorCode::kInvalidArgument;
    case SQLITE_ERROR:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
      return ErrorCode::kInternal;
    default:
      return ErrorCode::kUnavailable;
  }
}

}  // namespace

Statement::Statement(Connection& connection, sqlite3_stmt* statement)
    : connection_(connection), statement_(statement) {}

Statement::~Statement() { sqlite3_finalize(statement_); }

void Statement::BindInt64(int index, std::int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
}

void Statement::BindText(int index, std::string_view value) {
  sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Statement::BindBlob(int index, std::string_view value) {
  // A zero-length blob still binds as a blob, not as NULL, because the
  // pointer is never null.
  static const char kEmpty = 0;
  const char* data = value.empty() ? &kEmpty : value.data();
  sqlite3_bind_blob64(statement_, index, data, value.size(), SQLITE_TRANSIENT);
}

void Statement::BindNull(int index) { sqlite3_bind_null(statement_, index); }

Result<bool> Statement::Step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return connection_.LastError(sqlite3_sql(statement_));
}

Result<bool> Statement::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.error();
    if (!row.value()) return true;
  }
}

std::int64_t Statement::ColumnInt64(int index) const {
  return sqlite3_column_int64(statement_, index);
}

std::string Statement::ColumnString(int index) const {
  // sqlite3_column_blob returns the bytes of text columns too; the size
  // must be read after it, as SQLite documents.
  const void* data = sqlite3_column_blob(statement_, index);
  const int size = sqlite3_column_bytes(statement_, index);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

std::size_t Statement::ColumnBytes(int index) const {
  return static_cast<std::size_t>(sqlite3_column_bytes(statement_, index));
}

void Statement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int code = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (code != SQLITE_OK) {
    Error error{ErrorCode::kUnavailable,
                fmt::format("cannot open SQLite database {}: {}", path,
                            db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code))};
    sqlite3_close(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

Connection::~Connection() {
  statements_.clear();  // Statements must be finalized before the close.
  sqlite3_close(db_);
}

Result<bool> Connection::Execute(std::string_view sql) {
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return LastError(text);
  }
  return true;
}

Result<StatementLease> Connection::Prepare(std::string_view sql) {
  std::string key(sql);
  auto found = statements_.find(key);
  if (found != statements_.end()) return StatementLease(found->second.get());

  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT,
                         &raw, nullptr) != SQLITE_OK) {
    return LastError(fmt::format("preparing {}", key));
  }
  auto statement = std::make_unique<Statement>(*this, raw);
  Statement* pointer = statement.get();
  statements_.emplace(std::move(key), std::move(statement));
  return StatementLease(pointer);
}

Result<std::string> Connection::QueryString(std::string_view sql) {
  Result<StatementLease> statement = Prepare(sql);
  if (!statement.ok()) return statement.error();
  Result<bool> row = statement.value()->Step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::string();
  return statement.value()->ColumnString(0);
}

std::int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

std::int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

bool Connection::InAutocommit() const { return sqlite3_get_autocommit(db_) != 0; }

Error Connection::LastError(std::string_view context) const {
  const int code = sqlite3_extended_errcode(db_);
  return Error{ClassifyResultCode(code), fmt::format("SQLite database {}: {} failed: {} (code {})",
                                                     path_, context, sqlite3_errmsg(db_), code)};
}

}  // namespace herald::sqlite
