#ifndef HERALD_SERVICE_RUNTIME_H_
#define HERALD_SERVICE_RUNTIME_H_

#include <memory>
#include <mutex>
#include <string>

#include "engine/deliverer.h"
#include "herald/config.h"
#include "herald/dispatcher.h"

namespace herald {

// Everything built from one loaded config: the dispatcher for sync calls
// and the deliverer the outbox workers use. Immutable once built.
struct Runtime {
  std::shared_ptr<const Config> config;
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<Deliverer> deliverer;

  // Returns the webhook named `webhook` of `event`, or nullptr when this
  // config no longer has it.
  const WebhookConfig* FindWebhook(std::string_view event, std::string_view webhook) const;
};

// Builds a Runtime from a config that loaded without errors. `options` are
// shared by every Runtime and must set transport, clock and random.
std::shared_ptr<const Runtime> BuildRuntime(std::shared_ptr<const Config> config,
                                            const DispatcherOptions& options);

// The current Runtime, swapped atomically on reload. A caller that took a
// snapshot keeps using it until it lets go, so calls in flight finish on
// the config they started with.
//
// A mutex rather than std::atomic<std::shared_ptr>: the copy under the
// lock costs tens of nanoseconds, and libstdc++ 12's atomic shared_ptr is
// new enough that a plain mutex is the safer choice.
class RuntimeHolder {
 public:
  std::shared_ptr<const Runtime> Current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void Replace(std::shared_ptr<const Runtime> runtime) {
    std::lock_guard lock(mutex_);
    current_.swap(runtime);
    // The old runtime, now in `runtime`, is released after the lock.
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Runtime> current_;  // Guarded by mutex_.
};

}  // namespace herald

#endif  // HERALD_SERVICE_RUNTIME_H_
