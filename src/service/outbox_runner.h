#ifndef HERALD_SERVICE_OUTBOX_RUNNER_H_
#define HERALD_SERVICE_OUTBOX_RUNNER_H_

#include <functional>

#include "herald/clock.h"
#include "herald/dispatcher.h"
#include "store/store.h"

namespace herald {

// The service's AsyncRunner: writes async deliveries to the durable outbox
// instead of sending them. SubmitAll returns once the deliveries are on
// disk, so POST /v1/events answers only after nothing it accepted can be
// lost. The delivery workers send them later.
//
// Thread-safe; the store does the synchronization.
class OutboxRunner final : public AsyncRunner {
 public:
  // `on_enqueued` runs after each successful write, to wake the workers.
  OutboxRunner(Store& store, Clock& clock, std::function<void()> on_enqueued)
      : store_(store), clock_(clock), on_enqueued_(std::move(on_enqueued)) {}

  Result<bool> Submit(AsyncDelivery delivery) override;
  Result<bool> SubmitAll(std::vector<AsyncDelivery> deliveries) override;

  // Nothing to wait for: a submitted delivery is already durable.
  void Drain() override {}

 private:
  Store& store_;
  Clock& clock_;
  std::function<void()> on_enqueued_;
};

}  // namespace herald

#endif  // HERALD_SERVICE_OUTBOX_RUNNER_H_
