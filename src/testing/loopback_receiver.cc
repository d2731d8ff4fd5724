#include "testing/loopback_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace herald::test {
namespace {

// Bound on an endless body, so a client that never disconnects cannot keep
// a server thread busy for the rest of the test run.
constexpr std::chrono::seconds kEndlessBodyLimit{60};

std::string ToLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

ReceivedRequest Record(const httplib::Request& request) {
  ReceivedRequest recorded;
  recorded.arrival_time = std::chrono::steady_clock::now();
  recorded.method = request.method;
  recorded.path = request.path;
  recorded.target = request.target;
  recorded.body = request.body;
  recorded.remote_port = request.remote_port;
  for (const auto& [name, value] : request.headers) {
    if (IsHeaderAddedByServer(name)) continue;
    recorded.headers.push_back({ToLower(name), value});
  }
  return recorded;
}

}  // namespace

std::optional<std::string> ReceivedRequest::FindHeader(std::string_view name) const {
  for (const Header& header : headers) {
    if (header.name == name) return header.value;
  }
  return std::nullopt;
}

ScriptedResponse ScriptedResponse::Status(int status, std::string body) {
  ScriptedResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

ScriptedResponse ScriptedResponse::Delayed(std::chrono::milliseconds delay, int status) {
  ScriptedResponse response;
  response.status = status;
  response.delay = delay;
  return response;
}

ScriptedResponse ScriptedResponse::Redirect(std::string location, int status) {
  ScriptedResponse response;
  response.status = status;
  response.headers.push_back({"Location", std::move(location)});
  return response;
}

ScriptedResponse ScriptedResponse::Trickle(std::string body, std::size_t chunk_bytes,
                                           std::chrono::milliseconds chunk_interval) {
  ScriptedResponse response;
  response.body = std::move(body);
  response.body_mode = BodyMode::kTrickle;
  response.chunk_bytes = chunk_bytes;
  response.chunk_interval = chunk_interval;
  return response;
}

ScriptedResponse ScriptedResponse::Endless(std::size_t chunk_bytes) {
  ScriptedResponse response;
  response.body_mode = BodyMode::kEndless;
  response.chunk_bytes = chunk_bytes;
  return response;
}

LoopbackReceiver::LoopbackReceiver() {
  RouteAllRequests(server_.server(),
                   [this](const httplib::Request& request, httplib::Response& response) {
                     Handle(request, response);
                   });
  if (auto error = server_.Start("127.0.0.1", 0)) {
    throw std::runtime_error("LoopbackReceiver: " + *error);
  }
}

LoopbackReceiver::~LoopbackReceiver() { Stop(); }

std::string LoopbackReceiver::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

void LoopbackReceiver::SetHandler(const std::string& path, ResponseHandler handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  handlers_[path] = std::move(handler);
}

void LoopbackReceiver::EnqueueResponse(const std::string& path, ScriptedResponse response) {
  std::lock_guard<std::mutex> lock(mutex_);
  queued_responses_[path].push_back(std::move(response));
}

void LoopbackReceiver::SetResponse(const std::string& path, ScriptedResponse response) {
  std::lock_guard<std::mutex> lock(mutex_);
  fixed_responses_[path] = std::move(response);
}

std::vector<ReceivedRequest> LoopbackReceiver::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::size_t LoopbackReceiver::request_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_.size();
}

bool LoopbackReceiver::WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return request_arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

void LoopbackReceiver::Stop() { server_.Stop(); }

void LoopbackReceiver::Handle(const httplib::Request& request, httplib::Response& response) {
  ReceivedRequest recorded = Record(request);
  ScriptedResponse scripted = ChooseResponse(recorded);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(std::move(recorded));
  }
  request_arrived_.notify_all();

  if (scripted.delay.count() > 0 && !server_.SleepFor(scripted.delay)) {
    response.status = 503;
    return;
  }
  WriteResponse(scripted, response);
}

ScriptedResponse LoopbackReceiver::ChooseResponse(const ReceivedRequest& request) {
  ResponseHandler handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto found = handlers_.find(request.path); found != handlers_.end()) {
      handler = found->second;
    } else if (auto queue = queued_responses_.find(request.path);
               queue != queued_responses_.end() && !queue->second.empty()) {
      ScriptedResponse next = std::move(queue->second.front());
      queue->second.pop_front();
      return next;
    } else if (auto fixed = fixed_responses_.find(request.path); fixed != fixed_responses_.end()) {
      return fixed->second;
    } else {
      return ScriptedResponse{};
    }
  }
  // Called without the lock, so a handler may use the receiver.
  return handler(request);
}

void LoopbackReceiver::WriteResponse(const ScriptedResponse& scripted,
                                     httplib::Response& response) {
  response.status = scripted.status;
  for (const Header& header : scripted.headers) {
    response.set_header(header.name, header.value);
  }
  // A chunk of zero bytes would end the chunked body in cpp-httplib.
  const std::size_t chunk_bytes = std::max<std::size_t>(scripted.chunk_bytes, 1);
  const std::chrono::milliseconds interval = scripted.chunk_interval;

  switch (scripted.body_mode) {
    case ScriptedResponse::BodyMode::kWhole:
      if (!scripted.body.empty()) response.set_content(scripted.body, scripted.content_type);
      return;

    case ScriptedResponse::BodyMode::kTrickle:
      response.set_chunked_content_provider(
          scripted.content_type, [this, body = scripted.body, chunk_bytes, interval](
                                     std::size_t offset, httplib::DataSink& sink) {
            if (offset >= body.size()) {
              sink.done();
              return true;
            }
            if (offset > 0 && !server_.SleepFor(interval)) return false;
            return sink.write(body.data() + offset, std::min(chunk_bytes, body.size() - offset));
          });
      return;

    case ScriptedResponse::BodyMode::kEndless:
      response.set_chunked_content_provider(
          scripted.content_type, [this, chunk = std::string(chunk_bytes, 'x'), interval,
                                  deadline = std::chrono::steady_clock::now() + kEndlessBodyLimit](
                                     std::size_t /*offset*/, httplib::DataSink& sink) {
            // Returning false drops the connection instead of ending the body.
            if (std::chrono::steady_clock::now() > deadline) return false;
            if (interval.count() > 0 && !server_.SleepFor(interval)) return false;
            if (server_.stopping()) return false;
            return sink.write(chunk.data(), chunk.size());
          });
      return;
  }
}

int RefusedLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket() failed: ") + std::strerror(errno));

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  // bind() to port 0 makes the kernel pick a free port. The socket never
  // listens, and after close() nothing is bound to the port.
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok) throw std::runtime_error(std::string("bind() failed: ") + std::strerror(error));
  return ntohs(address.sin_port);
}

}  // namespace herald::test
