#include "service/outbox_runner.h"

#include <utility>

namespace herald {

Result<bool> OutboxRunner::Submit(AsyncDelivery delivery) {
  std::vector<AsyncDelivery> one;
  one.push_back(std::move(delivery));
  return SubmitAll(std::move(one));
}

Result<bool> OutboxRunner::SubmitAll(std::vector<AsyncDelivery> deliveries) {
  const auto now = clock_.WallNow();
  // Deliveries handed straight to the workers are stored already leased,
  // as a claim would leave them, so no claim picks them up as well. If
  // herald stops before sending them, they are due when the lease ends.
  const bool handing = handoff_.TryReserve(deliveries.size());
  const auto due = handing ? now + handoff_.lease() : now;

  std::vector<NewDelivery> rows;
  rows.reserve(deliveries.size());
  for (AsyncDelivery& delivery : deliveries) {
    NewDelivery row;
    row.delivery_id = std::move(delivery.delivery_id);
    row.event = std::move(delivery.event);
    row.webhook = delivery.webhook->name;
    row.url = delivery.webhook->url;
    row.async = true;
    row.body = *delivery.payload;
    row.max_attempts = delivery.webhook->max_attempts;
    row.created_at = now;
    row.next_attempt_at = due;
    rows.push_back(std::move(row));
  }

  std::vector<DeliveryRecord> records;
  if (handing) {
    records.reserve(rows.size());
    for (const NewDelivery& row : rows) {
      DeliveryRecord record;
      record.delivery_id = row.delivery_id;
      record.event = row.event;
      record.webhook = row.webhook;
      record.url = row.url;
      record.body = row.body;
      record.body_size = row.body.size();
      record.max_attempts = row.max_attempts;
      record.created_at = now;
      record.next_attempt_at = due;
      record.updated_at = now;
      records.push_back(std::move(record));
    }
  }

  Result<bool> stored = store_.Enqueue(std::move(rows));
  if (!stored.ok()) {
    if (handing) handoff_.Cancel(records.size());
    return stored;
  }
  if (handing) {
    handoff_.Hand(std::move(records));
  } else {
    handoff_.NotifyStored();
  }
  return stored;
}

}  // namespace herald
