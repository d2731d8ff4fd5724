#include "receiver/http_server_thread.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace herald {
namespace {

// Bound on the wait for the server thread to enter its accept loop.
constexpr std::chrono::seconds kStartTimeout{5};

}  // namespace

bool BacklogServer::RaiseListenBacklog() { return ::listen(svr_sock_, SOMAXCONN) == 0; }

HttpServerThread::HttpServerThread() : HttpServerThread(Options{}) {}

HttpServerThread::HttpServerThread(Options options) {
  server_.set_keep_alive_timeout(options.keep_alive_timeout.count());
  server_.set_keep_alive_max_count(options.keep_alive_max_requests);
  // cpp-httplib writes the headers and the body of a response separately.
  // With Nagle's algorithm on, the body then waits for the client's delayed
  // ACK of the headers, about 40 ms on Linux, on every keep-alive request.
  server_.set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second server
  // bind a port in use and silently share its connections. SO_REUSEADDR
  // alone still allows a restart while old connections sit in TIME_WAIT.
  server_.set_socket_options([](socket_t socket) {
    const int enable = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable));
  });
  const std::size_t worker_threads = options.worker_threads;
  server_.new_task_queue = [worker_threads] { return new httplib::ThreadPool(worker_threads); };
}

HttpServerThread::~HttpServerThread() { Stop(); }

std::optional<std::string> HttpServerThread::Start(const std::string& host, int port) {
  errno = 0;
  const int bound_port =
      port == 0 ? server_.bind_to_any_port(host) : (server_.bind_to_port(host, port) ? port : -1);
  if (bound_port < 0) {
    const int error = errno;
    std::string message = "failed to listen on " + host + ":" + std::to_string(port);
    if (error != 0) message += ": " + std::string(std::strerror(error));
    return message;
  }
  port_ = bound_port;
  // A failure leaves the backlog at 5, which only slows bursts down.
  static_cast<void>(server_.RaiseListenBacklog());

  // The socket already listens, so clients can connect from here on. The
  // wait below matters for Stop(): cpp-httplib ignores stop() until the
  // accept loop has started.
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!server_.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return "the HTTP server thread did not start within 5 s";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::nullopt;
}

void HttpServerThread::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

bool HttpServerThread::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

bool HttpServerThread::SleepFor(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !stop_requested_.wait_for(lock, duration, [this] { return stopping_; });
}

void RouteAllRequests(httplib::Server& server, const httplib::Server::Handler& handler) {
  const std::string any_path = ".*";
  server.Get(any_path, handler);
  server.Post(any_path, handler);
  server.Put(any_path, handler);
  server.Patch(any_path, handler);
  server.Delete(any_path, handler);
  server.Options(any_path, handler);
}

bool IsHeaderAddedByServer(std::string_view name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

}  // namespace herald
