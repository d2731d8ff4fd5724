#include "store/row_key.h"

#include <fmt/format.h>

#include <charconv>
#include <system_error>

namespace herald::store_rows {

using std::chrono::microseconds;
using std::chrono::system_clock;

std::int64_t ToMicros(system_clock::time_point time) {
  return std::chrono::floor<microseconds>(time.time_since_epoch()).count();
}

system_clock::time_point FromMicros(std::int64_t micros) {
  return system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(microseconds(micros)));
}

std::string EncodeCursor(RowKey key) { return fmt::format("{}:{}", key.created_at, key.id); }

std::optional<RowKey> DecodeCursor(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  RowKey key;
  const char* end = text.data() + colon;
  auto [created_end, created_error] = std::from_chars(text.data(), end, key.created_at);
  if (created_error != std::errc() || created_end != end) return std::nullopt;
  const char* id_begin = text.data() + colon + 1;
  end = text.data() + text.size();
  auto [id_end, id_error] = std::from_chars(id_begin, end, key.id);
  if (id_error != std::errc() || id_end != end) return std::nullopt;
  return key;
}

}  // namespace herald::store_rows
