#ifndef HERALD_TESTING_HTTPS_TEST_SERVER_H_
#define HERALD_TESTING_HTTPS_TEST_SERVER_H_

// An HTTPS server on 127.0.0.1 for TLS tests, built on cpp-httplib's
// SSLServer. It responds 200 with the body "ok" to every request and counts
// the requests that completed a handshake and arrived.
//
// Thread-safe. The destructor stops the server and waits for its thread.

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace httplib {
class SSLServer;
}

namespace herald::test {

class HttpsTestServer {
 public:
  // Serves with `cert_file` and `key_file`. A non-empty `client_ca_file`
  // makes the server require a client certificate signed by that CA.
  // Throws std::runtime_error when the server cannot start.
  HttpsTestServer(const std::string& cert_file, const std::string& key_file,
                  const std::string& client_ca_file = "");
  ~HttpsTestServer();

  HttpsTestServer(const HttpsTestServer&) = delete;
  HttpsTestServer& operator=(const HttpsTestServer&) = delete;

  int port() const { return port_; }

  // Returns "https://HOST:PORT" followed by `path`.
  std::string url(std::string_view path = "/", std::string_view host = "127.0.0.1") const;

  std::size_t request_count() const { return request_count_.load(); }

 private:
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<std::size_t> request_count_{0};
};

}  // namespace herald::test

#endif  // HERALD_TESTING_HTTPS_TEST_SERVER_H_
