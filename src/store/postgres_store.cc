#include "store/postgres_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include "store/postgres_connection.h"
#include "store/postgres_pool.h"
#include "store/postgres_reads.h"
#include "store/postgres_rows.h"
#include "store/postgres_schema.h"
#include "store/postgres_writes.h"
#include "store/retention.h"

namespace herald {
namespace {

const std::string kBegin = "BEGIN";
// A lease lost in a server crash only makes its deliveries due again,
// which at-least-once delivery allows anyway, so claims skip the WAL
// flush.
const std::string kBeginWithoutFlush = "BEGIN; SET LOCAL synchronous_commit = off";
const std::string kBeginSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

class PostgresStore final : public Store {
 public:
  PostgresStore(pg::ConnectionString target, pg::SessionSettings session, std::size_t pool_size,
                std::unique_ptr<pg::Connection> first, std::size_t max_response_body_bytes)
      : pool_(std::move(target), session, pool_size, std::move(first)),
        max_response_body_bytes_(max_response_body_bytes) {}

  Result<bool> Enqueue(std::vector<NewDelivery> deliveries) override {
    if (deliveries.empty()) return true;
    return RunTransaction<bool>(
        kBegin, [&](pg::Connection& db) { return pg_writes::InsertDeliveries(db, deliveries); });
  }

  Result<std::vector<DeliveryRecord>> ClaimDue(const ClaimRequest& request) override {
    return RunTransaction<std::vector<DeliveryRecord>>(
        kBeginWithoutFlush, [&](pg::Connection& db) { return pg_writes::ClaimDue(db, request); });
  }

  Result<bool> ReleaseLeases(const std::vector<std::string>& delivery_ids,
                             std::chrono::system_clock::time_point now) override {
    if (delivery_ids.empty()) return true;
    return RunTransaction<bool>(kBeginWithoutFlush, [&](pg::Connection& db) {
      return pg_writes::ReleaseLeases(db, delivery_ids, now);
    });
  }

  Result<bool> RecordAttempt(const AttemptRecord& attempt, const DeliveryUpdate& update) override {
    return RunTransaction<bool>(kBegin, [&](pg::Connection& db) {
      return pg_writes::RecordAttempt(db, attempt, update, max_response_body_bytes_);
    });
  }

  std::vector<Result<bool>> RecordAttempts(const std::vector<AttemptOutcome>& outcomes) override;

  Result<bool> RecordSyncDelivery(const DeliveryRecord& delivery,
                                  const std::vector<AttemptRecord>& attempts) override {
    return RunTransaction<bool>(kBegin, [&](pg::Connection& db) {
      return pg_writes::InsertSyncDelivery(db, delivery, attempts, max_response_body_bytes_);
    });
  }

  Result<bool> RecordSyncDeliveries(const std::vector<SyncDeliveryLog>& deliveries) override {
    if (deliveries.empty()) return true;
    return RunTransaction<bool>(kBegin, [&](pg::Connection& db) -> Result<bool> {
      for (const SyncDeliveryLog& entry : deliveries) {
        Result<bool> inserted = pg_writes::InsertSyncDelivery(db, entry.delivery, entry.attempts,
                                                              max_response_body_bytes_);
        if (!inserted.ok()) return inserted.error();
      }
      return true;
    });
  }

  Result<DeliveryPage> ListDeliveries(const DeliveryFilter& filter) override {
    return RunRead<DeliveryPage>(
        [&](pg::Connection& db) { return pg_reads::ListDeliveries(db, filter); });
  }

  Result<std::optional<DeliveryDetail>> GetDelivery(std::string_view delivery_id) override {
    return RunTransaction<std::optional<DeliveryDetail>>(
        kBeginSnapshot, [&](pg::Connection& db) { return pg_reads::GetDelivery(db, delivery_id); });
  }

  Result<std::optional<DeliveryRecord>> Redeliver(
      std::string_view delivery_id, std::string new_delivery_id,
      std::chrono::system_clock::time_point now) override {
    if (new_delivery_id.empty()) {
      return Error{ErrorCode::kInvalidArgument, "new delivery id must not be empty"};
    }
    return RunTransaction<std::optional<DeliveryRecord>>(kBegin, [&](pg::Connection& db) {
      return pg_writes::InsertRedelivery(db, delivery_id, new_delivery_id, now);
    });
  }

  Result<OutboxStats> Stats(std::chrono::system_clock::time_point now) override {
    return RunRead<OutboxStats>([&](pg::Connection& db) { return pg_reads::Stats(db, now); });
  }

  Result<RetentionResult> ApplyRetention(std::chrono::system_clock::time_point now,
                                         std::chrono::seconds max_age,
                                         std::size_t max_finished_rows) override;

 private:
  // Runs `work` inside a transaction that `begin` opens, on a pooled
  // connection. When the connection is found lost before COMMIT was sent,
  // the server has rolled the transaction back, so `work` runs once more
  // on a reconnected connection.
  template <typename T, typename Work>
  Result<T> RunTransaction(const std::string& begin, Work work) {
    for (int run = 1;; ++run) {
      Result<pg::ConnectionPool::Lease> lease = pool_.Acquire();
      if (!lease.ok()) return lease.error();
      pg::Connection& db = **lease;
      bool commit_sent = false;
      Result<T> result = TransactionOnce<T>(db, begin, work, &commit_sent);
      if (result.ok() || run > 1 || commit_sent || !db.lost()) return result;
      spdlog::warn("store: {}; running the transaction again on a new connection",
                   result.error().message);
    }
  }

  template <typename T, typename Work>
  static Result<T> TransactionOnce(pg::Connection& db, const std::string& begin, Work& work,
                                   bool* commit_sent) {
    if (Result<pg::Rows> begun = db.ExecuteSimple(begin); !begun.ok()) return begun.error();
    Result<T> result = work(db);
    if (!result.ok()) {
      // The original error is the one to report.
      if (!db.lost()) (void)db.ExecuteSimple("ROLLBACK");
      return result;
    }
    *commit_sent = true;
    Result<pg::Rows> committed = db.ExecuteSimple("COMMIT");
    if (!committed.ok()) {
      if (db.lost()) {
        return Error{ErrorCode::kUnavailable,
                     fmt::format("{}; the transaction may or may not have committed",
                                 committed.error().message)};
      }
      return committed.error();
    }
    return result;
  }

  // Runs a read of one statement, or of several that need no common
  // snapshot, on a pooled connection; once more on a lost connection.
  template <typename T, typename Work>
  Result<T> RunRead(Work work) {
    for (int run = 1;; ++run) {
      Result<pg::ConnectionPool::Lease> lease = pool_.Acquire();
      if (!lease.ok()) return lease.error();
      Result<T> result = work(**lease);
      if (result.ok() || run > 1 || !(*lease)->lost()) return result;
      spdlog::warn("store: {}; reading again on a new connection", result.error().message);
    }
  }

  pg::ConnectionPool pool_;
  const std::size_t max_response_body_bytes_;
};

std::vector<Result<bool>> PostgresStore::RecordAttempts(
    const std::vector<AttemptOutcome>& outcomes) {
  if (outcomes.empty()) return {};

  // Rows are locked in delivery id order, so two batches that share
  // deliveries after a lease ran out lock them in the same order and do
  // not deadlock each other. The stable sort keeps two outcomes of one
  // delivery in the caller's order.
  std::vector<std::size_t> order(outcomes.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&outcomes](std::size_t a, std::size_t b) {
    return outcomes[a].attempt.delivery_id < outcomes[b].attempt.delivery_id;
  });

  std::vector<std::optional<Error>> failures(outcomes.size());
  Result<bool> committed = RunTransaction<bool>(kBegin, [&](pg::Connection& db) -> Result<bool> {
    failures.assign(outcomes.size(), std::nullopt);
    for (std::size_t i : order) {
      if (Result<pg::Rows> saved = db.ExecuteSimple("SAVEPOINT herald_outcome"); !saved.ok()) {
        return saved.error();
      }
      Result<bool> recorded = pg_writes::RecordAttempt(db, outcomes[i].attempt, outcomes[i].update,
                                                       max_response_body_bytes_);
      if (!recorded.ok()) {
        if (db.lost()) return recorded.error();
        failures[i] = recorded.error();
      }
      const char* end = recorded.ok() ? "RELEASE SAVEPOINT herald_outcome"
                                      : "ROLLBACK TO SAVEPOINT herald_outcome";
      if (Result<pg::Rows> ended = db.ExecuteSimple(end); !ended.ok()) return ended.error();
    }
    return true;
  });

  std::vector<Result<bool>> results;
  results.reserve(outcomes.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (failures[i].has_value()) {
      results.emplace_back(*failures[i]);
    } else if (!committed.ok()) {
      results.emplace_back(committed.error());
    } else {
      results.emplace_back(true);
    }
  }
  return results;
}

Result<RetentionResult> PostgresStore::ApplyRetention(std::chrono::system_clock::time_point now,
                                                      std::chrono::seconds max_age,
                                                      std::size_t max_finished_rows) {
  if (Result<bool> valid = retention::CheckMaxAge(max_age); !valid.ok()) return valid.error();

  // The bound is computed once; see RetentionBound for why deliveries
  // finishing meanwhile cannot make it delete too much.
  Result<pg_rows::RowKey> bound = RunRead<pg_rows::RowKey>([&](pg::Connection& db) {
    return pg_reads::RetentionBound(db, now - max_age, max_finished_rows);
  });
  if (!bound.ok()) return bound.error();

  return retention::DeleteInChunks([&](RetentionResult& chunk) {
    return RunTransaction<bool>(kBegin, [&](pg::Connection& db) {
      // A transaction run again after a lost connection counts afresh.
      chunk = RetentionResult{};
      return pg_writes::DeleteFinishedBefore(db, bound.value(), retention::kChunkRows, &chunk);
    });
  });
}

// Warns when commits are not flushed before they are acknowledged, which
// breaks the durability that Enqueue promises.
void CheckSynchronousCommit(pg::Connection& db) {
  Result<pg::Rows> setting = db.ExecuteSimple("SHOW synchronous_commit");
  if (!setting.ok() || setting->size() == 0) return;
  if (setting->String(0, 0) == "off") {
    spdlog::warn(
        "store: PostgreSQL {} has synchronous_commit = off, so a server crash can lose "
        "deliveries that herald accepted; set it to on for the herald database or role",
        db.safe_name());
  }
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresStoreOptions& options) {
  if (options.pool_size == 0) {
    return Error{ErrorCode::kInvalidArgument, "PostgreSQL pool_size must be at least 1"};
  }
  if (options.statement_timeout.count() < 0) {
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("PostgreSQL statement_timeout is {} ms, must not be negative",
                             options.statement_timeout.count())};
  }
  Result<pg::ConnectionString> target = pg::ParseConnectionString(options.connection_string);
  if (!target.ok()) return target.error();

  pg::SessionSettings session;
  session.statement_timeout = options.statement_timeout;
  Result<std::unique_ptr<pg::Connection>> first = pg::Connection::Open(target.value(), session);
  if (!first.ok()) return first.error();
  if (Result<bool> migrated = MigratePostgresSchema(*first.value()); !migrated.ok()) {
    return migrated.error();
  }
  CheckSynchronousCommit(*first.value());

  spdlog::info("store: opened PostgreSQL {} (schema version {}, up to {} connections)",
               target->safe_name, kPostgresSchemaVersion, options.pool_size);
  return std::unique_ptr<Store>(
      std::make_unique<PostgresStore>(std::move(target).value(), session, options.pool_size,
                                      std::move(first).value(), options.max_response_body_bytes));
}

std::string DescribePostgresConnection(std::string_view connection_string) {
  Result<pg::ConnectionString> parsed = pg::ParseConnectionString(connection_string);
  if (!parsed.ok()) return "(invalid PostgreSQL connection string)";
  return parsed->safe_name;
}

}  // namespace herald
