#ifndef HERALD_RECEIVER_RECEIVER_H_
#define HERALD_RECEIVER_RECEIVER_H_

// The HTTP endpoint behind `herald receive`. It prints every request it gets
// and responds to each with one configured response, so an operator can
// watch what herald sends without a real webhook service.
//
//   herald::Receiver receiver(options, std::cout);
//   if (auto error = receiver.Start()) { std::cerr << *error << "\n"; return 1; }
//   receiver.Wait();  // until Stop() or options.max_requests
//
// Start(), Wait(), WaitFor(), Stop() and request_count() are safe to call
// from any thread. Stop() must not be called from a signal handler: set a
// flag there and call Stop() from a normal thread, or use RunReceiver().

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

#include "engine/signing.h"
#include "receiver/http_server_thread.h"

namespace herald {

struct ReceiverOptions {
  // Address to bind. Any address is accepted; the default keeps the
  // receiver reachable only from this machine.
  std::string host = "127.0.0.1";
  // TCP port; 0 picks a free port, which port() then returns.
  int port = 8000;

  // Response sent to every request.
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  // Pause before each response is sent.
  std::chrono::milliseconds delay{0};

  // Print each request as one JSON object per line instead of the readable
  // form.
  bool json_log = false;
  // Stop after answering this many requests; nullopt runs until Stop().
  std::optional<std::size_t> max_requests;

  // When not empty, each request's Standard Webhooks signature is verified
  // against these keys and the result printed with the request. The
  // response does not depend on it.
  VerificationKeys verification_keys;
};

class Receiver {
 public:
  // Requests are printed to `out`, which must outlive the receiver.
  Receiver(ReceiverOptions options, std::ostream& out);
  ~Receiver();

  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Binds the configured address and starts answering requests. Returns an
  // error message when the address cannot be bound.
  std::optional<std::string> Start();

  // The bound port; 0 before Start() succeeds.
  int port() const { return server_.port(); }

  // Blocks until Stop() is called or max_requests requests were answered.
  void Wait();

  // Like Wait(), but returns after `timeout` at the latest. Returns true when
  // the receiver is done.
  bool WaitFor(std::chrono::milliseconds timeout);

  // Stops accepting requests and returns once the requests in flight are
  // answered, which includes their delay and may take up to the server's
  // keep-alive timeout of 1 s. Calling it again does nothing.
  void Stop();

  std::size_t request_count() const;

 private:
  void Handle(const httplib::Request& request, httplib::Response& response);
  void Print(const httplib::Request& request);

  const ReceiverOptions options_;
  std::ostream& out_;
  HttpServerThread server_;

  std::mutex out_mutex_;  // Serializes writes to out_.

  mutable std::mutex mutex_;
  std::condition_variable done_changed_;
  std::size_t request_count_ = 0;  // Guarded by mutex_.
  bool done_ = false;              // Guarded by mutex_.
};

// Runs a receiver until `*stop` becomes true or max_requests requests were
// answered. `stop` may be set from a signal handler; it is read every
// 100 ms and may be null. Prints where it listens to `err`. Returns 0 after
// a clean stop and 1 when the address cannot be bound, with the reason on
// `err`.
int RunReceiver(const ReceiverOptions& options, std::ostream& out, std::ostream& err,
                const std::atomic<bool>* stop);

// Formats one request as printed by the receiver, for tests and tools.
// Readable form: "METHOD TARGET", one "Name: value" line per header, a blank
// line, the body byte for byte, and a blank line. JSON form: one line with
// the fields method, target, headers and body. With `signature`, the
// readable form ends with "signature: ..." (see FormatVerification) and a
// blank line, and the JSON form gets a field "signature" with "status"
// (valid, invalid or missing) and "key" or "reason".
std::string FormatReceivedRequest(const httplib::Request& request, bool json,
                                  const Verification* signature = nullptr);

// Returns "valid (key N)", "INVALID (REASON)" or "missing".
std::string FormatVerification(const Verification& verification);

// Verifies the Standard Webhooks headers and body of `request` against
// `keys` at time `now`.
Verification VerifyRequest(const httplib::Request& request, const VerificationKeys& keys,
                           std::chrono::system_clock::time_point now);

}  // namespace herald

#endif  // HERALD_RECEIVER_RECEIVER_H_
