#include "store/sqlite_schema.h"

#include <fmt/format.h>

#include <charconv>
#include <string>

namespace herald {
namespace {

// Version 1. Every *_at column stores microseconds since the Unix epoch.
// Bodies live in their own table so that listing and claiming scan narrow
// rows, and a body is read only when a caller needs it.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY,
  delivery_id     TEXT    NOT NULL UNIQUE,
  event           TEXT    NOT NULL,
  webhook         TEXT    NOT NULL,
  url             TEXT    NOT NULL,
  async           INTEGER NOT NULL,
  status          TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  max_attempts    INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_status     INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT    NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  completed_at    INTEGER,
  redelivery_of   TEXT,
  body_size       INTEGER NOT NULL
);

-- One row per delivery; id is deliveries.id.
CREATE TABLE delivery_bodies (
  id   INTEGER PRIMARY KEY,
  body BLOB NOT NULL
);

-- delivery is deliveries.id.
CREATE TABLE attempts (
  delivery      INTEGER NOT NULL,
  number        INTEGER NOT NULL,
  started_at    INTEGER NOT NULL,
  latency_us    INTEGER NOT NULL,
  status        INTEGER NOT NULL,
  error         TEXT    NOT NULL,
  response_body BLOB    NOT NULL,
  PRIMARY KEY (delivery, number)
) WITHOUT ROWID;

-- ClaimDue walks this in (next_attempt_at, id) order. Being partial, it
-- holds only pending rows, however large the log grows.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';

-- ListDeliveries, newest first, with and without one equality filter.
CREATE INDEX deliveries_created ON deliveries (created_at);
CREATE INDEX deliveries_event ON deliveries (event, created_at);
CREATE INDEX deliveries_webhook ON deliveries (webhook, created_at);
CREATE INDEX deliveries_status ON deliveries (status, created_at);

-- ApplyRetention walks finished rows oldest first.
CREATE INDEX deliveries_finished ON deliveries (created_at) WHERE status <> 'pending';
)sql";

Result<int> ReadUserVersion(sqlite::Connection& db) {
  Result<std::string> text = db.QueryString("PRAGMA user_version");
  if (!text.ok()) return text.error();
  int version = 0;
  const std::string& value = text.value();
  std::from_chars(value.data(), value.data() + value.size(), version);
  return version;
}

}  // namespace

Result<bool> MigrateSchema(sqlite::Connection& db) {
  if (Result<bool> begun = db.Execute("BEGIN IMMEDIATE"); !begun.ok()) return begun.error();
  auto fail = [&db](Error error) -> Result<bool> {
    (void)db.Execute("ROLLBACK");  // The original error is the one to report.
    return error;
  };

  // Reading the version is the first access to the file, so a file that
  // is not a database fails here.
  Result<int> version = ReadUserVersion(db);
  if (!version.ok()) return fail(version.error());

  if (version.value() > kSqliteSchemaVersion) {
    return fail(Error{ErrorCode::kUnavailable,
                      fmt::format("SQLite database {} has schema version {}, newer than "
                                  "version {} that this herald supports; upgrade herald",
                                  db.path(), version.value(), kSqliteSchemaVersion)});
  }
  if (version.value() < 1) {
    if (Result<bool> created = db.Execute(kSchemaV1); !created.ok()) {
      return fail(created.error());
    }
  }
  // Later versions add their steps here, each guarded by version < N.

  const std::string set_version = fmt::format("PRAGMA user_version = {}", kSqliteSchemaVersion);
  if (Result<bool> updated = db.Execute(set_version); !updated.ok()) {
    return fail(updated.error());
  }
  return db.Execute("COMMIT");
}

}  // namespace herald
