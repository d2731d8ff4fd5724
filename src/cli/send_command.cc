#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <istream>
#include <iterator>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "engine/outcome_json.h"
#include "herald/config.h"
#include "herald/dispatcher.h"

namespace herald::cli {
namespace {

// Keeps the results of async deliveries, which finish after Invoke returns.
class AsyncResultCollector final : public DeliveryObserver {
 public:
  void OnAttempt(const DeliveryContext& /*context*/, const Attempt& /*attempt*/) override {}
  void OnFinished(const DeliveryContext& context, const WebhookResult& result) override {
    if (!context.async) return;
    std::lock_guard lock(mutex_);
    results_.push_back(result);
  }
  std::vector<WebhookResult> results() {
    std::lock_guard lock(mutex_);
    return results_;
  }

 private:
  std::mutex mutex_;
  std::vector<WebhookResult> results_;
};

std::optional<std::string> ReadPayload(const std::string& path, std::istream& in,
                                       std::ostream& err) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    fmt::print(err, "herald: cannot read payload file {}: {}\n", path, std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  return std::move(contents).str();
}

void ExplainFailures(const Outcome& outcome, std::ostream& err) {
  if (outcome.failure.empty()) return;
  if (outcome.decision == Decision::kAbort) {
    fmt::print(err, "herald: abort: {}: {}\n", outcome.event, outcome.failure);
  } else {
    fmt::print(err, "herald: {} ({} event, outcome unchanged): {}\n", outcome.event,
               PolicyName(outcome.policy), outcome.failure);
  }
  for (const WebhookResult& result : outcome.webhooks) {
    if (result.state != WebhookState::kFailed) continue;
    for (const Attempt& attempt : result.attempts) {
      fmt::print(err, "herald:   {} attempt {}: {} ({:.1f} ms)\n", result.name, attempt.number,
                 attempt.error.empty() ? "ok" : attempt.error,
                 static_cast<double>(attempt.latency.count()) / 1000.0);
    }
  }
}

void ExplainAsyncFailures(const std::vector<WebhookResult>& results, std::ostream& err) {
  for (const WebhookResult& result : results) {
    if (result.state == WebhookState::kSucceeded) continue;
    fmt::print(err,
               "herald: async webhook \"{}\" ({}) failed: {} (delivery {}; the outcome is "
               "unchanged)\n",
               result.name, result.url, result.error, result.delivery_id);
  }
}

}  // namespace

int RunSend(const SendOptions& options, std::istream& in, std::ostream& out, std::ostream& err) {
  const LoadResult loaded = LoadConfigFile(options.config_path);
  if (!loaded.ok()) {
    PrintDiagnostics(loaded, err);
    return kExitUsage;
  }
  const std::optional<std::string> payload = ReadPayload(options.payload_path, in, err);
  if (!payload) return kExitUsage;

  AsyncResultCollector collector;
  DispatcherOptions dispatcher_options;
  dispatcher_options.observer = &collector;
  auto dispatcher = Dispatcher::Create(loaded.config, std::move(dispatcher_options));

  Result<Outcome> outcome = dispatcher->Invoke(options.event, *payload);
  if (!outcome.ok()) {
    fmt::print(err, "herald: {}\n", outcome.error().message);
    return kExitUsage;
  }
  ExplainFailures(outcome.value(), err);

  // Async deliveries outlive Invoke; wait so none is cut off at exit.
  dispatcher->Drain();
  const std::vector<WebhookResult> async_results = collector.results();
  ExplainAsyncFailures(async_results, err);

  if (options.json_report) {
    nlohmann::json report = OutcomeToJson(outcome.value());
    // Replace the queued placeholders with the finished async results.
    for (auto& webhook : report["webhooks"]) {
      for (const WebhookResult& result : async_results) {
        if (webhook.value("delivery_id", "") == result.delivery_id) {
          webhook = WebhookResultToJson(result);
        }
      }
    }
    out << report.dump(2) << '\n';
  } else if (outcome->final_response) {
    out << *outcome->final_response;
  }
  out.flush();

  return outcome->decision == Decision::kAbort ? kExitAbort : kExitOk;
}

}  // namespace herald::cli
