#ifndef HERALD_STORE_SQLITE_DB_H_
#define HERALD_STORE_SQLITE_DB_H_

// Thin RAII wrappers over the SQLite C API that report failures as Error.
//
// Thread safety: a Connection and its statements may be used by one thread
// at a time. Connections are opened with SQLITE_OPEN_NOMUTEX.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "herald/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace herald::sqlite {

class Connection;

// A prepared statement owned by its Connection's cache. Obtain one through
// Connection::Prepare, which hands it out as a StatementLease.
class Statement {
 public:
  Statement(Connection& connection, sqlite3_stmt* statement);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameter indexes are one-based, as in sqlite3_bind_*. The bound text
  // and blobs are copied by SQLite.
  void BindInt64(int index, std::int64_t value);
  void BindText(int index, std::string_view value);
  void BindBlob(int index, std::string_view value);
  void BindNull(int index);

  // Runs the statement one step. Returns true when a row is available and
  // false when the statement has finished.
  Result<bool> Step();

  // Runs a statement that returns no rows to completion.
  Result<bool> Run();

  // Column indexes are zero-based. Text and blob columns are copied.
  std::int64_t ColumnInt64(int index) const;
  std::string ColumnString(int index) const;
  bool ColumnIsNull(int index) const;
  std::size_t ColumnBytes(int index) const;

  // Resets the statement and clears its bindings, which also ends the
  // read transaction an unfinished SELECT holds.
  void Reset();

 private:
  Connection& connection_;
  sqlite3_stmt* statement_;
};

// A statement borrowed from the cache; resets it when destroyed.
class StatementLease {
 public:
  explicit StatementLease(Statement* statement) : statement_(statement) {}
  ~StatementLease() {
    if (statement_ != nullptr) statement_->Reset();
  }
  StatementLease(StatementLease&& other) noexcept : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;
  StatementLease& operator=(StatementLease&&) = delete;

  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

class Connection {
 public:
  // Opens `path` for reading and writing, creating it if missing. Fails
  // with kUnavailable when SQLite cannot open the file.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no rows.
  Result<bool> Execute(std::string_view sql);

  // Returns the cached prepared statement for `sql`, preparing it on first
  // use. The lease must end before the same SQL is prepared again.
  Result<StatementLease> Prepare(std::string_view sql);

  // Returns the first column of the first row of `sql` as text.
  Result<std::string> QueryString(std::string_view sql);

  // Rows changed by the latest INSERT, UPDATE or DELETE.
  std::int64_t Changes() const;

  // Rowid of the latest successful INSERT on this connection.
  std::int64_t LastInsertRowId() const;

  // True outside an explicit transaction, including after SQLite rolled
  // one back on its own because of an I/O error or a full disk.
  bool InAutocommit() const;

  // Builds an Error for the connection's latest failure, naming the file
  // and `context` (what was being done).
  Error LastError(std::string_view context) const;

  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

}  // namespace herald::sqlite

#endif  // HERALD_STORE_SQLITE_DB_H_
