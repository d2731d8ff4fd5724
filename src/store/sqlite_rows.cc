#include "store/sqlite_rows.h"

#include <utility>

namespace herald::sqlite_rows {

using std::chrono::microseconds;
using std::chrono::system_clock;

DeliveryRecord ReadDelivery(const sqlite::Statement& row, bool with_body, std::int64_t* row_id) {
  DeliveryRecord record;
  if (row_id != nullptr) *row_id = row.ColumnInt64(0);
  record.delivery_id = row.ColumnString(1);
  record.event = row.ColumnString(2);
  record.webhook = row.ColumnString(3);
  record.url = row.ColumnString(4);
  record.async = row.ColumnInt64(5) != 0;
  // The CHECK constraint admits only the three names.
  record.status = ParseDeliveryStatus(row.ColumnString(6)).value_or(DeliveryStatus::kPending);
  record.max_attempts = static_cast<int>(row.ColumnInt64(7));
  record.attempts = static_cast<int>(row.ColumnInt64(8));
  record.last_status = static_cast<int>(row.ColumnInt64(9));
  record.last_error = row.ColumnString(10);
  record.created_at = FromMicros(row.ColumnInt64(11));
  record.next_attempt_at = FromMicros(row.ColumnInt64(12));
  record.updated_at = FromMicros(row.ColumnInt64(13));
  if (!row.ColumnIsNull(14)) record.completed_at = FromMicros(row.ColumnInt64(14));
  if (!row.ColumnIsNull(15)) record.redelivery_of = row.ColumnString(15);
  record.body_size = static_cast<std::size_t>(row.ColumnInt64(16));
  if (with_body) record.body = row.ColumnString(kBodyColumn);
  return record;
}

AttemptRecord ReadAttempt(const sqlite::Statement& row, std::string delivery_id) {
  AttemptRecord attempt;
  attempt.delivery_id = std::move(delivery_id);
  attempt.number = static_cast<int>(row.ColumnInt64(0));
  attempt.started_at = FromMicros(row.ColumnInt64(1));
  attempt.latency = microseconds(row.ColumnInt64(2));
  attempt.status = static_cast<int>(row.ColumnInt64(3));
  attempt.error = row.ColumnString(4);
  attempt.response_body = row.ColumnString(5);
  return attempt;
}

}  // namespace herald::sqlite_rows
