#include "store/sqlite_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include "store/group_commit.h"
#include "store/retention.h"
#include "store/sqlite_db.h"
#include "store/sqlite_reads.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_writes.h"

namespace herald {
namespace {

// Read connections handed out one caller at a time.
class ReadPool {
 public:
  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<sqlite::Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ~Lease() { pool_.Return(std::move(connection_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    sqlite::Connection& operator*() const { return *connection_; }

   private:
    ReadPool& pool_;
    std::unique_ptr<sqlite::Connection> connection_;
  };

  explicit ReadPool(std::vector<std::unique_ptr<sqlite::Connection>> connections)
      : idle_(std::move(connections)) {}

  // Blocks until a connection is idle.
  Lease Acquire() {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [this] { return !idle_.empty(); });
    std::unique_ptr<sqlite::Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(connection));
  }

 private:
  void Return(std::unique_ptr<sqlite::Connection> connection) {
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(connection));
    }
    returned_.notify_one();
  }

  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<sqlite::Connection>> idle_;  // Guarded by mutex_.
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<sqlite::Connection> writer,
              std::vector<std::unique_ptr<sqlite::Connection>> readers,
              std::size_t max_response_body_bytes, bool fsync_every_commit)
      : writer_(std::move(writer), fsync_every_commit),
        readers_(std::move(readers)),
        max_response_body_bytes_(max_response_body_bytes) {}

  Result<bool> Enqueue(std::vector<NewDelivery> deliveries) override {
    if (deliveries.empty()) return true;
    return writer_.Run([&deliveries](sqlite::Connection& db) {
      return sqlite_writes::InsertDeliveries(db, deliveries);
    });
  }

  Result<std::vector<DeliveryRecord>> ClaimDue(const ClaimRequest& request) override {
    std::vector<DeliveryRecord> claimed;
    // A lease lost to power loss only makes its deliveries due at once
    // after the restart, which at-least-once delivery allows anyway.
    const auto sync = GroupCommitWriter::Sync::kNoFsync;
    Result<bool> done = writer_.Run(
        [&](sqlite::Connection& db) -> Result<bool> {
          Result<std::vector<DeliveryRecord>> rows = sqlite_writes::ClaimDue(db, request);
          if (!rows.ok()) return rows.error();
          claimed = std::move(rows).value();
          return true;
        },
        sync);
    if (!done.ok()) return done.error();
    return claimed;
  }

  Result<bool> ReleaseLeases(const std::vector<std::string>& delivery_ids,
                             std::chrono::system_clock::time_point now) override {
    if (delivery_ids.empty()) return true;
    return writer_.Run(
        [&](sqlite::Connection& db) { return sqlite_writes::ReleaseLeases(db, delivery_ids, now); },
        GroupCommitWriter::Sync::kNoFsync);
  }

  Result<bool> RecordAttempt(const AttemptRecord& attempt, const DeliveryUpdate& update) override {
    return writer_.Run([&](sqlite::Connection& db) {
      return sqlite_writes::RecordAttempt(db, attempt, update, max_response_body_bytes_);
    });
  }

  std::vector<Result<bool>> RecordAttempts(const std::vector<AttemptOutcome>& outcomes) override {
    std::vector<GroupCommitWriter::Job> jobs;
    jobs.reserve(outcomes.size());
    for (const AttemptOutcome& outcome : outcomes) {
      jobs.emplace_back([this, &outcome](sqlite::Connection& db) {
        return sqlite_writes::RecordAttempt(db, outcome.attempt, outcome.update,
                                            max_response_body_bytes_);
      });
    }
    return writer_.RunAll(std::move(jobs));
  }

  Result<bool> RecordSyncDelivery(const DeliveryRecord& delivery,
                                  const std::vector<AttemptRecord>& attempts) override {
    return writer_.Run([&](sqlite::Connection& db) {
      return sqlite_writes::InsertSyncDelivery(db, delivery, attempts, max_response_body_bytes_);
    });
  }

  Result<bool> RecordSyncDeliveries(const std::vector<SyncDeliveryLog>& deliveries) override {
    if (deliveries.empty()) return true;
    return writer_.Run([&](sqlite::Connection& db) -> Result<bool> {
      for (const SyncDeliveryLog& entry : deliveries) {
        Result<bool> inserted = sqlite_writes::InsertSyncDelivery(
            db, entry.delivery, entry.attempts, max_response_body_bytes_);
        if (!inserted.ok()) return inserted.error();
      }
      return true;
    });
  }

  Result<DeliveryPage> ListDeliveries(const DeliveryFilter& filter) override {
    ReadPool::Lease db = readers_.Acquire();
    return sqlite_reads::ListDeliveries(*db, filter);
  }

  Result<std::optional<DeliveryDetail>> GetDelivery(std::string_view delivery_id) override {
    ReadPool::Lease db = readers_.Acquire();
    return sqlite_reads::GetDelivery(*db, delivery_id);
  }

  Result<std::optional<DeliveryRecord>> Redeliver(
      std::string_view delivery_id, std::string new_delivery_id,
      std::chrono::system_clock::time_point now) override {
    if (new_delivery_id.empty()) {
      return Error{ErrorCode::kInvalidArgument, "new delivery id must not be empty"};
    }
    std::optional<DeliveryRecord> created;
    Result<bool> done = writer_.Run([&](sqlite::Connection& db) -> Result<bool> {
      Result<std::optional<DeliveryRecord>> row =
          sqlite_writes::InsertRedelivery(db, delivery_id, new_delivery_id, now);
      if (!row.ok()) return row.error();
      created = std::move(row).value();
      return true;
    });
    if (!done.ok()) return done.error();
    return created;
  }

  Result<OutboxStats> Stats(std::chrono::system_clock::time_point now) override {
    ReadPool::Lease db = readers_.Acquire();
    return sqlite_reads::Stats(*db, now);
  }

  Result<RetentionResult> ApplyRetention(std::chrono::system_clock::time_point now,
                                         std::chrono::seconds max_age,
                                         std::size_t max_finished_rows) override;

 private:
  GroupCommitWriter writer_;
  ReadPool readers_;
  const std::size_t max_response_body_bytes_;
};

Result<RetentionResult> SqliteStore::ApplyRetention(std::chrono::system_clock::time_point now,
                                                    std::chrono::seconds max_age,
                                                    std::size_t max_finished_rows) {
  if (Result<bool> valid = retention::CheckMaxAge(max_age); !valid.ok()) return valid.error();

  // The bound is computed once on a read snapshot; see RetentionBound for
  // why deliveries finishing meanwhile cannot make it delete too much.
  Result<sqlite_writes::RowKey> bound = [&] {
    ReadPool::Lease db = readers_.Acquire();
    return sqlite_reads::RetentionBound(*db, now - max_age, max_finished_rows);
  }();
  if (!bound.ok()) return bound.error();

  return retention::DeleteInChunks([&](RetentionResult& chunk) {
    return writer_.Run([&](sqlite::Connection& db) {
      return sqlite_writes::DeleteFinishedBefore(db, bound.value(), retention::kChunkRows, &chunk);
    });
  });
}

// Opens a connection and applies the settings every connection shares.
Result<std::unique_ptr<sqlite::Connection>> OpenConnection(const SqliteStoreOptions& options) {
  Result<std::unique_ptr<sqlite::Connection>> db = sqlite::Connection::Open(options.path);
  if (!db.ok()) return db;
  const std::string busy = fmt::format("PRAGMA busy_timeout = {}", options.busy_timeout.count());
  if (Result<bool> set = db.value()->Execute(busy); !set.ok()) return set.error();
  return db;
}

// Makes pending deliveries without attempts that are due in the future,
// which only a lease puts there, due now.
Result<bool> ReleaseUnattemptedLeases(sqlite::Connection& writer) {
  Result<sqlite::StatementLease> update = writer.Prepare(
      "UPDATE deliveries SET next_attempt_at = ?1 "
      "WHERE status = 'pending' AND attempts = 0 AND next_attempt_at > ?1");
  if (!update.ok()) return update.error();
  update.value()->BindInt64(1, sqlite_rows::ToMicros(std::chrono::system_clock::now()));
  if (Result<bool> done = update.value()->Run(); !done.ok()) return done.error();
  const std::int64_t released = writer.Changes();
  if (released > 0) {
    spdlog::info("store: {} deliveries leased before the last stop are due again", released);
  }
  return true;
}

// Opens the writer connection: WAL journal, fsync policy, schema.
Result<std::unique_ptr<sqlite::Connection>> OpenWriter(const SqliteStoreOptions& options) {
  Result<std::unique_ptr<sqlite::Connection>> db = OpenConnection(options);
  if (!db.ok()) return db;
  sqlite::Connection& writer = *db.value();

  // WAL lets readers work during a write, and commits append to one file.
  Result<std::string> mode = writer.QueryString("PRAGMA journal_mode = WAL");
  if (!mode.ok()) return mode.error();
  if (mode.value() != "wal") {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("SQLite database {}: cannot switch to WAL mode, journal mode "
                             "stays \"{}\"; the file system may not support shared memory",
                             options.path, mode.value())};
  }
  const char* synchronous =
      options.fsync_every_commit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  if (Result<bool> set = writer.Execute(synchronous); !set.ok()) return set.error();

  if (Result<bool> migrated = MigrateSchema(writer); !migrated.ok()) return migrated.error();
  if (options.release_unattempted_leases) {
    if (Result<bool> released = ReleaseUnattemptedLeases(writer); !released.ok()) {
      return released.error();
    }
  }
  return db;
}

Result<bool> CheckOptions(const SqliteStoreOptions& options) {
  if (options.path.empty()) {
    return Error{ErrorCode::kInvalidArgument, "store path is empty; set a database file path"};
  }
  if (options.read_connections == 0) {
    return Error{ErrorCode::kInvalidArgument, "read_connections must be at least 1"};
  }
  std::error_code error;
  if (std::filesystem::is_directory(options.path, error)) {
    return Error{
        ErrorCode::kInvalidArgument,
        fmt::format("store path {} is a directory; expected a database file path", options.path)};
  }
  return true;
}

Result<bool> CreateParentDirectory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return true;
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("cannot create directory {} for the store: {}", parent.string(),
                             error.message())};
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options) {
  if (Result<bool> valid = CheckOptions(options); !valid.ok()) return valid.error();
  if (Result<bool> created = CreateParentDirectory(options.path); !created.ok()) {
    return created.error();
  }

  Result<std::unique_ptr<sqlite::Connection>> writer = OpenWriter(options);
  if (!writer.ok()) return writer.error();

  // Readers open after the writer has created the schema and WAL mode.
  std::vector<std::unique_ptr<sqlite::Connection>> readers;
  for (std::size_t i = 0; i < options.read_connections; ++i) {
    Result<std::unique_ptr<sqlite::Connection>> reader = OpenConnection(options);
    if (!reader.ok()) return reader.error();
    if (Result<bool> set = reader.value()->Execute("PRAGMA query_only = ON"); !set.ok()) {
      return set.error();
    }
    readers.push_back(std::move(reader).value());
  }

  spdlog::info("store: opened {} (schema version {}, synchronous={})", options.path,
               kSqliteSchemaVersion, options.fsync_every_commit ? "FULL" : "NORMAL");
  return std::unique_ptr<Store>(
      std::make_unique<SqliteStore>(std::move(writer).value(), std::move(readers),
                                    options.max_response_body_bytes, options.fsync_every_commit));
}

}  // namespace herald
