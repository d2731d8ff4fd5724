#include "store/postgres_schema.h"

#include <fmt/format.h>

#include <string>

namespace herald {
namespace {

// Key of the advisory lock held while migrating: "herald" in ASCII
// followed by 0x0001, so it does not collide with small keys that other
// applications in the same database may use.
constexpr std::int64_t kSchemaLockKey = 0x6865'7261'6c64'0001;

// Version 1. Every *_at column stores microseconds since the Unix epoch,
// rounded down, as the SQLite store does, so timestamps keep exactly the
// microsecond precision that the Store contract promises. Bodies larger than about 2 kB are
// moved out of line by TOAST, so scans of the narrow columns do not read
// them.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE herald_deliveries (
  id              bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id     text    NOT NULL UNIQUE,
  event           text    NOT NULL,
  webhook         text    NOT NULL,
  url             text    NOT NULL,
  async           boolean NOT NULL,
  status          text    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  max_attempts    integer NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  last_status     integer NOT NULL DEFAULT 0,
  last_error      text    NOT NULL DEFAULT '',
  created_at      bigint  NOT NULL,
  next_attempt_at bigint  NOT NULL,
  updated_at      bigint  NOT NULL,
  completed_at    bigint,
  redelivery_of   text,
  body_size       bigint  NOT NULL,
  body            bytea   NOT NULL
);

CREATE TABLE herald_attempts (
  delivery      bigint  NOT NULL REFERENCES herald_deliveries (id),
  number        integer NOT NULL,
  started_at    bigint  NOT NULL,
  latency_us    bigint  NOT NULL,
  status        integer NOT NULL,
  error         text    NOT NULL,
  response_body bytea   NOT NULL,
  PRIMARY KEY (delivery, number)
);

-- ClaimDue walks this in (next_attempt_at, id) order and stops after its
-- limit. Being partial, it holds only pending rows, however large the log
-- grows.
CREATE INDEX herald_deliveries_due ON herald_deliveries (next_attempt_at, id)
  WHERE status = 'pending';

-- ListDeliveries, newest first, with and without one equality filter;
-- the status index also finds the oldest pending delivery for Stats.
CREATE INDEX herald_deliveries_created ON herald_deliveries (created_at, id);
CREATE INDEX herald_deliveries_event ON herald_deliveries (event, created_at, id);
CREATE INDEX herald_deliveries_webhook ON herald_deliveries (webhook, created_at, id);
CREATE INDEX herald_deliveries_status ON herald_deliveries (status, created_at, id);

-- ApplyRetention walks finished rows oldest first.
CREATE INDEX herald_deliveries_finished ON herald_deliveries (created_at, id)
  WHERE status <> 'pending';
)sql";

const pg::Statement kReadVersion{"herald_schema_version", "SELECT max(version) FROM herald_schema"};

Result<bool> Migrate(pg::Connection& db) {
  const std::string lock = fmt::format("SELECT pg_advisory_xact_lock({})", kSchemaLockKey);
  if (Result<pg::Rows> locked = db.ExecuteSimple(lock); !locked.ok()) return locked.error();
  // Created outside the versioned steps, so that version 0 reads as an
  // empty table.
  if (Result<pg::Rows> created =
          db.ExecuteSimple("CREATE TABLE IF NOT EXISTS herald_schema (version integer NOT NULL)");
      !created.ok()) {
    return created.error();
  }

  Result<pg::Rows> read = db.Execute(kReadVersion, {});
  if (!read.ok()) return read.error();
  const std::int64_t version = read->IsNull(0, 0) ? 0 : read->Int64(0, 0);
  if (version > kPostgresSchemaVersion) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("PostgreSQL database {} has herald schema version {}, newer than "
                             "version {} that this herald supports; upgrade herald",
                             db.safe_name(), version, kPostgresSchemaVersion)};
  }
  if (version < 1) {
    if (Result<pg::Rows> created = db.ExecuteSimple(kSchemaV1); !created.ok()) {
      return created.error();
    }
  }
  // Later versions add their steps here, each guarded by version < N.

  if (version < kPostgresSchemaVersion) {
    const std::string set_version =
        fmt::format("DELETE FROM herald_schema; INSERT INTO herald_schema (version) VALUES ({})",
                    kPostgresSchemaVersion);
    if (Result<pg::Rows> updated = db.ExecuteSimple(set_version); !updated.ok()) {
      return updated.error();
    }
  }
  return true;
}

}  // namespace

Result<bool> MigratePostgresSchema(pg::Connection& db) {
  if (Result<pg::Rows> begun = db.ExecuteSimple("BEGIN"); !begun.ok()) return begun.error();
  Result<bool> migrated = Migrate(db);
  if (!migrated.ok()) {
    (void)db.ExecuteSimple("ROLLBACK");  // The original error is the one to report.
    return migrated.error();
  }
  if (Result<pg::Rows> committed = db.ExecuteSimple("COMMIT"); !committed.ok()) {
    return committed.error();
  }
  return true;
}

}  // namespace herald
