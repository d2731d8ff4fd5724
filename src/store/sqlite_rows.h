#ifndef HERALD_STORE_SQLITE_ROWS_H_
#define HERALD_STORE_SQLITE_ROWS_H_

// Conversions between the store's structs and the rows of its tables,
// shared by the write and read paths.

#include <chrono>
#include <cstdint>

#include "store/row_key.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace herald::sqlite_rows {

// Columns of `deliveries d` in the order ReadDelivery expects, followed by
// the body when a query joins `delivery_bodies b`.
inline constexpr const char* kDeliveryColumns =
    "d.id, d.delivery_id, d.event, d.webhook, d.url, d.async, d.status, d.max_attempts, "
    "d.attempts, d.last_status, d.last_error, d.created_at, d.next_attempt_at, d.updated_at, "
    "d.completed_at, d.redelivery_of, d.body_size";
inline constexpr int kBodyColumn = 17;

// Columns of `attempts a` in the order ReadAttempt expects.
inline constexpr const char* kAttemptColumns =
    "a.number, a.started_at, a.latency_us, a.status, a.error, a.response_body";

using store_rows::FromMicros;
using store_rows::ToMicros;

// Reads a row selected with kDeliveryColumns, and the body column when
// `with_body`. Stores the table's integer id in *row_id when not null.
DeliveryRecord ReadDelivery(const sqlite::Statement& row, bool with_body,
                            std::int64_t* row_id = nullptr);

// Reads a row selected with kAttemptColumns.
AttemptRecord ReadAttempt(const sqlite::Statement& row, std::string delivery_id);

}  // namespace herald::sqlite_rows

#endif  // HERALD_STORE_SQLITE_ROWS_H_
