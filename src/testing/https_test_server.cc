#include "testing/https_test_server.h"

#include <chrono>
#include <stdexcept>

#include <httplib.h>

namespace herald::test {
namespace {

// Bound on the wait for the server thread to enter its accept loop.
constexpr std::chrono::seconds kStartTimeout{5};

}  // namespace

HttpsTestServer::HttpsTestServer(const std::string& cert_file, const std::string& key_file,
                                 const std::string& client_ca_file)
    : server_(std::make_unique<httplib::SSLServer>(
          cert_file.c_str(), key_file.c_str(),
          client_ca_file.empty() ? nullptr : client_ca_file.c_str())) {
  if (!server_->is_valid()) {
    throw std::runtime_error("HTTPS test server: cpp-httplib rejected the certificate or key");
  }
  server_->set_keep_alive_timeout(1);
  server_->Get(".*", [this](const httplib::Request&, httplib::Response& response) {
    ++request_count_;
    response.set_content("ok", "text/plain");
  });
  server_->Post(".*", [this](const httplib::Request&, httplib::Response& response) {
    ++request_count_;
    response.set_content("ok", "text/plain");
  });

  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("HTTPS test server: cannot bind 127.0.0.1");

  // The socket already listens, so clients can connect from here on. The
  // wait matters for stop(), which cpp-httplib 0.11 ignores until the
  // accept loop has started and offers no notification of.
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!server_->is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      server_->stop();
      thread_.detach();
      throw std::runtime_error("HTTPS test server: the thread did not start within 5 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

HttpsTestServer::~HttpsTestServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string HttpsTestServer::url(std::string_view path, std::string_view host) const {
  return "https://" + std::string(host) + ":" + std::to_string(port_) + std::string(path);
}

}  // namespace herald::test
