#ifndef HERALD_TRANSPORT_CURL_TRANSPORT_H_
#define HERALD_TRANSPORT_CURL_TRANSPORT_H_

// Internals of the libcurl transport, exposed for tests.

#include <curl/curl.h>

#include "herald/transport.h"

namespace herald {

// Facts about a finished transfer beyond its CURLcode.
struct TransferFacts {
  // The write callback stopped the transfer at the response size limit.
  bool body_limit_reached = false;
  // Request bytes went out, so an error came from the response.
  bool request_sent = false;
  // The peer ended the connection with a TLS alert. With TLS 1.3 a server
  // checks the client certificate after the client's side of the handshake
  // is done, so a rejected or missing certificate arrives as an alert on
  // the first read or write, with CURLE_RECV_ERROR or CURLE_SEND_ERROR.
  bool tls_alert_received = false;
};

// Maps the result of curl_easy_perform() to a TransportError.
TransportError ClassifyCurlCode(CURLcode code, TransferFacts facts);

}  // namespace herald

#endif  // HERALD_TRANSPORT_CURL_TRANSPORT_H_
