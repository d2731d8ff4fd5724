#ifndef HERALD_TRANSPORT_CURL_EGRESS_H_
#define HERALD_TRANSPORT_CURL_EGRESS_H_

// Enforces the egress policy inside libcurl, on the addresses it actually
// connects to.
//
// CURLOPT_OPENSOCKETFUNCTION runs right before each connect(), with the
// address libcurl resolved, for every address it tries (each address of a
// host and each family of a happy-eyeballs race). Checking there leaves no
// second, unchecked DNS lookup between the check and the connect, so a DNS
// answer that changes between lookups (rebinding) cannot slip through.
// CURLOPT_PREREQFUNCTION runs before each request, also on a reused
// connection, so a connection opened under an older policy is checked
// against the current one before it carries a request.

#include <curl/curl.h>

#include <cstddef>
#include <string>

#include "herald/egress_policy.h"

namespace herald {

// The egress state of one transfer. Not shared between threads.
struct EgressCheck {
  const EgressPolicy* policy = nullptr;
  // The host of the request URL, without brackets; "" when the URL has none.
  std::string url_host;

  // The reason of the first refusal; empty while nothing was refused.
  std::string refusal;
  std::size_t refused_addresses = 0;
  std::size_t opened_sockets = 0;
  // Set when CheckReusedConnection() aborted the transfer.
  bool refused_before_request = false;

  // Returns whether the policy caused the transfer to fail with `code`:
  // it refused every address tried, or the connection before the request.
  bool CausedFailure(CURLcode code) const;
};

// Returns the host of `url` as libcurl parses it, without IPv6 brackets, or
// "" when libcurl cannot parse the URL.
std::string UrlHost(const std::string& url);

// The CURLOPT_OPENSOCKETFUNCTION callback. `user` is the transfer's
// EgressCheck. Opens the socket only when the policy allows the address.
curl_socket_t OpenCheckedSocket(void* user, curlsocktype purpose, curl_sockaddr* address);

// The CURLOPT_PREREQFUNCTION callback. `user` is the transfer's
// EgressCheck. Aborts the transfer when the policy refuses the peer.
int CheckReusedConnection(void* user, char* primary_ip, char* local_ip, int primary_port,
                          int local_port);

}  // namespace herald

#endif  // HERALD_TRANSPORT_CURL_EGRESS_H_
