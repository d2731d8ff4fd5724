#ifndef HERALD_SERVICE_OUTBOX_RUNNER_H_
#define HERALD_SERVICE_OUTBOX_RUNNER_H_

#include <chrono>
#include <cstddef>
#include <vector>

#include "herald/clock.h"
#include "herald/dispatcher.h"
#include "store/store.h"

namespace herald {

// The destination of what the outbox stored: the delivery workers' queue
// while it has room, which saves a claim, or else the store's due list.
class DeliveryHandoff {
 public:
  virtual ~DeliveryHandoff() = default;

  // Reserves room for `count` deliveries in the workers' queue. On true
  // the caller stores them leased for lease() and then calls Hand, or
  // Cancel when storing failed. On false it stores them due now and calls
  // NotifyStored.
  virtual bool TryReserve(std::size_t count) = 0;
  virtual void Hand(std::vector<DeliveryRecord> records) = 0;
  virtual void Cancel(std::size_t count) = 0;
  virtual void NotifyStored() = 0;
  virtual std::chrono::milliseconds lease() const = 0;
};

// The service's AsyncRunner: writes async deliveries to the durable outbox
// instead of sending them. SubmitAll returns once the deliveries are on
// disk, so POST /v1/events answers only after nothing it accepted can be
// lost. The delivery workers send them later.
//
// Thread-safe; the store and the handoff do the synchronization.
class OutboxRunner final : public AsyncRunner {
 public:
  // `handoff` must outlive this object.
  OutboxRunner(Store& store, Clock& clock, DeliveryHandoff& handoff)
      : store_(store), clock_(clock), handoff_(handoff) {}

  Result<bool> Submit(AsyncDelivery delivery) override;
  Result<bool> SubmitAll(std::vector<AsyncDelivery> deliveries) override;

  // Nothing to wait for: a submitted delivery is already durable.
  void Drain() override {}

 private:
  Store& store_;
  Clock& clock_;
  DeliveryHandoff& handoff_;
};

}  // namespace herald

#endif  // HERALD_SERVICE_OUTBOX_RUNNER_H_
