#include "service/delivery_json.h"

#include "engine/outcome_json.h"

namespace herald {

using nlohmann::json;

json DeliveryToJson(const DeliveryRecord& record) {
  json out = {
      {"delivery_id", record.delivery_id},
      {"event", record.event},
      {"webhook", record.webhook},
      {"url", record.url},
      {"async", record.async},
      {"status", DeliveryStatusName(record.status)},
      {"attempt_count", record.attempts},
      {"max_attempts", record.max_attempts},
      {"last_status", record.last_status},
      {"created_at", FormatTimestamp(record.created_at)},
      {"updated_at", FormatTimestamp(record.updated_at)},
      {"body_size", record.body_size},
  };
  if (!record.last_error.empty()) out["last_error"] = record.last_error;
  if (record.status == DeliveryStatus::kPending) {
    out["next_attempt_at"] = FormatTimestamp(record.next_attempt_at);
  }
  if (record.completed_at) out["completed_at"] = FormatTimestamp(*record.completed_at);
  if (record.redelivery_of) out["redelivery_of"] = *record.redelivery_of;
  return out;
}

json DeliveryDetailToJson(const DeliveryDetail& detail) {
  json out = DeliveryToJson(detail.delivery);
  const json payload = json::parse(detail.delivery.body, nullptr, false);
  out["payload"] = payload.is_discarded() ? json(detail.delivery.body) : payload;

  json attempts = json::array();
  for (const AttemptRecord& attempt : detail.attempts) {
    json entry = {
        {"number", attempt.number},
        {"started_at", FormatTimestamp(attempt.started_at)},
        {"latency_ms", static_cast<double>(attempt.latency.count()) / 1000.0},
        {"status", attempt.status},
        {"response_body", attempt.response_body},
    };
    if (!attempt.error.empty()) entry["error"] = attempt.error;
    attempts.push_back(std::move(entry));
  }
  out["attempts"] = std::move(attempts);
  return out;
}

}  // namespace herald
