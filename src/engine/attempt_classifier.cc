#include "engine/attempt_classifier.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace herald {
namespace {

bool IsRetryableTransportError(TransportError error) {
  switch (error) {
    case TransportError::kResolveFailed:
    case TransportError::kConnectFailed:
    case TransportError::kTimeout:
    case TransportError::kSendFailed:
    case TransportError::kReceiveFailed:
      return true;
    case TransportError::kNone:
    case TransportError::kBodyTooLarge:
    case TransportError::kTlsFailed:
    case TransportError::kInvalidRequest:
    case TransportError::kEgressDenied:
      return false;
  }
  return false;
}

bool IsRetryableStatus(int status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

}  // namespace

bool IsEmptyOrJson(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return true;
  }
  // nlohmann::json rejects ill-formed UTF-8 inside strings, so accept()
  // checks both the grammar and the encoding.
  return nlohmann::json::accept(body);
}

Classification ClassifyAttempt(const HttpResponse& response, bool body_must_be_json) {
  if (response.error != TransportError::kNone) {
    std::string reason = std::string(TransportErrorName(response.error));
    if (!response.error_message.empty()) {
      reason = fmt::format("{}: {}", reason, response.error_message);
    }
    return {IsRetryableTransportError(response.error) ? Verdict::kRetryable : Verdict::kPermanent,
            std::move(reason)};
  }

  const int status = response.status;
  if (status >= 300 && status <= 399) {
    const auto location = response.FindHeader("Location");
    if (!location) {
      return {Verdict::kPermanent,
              fmt::format("HTTP {} without a Location header; redirects are not followed", status)};
    }
    return {Verdict::kPermanent,
            fmt::format("HTTP {}: redirect to {} is not followed", status, *location)};
  }
  if (status != 200) {
    const Verdict verdict = IsRetryableStatus(status) ? Verdict::kRetryable : Verdict::kPermanent;
    if (status >= 200 && status <= 299) {
      return {verdict, fmt::format("HTTP {}: only 200 counts as success", status)};
    }
    return {verdict, fmt::format("HTTP {}", status)};
  }

  if (body_must_be_json && !IsEmptyOrJson(response.body)) {
    return {Verdict::kPermanent,
            "HTTP 200 but the response body is not valid JSON, and it is used as "
            "the final response or by useDataFrom"};
  }
  return {Verdict::kSuccess, {}};
}

}  // namespace herald
