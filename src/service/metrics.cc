#include "service/metrics.h"

#include <fmt/format.h>

#include "store/store.h"

namespace herald {
namespace {

void AppendEscaped(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void AppendHeader(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void AppendCounterFamily(std::string& out, std::string_view name, std::string_view help,
                         const std::map<std::string, std::uint64_t>& samples) {
  AppendHeader(out, name, "counter", help);
  for (const auto& [labels, value] : samples) {
    fmt::format_to(std::back_inserter(out), "{}{} {}\n", name, labels, value);
  }
}

// Formats a double the way Prometheus expects: no exponent for the small
// bucket bounds, and "+Inf" for infinity.
std::string FormatBound(double bound) { return fmt::format("{}", bound); }

}  // namespace

std::string FormatLabels(const std::vector<std::pair<std::string, std::string>>& labels) {
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first;
    out += "=\"";
    AppendEscaped(out, labels[i].second);
    out += '"';
  }
  out += '}';
  return out;
}

void Metrics::CountEvent(std::string_view event, std::string_view decision) {
  const std::string key =
      FormatLabels({{"event", std::string(event)}, {"decision", std::string(decision)}});
  std::lock_guard lock(mutex_);
  ++events_[key];
}

void Metrics::ObserveAttempt(std::string_view event, std::string_view webhook,
                             std::string_view result, std::chrono::microseconds latency) {
  const std::string pair_key =
      FormatLabels({{"event", std::string(event)}, {"webhook", std::string(webhook)}});
  const std::string result_key = FormatLabels({{"event", std::string(event)},
                                               {"webhook", std::string(webhook)},
                                               {"result", std::string(result)}});
  const double seconds = static_cast<double>(latency.count()) / 1e6;
  std::lock_guard lock(mutex_);
  ++attempts_[result_key];
  Histogram& histogram = attempt_latency_[pair_key];
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
}

void Metrics::CountRetry(std::string_view event, std::string_view webhook) {
  const std::string key =
      FormatLabels({{"event", std::string(event)}, {"webhook", std::string(webhook)}});
  std::lock_guard lock(mutex_);
  ++retries_[key];
}

void Metrics::CountDelivery(std::string_view event, std::string_view webhook,
                            std::string_view outcome) {
  const std::string key = FormatLabels({{"event", std::string(event)},
                                        {"webhook", std::string(webhook)},
                                        {"outcome", std::string(outcome)}});
  std::lock_guard lock(mutex_);
  ++deliveries_[key];
}

void Metrics::CountHttpRequest(std::string_view route, int status) {
  const std::string key =
      FormatLabels({{"route", std::string(route)}, {"code", std::to_string(status)}});
  std::lock_guard lock(mutex_);
  ++http_requests_[key];
}

void Metrics::CountReload(std::string_view result) {
  const std::string key = FormatLabels({{"result", std::string(result)}});
  std::lock_guard lock(mutex_);
  ++reloads_[key];
}

void Metrics::CountDeliveryLogDropped() {
  std::lock_guard lock(mutex_);
  ++delivery_log_dropped_;
}

std::string Metrics::Render(const std::optional<OutboxStats>& outbox) const {
  std::string out;
  out.reserve(8192);
  std::lock_guard lock(mutex_);

  AppendCounterFamily(out, "herald_events_total",
                      "Events received by POST /v1/events, by decision.", events_);
  AppendCounterFamily(out, "herald_deliveries_total",
                      "Finished deliveries by event, webhook and outcome.", deliveries_);
  AppendCounterFamily(out, "herald_attempts_total", "HTTP attempts by event, webhook and result.",
                      attempts_);
  AppendCounterFamily(out, "herald_retries_total", "Retries scheduled after a failed attempt.",
                      retries_);

  AppendHeader(out, "herald_attempt_duration_seconds", "histogram",
               "Latency of one HTTP attempt, connect to last response byte.");
  for (const auto& [labels, histogram] : attempt_latency_) {
    // Drop the closing brace so the le label can be appended.
    const std::string open = labels.substr(0, labels.size() - 1);
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      fmt::format_to(std::back_inserter(out),
                     "herald_attempt_duration_seconds_bucket{},le=\"{}\"}} {}\n", open,
                     FormatBound(kLatencyBuckets[i]), histogram.buckets[i]);
    }
    fmt::format_to(std::back_inserter(out),
                   "herald_attempt_duration_seconds_bucket{},le=\"+Inf\"}} {}\n"
                   "herald_attempt_duration_seconds_sum{} {}\n"
                   "herald_attempt_duration_seconds_count{} {}\n",
                   open, histogram.count, labels, histogram.sum, labels, histogram.count);
  }

  AppendCounterFamily(out, "herald_http_requests_total",
                      "Requests to the HTTP API by route and status code.", http_requests_);
  AppendCounterFamily(out, "herald_config_reloads_total", "Config reloads by result.", reloads_);
  AppendHeader(out, "herald_delivery_log_dropped_total", "counter",
               "Sync delivery records not logged because the log queue was full.");
  fmt::format_to(std::back_inserter(out), "herald_delivery_log_dropped_total {}\n",
                 delivery_log_dropped_);

  AppendHeader(out, "herald_store_up", "gauge", "1 when the store answered the last scrape.");
  fmt::format_to(std::back_inserter(out), "herald_store_up {}\n", outbox ? 1 : 0);
  if (outbox) {
    AppendHeader(out, "herald_outbox_pending", "gauge", "Async deliveries waiting in the outbox.");
    fmt::format_to(std::back_inserter(out), "herald_outbox_pending {}\n", outbox->pending);
    AppendHeader(out, "herald_outbox_due", "gauge", "Pending deliveries whose attempt is due.");
    fmt::format_to(std::back_inserter(out), "herald_outbox_due {}\n", outbox->due);
    AppendHeader(out, "herald_outbox_oldest_pending_age_seconds", "gauge",
                 "Age of the oldest pending delivery; 0 when none is pending.");
    fmt::format_to(std::back_inserter(out), "herald_outbox_oldest_pending_age_seconds {}\n",
                   static_cast<double>(outbox->oldest_pending_age.count()) / 1e6);
  }
  return out;
}

}  // namespace herald
