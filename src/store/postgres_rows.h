#ifndef HERALD_STORE_POSTGRES_ROWS_H_
#define HERALD_STORE_POSTGRES_ROWS_H_

// Conversions between the store's structs and the rows of PostgresStore's
// tables, shared by its write and read paths.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/postgres_connection.h"
#include "store/row_key.h"
#include "store/store.h"

namespace herald::pg_rows {

// Columns of `herald_deliveries d` in the order ReadDelivery expects,
// followed by d.body when a query needs the body.
inline constexpr const char* kDeliveryColumns =
    "d.id, d.delivery_id, d.event, d.webhook, d.url, d.async, d.status, d.max_attempts, "
    "d.attempts, d.last_status, d.last_error, d.created_at, d.next_attempt_at, d.updated_at, "
    "d.completed_at, d.redelivery_of, d.body_size";
inline constexpr int kBodyColumn = 17;

// Columns of `herald_attempts a` in the order ReadAttempt expects.
inline constexpr const char* kAttemptColumns =
    "a.number, a.started_at, a.latency_us, a.status, a.error, a.response_body";

using store_rows::DecodeCursor;
using store_rows::EncodeCursor;
using store_rows::FromMicros;
using store_rows::RowKey;
using store_rows::ToMicros;

// Reads row `row` of a result selected with kDeliveryColumns, and the body
// column when `with_body`. Stores the table's id in *row_id when not null.
DeliveryRecord ReadDelivery(const pg::Rows& rows, int row, bool with_body,
                            std::int64_t* row_id = nullptr);

// Reads row `row` of a result selected with kAttemptColumns.
AttemptRecord ReadAttempt(const pg::Rows& rows, int row, std::string delivery_id);

// Returns `text` with each byte sequence that is not valid UTF-8, and each
// NUL byte, replaced by U+FFFD. PostgreSQL rejects both in text columns.
std::string ValidUtf8(std::string_view text);

}  // namespace herald::pg_rows

#endif  // HERALD_STORE_POSTGRES_ROWS_H_
