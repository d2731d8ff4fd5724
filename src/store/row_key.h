#ifndef HERALD_STORE_ROW_KEY_H_
#define HERALD_STORE_ROW_KEY_H_

// Row layouts and encodings that every Store implementation shares, so
// that columns, cursors and stored timestamps mean the same in SQLite and
// PostgreSQL.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "herald/result.h"
#include "store/store.h"

namespace herald::store_rows {

// Columns of the deliveries table `d` in the order both stores'
// ReadDelivery expects, followed by the body when a query needs it.
inline constexpr const char* kDeliveryColumns =
    "d.id, d.delivery_id, d.event, d.webhook, d.url, d.async, d.status, d.max_attempts, "
    "d.attempts, d.last_status, d.last_error, d.created_at, d.next_attempt_at, d.updated_at, "
    "d.completed_at, d.redelivery_of, d.body_size";
inline constexpr int kBodyColumn = 17;

// Columns of the attempts table `a` in the order ReadAttempt expects.
inline constexpr const char* kAttemptColumns =
    "a.number, a.started_at, a.latency_us, a.status, a.error, a.response_body";

// Timestamps are stored as microseconds since the Unix epoch, rounded
// down, so the column order matches time order.
std::int64_t ToMicros(std::chrono::system_clock::time_point time);
std::chrono::system_clock::time_point FromMicros(std::int64_t micros);

// A position in (created_at, id) order: the keyset of ListDeliveries
// pages and of retention.
struct RowKey {
  std::int64_t created_at = 0;
  std::int64_t id = 0;
};

// A ListDeliveries cursor is "<created_at micros>:<row id>" of the last
// row of a page. DecodeCursor returns nullopt for any other text.
std::string EncodeCursor(RowKey key);
std::optional<RowKey> DecodeCursor(std::string_view text);

// Checks a sync delivery for RecordSyncDelivery and returns the row to
// insert: without body and redelivery_of, with completed_at defaulting to
// updated_at. Fails with kInvalidArgument for a pending delivery or an
// attempt that names another delivery.
Result<DeliveryRecord> SyncDeliveryRow(const DeliveryRecord& delivery,
                                       const std::vector<AttemptRecord>& attempts);

}  // namespace herald::store_rows

#endif  // HERALD_STORE_ROW_KEY_H_
