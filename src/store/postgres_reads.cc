#include "store/postgres_reads.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <utility>

namespace herald::pg_reads {
namespace {

using pg_rows::RowKey;
using pg_rows::ToMicros;

// Bits of a ListDeliveries statement variant: one per condition that the
// filter sets.
enum ListCondition : unsigned {
  kEventCondition = 1u << 0,
  kWebhookCondition = 1u << 1,
  kStatusCondition = 1u << 2,
  kAfterCondition = 1u << 3,
  kBeforeCondition = 1u << 4,
  kCursorCondition = 1u << 5,
};
constexpr unsigned kListVariants = 1u << 6;

// Builds the statement of one variant. Parameters are numbered in the
// order of the conditions above, followed by the limit, which is the
// order ListDeliveries adds them in.
pg::Statement BuildListStatement(unsigned variant) {
  std::string sql =
      fmt::format("SELECT {} FROM herald_deliveries d WHERE true", pg_rows::kDeliveryColumns);
  int parameter = 0;
  auto next = [&parameter] { return fmt::format("${}", ++parameter); };
  if ((variant & kEventCondition) != 0) sql += " AND d.event = " + next();
  if ((variant & kWebhookCondition) != 0) sql += " AND d.webhook = " + next();
  if ((variant & kStatusCondition) != 0) sql += " AND d.status = " + next();
  if ((variant & kAfterCondition) != 0) sql += " AND d.created_at > " + next();
  if ((variant & kBeforeCondition) != 0) sql += " AND d.created_at < " + next();
  if ((variant & kCursorCondition) != 0) {
    const std::string created = next();
    sql += fmt::format(" AND (d.created_at, d.id) < ({}, {})", created, next());
  }
  sql += " ORDER BY d.created_at DESC, d.id DESC LIMIT " + next();
  return pg::Statement{fmt::format("herald_list_{}", variant), std::move(sql)};
}

const pg::Statement& ListStatement(unsigned variant) {
  static const std::array<pg::Statement, kListVariants> statements = [] {
    std::array<pg::Statement, kListVariants> built;
    for (unsigned i = 0; i < kListVariants; ++i) built[i] = BuildListStatement(i);
    return built;
  }();
  return statements[variant];
}

const pg::Statement kSelectDelivery{
    "herald_select_delivery",
    fmt::format("SELECT {}, d.body FROM herald_deliveries d WHERE d.delivery_id = $1",
                pg_rows::kDeliveryColumns)};

const pg::Statement kSelectAttempts{
    "herald_select_attempts",
    fmt::format("SELECT {} FROM herald_attempts a WHERE a.delivery = $1 ORDER BY a.number",
                pg_rows::kAttemptColumns)};

const pg::Statement kStats{
    "herald_stats",
    "SELECT count(*) FILTER (WHERE status = 'pending'), "
    "count(*) FILTER (WHERE status = 'succeeded'), "
    "count(*) FILTER (WHERE status = 'failed'), "
    "(SELECT count(*) FROM herald_deliveries "
    "  WHERE status = 'pending' AND next_attempt_at <= $1), "
    "(SELECT min(created_at) FROM herald_deliveries WHERE status = 'pending') "
    "FROM herald_deliveries"};

const pg::Statement kNewestDropped{
    "herald_newest_dropped",
    "SELECT created_at, id FROM herald_deliveries WHERE status <> 'pending' "
    "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $1"};

}  // namespace

Result<DeliveryPage> ListDeliveries(pg::Connection& db, const DeliveryFilter& filter) {
  if (filter.limit == 0) {
    return Error{ErrorCode::kInvalidArgument, "list limit must be at least 1"};
  }
  std::optional<RowKey> cursor;
  if (!filter.cursor.empty()) {
    cursor = pg_rows::DecodeCursor(filter.cursor);
    if (!cursor.has_value()) {
      return Error{ErrorCode::kInvalidArgument,
                   fmt::format("invalid cursor \"{}\"; pass the next_cursor of a previous page",
                               filter.cursor)};
    }
  }
  const std::size_t limit = std::min(filter.limit, kMaxListLimit);

  unsigned variant = 0;
  pg::Params params;
  if (filter.event.has_value()) {
    variant |= kEventCondition;
    params.Text(*filter.event);
  }
  if (filter.webhook.has_value()) {
    variant |= kWebhookCondition;
    params.Text(*filter.webhook);
  }
  if (filter.status.has_value()) {
    variant |= kStatusCondition;
    params.Text(DeliveryStatusName(*filter.status));
  }
  if (filter.created_after.has_value()) {
    variant |= kAfterCondition;
    params.Int64(ToMicros(*filter.created_after));
  }
  if (filter.created_before.has_value()) {
    variant |= kBeforeCondition;
    params.Int64(ToMicros(*filter.created_before));
  }
  if (cursor.has_value()) {
    variant |= kCursorCondition;
    params.Int64(cursor->created_at).Int64(cursor->id);
  }
  // One row more than the page shows whether another page follows.
  params.Int64(static_cast<std::int64_t>(limit + 1));

  Result<pg::Rows> rows = db.Execute(ListStatement(variant), params);
  if (!rows.ok()) return rows.error();

  DeliveryPage page;
  RowKey last;
  for (int row = 0; row < rows->size(); ++row) {
    if (page.deliveries.size() == limit) {
      page.next_cursor = pg_rows::EncodeCursor(last);
      break;
    }
    page.deliveries.push_back(pg_rows::ReadDelivery(*rows, row, /*with_body=*/false, &last.id));
    last.created_at = ToMicros(page.deliveries.back().created_at);
  }
  return page;
}

Result<std::optional<DeliveryDetail>> GetDelivery(pg::Connection& db,
                                                  std::string_view delivery_id) {
  pg::Params by_id;
  by_id.Text(delivery_id);
  Result<pg::Rows> delivery = db.Execute(kSelectDelivery, by_id);
  if (!delivery.ok()) return delivery.error();
  if (delivery->size() == 0) return std::optional<DeliveryDetail>();

  DeliveryDetail detail;
  std::int64_t id = 0;
  detail.delivery = pg_rows::ReadDelivery(*delivery, 0, /*with_body=*/true, &id);

  pg::Params by_row;
  by_row.Int64(id);
  Result<pg::Rows> attempts = db.Execute(kSelectAttempts, by_row);
  if (!attempts.ok()) return attempts.error();
  for (int row = 0; row < attempts->size(); ++row) {
    detail.attempts.push_back(pg_rows::ReadAttempt(*attempts, row, detail.delivery.delivery_id));
  }
  return std::optional<DeliveryDetail>(std::move(detail));
}

Result<OutboxStats> Stats(pg::Connection& db, std::chrono::system_clock::time_point now) {
  pg::Params params;
  params.Int64(ToMicros(now));
  Result<pg::Rows> rows = db.Execute(kStats, params);
  if (!rows.ok()) return rows.error();

  OutboxStats stats;
  stats.pending = rows->Int64(0, 0);
  stats.succeeded = rows->Int64(0, 1);
  stats.failed = rows->Int64(0, 2);
  stats.due = rows->Int64(0, 3);
  if (!rows->IsNull(0, 4)) {
    const std::int64_t oldest = rows->Int64(0, 4);
    stats.oldest_pending_created_at = pg_rows::FromMicros(oldest);
    stats.oldest_pending_age = std::chrono::microseconds(ToMicros(now) - oldest);
  }
  return stats;
}

Result<RowKey> RetentionBound(pg::Connection& db, std::chrono::system_clock::time_point cutoff,
                              std::size_t max_finished_rows) {
  // Every finished delivery created before the cutoff is deleted.
  RowKey bound{ToMicros(cutoff), std::numeric_limits<std::int64_t>::min()};

  // So is every finished delivery up to and including the
  // (max_finished_rows + 1)-th newest one. Deliveries that finish after
  // this snapshot can only push that row further down the ranking,
  // because finished deliveries never become pending again.
  const std::size_t offset =
      std::min<std::size_t>(max_finished_rows, std::numeric_limits<std::int64_t>::max());
  pg::Params params;
  params.Int64(static_cast<std::int64_t>(offset));
  Result<pg::Rows> rows = db.Execute(kNewestDropped, params);
  if (!rows.ok()) return rows.error();
  if (rows->size() > 0) {
    const RowKey newest_dropped{rows->Int64(0, 0), rows->Int64(0, 1)};
    // Just past newest_dropped in (created_at, id) order.
    const RowKey past_dropped{newest_dropped.created_at, newest_dropped.id + 1};
    if (std::pair(past_dropped.created_at, past_dropped.id) >
        std::pair(bound.created_at, bound.id)) {
      bound = past_dropped;
    }
  }
  return bound;
}

}  // namespace herald::pg_reads
