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

Result<DeliveryRecord> SyncDeliveryRow(const DeliveryRecord& delivery,
                                       const std::vector<AttemptRecord>& attempts) {
  if (delivery.status == DeliveryStatus::kPending) {
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("sync delivery {} is still pending; only finished ones are recorded",
                             delivery.delivery_id)};
  }
  for (const AttemptRecord& attempt : attempts) {
    if (!attempt.delivery_id.empty() && attempt.delivery_id != delivery.delivery_id) {
      return Error{ErrorCode::kInvalidArgument,
                   fmt::format("attempt {} names delivery {}, expected {}", attempt.number,
                               attempt.delivery_id, delivery.delivery_id)};
    }
  }

  DeliveryRecord row = delivery;
  row.body.clear();  // Callers pass delivery.body separately.
  row.redelivery_of.reset();
  if (!row.completed_at.has_value()) row.completed_at = row.updated_at;
  return row;
}

}  // namespace herald::store_rows
