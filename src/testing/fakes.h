#ifndef HERALD_TESTING_FAKES_H_
#define HERALD_TESTING_FAKES_H_

// Deterministic stand-ins for the clock, the random source and the
// transport, so engine logic is tested without sleeping or sockets.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "herald/clock.h"
#include "herald/transport.h"

namespace herald::test {

// A clock that only moves when told. SleepFor records the request and
// advances time by it, so backoff delays are asserted exactly.
class FakeClock final : public Clock {
 public:
  TimePoint Now() override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  std::chrono::system_clock::time_point WallNow() override {
    std::lock_guard lock(mutex_);
    return wall_epoch_ +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(now_ - TimePoint());
  }
  void SleepFor(std::chrono::nanoseconds duration) override {
    std::lock_guard lock(mutex_);
    sleeps_.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(duration));
    now_ += duration;
  }

  void Advance(std::chrono::nanoseconds duration) {
    std::lock_guard lock(mutex_);
    now_ += duration;
  }
  std::vector<std::chrono::milliseconds> sleeps() {
    std::lock_guard lock(mutex_);
    return sleeps_;
  }

 private:
  std::mutex mutex_;
  TimePoint now_{};
  std::chrono::system_clock::time_point wall_epoch_ =
      std::chrono::system_clock::from_time_t(1'767'225'600);  // 2026-01-01T00:00:00Z
  std::vector<std::chrono::milliseconds> sleeps_;
};

// Returns `uniform` from every Uniform() call and a counter from Bits().
class FakeRandom final : public Random {
 public:
  explicit FakeRandom(double uniform = 0.5) : uniform_(uniform) {}
  double Uniform() override { return uniform_; }
  std::uint64_t Bits() override {
    std::lock_guard lock(mutex_);
    return ++counter_ * 0x9E3779B97F4A7C15ULL;
  }
  void set_uniform(double uniform) { uniform_ = uniform; }

 private:
  double uniform_;
  std::mutex mutex_;
  std::uint64_t counter_ = 0;
};

// A request as the fake transport saw it; the body is copied.
struct RecordedRequest {
  std::string method;
  std::string url;
  std::vector<Header> headers;
  std::string body;
  std::chrono::milliseconds timeout{0};

  std::string header(std::string_view name) const {
    for (const auto& header : headers) {
      if (header.name.size() == name.size() &&
          std::equal(header.name.begin(), header.name.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return header.value;
      }
    }
    return {};
  }
};

// Answers each request from a per-URL queue of scripted responses; the
// last response of a queue repeats. Unscripted URLs get HTTP 200 with an
// empty body. Each call advances the clock, when given, by the response's
// latency.
class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(FakeClock* clock = nullptr) : clock_(clock) {}

  void Script(const std::string& url, std::vector<HttpResponse> responses) {
    std::lock_guard lock(mutex_);
    scripts_[url] = std::deque<HttpResponse>(responses.begin(), responses.end());
  }

  HttpResponse Send(const HttpRequest& request) override {
    HttpResponse response;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back({request.method, request.url, request.headers, std::string(request.body),
                           request.timeout});
      auto script = scripts_.find(request.url);
      if (script == scripts_.end() || script->second.empty()) {
        response.status = 200;
      } else {
        response = script->second.front();
        if (script->second.size() > 1) script->second.pop_front();
      }
    }
    // A scripted timeout lasts as long as the request allowed.
    if (response.error == TransportError::kTimeout) response.latency = request.timeout;
    if (clock_ != nullptr) clock_->Advance(response.latency);
    return response;
  }

  std::vector<RecordedRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  FakeClock* clock_;
  std::mutex mutex_;
  std::map<std::string, std::deque<HttpResponse>> scripts_;
  std::vector<RecordedRequest> requests_;
};

// Builds a scripted response.
inline HttpResponse Respond(int status, std::string body = {}, std::vector<Header> headers = {},
                            std::chrono::milliseconds latency = std::chrono::milliseconds(5)) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  response.latency = latency;
  return response;
}

// Builds a scripted transport failure.
inline HttpResponse Fail(TransportError error, std::string message = "scripted failure") {
  HttpResponse response;
  response.error = error;
  response.error_message = std::move(message);
  response.latency = std::chrono::milliseconds(1);
  return response;
}

}  // namespace herald::test

#endif  // HERALD_TESTING_FAKES_H_
