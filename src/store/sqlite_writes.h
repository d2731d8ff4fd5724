#ifndef HERALD_STORE_SQLITE_WRITES_H_
#define HERALD_STORE_SQLITE_WRITES_H_

// The write steps of SqliteStore. Each runs on the writer connection
// inside a transaction opened by GroupCommitWriter, and leaves rolling
// back to it when it fails.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "herald/result.h"
#include "store/row_key.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace herald::sqlite_writes {

using store_rows::RowKey;

// The SELECT that ClaimDue runs, for tests that check its query plan.
const std::string& SelectDueSql(bool excluding_urls);

Result<bool> InsertDeliveries(sqlite::Connection& db, const std::vector<NewDelivery>& deliveries);

Result<std::vector<DeliveryRecord>> ClaimDue(sqlite::Connection& db, const ClaimRequest& request);

// Sets next_attempt_at to `now` for each id that is still pending.
Result<bool> ReleaseLeases(sqlite::Connection& db, const std::vector<std::string>& delivery_ids,
                           std::chrono::system_clock::time_point now);

// Truncates the response body to max_response_body_bytes.
Result<bool> RecordAttempt(sqlite::Connection& db, const AttemptRecord& attempt,
                           const DeliveryUpdate& update, std::size_t max_response_body_bytes);

Result<bool> InsertSyncDelivery(sqlite::Connection& db, const DeliveryRecord& delivery,
                                const std::vector<AttemptRecord>& attempts,
                                std::size_t max_response_body_bytes);

// Returns nullopt when `original_id` does not exist.
Result<std::optional<DeliveryRecord>> InsertRedelivery(sqlite::Connection& db,
                                                       std::string_view original_id,
                                                       const std::string& new_id,
                                                       std::chrono::system_clock::time_point now);

// Deletes up to `max_rows` finished deliveries ordered before `bound`,
// oldest first, with their bodies and attempts. Adds what it deleted to
// *deleted.
Result<bool> DeleteFinishedBefore(sqlite::Connection& db, RowKey bound, std::size_t max_rows,
                                  RetentionResult* deleted);

}  // namespace herald::sqlite_writes

#endif  // HERALD_STORE_SQLITE_WRITES_H_
