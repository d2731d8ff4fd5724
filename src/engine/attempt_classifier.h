#ifndef HERALD_ENGINE_ATTEMPT_CLASSIFIER_H_
#define HERALD_ENGINE_ATTEMPT_CLASSIFIER_H_

#include <string>

#include "herald/transport.h"

namespace herald {

enum class Verdict {
  kSuccess,    // HTTP 200 with a usable body.
  kRetryable,  // Another attempt may succeed.
  kPermanent,  // Retrying the same request cannot help.
};

struct Classification {
  Verdict verdict = Verdict::kSuccess;
  // Why the attempt failed; empty on success.
  std::string reason;
};

// Classifies one attempt's response.
//
// Retryable: connection and DNS failures, timeouts, broken connections,
// HTTP 408, 429 and every 5xx. Permanent: every other status (only 200
// counts as success, and redirects are never followed), TLS failures,
// bodies over the size cap, and a body that `body_must_be_json` requires
// to be empty or JSON but is not.
Classification ClassifyAttempt(const HttpResponse& response, bool body_must_be_json);

// Returns true when `body` is empty or one RFC 8259 JSON value in valid
// UTF-8, surrounded by optional whitespace.
bool IsEmptyOrJson(std::string_view body);

}  // namespace herald

#endif  // HERALD_ENGINE_ATTEMPT_CLASSIFIER_H_
