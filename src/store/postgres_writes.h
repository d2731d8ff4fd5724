#ifndef HERALD_STORE_POSTGRES_WRITES_H_
#define HERALD_STORE_POSTGRES_WRITES_H_

// The write steps of PostgresStore. Each runs inside a transaction (or a
// savepoint) that the caller opened, and leaves rolling back to it when it
// fails.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "herald/result.h"
#include "store/postgres_connection.h"
#include "store/postgres_rows.h"
#include "store/store.h"

namespace herald::pg_writes {

// The statement that ClaimDue runs, for tests that check its query plan.
const pg::Statement& ClaimDueStatement();

Result<bool> InsertDeliveries(pg::Connection& db, const std::vector<NewDelivery>& deliveries);

Result<std::vector<DeliveryRecord>> ClaimDue(pg::Connection& db, const ClaimRequest& request);

// Sets next_attempt_at to `now` for each id that is still pending.
Result<bool> ReleaseLeases(pg::Connection& db, const std::vector<std::string>& delivery_ids,
                           std::chrono::system_clock::time_point now);

// Locks the delivery row, so concurrent attempts for one delivery are
// recorded one after the other. Truncates the response body to
// max_response_body_bytes.
Result<bool> RecordAttempt(pg::Connection& db, const AttemptRecord& attempt,
                           const DeliveryUpdate& update, std::size_t max_response_body_bytes);

Result<bool> InsertSyncDelivery(pg::Connection& db, const DeliveryRecord& delivery,
                                const std::vector<AttemptRecord>& attempts,
                                std::size_t max_response_body_bytes);

// Returns nullopt when `original_id` does not exist.
Result<std::optional<DeliveryRecord>> InsertRedelivery(pg::Connection& db,
                                                       std::string_view original_id,
                                                       const std::string& new_id,
                                                       std::chrono::system_clock::time_point now);

// Deletes up to `max_rows` finished deliveries ordered before `bound`,
// oldest first, with their attempts. Rows that another transaction has
// locked are skipped. Adds what it deleted to *deleted.
Result<bool> DeleteFinishedBefore(pg::Connection& db, pg_rows::RowKey bound, std::size_t max_rows,
                                  RetentionResult* deleted);

}  // namespace herald::pg_writes

#endif  // HERALD_STORE_POSTGRES_WRITES_H_
