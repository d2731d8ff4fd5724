#include "store/sqlite_reads.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>
#include <utility>

#include "store/sqlite_rows.h"

namespace herald::sqlite_reads {
namespace {

using sqlite_rows::ToMicros;
using store_rows::DecodeCursor;
using store_rows::EncodeCursor;
using store_rows::RowKey;

// ListDeliveries adds a condition only for each filter that is set. Each
// condition has a fixed parameter number, so binding does not depend on
// which other conditions the SQL contains.
enum ListParameter {
  kEventParameter = 1,
  kWebhookParameter,
  kStatusParameter,
  kAfterParameter,
  kBeforeParameter,
  kCursorCreatedParameter,
  kCursorIdParameter,
  kLimitParameter,
};

// Each SQL text is prepared once per connection and then reused from its
// cache; there are at most 2^6 variants.
std::string ListSql(const DeliveryFilter& filter, bool has_cursor) {
  std::string sql =
      fmt::format("SELECT {} FROM deliveries d WHERE 1", sqlite_rows::kDeliveryColumns);
  if (filter.event.has_value()) sql += " AND d.event = ?1";
  if (filter.webhook.has_value()) sql += " AND d.webhook = ?2";
  if (filter.status.has_value()) sql += " AND d.status = ?3";
  if (filter.created_after.has_value()) sql += " AND d.created_at > ?4";
  if (filter.created_before.has_value()) sql += " AND d.created_at < ?5";
  if (has_cursor) sql += " AND (d.created_at, d.id) < (?6, ?7)";
  sql += " ORDER BY d.created_at DESC, d.id DESC LIMIT ?8";
  return sql;
}

// Holds a read transaction open for its lifetime, so every statement in
// it reads the same snapshot.
class ReadTransaction {
 public:
  explicit ReadTransaction(sqlite::Connection& db) : db_(db) {}
  ~ReadTransaction() {
    // A read-only transaction has nothing to lose if COMMIT fails.
    if (begun_) (void)db_.Execute("COMMIT");
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

  Result<bool> Begin() {
    Result<bool> begun = db_.Execute("BEGIN");
    begun_ = begun.ok();
    return begun;
  }

 private:
  sqlite::Connection& db_;
  bool begun_ = false;
};

// Runs a query that returns one integer; NULL and no row read as nullopt.
Result<std::optional<std::int64_t>> QueryInt(sqlite::Connection& db, const char* sql,
                                             std::optional<std::int64_t> parameter) {
  Result<sqlite::StatementLease> statement = db.Prepare(sql);
  if (!statement.ok()) return statement.error();
  if (parameter.has_value()) statement.value()->BindInt64(1, *parameter);
  Result<bool> row = statement.value()->Step();
  if (!row.ok()) return row.error();
  if (!row.value() || statement.value()->ColumnIsNull(0)) {
    return std::optional<std::int64_t>();
  }
  return std::optional<std::int64_t>(statement.value()->ColumnInt64(0));
}

}  // namespace

Result<DeliveryPage> ListDeliveries(sqlite::Connection& db, const DeliveryFilter& filter) {
  if (filter.limit == 0) {
    return Error{ErrorCode::kInvalidArgument, "list limit must be at least 1"};
  }
  std::optional<RowKey> cursor;
  if (!filter.cursor.empty()) {
    cursor = DecodeCursor(filter.cursor);
    if (!cursor.has_value()) {
      return Error{ErrorCode::kInvalidArgument,
                   fmt::format("invalid cursor \"{}\"; pass the next_cursor of a previous page",
                               filter.cursor)};
    }
  }
  const std::size_t limit = std::min(filter.limit, kMaxListLimit);

  Result<sqlite::StatementLease> statement = db.Prepare(ListSql(filter, cursor.has_value()));
  if (!statement.ok()) return statement.error();
  sqlite::Statement& row = *statement.value();
  if (filter.event.has_value()) row.BindText(kEventParameter, *filter.event);
  if (filter.webhook.has_value()) row.BindText(kWebhookParameter, *filter.webhook);
  if (filter.status.has_value()) row.BindText(kStatusParameter, DeliveryStatusName(*filter.status));
  if (filter.created_after.has_value())
    row.BindInt64(kAfterParameter, ToMicros(*filter.created_after));
  if (filter.created_before.has_value()) {
    row.BindInt64(kBeforeParameter, ToMicros(*filter.created_before));
  }
  if (cursor.has_value()) {
    row.BindInt64(kCursorCreatedParameter, cursor->created_at);
    row.BindInt64(kCursorIdParameter, cursor->id);
  }
  // One row more than the page shows whether another page follows.
  row.BindInt64(kLimitParameter, static_cast<std::int64_t>(limit + 1));

  DeliveryPage page;
  RowKey last;
  for (;;) {
    Result<bool> has_row = row.Step();
    if (!has_row.ok()) return has_row.error();
    if (!has_row.value()) break;
    if (page.deliveries.size() == limit) {
      page.next_cursor = EncodeCursor(last);
      break;
    }
    page.deliveries.push_back(sqlite_rows::ReadDelivery(row, /*with_body=*/false, &last.id));
    last.created_at = ToMicros(page.deliveries.back().created_at);
  }
  return page;
}

Result<std::optional<DeliveryDetail>> GetDelivery(sqlite::Connection& db,
                                                  std::string_view delivery_id) {
  static const std::string kSelectDelivery = fmt::format(
      "SELECT {}, b.body FROM deliveries d LEFT JOIN delivery_bodies b ON b.id = d.id "
      "WHERE d.delivery_id = ?1",
      sqlite_rows::kDeliveryColumns);
  static const std::string kSelectAttempts =
      fmt::format("SELECT {} FROM attempts a WHERE a.delivery = ?1 ORDER BY a.number",
                  sqlite_rows::kAttemptColumns);

  ReadTransaction transaction(db);
  if (Result<bool> begun = transaction.Begin(); !begun.ok()) return begun.error();

  DeliveryDetail detail;
  std::int64_t id = 0;
  {
    Result<sqlite::StatementLease> select = db.Prepare(kSelectDelivery);
    if (!select.ok()) return select.error();
    select.value()->BindText(1, delivery_id);
    Result<bool> found = select.value()->Step();
    if (!found.ok()) return found.error();
    if (!found.value()) return std::optional<DeliveryDetail>();
    detail.delivery = sqlite_rows::ReadDelivery(*select.value(), /*with_body=*/true, &id);
  }

  Result<sqlite::StatementLease> select = db.Prepare(kSelectAttempts);
  if (!select.ok()) return select.error();
  select.value()->BindInt64(1, id);
  for (;;) {
    Result<bool> has_row = select.value()->Step();
    if (!has_row.ok()) return has_row.error();
    if (!has_row.value()) break;
    detail.attempts.push_back(
        sqlite_rows::ReadAttempt(*select.value(), detail.delivery.delivery_id));
  }
  return std::optional<DeliveryDetail>(std::move(detail));
}

Result<OutboxStats> Stats(sqlite::Connection& db, std::chrono::system_clock::time_point now) {
  ReadTransaction transaction(db);
  if (Result<bool> begun = transaction.Begin(); !begun.ok()) return begun.error();

  OutboxStats stats;
  {
    Result<sqlite::StatementLease> counts =
        db.Prepare("SELECT status, COUNT(*) FROM deliveries GROUP BY status");
    if (!counts.ok()) return counts.error();
    for (;;) {
      Result<bool> has_row = counts.value()->Step();
      if (!has_row.ok()) return has_row.error();
      if (!has_row.value()) break;
      const std::optional<DeliveryStatus> status =
          ParseDeliveryStatus(counts.value()->ColumnString(0));
      const std::int64_t count = counts.value()->ColumnInt64(1);
      if (status == DeliveryStatus::kPending) stats.pending = count;
      if (status == DeliveryStatus::kSucceeded) stats.succeeded = count;
      if (status == DeliveryStatus::kFailed) stats.failed = count;
    }
  }

  Result<std::optional<std::int64_t>> due =
      QueryInt(db,
               "SELECT COUNT(*) FROM deliveries INDEXED BY deliveries_due "
               "WHERE status = 'pending' AND next_attempt_at <= ?1",
               ToMicros(now));
  if (!due.ok()) return due.error();
  stats.due = due.value().value_or(0);

  Result<std::optional<std::int64_t>> oldest =
      QueryInt(db, "SELECT MIN(created_at) FROM deliveries WHERE status = 'pending'", std::nullopt);
  if (!oldest.ok()) return oldest.error();
  if (oldest.value().has_value()) {
    stats.oldest_pending_created_at = sqlite_rows::FromMicros(*oldest.value());
    stats.oldest_pending_age = std::chrono::microseconds(ToMicros(now) - *oldest.value());
  }
  return stats;
}

Result<RowKey> RetentionBound(sqlite::Connection& db, std::chrono::system_clock::time_point cutoff,
                              std::size_t max_finished_rows) {
  // Every finished delivery created before the cutoff is deleted.
  RowKey bound{ToMicros(cutoff), std::numeric_limits<std::int64_t>::min()};

  // So is every finished delivery up to and including the
  // (max_finished_rows + 1)-th newest one. Deliveries that finish after
  // this snapshot can only push that row further down the ranking,
  // because finished deliveries never become pending again.
  Result<sqlite::StatementLease> select = db.Prepare(
      "SELECT created_at, id FROM deliveries WHERE status <> 'pending' "
      "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?1");
  if (!select.ok()) return select.error();
  const std::size_t offset =
      std::min<std::size_t>(max_finished_rows, std::numeric_limits<std::int64_t>::max());
  select.value()->BindInt64(1, static_cast<std::int64_t>(offset));
  Result<bool> found = select.value()->Step();
  if (!found.ok()) return found.error();
  if (found.value()) {
    const RowKey newest_dropped{select.value()->ColumnInt64(0), select.value()->ColumnInt64(1)};
    // Just past newest_dropped in (created_at, id) order.
    const RowKey past_dropped{newest_dropped.created_at, newest_dropped.id + 1};
    if (std::pair(past_dropped.created_at, past_dropped.id) >
        std::pair(bound.created_at, bound.id)) {
      bound = past_dropped;
    }
  }
  return bound;
}

}  // namespace herald::sqlite_reads
