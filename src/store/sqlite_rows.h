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

// Queries select `deliveries d`, joined with `delivery_bodies b` for the
// body, and `attempts a` with these.
using store_rows::kAttemptColumns;
using store_rows::kBodyColumn;
using store_rows::kDeliveryColumns;

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
