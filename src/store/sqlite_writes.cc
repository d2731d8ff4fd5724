#include "store/sqlite_writes.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "store/row_key.h"
#include "store/sqlite_rows.h"

namespace herald::sqlite_writes {
namespace {

using sqlite_rows::FromMicros;
using sqlite_rows::ToMicros;

constexpr const char* kInsertDelivery =
    "INSERT INTO deliveries (delivery_id, event, webhook, url, async, status, max_attempts, "
    "attempts, last_status, last_error, created_at, next_attempt_at, updated_at, "
    "completed_at, redelivery_of, body_size) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

constexpr const char* kInsertBody = "INSERT INTO delivery_bodies (id, body) VALUES (?1, ?2)";

constexpr const char* kInsertAttempt =
    "INSERT INTO attempts (delivery, number, started_at, latency_us, status, error, "
    "response_body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

// Both walk the partial index deliveries_due in order and stop after
// LIMIT rows. INDEXED BY keeps the planner from choosing deliveries_status
// instead, which would sort every due row. The literal status = 'pending'
// is what makes the partial index usable.
const std::string kSelectDue = fmt::format(
    "SELECT {}, b.body FROM deliveries d INDEXED BY deliveries_due "
    "LEFT JOIN delivery_bodies b ON b.id = d.id "
    "WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 "
    "ORDER BY d.next_attempt_at, d.id LIMIT ?2",
    sqlite_rows::kDeliveryColumns);
const std::string kSelectDueExcluding = fmt::format(
    "SELECT {}, b.body FROM deliveries d INDEXED BY deliveries_due "
    "LEFT JOIN delivery_bodies b ON b.id = d.id "
    "WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 "
    "AND d.url NOT IN (SELECT value FROM json_each(?3)) "
    "ORDER BY d.next_attempt_at, d.id LIMIT ?2",
    sqlite_rows::kDeliveryColumns);

constexpr const char* kLease = "UPDATE deliveries SET next_attempt_at = ?2 WHERE id = ?1";

constexpr const char* kSelectState = "SELECT id, status FROM deliveries WHERE delivery_id = ?1";

// A NULL next_attempt_at keeps the stored one, for finished deliveries.
constexpr const char* kUpdateAfterAttempt =
    "UPDATE deliveries SET status = ?2, attempts = attempts + 1, last_status = ?3, "
    "last_error = ?4, next_attempt_at = COALESCE(?5, next_attempt_at), updated_at = ?6, "
    "completed_at = ?7 WHERE id = ?1";

const std::string kSelectWithBody = fmt::format(
    "SELECT {}, b.body FROM deliveries d LEFT JOIN delivery_bodies b ON b.id = d.id "
    "WHERE d.delivery_id = ?1",
    sqlite_rows::kDeliveryColumns);

constexpr const char* kSelectFinishedBefore =
    "SELECT id FROM deliveries WHERE status <> 'pending' AND (created_at, id) < (?1, ?2) "
    "ORDER BY created_at, id LIMIT ?3";
constexpr const char* kDeleteAttempts = "DELETE FROM attempts WHERE delivery = ?1";
constexpr const char* kDeleteBody = "DELETE FROM delivery_bodies WHERE id = ?1";
constexpr const char* kDeleteDelivery = "DELETE FROM deliveries WHERE id = ?1";

Error InvalidArgument(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}

// Inserts the delivery row and its body. `fields.body` is ignored so that
// callers can pass a body they do not own. Returns the new row's id.
Result<std::int64_t> InsertDeliveryRow(sqlite::Connection& db, const DeliveryRecord& fields,
                                       std::string_view body) {
  if (fields.delivery_id.empty()) return InvalidArgument("delivery id must not be empty");
  if (fields.max_attempts < 1) {
    return InvalidArgument(fmt::format("delivery {}: max_attempts is {}, must be at least 1",
                                       fields.delivery_id, fields.max_attempts));
  }

  Result<sqlite::StatementLease> insert = db.Prepare(kInsertDelivery);
  if (!insert.ok()) return insert.error();
  sqlite::Statement& row = *insert.value();
  row.BindText(1, fields.delivery_id);
  row.BindText(2, fields.event);
  row.BindText(3, fields.webhook);
  row.BindText(4, fields.url);
  row.BindInt64(5, fields.async ? 1 : 0);
  row.BindText(6, DeliveryStatusName(fields.status));
  row.BindInt64(7, fields.max_attempts);
  row.BindInt64(8, fields.attempts);
  row.BindInt64(9, fields.last_status);
  row.BindText(10, fields.last_error);
  row.BindInt64(11, ToMicros(fields.created_at));
  row.BindInt64(12, ToMicros(fields.next_attempt_at));
  row.BindInt64(13, ToMicros(fields.updated_at));
  if (fields.completed_at.has_value()) row.BindInt64(14, ToMicros(*fields.completed_at));
  if (fields.redelivery_of.has_value()) row.BindText(15, *fields.redelivery_of);
  row.BindInt64(16, static_cast<std::int64_t>(body.size()));
  if (Result<bool> done = row.Run(); !done.ok()) {
    // The only constraint a valid status can break is the unique id.
    if (done.error().code == ErrorCode::kInvalidArgument) {
      return InvalidArgument(fmt::format("delivery id {} already exists", fields.delivery_id));
    }
    return done.error();
  }
  const std::int64_t id = db.LastInsertRowId();

  Result<sqlite::StatementLease> insert_body = db.Prepare(kInsertBody);
  if (!insert_body.ok()) return insert_body.error();
  insert_body.value()->BindInt64(1, id);
  insert_body.value()->BindBlob(2, body);
  if (Result<bool> done = insert_body.value()->Run(); !done.ok()) return done.error();
  return id;
}

Result<bool> InsertAttemptRow(sqlite::Connection& db, std::int64_t delivery_row,
                              const AttemptRecord& attempt, std::size_t max_response_body_bytes) {
  if (attempt.number < 1) {
    return InvalidArgument(fmt::format("delivery {}: attempt number {} must be at least 1",
                                       attempt.delivery_id, attempt.number));
  }
  Result<sqlite::StatementLease> insert = db.Prepare(kInsertAttempt);
  if (!insert.ok()) return insert.error();
  sqlite::Statement& row = *insert.value();
  row.BindInt64(1, delivery_row);
  row.BindInt64(2, attempt.number);
  row.BindInt64(3, ToMicros(attempt.started_at));
  row.BindInt64(4, attempt.latency.count());
  row.BindInt64(5, attempt.status);
  row.BindText(6, attempt.error);
  std::string_view response = attempt.response_body;
  row.BindBlob(7, response.substr(0, std::min(response.size(), max_response_body_bytes)));
  if (Result<bool> done = row.Run(); !done.ok()) {
    if (done.error().code == ErrorCode::kInvalidArgument) {
      return InvalidArgument(fmt::format("attempt {} of delivery {} is already recorded",
                                         attempt.number, attempt.delivery_id));
    }
    return done.error();
  }
  return true;
}

// Runs a DELETE whose only parameter is a row id. Returns the rows deleted.
Result<std::int64_t> DeleteById(sqlite::Connection& db, const char* sql, std::int64_t id) {
  Result<sqlite::StatementLease> statement = db.Prepare(sql);
  if (!statement.ok()) return statement.error();
  statement.value()->BindInt64(1, id);
  if (Result<bool> done = statement.value()->Run(); !done.ok()) return done.error();
  return db.Changes();
}

}  // namespace

const std::string& SelectDueSql(bool excluding_urls) {
  return excluding_urls ? kSelectDueExcluding : kSelectDue;
}

Result<bool> InsertDeliveries(sqlite::Connection& db, const std::vector<NewDelivery>& deliveries) {
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

Result<std::vector<DeliveryRecord>> ClaimDue(sqlite::Connection& db, const ClaimRequest& request) {
  if (request.limit == 0) return InvalidArgument("claim limit must be at least 1");
  if (request.lease.count() <= 0) {
    return InvalidArgument(
        fmt::format("claim lease is {} ms, must be positive", request.lease.count()));
  }

  // Select first and update afterwards: changing next_attempt_at while the
  // SELECT walks the index on that column would disturb the walk.
  std::vector<DeliveryRecord> claimed;
  std::vector<std::int64_t> ids;
  {
    const bool excluding = !request.exclude_urls.empty();
    Result<sqlite::StatementLease> select = db.Prepare(SelectDueSql(excluding));
    if (!select.ok()) return select.error();
    sqlite::Statement& row = *select.value();
    row.BindInt64(1, ToMicros(request.now));
    row.BindInt64(2, static_cast<std::int64_t>(request.limit));
    if (excluding) row.BindText(3, nlohmann::json(request.exclude_urls).dump());
    for (;;) {
      Result<bool> has_row = row.Step();
      if (!has_row.ok()) return has_row.error();
      if (!has_row.value()) break;
      std::int64_t id = 0;
      claimed.push_back(sqlite_rows::ReadDelivery(row, /*with_body=*/true, &id));
      ids.push_back(id);
    }
  }

  const auto lease_end = request.now + request.lease;
  for (std::size_t i = 0; i < claimed.size(); ++i) {
    Result<sqlite::StatementLease> lease = db.Prepare(kLease);
    if (!lease.ok()) return lease.error();
    lease.value()->BindInt64(1, ids[i]);
    lease.value()->BindInt64(2, ToMicros(lease_end));
    if (Result<bool> done = lease.value()->Run(); !done.ok()) return done.error();
    claimed[i].next_attempt_at = FromMicros(ToMicros(lease_end));
  }
  return claimed;
}

Result<bool> RecordAttempt(sqlite::Connection& db, const AttemptRecord& attempt,
                           const DeliveryUpdate& update, std::size_t max_response_body_bytes) {
  std::int64_t id = 0;
  {
    Result<sqlite::StatementLease> select = db.Prepare(kSelectState);
    if (!select.ok()) return select.error();
    select.value()->BindText(1, attempt.delivery_id);
    Result<bool> found = select.value()->Step();
    if (!found.ok()) return found.error();
    if (!found.value()) {
      return Error{ErrorCode::kNotFound, fmt::format("delivery {} not found", attempt.delivery_id)};
    }
    id = select.value()->ColumnInt64(0);
    const std::string status = select.value()->ColumnString(1);
    if (status != DeliveryStatusName(DeliveryStatus::kPending)) {
      return InvalidArgument(fmt::format("delivery {} has already {}; attempt {} not recorded",
                                         attempt.delivery_id, status, attempt.number));
    }
  }

  if (Result<bool> inserted = InsertAttemptRow(db, id, attempt, max_response_body_bytes);
      !inserted.ok()) {
    return inserted;
  }

  Result<sqlite::StatementLease> statement = db.Prepare(kUpdateAfterAttempt);
  if (!statement.ok()) return statement.error();
  sqlite::Statement& row = *statement.value();
  const bool finished = update.status != DeliveryStatus::kPending;
  row.BindInt64(1, id);
  row.BindText(2, DeliveryStatusName(update.status));
  row.BindInt64(3, attempt.status);
  row.BindText(4, attempt.error);
  if (!finished) row.BindInt64(5, ToMicros(update.next_attempt_at));
  row.BindInt64(6, ToMicros(update.updated_at));
  if (finished) row.BindInt64(7, ToMicros(update.updated_at));
  return row.Run();
}

Result<bool> InsertSyncDelivery(sqlite::Connection& db, const DeliveryRecord& delivery,
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

Result<std::optional<DeliveryRecord>> InsertRedelivery(sqlite::Connection& db,
                                                       std::string_view original_id,
                                                       const std::string& new_id,
                                                       std::chrono::system_clock::time_point now) {
  DeliveryRecord copy;
  {
    Result<sqlite::StatementLease> select = db.Prepare(kSelectWithBody);
    if (!select.ok()) return select.error();
    select.value()->BindText(1, original_id);
    Result<bool> found = select.value()->Step();
    if (!found.ok()) return found.error();
    if (!found.value()) return std::optional<DeliveryRecord>();
    copy = sqlite_rows::ReadDelivery(*select.value(), /*with_body=*/true);
  }

  DeliveryRecord fresh;
  fresh.delivery_id = new_id;
  fresh.event = std::move(copy.event);
  fresh.webhook = std::move(copy.webhook);
  fresh.url = std::move(copy.url);
  fresh.async = true;
  fresh.body = std::move(copy.body);
  fresh.body_size = fresh.body.size();
  fresh.max_attempts = copy.max_attempts;
  // Round as storage does, so the returned record equals a later read.
  fresh.created_at = FromMicros(ToMicros(now));
  fresh.next_attempt_at = fresh.created_at;
  fresh.updated_at = fresh.created_at;
  fresh.redelivery_of = std::move(copy.delivery_id);

  Result<std::int64_t> id = InsertDeliveryRow(db, fresh, fresh.body);
  if (!id.ok()) return id.error();
  return std::optional<DeliveryRecord>(std::move(fresh));
}

Result<bool> ReleaseLeases(sqlite::Connection& db, const std::vector<std::string>& delivery_ids,
                           std::chrono::system_clock::time_point now) {
  for (const std::string& id : delivery_ids) {
    Result<sqlite::StatementLease> update = db.Prepare(
        "UPDATE deliveries SET next_attempt_at = ?1 WHERE delivery_id = ?2 AND status = 'pending'");
    if (!update.ok()) return update.error();
    update.value()->BindInt64(1, ToMicros(now));
    update.value()->BindText(2, id);
    Result<bool> stepped = update.value()->Step();
    if (!stepped.ok()) return stepped.error();
  }
  return true;
}

Result<bool> DeleteFinishedBefore(sqlite::Connection& db, RowKey bound, std::size_t max_rows,
                                  RetentionResult* deleted) {
  std::vector<std::int64_t> ids;
  {
    Result<sqlite::StatementLease> select = db.Prepare(kSelectFinishedBefore);
    if (!select.ok()) return select.error();
    select.value()->BindInt64(1, bound.created_at);
    select.value()->BindInt64(2, bound.id);
    select.value()->BindInt64(3, static_cast<std::int64_t>(max_rows));
    for (;;) {
      Result<bool> has_row = select.value()->Step();
      if (!has_row.ok()) return has_row.error();
      if (!has_row.value()) break;
      ids.push_back(select.value()->ColumnInt64(0));
    }
  }

  for (std::int64_t id : ids) {
    Result<std::int64_t> attempts = DeleteById(db, kDeleteAttempts, id);
    if (!attempts.ok()) return attempts.error();
    Result<std::int64_t> bodies = DeleteById(db, kDeleteBody, id);
    if (!bodies.ok()) return bodies.error();
    Result<std::int64_t> deliveries = DeleteById(db, kDeleteDelivery, id);
    if (!deliveries.ok()) return deliveries.error();
    deleted->attempts_deleted += attempts.value();
    deleted->deliveries_deleted += deliveries.value();
  }
  return true;
}

}  // namespace herald::sqlite_writes
