// Parses arbitrary bytes as a Retry-After header value at a fixed time.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/retry_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  // 2024-01-01T00:00:00Z, so HTTP dates compare against a fixed clock.
  const std::chrono::system_clock::time_point now{std::chrono::seconds(1704067200)};
  const std::optional<std::chrono::milliseconds> delay = herald::ParseRetryAfter(value, now);
  if (delay.has_value() && delay->count() < 0) __builtin_trap();
  return 0;
}
