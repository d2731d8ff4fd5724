#ifndef HERALD_RECEIVER_HTTP_SERVER_THREAD_H_
#define HERALD_RECEIVER_HTTP_SERVER_THREAD_H_

// An httplib::Server that accepts connections on a thread of its own, shared
// by the `herald receive` command and the loopback receiver used in tests.
//
// Configure server() before Start(). Start(), Stop(), stopping() and
// SleepFor() are safe to call from any thread, except that Stop() must not
// be called from a request handler: it waits for every handler to return.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <httplib.h>

namespace herald {

// An httplib::Server whose listen backlog can be raised after binding.
class BacklogServer : public httplib::Server {
 public:
  // cpp-httplib 0.11 listens with a backlog of 5, so when more clients
  // connect at once the kernel drops their handshakes and they retry after
  // about 1 s. On Linux, listen() on a listening socket changes its backlog.
  bool RaiseListenBacklog();
};

class HttpServerThread {
 public:
  struct Options {
    // How long an idle keep-alive connection stays open. Stop() waits up to
    // this long for clients that keep a connection open, because
    // cpp-httplib 0.11 checks for shutdown only between requests.
    std::chrono::seconds keep_alive_timeout{1};
    // Requests served on one connection before the server closes it.
    // cpp-httplib's default of 5 makes busy clients reconnect every five
    // requests. A connection keeps its thread until it closes or idles, so
    // the limit also bounds how long one client can occupy a thread.
    std::size_t keep_alive_max_requests = 100;
    // Connections served at once; each open connection occupies a thread.
    std::size_t worker_threads = 16;
  };

  HttpServerThread();
  explicit HttpServerThread(Options options);
  ~HttpServerThread();

  HttpServerThread(const HttpServerThread&) = delete;
  HttpServerThread& operator=(const HttpServerThread&) = delete;

  httplib::Server& server() { return server_; }

  // Binds host:port (port 0 picks a free port) and returns once the server
  // accepts connections. Returns an error message when the address cannot
  // be bound or the server thread does not start.
  std::optional<std::string> Start(const std::string& host, int port);

  // The bound port; 0 before Start() succeeds.
  int port() const { return port_; }

  // Stops accepting, wakes every SleepFor() and waits for the server thread,
  // which finishes the requests in flight. Calling it again does nothing.
  void Stop();

  bool stopping() const;

  // Waits for `duration` unless Stop() is called first. Returns false when
  // the wait ended because of Stop().
  bool SleepFor(std::chrono::milliseconds duration);

 private:
  BacklogServer server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;  // Guarded by mutex_.
};

// Routes every method that cpp-httplib parses (GET, HEAD, POST, PUT, PATCH,
// DELETE, OPTIONS) on every path to `handler`. cpp-httplib responds to other
// methods with 400 before any handler runs.
void RouteAllRequests(httplib::Server& server, const httplib::Server::Handler& handler);

// Returns whether `name` is one of the fields that cpp-httplib adds to its
// copy of each request (REMOTE_ADDR, REMOTE_PORT, LOCAL_ADDR, LOCAL_PORT),
// which the client did not send.
bool IsHeaderAddedByServer(std::string_view name);

}  // namespace herald

#endif  // HERALD_RECEIVER_HTTP_SERVER_THREAD_H_
