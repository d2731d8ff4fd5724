#ifndef HERALD_STORE_SQLITE_READS_H_
#define HERALD_STORE_SQLITE_READS_H_

// The queries of SqliteStore. Each runs on a read connection; those that
// read several statements wrap them in one read transaction, so they see
// one snapshot.

#include <chrono>
#include <optional>
#include <string_view>

#include "herald/result.h"
#include "store/sqlite_db.h"
#include "store/sqlite_writes.h"
#include "store/store.h"

namespace herald::sqlite_reads {

Result<DeliveryPage> ListDeliveries(sqlite::Connection& db, const DeliveryFilter& filter);

Result<std::optional<DeliveryDetail>> GetDelivery(sqlite::Connection& db,
                                                  std::string_view delivery_id);

Result<OutboxStats> Stats(sqlite::Connection& db, std::chrono::system_clock::time_point now);

// Returns the first key that ApplyRetention keeps: every finished delivery
// ordered before it is deleted. Combines the age cutoff with the
// (max_finished_rows + 1)-th newest finished delivery.
Result<sqlite_writes::RowKey> RetentionBound(sqlite::Connection& db,
                                             std::chrono::system_clock::time_point cutoff,
                                             std::size_t max_finished_rows);

}  // namespace herald::sqlite_reads

#endif  // HERALD_STORE_SQLITE_READS_H_
