#include "service/api.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

#include "engine/delivery_id.h"
#include "engine/outcome_json.h"
#include "service/delivery_json.h"

namespace herald {
namespace {

using nlohmann::json;

constexpr char kJsonType[] = "application/json";

void SetJson(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", kJsonType);
}

bool IsJsonContentType(const std::string& value) {
  // Accepts parameters such as "; charset=utf-8"; media types are
  // case-insensitive.
  const std::string_view media = std::string_view(value).substr(0, value.find(';'));
  std::string lowered;
  for (const char c : media) {
    if (c != ' ' && c != '\t')
      lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lowered == kJsonType;
}

// Returns the code of a vetoed event's body: the failing webhook's HTTP
// status, or a herald error code when the failure had no usable status.
std::string AbortCode(const Outcome& outcome) {
  if (outcome.deadline_exceeded) return "deadline_exceeded";
  for (const WebhookResult& result : outcome.webhooks) {
    if (result.async || result.state != WebhookState::kFailed || result.attempts.empty()) continue;
    const Attempt& last = result.attempts.back();
    if (last.transport_error != TransportError::kNone) {
      return std::string(TransportErrorName(last.transport_error));
    }
    // ClassifyAttempt fails a 200 only when its body had to be JSON and
    // was not.
    if (last.status == 200) return "invalid_response";
    return std::to_string(last.status);
  }
  return "aborted";
}

// Returns the version_endpoint for a 200 response: the final response's
// when it has one, otherwise the request's, otherwise null.
// Takes the member out of `request` rather than copying it.
json TakeResponseVersionEndpoint(const Outcome& outcome, json& request) {
  if (outcome.final_response) {
    json final_response = json::parse(*outcome.final_response, nullptr, false);
    if (final_response.is_object()) {
      const auto member = final_response.find("version_endpoint");
      if (member != final_response.end()) return std::move(*member);
    }
  }
  const auto member = request.find("version_endpoint");
  return member != request.end() ? std::move(*member) : json(nullptr);
}

// Latest accepted time, in Unix seconds (year 2255): system_clock counts
// nanoseconds in 64 bits and overflows in 2262.
constexpr double kMaxUnixSeconds = 9e9;

std::optional<std::chrono::system_clock::time_point> FromUnixSeconds(double seconds) {
  if (!(seconds >= 0 && seconds <= kMaxUnixSeconds)) return std::nullopt;
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(seconds)));
}

// Parses RFC 3339 UTC ("2026-12-04T10:00:00Z", optional fraction) or Unix
// seconds, from 1970 to 2255. Returns nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> ParseTime(const std::string& text) {
  double seconds = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error == std::errc() && end == text.data() + text.size()) {
    return FromUnixSeconds(seconds);
  }
  std::tm parts{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  if (rest == nullptr) return std::nullopt;
  double fraction = 0;
  if (*rest == '.') {
    char* fraction_end = nullptr;
    fraction = std::strtod(rest, &fraction_end);  // Reads ".123" and stops at "Z".
    rest = fraction_end;
  }
  if (std::string_view(rest) != "Z") return std::nullopt;
  return FromUnixSeconds(static_cast<double>(timegm(&parts)) + fraction);
}

}  // namespace

void SetJsonError(httplib::Response& response, int status, std::string_view code,
                  std::string_view message) {
  SetJson(response, status, json{{"code", code}, {"message", message}});
}

bool Api::Authorized(const httplib::Request& request) const {
  if (!options_.api_token) return true;
  const std::string& given = request.get_header_value("Authorization");
  // The scheme name is case-insensitive (RFC 9110, section 11.1).
  constexpr std::string_view kScheme = "bearer ";
  if (given.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(given[i])) != kScheme[i]) return false;
  }
  const std::string_view token = std::string_view(given).substr(kScheme.size());
  const std::string& expected = *options_.api_token;
  // Constant-time comparison, so response timing does not reveal a prefix.
  return token.size() == expected.size() &&
         CRYPTO_memcmp(token.data(), expected.data(), token.size()) == 0;
}

void Api::Install(httplib::Server& server) {
  server.set_payload_max_length(options_.max_request_bytes);
  server.set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        if (Authorized(request)) return httplib::Server::HandlerResponse::Unhandled;
        response.set_header("WWW-Authenticate", "Bearer");
        SetJsonError(response, 401, "unauthorized",
                     "missing or invalid API token; send \"Authorization: Bearer <token>\"");
        metrics_.CountHttpRequest("unauthorized", 401);
        return httplib::Server::HandlerResponse::Handled;
      });
  server.set_error_handler([this](const httplib::Request& /*request*/,
                                  httplib::Response& response) {
    if (!response.body.empty()) return;
    if (response.status == 413) {
      SetJsonError(response, 413, "payload_too_large",
                   fmt::format("the request body exceeds {} bytes", options_.max_request_bytes));
    } else if (response.status == 404) {
      SetJsonError(response, 404, "not_found", "no such route; see docs/api.md");
    } else if (response.status == 400) {
      SetJsonError(response, 400, "bad_request",
                   "the request could not be read as HTTP/1.1; a POST needs a body or "
                   "\"Content-Length: 0\" (curl: -d '')");
    } else {
      SetJsonError(response, response.status, std::to_string(response.status),
                   fmt::format("the request failed with HTTP {}", response.status));
    }
    metrics_.CountHttpRequest("other", response.status);
  });

  using Handler = void (Api::*)(const httplib::Request&, httplib::Response&);
  const auto bind = [this](Handler handler) {
    return [this, handler](const httplib::Request& request, httplib::Response& response) {
      (this->*handler)(request, response);
    };
  };
  server.Post("/v1/events", bind(&Api::PostEvent));
  server.Get("/v1/deliveries", bind(&Api::ListDeliveries));
  server.Get(R"(/v1/deliveries/([^/]+))", bind(&Api::GetDelivery));
  server.Post(R"(/v1/deliveries/([^/]+)/redeliver)", bind(&Api::Redeliver));
  server.Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
    metrics_.CountHttpRequest("/healthz", 200);
  });
  server.Get("/readyz", bind(&Api::Ready));
  server.Get("/metrics", bind(&Api::RenderMetrics));
}

void Api::PostEvent(const httplib::Request& request, httplib::Response& response) {
  const auto reject = [&](int status, std::string_view code, std::string_view message) {
    SetJsonError(response, status, code, message);
    metrics_.CountHttpRequest("/v1/events", status);
  };
  if (shutting_down_.load()) {
    return reject(kStatusUnavailable, "shutting_down", "herald is shutting down; retry later");
  }
  if (!IsJsonContentType(request.get_header_value("Content-Type"))) {
    return reject(415, "unsupported_media_type", "Content-Type must be application/json");
  }

  // In a profile of herald serve, nlohmann::json 3.11 spent several times
  // more parsing through std::string's iterators than a pointer range.
  const char* body = request.body.data();
  json envelope = json::parse(body, body + request.body.size(), nullptr, false);
  if (envelope.is_discarded()) {
    return reject(kStatusBadRequest, "invalid_json", "the request body is not valid JSON");
  }
  if (!envelope.is_object()) {
    return reject(kStatusBadRequest, "invalid_payload", "the request body must be a JSON object");
  }
  const auto event_type = envelope.find("event_type");
  if (event_type == envelope.end() || !event_type->is_string()) {
    return reject(kStatusBadRequest, "missing_event_type",
                  "the request body needs a string member \"event_type\"");
  }

  const std::shared_ptr<const Runtime> runtime = runtime_.Current();
  const std::string& event = event_type->get_ref<const std::string&>();
  if (runtime->config->catalog.Find(event) == nullptr) {
    return reject(kStatusBadRequest, "unknown_event",
                  runtime->config->catalog.UnknownEventMessage(event));
  }
  // The envelope was parsed and its event_type checked above, so the
  // dispatcher need not parse it again.
  Result<Outcome> outcome = runtime->dispatcher->InvokeChecked(event, request.body);
  if (!outcome.ok()) {
    return reject(kStatusBadRequest, "invalid_payload", outcome.error().message);
  }

  if (!outcome->async_failure.empty()) {
    metrics_.CountEvent(outcome->event, "unavailable");
    return reject(kStatusUnavailable, "unavailable",
                  "async deliveries could not be stored: " + outcome->async_failure);
  }
  response.set_header("X-Herald-Decision", std::string(DecisionName(outcome->decision)));
  metrics_.CountEvent(outcome->event, DecisionName(outcome->decision));
  if (outcome->decision == Decision::kAbort) {
    spdlog::info("event aborted: event={} reason=\"{}\"", outcome->event, outcome->failure);
    return reject(kStatusAbort, AbortCode(outcome.value()), outcome->failure);
  }
  json answer = json::object();
  answer["code"] = "200";
  answer["version_endpoint"] = TakeResponseVersionEndpoint(outcome.value(), envelope);
  SetJson(response, kStatusProceed, answer);
  metrics_.CountHttpRequest("/v1/events", kStatusProceed);
}

void Api::ListDeliveries(const httplib::Request& request, httplib::Response& response) {
  const auto reject = [&](std::string_view message) {
    SetJsonError(response, kStatusBadRequest, "invalid_query", message);
    metrics_.CountHttpRequest("/v1/deliveries", kStatusBadRequest);
  };
  // A misspelt filter would otherwise match everything without a word.
  static constexpr std::array<std::string_view, 7> kKnown = {
      "event", "webhook", "status", "created_after", "created_before", "limit", "cursor"};
  for (const auto& [name, value] : request.params) {
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) {
      return reject(
          fmt::format("unknown query parameter \"{}\"; the filters are event, webhook, status, "
                      "created_after, created_before, limit and cursor",
                      name));
    }
  }
  DeliveryFilter filter;
  if (request.has_param("event")) filter.event = request.get_param_value("event");
  if (request.has_param("webhook")) filter.webhook = request.get_param_value("webhook");
  if (request.has_param("status")) {
    filter.status = ParseDeliveryStatus(request.get_param_value("status"));
    if (!filter.status) return reject("status must be pending, succeeded or failed");
  }
  for (const auto& [name, bound] : {std::pair{"created_after", &filter.created_after},
                                    std::pair{"created_before", &filter.created_before}}) {
    if (!request.has_param(name)) continue;
    *bound = ParseTime(request.get_param_value(name));
    if (!*bound) {
      return reject(
          fmt::format("{} must be RFC 3339 UTC, such as 2026-12-04T10:00:00Z, or Unix "
                      "seconds",
                      name));
    }
  }
  if (request.has_param("limit")) {
    const std::string text = request.get_param_value("limit");
    std::size_t limit = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (error != std::errc() || end != text.data() + text.size() || limit == 0) {
      return reject(fmt::format("limit must be an integer from 1 to {}", kMaxListLimit));
    }
    filter.limit = limit;
  }
  if (request.has_param("cursor")) filter.cursor = request.get_param_value("cursor");

  Result<DeliveryPage> page = store_.ListDeliveries(filter);
  if (!page.ok()) {
    const bool bad_cursor = page.error().code == ErrorCode::kInvalidArgument;
    SetJsonError(response, bad_cursor ? kStatusBadRequest : kStatusUnavailable,
                 bad_cursor ? "invalid_query" : "unavailable", page.error().message);
    metrics_.CountHttpRequest("/v1/deliveries", response.status);
    return;
  }
  json deliveries = json::array();
  for (const DeliveryRecord& record : page->deliveries) {
    deliveries.push_back(DeliveryToJson(record));
  }
  SetJson(
      response, 200,
      json{{"deliveries", std::move(deliveries)},
           {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}});
  metrics_.CountHttpRequest("/v1/deliveries", 200);
}

void Api::GetDelivery(const httplib::Request& request, httplib::Response& response) {
  const std::string id = request.matches[1];
  Result<std::optional<DeliveryDetail>> detail = store_.GetDelivery(id);
  if (!detail.ok()) {
    SetJsonError(response, kStatusUnavailable, "unavailable", detail.error().message);
  } else if (!detail.value()) {
    SetJsonError(response, 404, "not_found", fmt::format("no delivery with id \"{}\"", id));
  } else {
    SetJson(response, 200, DeliveryDetailToJson(**detail));
  }
  metrics_.CountHttpRequest("/v1/deliveries/{id}", response.status);
}

void Api::Redeliver(const httplib::Request& request, httplib::Response& response) {
  const std::string id = request.matches[1];
  // Sync deliveries keep no body in the log, and re-running one call of a
  // chain out of order would not mean what the chain means.
  Result<std::optional<DeliveryDetail>> original = store_.GetDelivery(id);
  if (original.ok() && original.value() && !(*original)->delivery.async) {
    SetJsonError(response, 409, "not_redeliverable",
                 fmt::format("delivery \"{}\" is a sync call of an event's chain; post the "
                             "event to /v1/events again instead",
                             id));
    metrics_.CountHttpRequest("/v1/deliveries/{id}/redeliver", 409);
    return;
  }
  const auto now = clock_.WallNow();
  Result<std::optional<DeliveryRecord>> created =
      store_.Redeliver(id, NewDeliveryId(now, random_), now);
  if (!created.ok()) {
    SetJsonError(response, kStatusUnavailable, "unavailable", created.error().message);
  } else if (!created.value()) {
    SetJsonError(response, 404, "not_found", fmt::format("no delivery with id \"{}\"", id));
  } else {
    spdlog::info("redelivery queued: delivery_id={} redelivery_of={} event={} webhook={}",
                 (*created)->delivery_id, id, (*created)->event, (*created)->webhook);
    if (on_enqueued_) on_enqueued_();
    SetJson(response, 202, DeliveryToJson(**created));
  }
  metrics_.CountHttpRequest("/v1/deliveries/{id}/redeliver", response.status);
}

void Api::Ready(const httplib::Request& /*request*/, httplib::Response& response) {
  if (shutting_down_.load()) {
    SetJsonError(response, kStatusUnavailable, "shutting_down", "herald is shutting down");
  } else if (Result<OutboxStats> stats = store_.Stats(clock_.WallNow()); !stats.ok()) {
    SetJsonError(response, kStatusUnavailable, "store_unavailable", stats.error().message);
  } else {
    response.set_content("ready\n", "text/plain");
  }
  metrics_.CountHttpRequest("/readyz", response.status);
}

void Api::RenderMetrics(const httplib::Request& /*request*/, httplib::Response& response) {
  Result<OutboxStats> stats = store_.Stats(clock_.WallNow());
  response.set_content(metrics_.Render(stats.ok() ? std::optional(stats.value()) : std::nullopt),
                       "text/plain; version=0.0.4; charset=utf-8");
  metrics_.CountHttpRequest("/metrics", 200);
}

}  // namespace herald
