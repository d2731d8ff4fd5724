#include "herald/transport.h"

#include <algorithm>
#include <cctype>

namespace herald {
namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

std::string_view TransportErrorName(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return "none";
    case TransportError::kResolveFailed:
      return "resolve_failed";
    case TransportError::kConnectFailed:
      return "connect_failed";
    case TransportError::kTimeout:
      return "timeout";
    case TransportError::kBodyTooLarge:
      return "body_too_large";
    case TransportError::kTlsFailed:
      return "tls_failed";
    case TransportError::kSendFailed:
      return "send_failed";
    case TransportError::kReceiveFailed:
      return "receive_failed";
    case TransportError::kInvalidRequest:
      return "invalid_request";
    case TransportError::kEgressDenied:
      return "egress_denied";
  }
  return "unknown";
}

std::optional<std::string_view> HttpResponse::FindHeader(std::string_view name) const {
  for (const Header& header : headers) {
    if (EqualsIgnoringCase(header.name, name)) return header.value;
  }
  return std::nullopt;
}

}  // namespace herald
