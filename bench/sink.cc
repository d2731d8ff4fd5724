// herald_bench_sink: a minimal HTTP/1.1 server on loopback that responds
// to every request with a fixed status and counts the requests, for load and
// outage tests of `herald serve`.
//
//   herald_bench_sink --port 18081 [--threads 1] [--status 200] [--body TEXT]
//                     [--max-seconds 1800]
//
// GET /count returns the number of requests responded to so far, other than
// GET /count itself, as a decimal number. Every other request gets the
// configured status and body. With --status 503 the sink stands for a
// receiver in an outage; a receiver that is down altogether is this
// program not running, so connections are refused.
//
// Each thread runs its own epoll loop on its own SO_REUSEPORT socket, and
// the kernel spreads new connections over them. Requests must carry their
// body with Content-Length (libcurl, curl and wrk all do); a chunked
// request gets 501 and the connection is closed. "Expect: 100-continue"
// gets an interim 100 response. Keep-alive and pipelined requests are
// supported. The program listens only on 127.0.0.1 and exits by itself
// after --max-seconds, or on SIGINT or SIGTERM.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

struct Options {
  int port = 18081;
  int threads = 1;
  int status = 200;
  std::string body;
  long max_seconds = 1800;
};

std::atomic<std::uint64_t> g_requests{0};

// Requests larger than this close the connection; the bodies herald sends
// in the benchmarks are a few KiB.
constexpr std::size_t kMaxRequestBytes = 16 * 1024 * 1024;

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string BuildResponse(int status, std::string_view body, bool close) {
  std::string response =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(ReasonPhrase(status)) + "\r\n";
  if (!body.empty()) response += "Content-Type: application/json\r\n";
  response += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (close) response += "Connection: close\r\n";
  response += "\r\n";
  response += body;
  return response;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    const char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The parts of a request head the sink acts on.
struct RequestHead {
  std::string_view method;
  std::string_view path;
  std::size_t content_length = 0;
  bool chunked = false;
  bool expect_continue = false;
  bool close = false;
  bool valid = true;
};

RequestHead ParseHead(std::string_view head) {
  RequestHead parsed;
  std::size_t line_end = head.find("\r\n");
  const std::string_view request_line = head.substr(0, line_end);
  const std::size_t space1 = request_line.find(' ');
  const std::size_t space2 = request_line.find(' ', space1 + 1);
  if (space1 == std::string_view::npos || space2 == std::string_view::npos) {
    parsed.valid = false;
    return parsed;
  }
  parsed.method = request_line.substr(0, space1);
  parsed.path = request_line.substr(space1 + 1, space2 - space1 - 1);
  parsed.close = request_line.substr(space2 + 1) == "HTTP/1.0";

  while (line_end != std::string_view::npos && line_end + 2 < head.size()) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, line_end - start);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "content-length")) {
      const auto [end, error] =
          std::from_chars(value.data(), value.data() + value.size(), parsed.content_length);
      if (error != std::errc() || end != value.data() + value.size()) parsed.valid = false;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      parsed.chunked = true;
    } else if (EqualsIgnoreCase(name, "expect")) {
      parsed.expect_continue = EqualsIgnoreCase(value, "100-continue");
    } else if (EqualsIgnoreCase(name, "connection")) {
      if (EqualsIgnoreCase(value, "close")) parsed.close = true;
      if (EqualsIgnoreCase(value, "keep-alive")) parsed.close = false;
    }
  }
  return parsed;
}

struct Connection {
  std::string input;
  std::string output;
  bool continue_sent = false;
  bool close_after_write = false;
};

class Loop {
 public:
  Loop(const Options& options, int listen_fd)
      : options_(options),
        listen_fd_(listen_fd),
        epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
        ok_response_(BuildResponse(options.status, options.body, false)) {}

  void Run() {
    Watch(listen_fd_, EPOLLIN);
    std::vector<epoll_event> events(256);
    char buffer[65536];
    for (;;) {
      const int ready = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
      if (ready < 0) {
        if (errno == EINTR) continue;
        std::perror("herald_bench_sink: epoll_wait");
        return;
      }
      for (std::size_t i = 0; i < static_cast<std::size_t>(ready); ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd_) {
          Accept();
          continue;
        }
        if (events[i].events & EPOLLOUT) {
          if (!Flush(fd)) continue;
        }
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
          ReadFrom(fd, buffer, sizeof buffer);
        }
      }
    }
  }

 private:
  void Watch(int fd, std::uint32_t mask) {
    epoll_event event{};
    event.events = mask;
    event.data.fd = fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  }

  void Accept() {
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or a transient error such as EMFILE.
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connections_[fd] = std::make_unique<Connection>();
      Watch(fd, EPOLLIN | EPOLLRDHUP);
    }
  }

  void Close(int fd) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    connections_.erase(fd);
  }

  void ReadFrom(int fd, char* buffer, std::size_t size) {
    const auto found = connections_.find(fd);
    if (found == connections_.end()) return;
    Connection& connection = *found->second;
    for (;;) {
      const ssize_t n = read(fd, buffer, size);
      if (n > 0) {
        connection.input.append(buffer, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < size) break;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      Close(fd);  // End of stream or a read error.
      return;
    }
    HandleInput(fd, connection);
  }

  // Builds a response to every complete request in the buffer, then writes
  // the responses.
  void HandleInput(int fd, Connection& connection) {
    std::size_t consumed = 0;
    while (!connection.close_after_write) {
      const std::string_view rest = std::string_view(connection.input).substr(consumed);
      const std::size_t head_end = rest.find("\r\n\r\n");
      if (head_end == std::string_view::npos) {
        if (rest.size() > kMaxRequestBytes) return Close(fd);
        break;
      }
      const RequestHead head = ParseHead(rest.substr(0, head_end));
      if (!head.valid || head.chunked) {
        connection.output += BuildResponse(head.chunked ? 501 : 400, "", true);
        connection.close_after_write = true;
        break;
      }
      const std::size_t total = head_end + 4 + head.content_length;
      if (total > kMaxRequestBytes) return Close(fd);
      if (rest.size() < total) {
        if (head.expect_continue && !connection.continue_sent) {
          connection.output += "HTTP/1.1 100 Continue\r\n\r\n";
          connection.continue_sent = true;
        }
        break;
      }
      connection.continue_sent = false;
      if (head.method == "GET" && head.path == "/count") {
        const std::string count = std::to_string(g_requests.load(std::memory_order_relaxed));
        connection.output += BuildResponse(200, count, head.close);
      } else {
        g_requests.fetch_add(1, std::memory_order_relaxed);
        connection.output +=
            head.close ? BuildResponse(options_.status, options_.body, true) : ok_response_;
      }
      connection.close_after_write = head.close;
      consumed += total;
    }
    connection.input.erase(0, consumed);
    Flush(fd);
  }

  // Writes pending output. Returns false when the connection was closed.
  bool Flush(int fd) {
    const auto found = connections_.find(fd);
    if (found == connections_.end()) return false;
    Connection& connection = *found->second;
    while (!connection.output.empty()) {
      const ssize_t n = write(fd, connection.output.data(), connection.output.size());
      if (n > 0) {
        connection.output.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
        event.data.fd = fd;
        epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event);
        return true;
      }
      Close(fd);
      return false;
    }
    if (connection.close_after_write) {
      Close(fd);
      return false;
    }
    return true;
  }

  const Options& options_;
  const int listen_fd_;
  const int epoll_fd_;
  const std::string ok_response_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
};

int OpenListener(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd, 4096) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool ParseInt(const char* text, long& value) {
  const std::string_view view(text);
  const auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), value);
  return error == std::errc() && end == view.data() + view.size();
}

void PrintUsage() {
  std::fprintf(stderr,
               "usage: herald_bench_sink [--port N] [--threads N] [--status CODE] [--body TEXT] "
               "[--max-seconds N]\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) {
      PrintUsage();
      return 2;
    }
    const char* value = argv[++i];
    long number = 0;
    if (flag == "--body") {
      options.body = value;
      continue;
    }
    if (!ParseInt(value, number)) {
      std::fprintf(stderr, "herald_bench_sink: %s needs an integer, got \"%s\"\n", argv[i - 1],
                   value);
      return 2;
    }
    if (flag == "--port" && number > 0 && number < 65536) {
      options.port = static_cast<int>(number);
    } else if (flag == "--threads" && number >= 1 && number <= 64) {
      options.threads = static_cast<int>(number);
    } else if (flag == "--status" && number >= 200 && number <= 599) {
      options.status = static_cast<int>(number);
    } else if (flag == "--max-seconds" && number > 0) {
      options.max_seconds = number;
    } else {
      std::fprintf(stderr, "herald_bench_sink: invalid %s value %s\n", argv[i - 1], value);
      PrintUsage();
      return 2;
    }
  }

  // Block the stop signals in every thread; the main thread takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<int> listeners;
  for (int i = 0; i < options.threads; ++i) {
    const int fd = OpenListener(options.port);
    if (fd < 0) {
      std::fprintf(stderr, "herald_bench_sink: cannot listen on 127.0.0.1:%d: %s\n", options.port,
                   std::strerror(errno));
      return 1;
    }
    listeners.push_back(fd);
  }
  for (const int fd : listeners) {
    std::thread([&options, fd] { Loop(options, fd).Run(); }).detach();
  }
  std::fprintf(stderr, "herald_bench_sink: listening on 127.0.0.1:%d, status %d, %d thread(s)\n",
               options.port, options.status, options.threads);

  timespec timeout{static_cast<time_t>(options.max_seconds), 0};
  const int received = sigtimedwait(&signals, nullptr, &timeout);
  if (received < 0) {
    std::fprintf(stderr, "herald_bench_sink: stopping after --max-seconds %ld\n",
                 options.max_seconds);
  }
  std::fprintf(stderr, "herald_bench_sink: responded to %llu requests\n",
               static_cast<unsigned long long>(g_requests.load()));
  // The loop threads are detached; exiting the process ends them.
  std::_Exit(0);
}
