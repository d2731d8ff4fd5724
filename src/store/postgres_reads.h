#ifndef HERALD_STORE_POSTGRES_READS_H_
#define HERALD_STORE_POSTGRES_READS_H_

// The read steps of PostgresStore.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

#include "herald/result.h"
#include "store/postgres_connection.h"
#include "store/postgres_rows.h"
#include "store/store.h"

namespace herald::pg_reads {

// One statement, so it reads one snapshot.
Result<DeliveryPage> ListDeliveries(pg::Connection& db, const DeliveryFilter& filter);

// Runs two statements; the caller opens a REPEATABLE READ transaction so
// that both read the same snapshot.
Result<std::optional<DeliveryDetail>> GetDelivery(pg::Connection& db, std::string_view delivery_id);

// One statement, so it reads one snapshot.
Result<OutboxStats> Stats(pg::Connection& db, std::chrono::system_clock::time_point now);

// Returns the (created_at, id) key before which ApplyRetention deletes
// finished deliveries: those created before `cutoff`, and those beyond
// the max_finished_rows newest finished ones.
Result<pg_rows::RowKey> RetentionBound(pg::Connection& db,
                                       std::chrono::system_clock::time_point cutoff,
                                       std::size_t max_finished_rows);

}  // namespace herald::pg_reads

#endif  // HERALD_STORE_POSTGRES_READS_H_
