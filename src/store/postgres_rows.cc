#include "store/postgres_rows.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>

namespace herald::pg_rows {

using std::chrono::microseconds;
using std::chrono::system_clock;

DeliveryRecord ReadDelivery(const pg::Rows& rows, int row, bool with_body, std::int64_t* row_id) {
  DeliveryRecord record;
  if (row_id != nullptr) *row_id = rows.Int64(row, 0);
  record.delivery_id = rows.String(row, 1);
  record.event = rows.String(row, 2);
  record.webhook = rows.String(row, 3);
  record.url = rows.String(row, 4);
  record.async = rows.Bool(row, 5);
  // The CHECK constraint admits only the three names.
  record.status = ParseDeliveryStatus(rows.String(row, 6)).value_or(DeliveryStatus::kPending);
  record.max_attempts = static_cast<int>(rows.Int64(row, 7));
  record.attempts = static_cast<int>(rows.Int64(row, 8));
  record.last_status = static_cast<int>(rows.Int64(row, 9));
  record.last_error = rows.String(row, 10);
  record.created_at = FromMicros(rows.Int64(row, 11));
  record.next_attempt_at = FromMicros(rows.Int64(row, 12));
  record.updated_at = FromMicros(rows.Int64(row, 13));
  if (!rows.IsNull(row, 14)) record.completed_at = FromMicros(rows.Int64(row, 14));
  if (!rows.IsNull(row, 15)) record.redelivery_of = rows.String(row, 15);
  record.body_size = static_cast<std::size_t>(rows.Int64(row, 16));
  if (with_body) record.body = rows.String(row, kBodyColumn);
  return record;
}

AttemptRecord ReadAttempt(const pg::Rows& rows, int row, std::string delivery_id) {
  AttemptRecord attempt;
  attempt.delivery_id = std::move(delivery_id);
  attempt.number = static_cast<int>(rows.Int64(row, 0));
  attempt.started_at = FromMicros(rows.Int64(row, 1));
  attempt.latency = microseconds(rows.Int64(row, 2));
  attempt.status = static_cast<int>(rows.Int64(row, 3));
  attempt.error = rows.String(row, 4);
  attempt.response_body = rows.String(row, 5);
  return attempt;
}

std::string ValidUtf8(std::string_view text) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string valid;
  valid.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if (lead >= 0x01 && lead <= 0x7F) {
      length = 1;
      code_point = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code_point = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code_point = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code_point = lead & 0x07u;
    }
    bool ok = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; ok && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      ok = (next & 0xC0) == 0x80;
      code_point = (code_point << 6) | (next & 0x3Fu);
    }
    // Overlong forms, surrogates and values above U+10FFFF are invalid.
    if (ok && length == 3 &&
        (code_point < 0x800 || (code_point >= 0xD800 && code_point <= 0xDFFF))) {
      ok = false;
    }
    if (ok && length == 4 && (code_point < 0x10000 || code_point > 0x10FFFF)) ok = false;
    if (ok) {
      valid.append(text.substr(i, length));
      i += length;
    } else {
      valid.append(kReplacement);
      ++i;
    }
  }
  return valid;
}

}  // namespace herald::pg_rows
