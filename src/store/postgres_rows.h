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

// Queries select `herald_deliveries d` and `herald_attempts a` with these.
using store_rows::kAttemptColumns;
using store_rows::kBodyColumn;
using store_rows::kDeliveryColumns;

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
