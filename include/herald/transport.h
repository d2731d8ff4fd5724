#ifndef HERALD_TRANSPORT_H_
#define HERALD_TRANSPORT_H_

// The HTTP transport that the engine sends webhook requests through.
//
// The engine depends only on the Transport interface, so tests substitute a
// fake. MakeCurlTransport() returns the production implementation, built on
// libcurl. Implementations must be safe to call from several threads at
// once; each call blocks until the attempt ends.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "herald/config.h"

namespace herald {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<Header> headers;
  // Sent byte for byte. The caller keeps it alive for the call.
  std::string_view body;
  // Bound on the whole attempt: connect, send, and read the last byte.
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // A response body longer than this ends the attempt with
  // TransportError::kBodyTooLarge, without reading further.
  std::size_t max_response_bytes = 1024 * 1024;

  // Checked on every address right before a connection to it opens, and
  // again before a reused connection sends this request. Null applies a
  // default EgressPolicy, whose built-in blocks still refuse link-local and
  // metadata addresses. The caller keeps it alive for the call.
  const EgressPolicy* egress = nullptr;

  // Null means TlsSettings{}: verify against the system CA store. The
  // caller keeps it alive for the call.
  const TlsSettings* tls = nullptr;

  // Entries of the form "HOST:PORT:ADDRESS" that pin what HOST resolves to,
  // as CURLOPT_RESOLVE takes them. For tests: the pins stay in the
  // transport's shared DNS cache after the call.
  std::vector<std::string> resolve_overrides;
};

// Reason an attempt produced no complete HTTP response.
enum class TransportError {
  kNone,
  kResolveFailed,   // The host name did not resolve.
  kConnectFailed,   // Connection refused, unreachable or reset on connect.
  kTimeout,         // HttpRequest::timeout ran out.
  kBodyTooLarge,    // The body exceeded max_response_bytes.
  kTlsFailed,       // Handshake or certificate verification failed.
  kSendFailed,      // The connection broke while sending.
  kReceiveFailed,   // The connection broke or the response was malformed.
  kInvalidRequest,  // The request itself could not be sent (bad URL, ...).
  kEgressDenied,    // The egress policy refused every address of the host.
};

// Returns a stable lower-case name such as "timeout", for logs and reports.
std::string_view TransportErrorName(TransportError error);

struct HttpResponse {
  TransportError error = TransportError::kNone;
  // Details from the transport when error != kNone; never contains
  // request headers, so it cannot leak a token.
  std::string error_message;
  // HTTP status; 0 when no status line was received.
  int status = 0;
  std::vector<Header> headers;
  std::string body;
  // From the start of the attempt to its end.
  std::chrono::microseconds latency{0};

  // Returns the first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> FindHeader(std::string_view name) const;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Performs one attempt and returns what happened. Never throws; never
  // follows redirects.
  virtual HttpResponse Send(const HttpRequest& request) = 0;
};

// Creates the libcurl transport. Connections are kept open and reused
// across calls and threads.
std::unique_ptr<Transport> MakeCurlTransport();

}  // namespace herald

#endif  // HERALD_TRANSPORT_H_
