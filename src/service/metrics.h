#ifndef HERALD_SERVICE_METRICS_H_
#define HERALD_SERVICE_METRICS_H_

// Counters, gauges and a latency histogram for `herald serve`, rendered in
// the Prometheus text exposition format (version 0.0.4).
//
// Debian 12 packages no Prometheus client library for C++, so the format
// is written here by hand; it is small: one HELP and TYPE line per family,
// then one sample per label set, with label values escaped.
//
// Thread-safe: every method may be called from any thread.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

struct OutboxStats;

class Metrics {
 public:
  // Upper bounds, in seconds, of the attempt latency histogram buckets.
  static constexpr std::array<double, 14> kLatencyBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  // One event handled by POST /v1/events; decision is "proceed", "abort"
  // or "unavailable".
  void CountEvent(std::string_view event, std::string_view decision);

  // One HTTP attempt; result is "success" or "failure".
  void ObserveAttempt(std::string_view event, std::string_view webhook, std::string_view result,
                      std::chrono::microseconds latency);

  // One retry scheduled after a failed attempt.
  void CountRetry(std::string_view event, std::string_view webhook);

  // One finished delivery; outcome is "succeeded" or "failed".
  void CountDelivery(std::string_view event, std::string_view webhook, std::string_view outcome);

  // One request to the HTTP API.
  void CountHttpRequest(std::string_view route, int status);

  // One SIGHUP reload; result is "success" or "failure".
  void CountReload(std::string_view result);

  // One sync delivery record dropped because the delivery log queue was full.
  void CountDeliveryLogDropped();

  // Renders every family. `outbox` adds the outbox gauges; pass nullopt
  // when the store could not be read, which sets herald_store_up to 0.
  std::string Render(const std::optional<OutboxStats>& outbox) const;

 private:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  struct Histogram {
    std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mutex_;
  // Keyed by the rendered label set, e.g. {event="a",webhook="b"}; all
  // guarded by mutex_.
  std::map<std::string, std::uint64_t> events_;
  std::map<std::string, std::uint64_t> attempts_;
  std::map<std::string, Histogram> attempt_latency_;
  std::map<std::string, std::uint64_t> retries_;
  std::map<std::string, std::uint64_t> deliveries_;
  std::map<std::string, std::uint64_t> http_requests_;
  std::map<std::string, std::uint64_t> reloads_;
  std::uint64_t delivery_log_dropped_ = 0;
};

// Formats labels as {name="value",...} with Prometheus escaping of
// backslash, double quote and line feed.
std::string FormatLabels(const std::vector<std::pair<std::string, std::string>>& labels);

}  // namespace herald

#endif  // HERALD_SERVICE_METRICS_H_
