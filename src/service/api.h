#ifndef HERALD_SERVICE_API_H_
#define HERALD_SERVICE_API_H_

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include <httplib.h>

#include "herald/clock.h"
#include "service/metrics.h"
#include "service/runtime.h"
#include "store/store.h"

namespace herald {

// The HTTP status codes of POST /v1/events, one per meaning, so a caller
// can act on the status alone.
inline constexpr int kStatusProceed = 200;      // Every sync webhook succeeded.
inline constexpr int kStatusAbort = 422;        // A gate webhook vetoed.
inline constexpr int kStatusBadRequest = 400;   // Invalid input; nothing stored.
inline constexpr int kStatusUnavailable = 503;  // herald could not do its part.

struct ApiOptions {
  std::optional<std::string> api_token;
  std::size_t max_request_bytes = 1024 * 1024;
};

// The routes of the HTTP API, installed on a cpp-httplib server.
// Thread-safe: handlers run on the server's threads at once.
class Api {
 public:
  Api(ApiOptions options, const RuntimeHolder& runtime, Store& store, Metrics& metrics,
      Clock& clock, Random& random, std::function<void()> on_enqueued)
      : options_(std::move(options)),
        runtime_(runtime),
        store_(store),
        metrics_(metrics),
        clock_(clock),
        random_(random),
        on_enqueued_(std::move(on_enqueued)) {}

  // Adds every route, the token check and the JSON error bodies.
  void Install(httplib::Server& server);

  // Makes POST /v1/events and /readyz return 503 from now on.
  void BeginShutdown() { shutting_down_.store(true); }

 private:
  void PostEvent(const httplib::Request& request, httplib::Response& response);
  void ListDeliveries(const httplib::Request& request, httplib::Response& response);
  void GetDelivery(const httplib::Request& request, httplib::Response& response);
  void Redeliver(const httplib::Request& request, httplib::Response& response);
  void Ready(const httplib::Request& request, httplib::Response& response);
  void RenderMetrics(const httplib::Request& request, httplib::Response& response);
  bool Authorized(const httplib::Request& request) const;

  const ApiOptions options_;
  const RuntimeHolder& runtime_;
  Store& store_;
  Metrics& metrics_;
  Clock& clock_;
  Random& random_;
  std::function<void()> on_enqueued_;
  std::atomic<bool> shutting_down_{false};
};

// Writes {"code": code, "message": message} with `status`.
void SetJsonError(httplib::Response& response, int status, std::string_view code,
                  std::string_view message);

}  // namespace herald

#endif  // HERALD_SERVICE_API_H_
