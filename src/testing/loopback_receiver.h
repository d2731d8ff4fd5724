#ifndef HERALD_TESTING_LOOPBACK_RECEIVER_H_
#define HERALD_TESTING_LOOPBACK_RECEIVER_H_

// A scriptable HTTP server on 127.0.0.1 for tests. It records every request
// and responds with what the test scripted for the request's path.
//
//   herald::test::LoopbackReceiver receiver;
//   receiver.SetResponse("/hook", herald::test::ScriptedResponse::Status(500));
//   ... send to receiver.url("/hook") ...
//   ASSERT_TRUE(receiver.WaitForRequests(1, std::chrono::seconds(5)));
//
// Every member function is safe to call from any thread while the server
// runs. The destructor stops the server; it waits for requests in flight and
// for idle keep-alive connections, up to 1 s, so destroy clients first.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "herald/config.h"
#include "receiver/http_server_thread.h"

namespace herald::test {

// One request as the receiver got it.
struct ReceivedRequest {
  std::string method;
  // Path without the query string.
  std::string path;
  // Request target as sent: path and query string.
  std::string target;
  // Header fields in the order cpp-httplib stores them (sorted by name),
  // with lower-case names.
  std::vector<Header> headers;
  std::string body;
  // Client port of the connection; equal ports on two requests mean the
  // client reused one connection.
  int remote_port = 0;
  std::chrono::steady_clock::time_point arrival_time;

  // Returns the first header named `name` (lower-case), or nullopt.
  std::optional<std::string> FindHeader(std::string_view name) const;
};

// The response to one request, as a test scripts it.
struct ScriptedResponse {
  enum class BodyMode {
    kWhole,    // The body at once, with Content-Length.
    kTrickle,  // The body in chunks of chunk_bytes, chunk_interval apart.
    kEndless,  // Chunks of chunk_bytes until the client disconnects or 60 s pass.
  };

  int status = 200;
  std::vector<Header> headers;
  std::string body;
  std::string content_type = "text/plain";
  // Pause between receiving the request and sending the status line.
  std::chrono::milliseconds delay{0};

  BodyMode body_mode = BodyMode::kWhole;
  std::size_t chunk_bytes = 1024;
  std::chrono::milliseconds chunk_interval{0};

  static ScriptedResponse Status(int status, std::string body = "");
  static ScriptedResponse Delayed(std::chrono::milliseconds delay, int status = 200);
  // A redirect with the given Location header.
  static ScriptedResponse Redirect(std::string location, int status = 302);
  static ScriptedResponse Trickle(std::string body, std::size_t chunk_bytes,
                                  std::chrono::milliseconds chunk_interval);
  static ScriptedResponse Endless(std::size_t chunk_bytes = 16 * 1024);
};

// Computes the response to one request. It runs on a server thread.
using ResponseHandler = std::function<ScriptedResponse(const ReceivedRequest&)>;

class LoopbackReceiver {
 public:
  // Starts listening on a free port of 127.0.0.1. Throws std::runtime_error
  // when the server cannot start.
  LoopbackReceiver();
  ~LoopbackReceiver();

  LoopbackReceiver(const LoopbackReceiver&) = delete;
  LoopbackReceiver& operator=(const LoopbackReceiver&) = delete;

  int port() const { return server_.port(); }

  // Returns "http://127.0.0.1:PORT" followed by `path`, which should start
  // with "/".
  std::string url(std::string_view path = "/") const;

  // The response to a request for `path` (without query string) is chosen
  // in this order: the path's handler, the next queued response, the path's
  // fixed response, and otherwise 200 with an empty body.
  void SetHandler(const std::string& path, ResponseHandler handler);
  void EnqueueResponse(const std::string& path, ScriptedResponse response);
  void SetResponse(const std::string& path, ScriptedResponse response);

  // Returns a copy of every request received so far, in arrival order.
  std::vector<ReceivedRequest> requests() const;
  std::size_t request_count() const;

  // Waits until at least `count` requests arrived or `timeout` passed.
  // Returns whether `count` was reached. A request counts as soon as it is
  // read, before its response is sent.
  bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const;

  // Stops the server; the destructor calls it. Delays, trickled and endless
  // bodies end early.
  void Stop();

 private:
  void Handle(const httplib::Request& request, httplib::Response& response);
  ScriptedResponse ChooseResponse(const ReceivedRequest& request);
  void WriteResponse(const ScriptedResponse& scripted, httplib::Response& response);

  HttpServerThread server_;

  mutable std::mutex mutex_;
  mutable std::condition_variable request_arrived_;
  // Guarded by mutex_.
  std::vector<ReceivedRequest> requests_;
  std::map<std::string, ResponseHandler, std::less<>> handlers_;
  std::map<std::string, std::deque<ScriptedResponse>, std::less<>> queued_responses_;
  std::map<std::string, ScriptedResponse, std::less<>> fixed_responses_;
};

// Returns a port of 127.0.0.1 on which nothing listens, so a connection to
// it is refused. The port was free when checked; another process could
// bind it afterwards, which is unlikely within one test.
int RefusedLoopbackPort();

}  // namespace herald::test

#endif  // HERALD_TESTING_LOOPBACK_RECEIVER_H_
