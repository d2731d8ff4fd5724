#include "store/postgres_writes.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "store/row_key.h"

namespace herald::pg_writes {
namespace {

using pg_rows::FromMicros;
using pg_rows::ToMicros;

const pg::Statement kInsertDelivery{
    "herald_insert_delivery",
    "INSERT INTO herald_deliveries (delivery_id, event, webhook, url, async, status, "
    "max_attempts, attempts, last_status, last_error, created_at, next_attempt_at, updated_at, "
    "completed_at, redelivery_of, body_size, body) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
    "RETURNING id"};

const pg::Statement kInsertAttempt{
    "herald_insert_attempt",
    "INSERT INTO herald_attempts (delivery, number, started_at, latency_us, status, error, "
    "response_body) VALUES ($1, $2, $3, $4, $5, $6, $7)"};

// The inner SELECT walks the partial index herald_deliveries_due in order
// and stops after LIMIT rows. SKIP LOCKED passes over rows that a
// concurrent claim, of this or another herald process, has locked. A row
// that such a claim leased and committed meanwhile is re-checked and no
// longer passes the next_attempt_at condition. So no two claims return
// the same delivery while its lease runs. RETURNING gives rows in no set
// order, so due.next_attempt_at, the due time, is returned for sorting.
const pg::Statement kClaimDue{
    "herald_claim_due",
    fmt::format("UPDATE herald_deliveries d SET next_attempt_at = $3 "
                "FROM (SELECT id, next_attempt_at FROM herald_deliveries "
                "WHERE status = 'pending' AND next_attempt_at <= $1 AND url <> ALL ($4::text[]) "
                "ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) due "
                "WHERE d.id = due.id "
                "RETURNING {}, d.body, due.next_attempt_at",
                pg_rows::kDeliveryColumns)};
constexpr int kClaimDueAtColumn = pg_rows::kBodyColumn + 1;

const pg::Statement kReleaseLeases{"herald_release_leases",
                                   "UPDATE herald_deliveries SET next_attempt_at = $1 "
                                   "WHERE delivery_id = ANY ($2::text[]) AND status = 'pending'"};

const pg::Statement kLockDelivery{
    "herald_lock_delivery",
    "SELECT id, status FROM herald_deliveries WHERE delivery_id = $1 FOR UPDATE"};

// A NULL next_attempt_at keeps the stored one, for finished deliveries.
const pg::Statement kUpdateAfterAttempt{
    "herald_update_after_attempt",
    "UPDATE herald_deliveries SET status = $2, attempts = attempts + 1, last_status = $3, "
    "last_error = $4, next_attempt_at = COALESCE($5::bigint, next_attempt_at), updated_at = $6, "
    "completed_at = $7 WHERE id = $1"};

// Copies the original row inside the server, so the body is not sent
// back and forth.
const pg::Statement kInsertRedelivery{
    "herald_insert_redelivery",
    fmt::format("INSERT INTO herald_deliveries AS d (delivery_id, event, webhook, url, async, "
                "status, max_attempts, attempts, last_status, last_error, created_at, "
                "next_attempt_at, updated_at, completed_at, redelivery_of, body_size, body) "
                "SELECT $2, o.event, o.webhook, o.url, true, 'pending', o.max_attempts, 0, 0, '', "
                "$3, $3, $3, NULL, o.delivery_id, o.body_size, o.body "
                "FROM herald_deliveries o WHERE o.delivery_id = $1 "
                "RETURNING {}, d.body",
                pg_rows::kDeliveryColumns)};

// Deletes attempts and deliveries in one statement; the foreign key is
// checked at its end, when both are gone.
const pg::Statement kDeleteFinishedBefore{
    "herald_delete_finished_before",
    "WITH doomed AS (SELECT id FROM herald_deliveries "
    "  WHERE status <> 'pending' AND (created_at, id) < ($1, $2) "
    "  ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED), "
    "gone_attempts AS (DELETE FROM herald_attempts "
    "  WHERE delivery IN (SELECT id FROM doomed) RETURNING 1), "
    "gone AS (DELETE FROM herald_deliveries WHERE id IN (SELECT id FROM doomed) RETURNING 1) "
    "SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM gone_attempts)"};

Error InvalidArgument(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}

bool IsUniqueViolation(const pg::Connection& db) {
  return db.last_sqlstate() == pg::kUniqueViolation;
}

// Inserts the delivery row with `body`; `fields.body` is ignored so that
// callers can pass a body they do not own. Returns the new row's id.
Result<std::int64_t> InsertDeliveryRow(pg::Connection& db, const DeliveryRecord& fields,
                                       std::string_view body) {
  if (fields.delivery_id.empty()) return InvalidArgument("delivery id must not be empty");
  if (fields.max_attempts < 1) {
    return InvalidArgument(fmt::format("delivery {}: max_attempts is {}, must be at least 1",
                                       fields.delivery_id, fields.max_attempts));
  }

  pg::Params params;
  params.Text(fields.delivery_id)
      .Text(fields.event)
      .Text(fields.webhook)
      .Text(fields.url)
      .Bool(fields.async)
      .Text(DeliveryStatusName(fields.status))
      .Int64(fields.max_attempts)
      .Int64(fields.attempts)
      .Int64(fields.last_status)
      .Text(pg_rows::ValidUtf8(fields.last_error))
      .Int64(ToMicros(fields.created_at))
      .Int64(ToMicros(fields.next_attempt_at))
      .Int64(ToMicros(fields.updated_at));
  if (fields.completed_at.has_value()) {
    params.Int64(ToMicros(*fields.completed_at));
  } else {
    params.Null();
  }
  if (fields.redelivery_of.has_value()) {
    params.Text(*fields.redelivery_of);
  } else {
    params.Null();
  }
  params.Int64(static_cast<std::int64_t>(body.size())).Bytea(body);

  Result<pg::Rows> inserted = db.Execute(kInsertDelivery, params);
  if (!inserted.ok()) {
    if (IsUniqueViolation(db)) {
      return InvalidArgument(fmt::format("delivery id {} already exists", fields.delivery_id));
    }
    return inserted.error();
  }
  return inserted->Int64(0, 0);
}

Result<bool> InsertAttemptRow(pg::Connection& db, std::int64_t delivery_row,
                              const AttemptRecord& attempt, std::size_t max_response_body_bytes) {
  if (attempt.number < 1) {
    return InvalidArgument(fmt::format("delivery {}: attempt number {} must be at least 1",
                                       attempt.delivery_id, attempt.number));
  }
  const std::string_view response = attempt.response_body;
  pg::Params params;
  params.Int64(delivery_row)
      .Int64(attempt.number)
      .Int64(ToMicros(attempt.started_at))
      .Int64(attempt.latency.count())
      .Int64(attempt.status)
      .Text(pg_rows::ValidUtf8(attempt.error))
      .Bytea(response.substr(0, std::min(response.size(), max_response_body_bytes)));
  Result<pg::Rows> inserted = db.Execute(kInsertAttempt, params);
  if (!inserted.ok()) {
    if (IsUniqueViolation(db)) {
      return InvalidArgument(fmt::format("attempt {} of delivery {} is already recorded",
                                         attempt.number, attempt.delivery_id));
    }
    return inserted.error();
  }
  return true;
}

}  // namespace

const pg::Statement& ClaimDueStatement() { return kClaimDue; }

Result<bool> InsertDeliveries(pg::Connection& db, const std::vector<NewDelivery>& deliveries) {
  for (const NewDelivery& delivery : deliveries) {
    DeliveryRecord fields;
    fields.delivery_id = delivery.delivery_id;
    fields.event = delivery.event;
    fields.webhook = delivery.webhook;
    fields.url = delivery.url;
    fields.async = delivery.async;
    fields.max_attempts = delivery.max_attempts;
    fields.created_at = delivery.created_at;
    fields.next_attempt_at = delivery.next_attempt_at;
    fields.updated_at = delivery.created_at;
    Result<std::int64_t> id = InsertDeliveryRow(db, fields, delivery.body);
    if (!id.ok()) return id.error();
  }
  return true;
}

Result<std::vector<DeliveryRecord>> ClaimDue(pg::Connection& db, const ClaimRequest& request) {
  if (request.limit == 0) return InvalidArgument("claim limit must be at least 1");
  if (request.lease.count() <= 0) {
    return InvalidArgument(
        fmt::format("claim lease is {} ms, must be positive", request.lease.count()));
  }

  const std::int64_t lease_end = ToMicros(request.now + request.lease);
  pg::Params params;
  params.Int64(ToMicros(request.now))
      .Int64(static_cast<std::int64_t>(request.limit))
      .Int64(lease_end)
      .TextArray(request.exclude_urls);
  Result<pg::Rows> rows = db.Execute(kClaimDue, params);
  if (!rows.ok()) return rows.error();

  struct Claimed {
    std::int64_t due_at;
    std::int64_t id;
    DeliveryRecord record;
  };
  std::vector<Claimed> claimed;
  claimed.reserve(static_cast<std::size_t>(rows->size()));
  for (int row = 0; row < rows->size(); ++row) {
    Claimed entry;
    entry.record = pg_rows::ReadDelivery(*rows, row, /*with_body=*/true, &entry.id);
    entry.due_at = rows->Int64(row, kClaimDueAtColumn);
    claimed.push_back(std::move(entry));
  }
  std::sort(claimed.begin(), claimed.end(), [](const Claimed& a, const Claimed& b) {
    return std::pair(a.due_at, a.id) < std::pair(b.due_at, b.id);
  });

  std::vector<DeliveryRecord> records;
  records.reserve(claimed.size());
  for (Claimed& entry : claimed) records.push_back(std::move(entry.record));
  return records;
}

Result<bool> ReleaseLeases(pg::Connection& db, const std::vector<std::string>& delivery_ids,
                           std::chrono::system_clock::time_point now) {
  pg::Params params;
  params.Int64(ToMicros(now)).TextArray(delivery_ids);
  Result<pg::Rows> updated = db.Execute(kReleaseLeases, params);
  if (!updated.ok()) return updated.error();
  return true;
}

Result<bool> RecordAttempt(pg::Connection& db, const AttemptRecord& attempt,
                           const DeliveryUpdate& update, std::size_t max_response_body_bytes) {
  pg::Params lock;
  lock.Text(attempt.delivery_id);
  Result<pg::Rows> locked = db.Execute(kLockDelivery, lock);
  if (!locked.ok()) return locked.error();
  if (locked->size() == 0) {
    return Error{ErrorCode::kNotFound, fmt::format("delivery {} not found", attempt.delivery_id)};
  }
  const std::int64_t id = locked->Int64(0, 0);
  const std::string status = locked->String(0, 1);
  if (status != DeliveryStatusName(DeliveryStatus::kPending)) {
    return InvalidArgument(fmt::format("delivery {} has already {}; attempt {} not recorded",
                                       attempt.delivery_id, status, attempt.number));
  }

  if (Result<bool> inserted = InsertAttemptRow(db, id, attempt, max_response_body_bytes);
      !inserted.ok()) {
    return inserted;
  }

  const bool finished = update.status != DeliveryStatus::kPending;
  pg::Params params;
  params.Int64(id)
      .Text(DeliveryStatusName(update.status))
      .Int64(attempt.status)
      .Text(pg_rows::ValidUtf8(attempt.error));
  if (finished) {
    params.Null();
  } else {
    params.Int64(ToMicros(update.next_attempt_at));
  }
  params.Int64(ToMicros(update.updated_at));
  if (finished) {
    params.Int64(ToMicros(update.updated_at));
  } else {
    params.Null();
  }
  Result<pg::Rows> updated = db.Execute(kUpdateAfterAttempt, params);
  if (!updated.ok()) return updated.error();
  return true;
}

Result<bool> InsertSyncDelivery(pg::Connection& db, const DeliveryRecord& delivery,
                                const std::vector<AttemptRecord>& attempts,
                                std::size_t max_response_body_bytes) {
  Result<DeliveryRecord> row = store_rows::SyncDeliveryRow(delivery, attempts);
  if (!row.ok()) return row.error();
  Result<std::int64_t> id = InsertDeliveryRow(db, row.value(), delivery.body);
  if (!id.ok()) return id.error();

  for (const AttemptRecord& attempt : attempts) {
    AttemptRecord named = attempt;
    named.delivery_id = delivery.delivery_id;
    Result<bool> inserted = InsertAttemptRow(db, id.value(), named, max_response_body_bytes);
    if (!inserted.ok()) return inserted;
  }
  return true;
}

Result<std::optional<DeliveryRecord>> InsertRedelivery(pg::Connection& db,
                                                       std::string_view original_id,
                                                       const std::string& new_id,
                                                       std::chrono::system_clock::time_point now) {
  pg::Params params;
  params.Text(original_id).Text(new_id).Int64(ToMicros(now));
  Result<pg::Rows> inserted = db.Execute(kInsertRedelivery, params);
  if (!inserted.ok()) {
    if (IsUniqueViolation(db)) {
      return InvalidArgument(fmt::format("delivery id {} already exists", new_id));
    }
    return inserted.error();
  }
  if (inserted->size() == 0) return std::optional<DeliveryRecord>();
  return std::optional<DeliveryRecord>(pg_rows::ReadDelivery(*inserted, 0, /*with_body=*/true));
}

Result<bool> DeleteFinishedBefore(pg::Connection& db, pg_rows::RowKey bound, std::size_t max_rows,
                                  RetentionResult* deleted) {
  pg::Params params;
  params.Int64(bound.created_at).Int64(bound.id).Int64(static_cast<std::int64_t>(max_rows));
  Result<pg::Rows> counts = db.Execute(kDeleteFinishedBefore, params);
  if (!counts.ok()) return counts.error();
  deleted->deliveries_deleted += counts->Int64(0, 0);
  deleted->attempts_deleted += counts->Int64(0, 1);
  return true;
}

}  // namespace herald::pg_writes
