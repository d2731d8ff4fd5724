#ifndef HERALD_STORE_RETENTION_H_
#define HERALD_STORE_RETENTION_H_

// The part of Store::ApplyRetention that does not depend on the database.

#include <chrono>
#include <cstddef>
#include <functional>

#include "herald/result.h"
#include "store/store.h"

namespace herald::retention {

// Finished deliveries deleted per transaction, so that concurrent writes
// wait behind one small transaction and its row locks and log stay small.
inline constexpr std::size_t kChunkRows = 500;

// Returns kInvalidArgument for a negative max_age.
Result<bool> CheckMaxAge(std::chrono::seconds max_age);

// Calls `delete_chunk`, which deletes up to kChunkRows deliveries in one
// transaction and counts them in its argument, until a chunk deletes
// fewer. Returns the totals, or the first error, which is logged with
// the number of deliveries deleted before it; those stay deleted.
Result<RetentionResult> DeleteInChunks(
    const std::function<Result<bool>(RetentionResult& chunk)>& delete_chunk);

}  // namespace herald::retention

#endif  // HERALD_STORE_RETENTION_H_
