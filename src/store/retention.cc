#include "store/retention.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace herald::retention {

Result<bool> CheckMaxAge(std::chrono::seconds max_age) {
  if (max_age.count() < 0) {
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("retention max_age is {} s, must not be negative", max_age.count())};
  }
  return true;
}

Result<RetentionResult> DeleteInChunks(
    const std::function<Result<bool>(RetentionResult& chunk)>& delete_chunk) {
  RetentionResult total;
  for (;;) {
    RetentionResult chunk;
    if (Result<bool> done = delete_chunk(chunk); !done.ok()) {
      spdlog::error("store: retention stopped after deleting {} deliveries: {}",
                    total.deliveries_deleted, done.error().message);
      return done.error();
    }
    total.deliveries_deleted += chunk.deliveries_deleted;
    total.attempts_deleted += chunk.attempts_deleted;
    // A short chunk means nothing older is left. With PostgreSQL it may
    // also mean rows locked by another instance's retention, left to it.
    if (chunk.deliveries_deleted < static_cast<std::int64_t>(kChunkRows)) break;
  }
  return total;
}

}  // namespace herald::retention
