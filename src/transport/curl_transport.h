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
};

// Maps the result of curl_easy_perform() to a TransportError.
TransportError ClassifyCurlCode(CURLcode code, TransferFacts facts);

}  // namespace herald

#endif  // HERALD_TRANSPORT_CURL_TRANSPORT_H_
