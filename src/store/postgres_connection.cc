#include "store/postgres_connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <utility>

namespace herald::pg {
namespace {

// Options copied into ConnectionString::safe_name; none of them is secret.
constexpr const char* kSafeKeywords[] = {"host", "hostaddr", "port", "dbname", "user"};

// Joins the lines of a libpq message, which may span several, into one
// log line. A line that ends without punctuation gets a full stop, so
// "Connection refused" and the hint after it stay two sentences.
std::string OneLine(std::string_view text) {
  std::string line;
  for (char c : text) {
    if (c == '\n' || c == '\t') {
      if (c == '\n' && !line.empty() && std::isalnum(static_cast<unsigned char>(line.back()))) {
        line += '.';
      }
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += c;
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

void LogNotice(void* /*unused*/, const char* message) {
  spdlog::debug("store: PostgreSQL notice: {}", OneLine(message));
}

// Maps a SQLSTATE to the Store error codes (see store.h).
ErrorCode CodeForSqlstate(std::string_view sqlstate) {
  const std::string_view error_class = sqlstate.substr(0, 2);
  // 22 data exception, 23 integrity constraint violation: the input
  // cannot be stored as it is.
  if (error_class == "22" || error_class == "23") return ErrorCode::kInvalidArgument;
  // 42 syntax error or access rule violation, 0A feature not supported,
  // 25 invalid transaction state: herald sent wrong SQL.
  if (error_class == "42" || error_class == "0A" || error_class == "25") {
    return ErrorCode::kInternal;
  }
  // Connection failures (08), serialization failures and deadlocks (40),
  // resources such as disk full (53), operator intervention and statement
  // timeouts (57), system errors (58) and corruption (XX): retrying later
  // may help, or needs an operator.
  return ErrorCode::kUnavailable;
}

}  // namespace

Result<ConnectionString> ParseConnectionString(std::string_view conninfo) {
  if (conninfo.empty()) {
    return Error{ErrorCode::kInvalidArgument,
                 "the PostgreSQL connection string is empty; give a URI such as "
                 "postgresql://USER@HOST:PORT/DBNAME or key=value pairs"};
  }
  ConnectionString parsed;
  parsed.conninfo = std::string(conninfo);
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(parsed.conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    if (parse_error != nullptr) PQfreemem(parse_error);
    return Error{ErrorCode::kInvalidArgument,
                 "invalid PostgreSQL connection string; give a URI such as "
                 "postgresql://USER@HOST:PORT/DBNAME or key=value pairs such as "
                 "\"host=127.0.0.1 dbname=herald\" (libpq's details are left out because they "
                 "may quote the password)"};
  }

  // Named in the order of kSafeKeywords, not libpq's.
  for (const char* safe : kSafeKeywords) {
    for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (option->val == nullptr || *option->val == '\0') continue;
      if (std::string_view(option->keyword) != safe) continue;
      if (!parsed.safe_name.empty()) parsed.safe_name += ' ';
      parsed.safe_name += fmt::format("{}={}", safe, option->val);
    }
  }
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) == "password" && option->val != nullptr) {
      parsed.password = option->val;
    }
  }
  PQconninfoFree(options);
  if (parsed.safe_name.empty()) parsed.safe_name = "(libpq defaults)";
  return parsed;
}

Params& Params::AddCopy(std::string value) {
  storage_.push_back(std::move(value));
  values_.push_back(storage_.back().c_str());
  lengths_.push_back(static_cast<int>(storage_.back().size()));
  formats_.push_back(0);
  return *this;
}

Params& Params::Text(std::string_view value) { return AddCopy(std::string(value)); }

Params& Params::Int64(std::int64_t value) { return AddCopy(fmt::format_int(value).str()); }

Params& Params::Bool(bool value) { return AddCopy(value ? "t" : "f"); }

Params& Params::Bytea(std::string_view value) {
  // libpq reads a null pointer as SQL NULL, so an empty value needs a
  // valid one.
  values_.push_back(value.data() != nullptr ? value.data() : "");
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::Null() {
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::TextArray(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return AddCopy(std::move(literal));
}

Rows::Rows(pg_result* result) : result_(result) {}

Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}

Rows::Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int Rows::size() const { return result_ == nullptr ? 0 : PQntuples(result_); }

std::int64_t Rows::affected() const {
  if (result_ == nullptr) return 0;
  const std::string_view text = PQcmdTuples(result_);
  std::int64_t count = 0;
  std::from_chars(text.data(), text.data() + text.size(), count);
  return count;
}

bool Rows::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::int64_t Rows::Int64(int row, int column) const {
  const auto* bytes = reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column));
  const int length = PQgetlength(result_, row, column);
  // Binary integers are big-endian two's complement of 2, 4 or 8 bytes.
  std::uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = (value << 8) | bytes[i];
  if (length > 0 && length < 8 && (bytes[0] & 0x80) != 0) {
    value |= ~std::uint64_t{0} << (8 * length);  // Sign-extend.
  }
  return static_cast<std::int64_t>(value);
}

bool Rows::Bool(int row, int column) const {
  return PQgetlength(result_, row, column) == 1 && PQgetvalue(result_, row, column)[0] != 0;
}

std::string Rows::String(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

Connection::Connection(pg_conn* connection, ConnectionString target, SessionSettings session)
    : connection_(connection), target_(std::move(target)), session_(session) {}

Connection::~Connection() { PQfinish(connection_); }

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionString& target,
                                                     const SessionSettings& session) {
  // Keywords after dbname override the expanded connection string: herald
  // exchanges UTF-8 text whatever encoding the client environment sets.
  const char* keywords[] = {"dbname", "fallback_application_name", "client_encoding", nullptr};
  const char* values[] = {target.conninfo.c_str(), "herald", "UTF8", nullptr};
  pg_conn* raw = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (raw == nullptr) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("cannot connect to PostgreSQL {}: out of memory", target.safe_name)};
  }
  std::unique_ptr<Connection> connection(new Connection(raw, target, session));
  if (PQstatus(raw) != CONNECTION_OK) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("cannot connect to PostgreSQL {}: {}", target.safe_name,
                             connection->Scrub(OneLine(PQerrorMessage(raw))))};
  }
  PQsetNoticeProcessor(raw, LogNotice, nullptr);
  if (Result<bool> applied = connection->ApplySession(); !applied.ok()) return applied.error();
  return connection;
}

Result<bool> Connection::ApplySession() {
  if (session_.statement_timeout.count() > 0) {
    Result<Rows> set = ExecuteSimple(
        fmt::format("SET statement_timeout = {}", session_.statement_timeout.count()));
    if (!set.ok()) return set.error();
  }
  return true;
}

Result<Rows> Connection::Execute(const Statement& statement, const Params& params) {
  last_sqlstate_.clear();
  last_constraint_.clear();
  if (!prepared_.contains(statement.name)) {
    pg_result* prepared =
        PQprepare(connection_, statement.name.c_str(), statement.sql.c_str(), 0, nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      Error error = Failure(prepared);
      PQclear(prepared);
      return error;
    }
    PQclear(prepared);
    prepared_.insert(statement.name);
  }

  pg_result* result =
      PQexecPrepared(connection_, statement.name.c_str(), params.size(), params.values(),
                     params.lengths(), params.formats(), /*resultFormat=*/1);
  const ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return Rows(result);
  Error error = Failure(result);
  PQclear(result);
  return error;
}

Result<Rows> Connection::ExecuteSimple(const std::string& sql) {
  last_sqlstate_.clear();
  last_constraint_.clear();
  pg_result* result = PQexec(connection_, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return Rows(result);
  Error error = Failure(result);
  PQclear(result);
  return error;
}

bool Connection::CheckLost() {
  if (PQstatus(connection_) != CONNECTION_OK) return true;
  // Reads without blocking; a closed socket turns the status bad. A server
  // that terminates a session first sends a notice, which one read may
  // return alone, so a second read looks for the end of the stream.
  // Parsing the input logs the notice.
  for (int read = 0; read < 2; ++read) {
    if (PQconsumeInput(connection_) == 0) return true;
  }
  (void)PQisBusy(connection_);
  return PQstatus(connection_) != CONNECTION_OK;
}

bool Connection::lost() const { return PQstatus(connection_) != CONNECTION_OK; }

Result<bool> Connection::Reconnect() {
  prepared_.clear();
  PQreset(connection_);
  if (PQstatus(connection_) != CONNECTION_OK) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("cannot reconnect to PostgreSQL {}: {}", target_.safe_name,
                             Scrub(OneLine(PQerrorMessage(connection_))))};
  }
  return ApplySession();
}

Error Connection::Failure(pg_result* result) {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* constraint = result ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  last_sqlstate_ = sqlstate != nullptr ? sqlstate : "";
  last_constraint_ = constraint != nullptr ? constraint : "";
  std::string message = Scrub(OneLine(primary != nullptr ? primary : PQerrorMessage(connection_)));

  if (lost()) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("connection to PostgreSQL {} lost: {}", target_.safe_name, message)};
  }
  if (last_sqlstate_.empty()) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("PostgreSQL {}: {}", target_.safe_name, message)};
  }
  return Error{
      CodeForSqlstate(last_sqlstate_),
      fmt::format("PostgreSQL {}: {} (SQLSTATE {})", target_.safe_name, message, last_sqlstate_)};
}

std::string Connection::Scrub(std::string message) const {
  if (target_.password.empty()) return message;
  for (std::size_t at = message.find(target_.password); at != std::string::npos;
       at = message.find(target_.password, at)) {
    message.replace(at, target_.password.size(), "***");
    at += 3;
  }
  return message;
}

}  // namespace herald::pg
