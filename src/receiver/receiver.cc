#include "receiver/receiver.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace herald {
namespace {

// How often RunReceiver() reads its stop flag.
constexpr std::chrono::milliseconds kStopPollInterval{100};

std::string FormatReadable(const httplib::Request& request) {
  std::string text = request.method + " " + request.target + "\n";
  for (const auto& [name, value] : request.headers) {
    if (IsHeaderAddedByServer(name)) continue;
    text += name + ": " + value + "\n";
  }
  text += "\n";
  text += request.body;
  if (!request.body.empty() && request.body.back() != '\n') text += "\n";
  text += "\n";
  return text;
}

std::string_view SignatureStatusName(SignatureStatus status) {
  switch (status) {
    case SignatureStatus::kValid:
      return "valid";
    case SignatureStatus::kInvalid:
      return "invalid";
    case SignatureStatus::kMissing:
      break;
  }
  return "missing";
}

std::string FormatJson(const httplib::Request& request, const Verification* signature) {
  nlohmann::ordered_json headers = nlohmann::ordered_json::object();
  for (const auto& [name, value] : request.headers) {
    if (IsHeaderAddedByServer(name)) continue;
    // Repeated fields are combined into one comma-separated value, the
    // standard way to merge HTTP list fields.
    auto existing = headers.find(name);
    if (existing == headers.end()) {
      headers[name] = value;
    } else {
      *existing = existing->get<std::string>() + ", " + value;
    }
  }

  nlohmann::ordered_json line = {
      {"method", request.method},
      {"target", request.target},
      {"headers", std::move(headers)},
      {"body", request.body},
  };
  if (signature != nullptr) {
    nlohmann::ordered_json result = {{"status", SignatureStatusName(signature->status)}};
    if (signature->status == SignatureStatus::kValid) result["key"] = signature->key_number;
    if (signature->status == SignatureStatus::kInvalid) result["reason"] = signature->reason;
    line["signature"] = std::move(result);
  }
  // A body that is not valid UTF-8 is printed with U+FFFD in place of the
  // invalid bytes instead of failing.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string FormatReceivedRequest(const httplib::Request& request, bool json,
                                  const Verification* signature) {
  if (json) return FormatJson(request, signature);
  std::string text = FormatReadable(request);
  if (signature != nullptr) text += "signature: " + FormatVerification(*signature) + "\n\n";
  return text;
}

std::string FormatVerification(const Verification& verification) {
  switch (verification.status) {
    case SignatureStatus::kValid:
      return "valid (key " + std::to_string(verification.key_number) + ")";
    case SignatureStatus::kInvalid:
      return "INVALID (" + verification.reason + ")";
    case SignatureStatus::kMissing:
      break;
  }
  return "missing";
}

Verification VerifyRequest(const httplib::Request& request, const VerificationKeys& keys,
                           std::chrono::system_clock::time_point now) {
  const auto header = [&request](std::string_view name) -> std::optional<std::string> {
    const std::string key(name);
    if (!request.has_header(key)) return std::nullopt;
    return request.get_header_value(key);
  };
  const SignedHeaders headers{header(kWebhookIdHeader), header(kWebhookTimestampHeader),
                              header(kWebhookSignatureHeader)};
  return VerifySignature(keys, headers, request.body, now);
}

Receiver::Receiver(ReceiverOptions options, std::ostream& out)
    : options_(std::move(options)), out_(out) {
  RouteAllRequests(server_.server(),
                   [this](const httplib::Request& request, httplib::Response& response) {
                     Handle(request, response);
                   });
}

Receiver::~Receiver() { Stop(); }

std::optional<std::string> Receiver::Start() { return server_.Start(options_.host, options_.port); }

void Receiver::Wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_changed_.wait(lock, [this] { return done_; });
}

bool Receiver::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return done_changed_.wait_for(lock, timeout, [this] { return done_; });
}

void Receiver::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  done_changed_.notify_all();
  server_.Stop();
}

std::size_t Receiver::request_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return request_count_;
}

void Receiver::Handle(const httplib::Request& request, httplib::Response& response) {
  Print(request);

  if (options_.delay.count() > 0 && !server_.SleepFor(options_.delay)) {
    response.status = 503;
    return;
  }
  response.status = options_.status;
  if (!options_.body.empty()) response.set_content(options_.body, options_.content_type);

  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++request_count_;
    if (options_.max_requests && request_count_ >= *options_.max_requests) done_ = true;
  }
  done_changed_.notify_all();
}

void Receiver::Print(const httplib::Request& request) {
  std::optional<Verification> signature;
  if (!options_.verification_keys.empty()) {
    signature =
        VerifyRequest(request, options_.verification_keys, std::chrono::system_clock::now());
  }
  const std::string text =
      FormatReceivedRequest(request, options_.json_log, signature ? &*signature : nullptr);
  std::lock_guard<std::mutex> lock(out_mutex_);
  out_ << text << std::flush;
}

int RunReceiver(const ReceiverOptions& options, std::ostream& out, std::ostream& err,
                const std::atomic<bool>* stop) {
  Receiver receiver(options, out);
  if (auto error = receiver.Start()) {
    err << "herald receive: " << *error << "\n";
    return 1;
  }
  // An IPv6 literal needs brackets in a URL.
  const bool ipv6 = options.host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + options.host + "]" : options.host;
  err << "herald receive: listening on http://" << host << ":" << receiver.port() << "/ (status "
      << options.status << ")\n"
      << std::flush;

  while (!receiver.WaitFor(kStopPollInterval)) {
    if (stop != nullptr && stop->load()) break;
  }
  receiver.Stop();
  err << "herald receive: stopped after " << receiver.request_count() << " requests\n";
  return 0;
}

}  // namespace herald
