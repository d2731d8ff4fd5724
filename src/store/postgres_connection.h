#ifndef HERALD_STORE_POSTGRES_CONNECTION_H_
#define HERALD_STORE_POSTGRES_CONNECTION_H_

// Thin RAII wrappers over libpq that report failures as Error.
//
// Statements run with the extended protocol and binary results. Integer
// and text parameters are sent as text and bytea parameters as binary, so
// bodies pass through unescaped and uncopied.
//
// Thread safety: a Connection may be used by one thread at a time.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "herald/result.h"

struct pg_conn;
struct pg_result;

namespace herald::pg {

// A libpq connection string, checked and stripped of secrets for logs.
struct ConnectionString {
  std::string conninfo;  // As given: a postgresql:// URI or key=value pairs.
  // host, port, dbname and user only, never the password; for logs and
  // error messages.
  std::string safe_name;
  // The password the string contains, to remove from server messages;
  // empty when it has none.
  std::string password;
};

// Parses `conninfo` with PQconninfoParse. Fails with kInvalidArgument when
// it is empty or malformed. The error never quotes the string, because
// libpq's parse errors may quote the password.
Result<ConnectionString> ParseConnectionString(std::string_view conninfo);

// A statement prepared on each connection under `name` at its first use.
struct Statement {
  std::string name;
  std::string sql;
};

// The parameters of one statement execution.
class Params {
 public:
  // Copies `value`. Text must be valid in the database encoding and
  // contain no NUL bytes.
  Params& Text(std::string_view value);
  Params& Int64(std::int64_t value);
  Params& Bool(bool value);
  // Sent as binary without a copy: `value` must outlive the execution.
  Params& Bytea(std::string_view value);
  Params& Null();
  // A text[] literal of `values`.
  Params& TextArray(const std::vector<std::string>& values);

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& AddCopy(std::string value);

  std::deque<std::string> storage_;  // A deque keeps the addresses stable.
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// The rows of a statement, in binary format.
class Rows {
 public:
  explicit Rows(pg_result* result);
  ~Rows();
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  int size() const;
  // The rows a command changed, from its command tag; 0 when it has none.
  std::int64_t affected() const;
  bool IsNull(int row, int column) const;
  // For smallint, integer and bigint columns.
  std::int64_t Int64(int row, int column) const;
  bool Bool(int row, int column) const;
  // For text and bytea columns: the raw bytes.
  std::string String(int row, int column) const;

 private:
  pg_result* result_;
};

// Session settings applied on every (re)connect.
struct SessionSettings {
  // 0 keeps the server's statement_timeout.
  std::chrono::milliseconds statement_timeout{0};
};

class Connection {
 public:
  // Connects and applies `session`. Fails with kUnavailable when the
  // server cannot be reached or rejects the login.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionString& target,
                                                  const SessionSettings& session);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `statement`, preparing it first when this connection has not.
  Result<Rows> Execute(const Statement& statement, const Params& params);

  // Runs SQL without parameters through the simple protocol, which allows
  // several commands separated by semicolons. For BEGIN, COMMIT, DDL.
  Result<Rows> ExecuteSimple(const std::string& sql);

  // Whether the connection is gone. Reads what the server has sent, so a
  // connection that the server closed while it was idle shows as lost.
  bool CheckLost();
  // Whether the last failure broke the connection; no I/O.
  bool lost() const;
  // Reconnects with the same settings. Statements are prepared again on
  // their next use.
  Result<bool> Reconnect();

  // SQLSTATE and constraint name of the last failed statement, or empty.
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  const std::string& last_constraint() const { return last_constraint_; }

  const std::string& safe_name() const { return target_.safe_name; }

 private:
  Connection(pg_conn* connection, ConnectionString target, SessionSettings session);
  Result<bool> ApplySession();
  // Turns a failed result (or a null one) into an Error, and records the
  // SQLSTATE and constraint.
  Error Failure(pg_result* result);
  // Removes the password from a libpq or server message.
  std::string Scrub(std::string message) const;

  pg_conn* connection_;
  ConnectionString target_;
  SessionSettings session_;
  std::unordered_set<std::string> prepared_;
  std::string last_sqlstate_;
  std::string last_constraint_;
};

// SQLSTATE 23505, unique_violation.
inline constexpr std::string_view kUniqueViolation = "23505";

}  // namespace herald::pg

#endif  // HERALD_STORE_POSTGRES_CONNECTION_H_
