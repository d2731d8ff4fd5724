#include "service/outbox_runner.h"

namespace herald {

Result<bool> OutboxRunner::Submit(AsyncDelivery delivery) {
  std::vector<AsyncDelivery> one;
  one.push_back(std::move(delivery));
  return SubmitAll(std::move(one));
}

Result<bool> OutboxRunner::SubmitAll(std::vector<AsyncDelivery> deliveries) {
  const auto now = clock_.WallNow();
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
    row.next_attempt_at = now;
    rows.push_back(std::move(row));
  }

  Result<bool> stored = store_.Enqueue(std::move(rows));
  if (stored.ok() && on_enqueued_) on_enqueued_();
  return stored;
}

}  // namespace herald
