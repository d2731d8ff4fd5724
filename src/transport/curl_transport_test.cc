#include "transport/curl_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "herald/transport.h"
#include "herald/version.h"
#include "testing/loopback_receiver.h"

namespace herald {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using test::LoopbackReceiver;
using test::ScriptedResponse;

// Allowance for scheduling on a loaded machine when a test checks that a
// timeout ended an attempt early.
constexpr milliseconds kTimingSlack{2000};

// Sends fixed bytes in response to one connection on 127.0.0.1, for
// responses that cpp-httplib cannot produce: malformed ones, folded header
// lines, or none at all.
// It also keeps the raw request, because cpp-httplib 0.11 drops header
// fields with an empty value.
class RawResponseServer {
 public:
  explicit RawResponseServer(std::string response) : response_(std::move(response)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    EXPECT_EQ(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { ServeOne(); });
  }

  ~RawResponseServer() {
    thread_.join();
    ::close(listen_fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/raw"; }

  // The request head and body as received; complete once the client's Send()
  // returned.
  const std::string& request() const { return request_; }

 private:
  // Reads the request head, sends the response and closes the connection. Gives up after 5 s
  // without a client, so a failing test cannot hang.
  void ServeOne() {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 5000) != 1) return;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    char buffer[4096];
    pollfd reading{fd, POLLIN, 0};
    while (request_.find("\r\n\r\n") == std::string::npos && ::poll(&reading, 1, 5000) == 1) {
      const ssize_t received = ::recv(fd, buffer, sizeof(buffer), 0);
      if (received <= 0) break;
      request_.append(buffer, static_cast<std::size_t>(received));
    }
    if (!response_.empty()) {
      EXPECT_EQ(::send(fd, response_.data(), response_.size(), MSG_NOSIGNAL),
                static_cast<ssize_t>(response_.size()));
    }
    ::close(fd);
  }

  std::string response_;
  std::string request_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

class CurlTransportTest : public ::testing::Test {
 protected:
  HttpRequest Request(const std::string& path, std::string_view body = "") const {
    HttpRequest request;
    request.url = receiver_.url(path);
    request.body = body;
    request.timeout = seconds(10);
    return request;
  }

  // Declared before transport_, so the transport closes its connections
  // before the receiver stops and Stop() does not wait for idle ones.
  LoopbackReceiver receiver_;
  std::unique_ptr<Transport> transport_ = MakeCurlTransport();
};

TEST_F(CurlTransportTest, ReturnsStatusHeadersAndBody) {
  ScriptedResponse scripted = ScriptedResponse::Status(200, R"({"ok":true})");
  scripted.content_type = "application/json";
  scripted.headers.push_back({"X-Request-Id", "abc-123"});
  receiver_.SetResponse("/hook", scripted);

  HttpResponse response = transport_->Send(Request("/hook", "{}"));

  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.error_message, "");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"ok":true})");
  EXPECT_EQ(response.FindHeader("content-type"), "application/json");
  EXPECT_EQ(response.FindHeader("X-REQUEST-ID"), "abc-123");
  EXPECT_EQ(response.FindHeader("X-Missing"), std::nullopt);
  EXPECT_GT(response.latency.count(), 0);
}

TEST_F(CurlTransportTest, PreservesResponseHeaderNames) {
  ScriptedResponse scripted;
  scripted.headers.push_back({"X-MixedCase-Name", "value"});
  receiver_.SetResponse("/hook", scripted);

  HttpResponse response = transport_->Send(Request("/hook"));

  bool found = false;
  for (const Header& header : response.headers) {
    if (header.name == "X-MixedCase-Name") found = header.value == "value";
  }
  EXPECT_TRUE(found);
}

TEST_F(CurlTransportTest, SendsBinaryBodyByteForByte) {
  std::string binary;
  for (int byte = 0; byte < 256; ++byte) binary.push_back(static_cast<char>(byte));
  binary += std::string("\0\0end", 5);

  HttpResponse response = transport_->Send(Request("/binary", binary));

  ASSERT_EQ(response.error, TransportError::kNone) << response.error_message;
  ASSERT_EQ(receiver_.request_count(), 1u);
  EXPECT_EQ(receiver_.requests()[0].body, binary);
  EXPECT_EQ(receiver_.requests()[0].FindHeader("content-length"), std::to_string(binary.size()));
}

TEST_F(CurlTransportTest, SendsUtf8Body) {
  const std::string utf8 = "{\"name\":\"modèle-α\",\"emoji\":\"\xF0\x9F\x9A\x80\"}";

  HttpResponse response = transport_->Send(Request("/utf8", utf8));

  ASSERT_EQ(response.error, TransportError::kNone) << response.error_message;
  ASSERT_EQ(receiver_.request_count(), 1u);
  EXPECT_EQ(receiver_.requests()[0].body, utf8);
}

TEST_F(CurlTransportTest, SendsEmptyPostBody) {
  HttpResponse response = transport_->Send(Request("/empty", ""));

  ASSERT_EQ(response.error, TransportError::kNone) << response.error_message;
  ASSERT_EQ(receiver_.request_count(), 1u);
  const test::ReceivedRequest received = receiver_.requests()[0];
  EXPECT_EQ(received.method, "POST");
  EXPECT_EQ(received.body, "");
  EXPECT_EQ(received.FindHeader("content-length"), "0");
}

TEST_F(CurlTransportTest, SendsMethodAndHeaders) {
  HttpRequest request = Request("/items/7?force=true", "payload");
  request.method = "PATCH";
  request.headers = {{"Content-Type", "application/json"},
                     {"Authorization", "Bearer secret-token"}};

  HttpResponse response = transport_->Send(request);

  ASSERT_EQ(response.error, TransportError::kNone) << response.error_message;
  ASSERT_EQ(receiver_.request_count(), 1u);
  const test::ReceivedRequest received = receiver_.requests()[0];
  EXPECT_EQ(received.method, "PATCH");
  EXPECT_EQ(received.path, "/items/7");
  EXPECT_EQ(received.target, "/items/7?force=true");
  EXPECT_EQ(received.body, "payload");
  EXPECT_EQ(received.FindHeader("content-type"), "application/json");
  EXPECT_EQ(received.FindHeader("authorization"), "Bearer secret-token");
  EXPECT_EQ(received.FindHeader("user-agent"), std::string("herald/") + kVersion);
}

TEST_F(CurlTransportTest, OmitsHeadersLibcurlWouldAdd) {
  // Over libcurl's threshold for "Expect: 100-continue".
  const std::string large_body(2 * 1024 * 1024, 'a');

  HttpResponse response = transport_->Send(Request("/large", large_body));

  ASSERT_EQ(response.error, TransportError::kNone) << response.error_message;
  ASSERT_EQ(receiver_.request_count(), 1u);
  const test::ReceivedRequest received = receiver_.requests()[0];
  EXPECT_EQ(received.body.size(), large_body.size());
  EXPECT_EQ(received.FindHeader("expect"), std::nullopt);
  EXPECT_EQ(received.FindHeader("content-type"), std::nullopt);
}

TEST_F(CurlTransportTest, SendsDeleteAndGet) {
  HttpRequest delete_request = Request("/resource");
  delete_request.method = "DELETE";
  HttpRequest get_request = Request("/resource");
  get_request.method = "GET";

  EXPECT_EQ(transport_->Send(delete_request).error, TransportError::kNone);
  EXPECT_EQ(transport_->Send(get_request).error, TransportError::kNone);

  ASSERT_EQ(receiver_.request_count(), 2u);
  EXPECT_EQ(receiver_.requests()[0].method, "DELETE");
  EXPECT_EQ(receiver_.requests()[1].method, "GET");
  EXPECT_EQ(receiver_.requests()[1].FindHeader("content-length"), std::nullopt);
}

TEST_F(CurlTransportTest, ReturnsErrorStatusesAsIs) {
  receiver_.SetResponse("/fails", ScriptedResponse::Status(500, "internal"));
  receiver_.SetResponse("/missing", ScriptedResponse::Status(404));

  HttpResponse server_error = transport_->Send(Request("/fails"));
  HttpResponse not_found = transport_->Send(Request("/missing"));

  EXPECT_EQ(server_error.error, TransportError::kNone);
  EXPECT_EQ(server_error.status, 500);
  EXPECT_EQ(server_error.body, "internal");
  EXPECT_EQ(not_found.error, TransportError::kNone);
  EXPECT_EQ(not_found.status, 404);
}

TEST_F(CurlTransportTest, DoesNotFollowRedirect) {
  receiver_.SetResponse("/old", ScriptedResponse::Redirect(receiver_.url("/new")));

  HttpResponse response = transport_->Send(Request("/old"));

  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(response.FindHeader("Location"), receiver_.url("/new"));
  ASSERT_EQ(receiver_.request_count(), 1u);
  EXPECT_EQ(receiver_.requests()[0].path, "/old");
}

TEST_F(CurlTransportTest, KeepsOnlyFinalHeaderBlock) {
  // cpp-httplib replies to "Expect: 100-continue" with an interim 100
  // response before the final one.
  receiver_.SetResponse("/hook", ScriptedResponse::Status(201, "created"));
  HttpRequest request = Request("/hook", "body");
  request.headers = {{"Expect", "100-continue"}};

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "created");
  EXPECT_TRUE(response.FindHeader("Content-Length").has_value());
}

TEST_F(CurlTransportTest, SendsHeaderWithEmptyValue) {
  RawResponseServer server("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
  HttpRequest request = Request("/");
  request.url = server.url();
  request.headers = {{"X-Empty", ""}, {"X-Full", "1"}};

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 204);
  EXPECT_NE(server.request().find("\r\nX-Empty:\r\n"), std::string::npos) << server.request();
  EXPECT_NE(server.request().find("\r\nX-Full: 1\r\n"), std::string::npos) << server.request();
}

TEST_F(CurlTransportTest, ParsesInterimAndFoldedHeaders) {
  RawResponseServer server(
      "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
      "HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\nX-Spaced:   padded  \r\n"
      "Content-Length: 2\r\nConnection: close\r\n\r\nok");
  HttpRequest request = Request("/");
  request.url = server.url();

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
  EXPECT_EQ(response.FindHeader("X-Interim"), std::nullopt);
  EXPECT_EQ(response.FindHeader("X-Folded"), "first second");
  EXPECT_EQ(response.FindHeader("X-Spaced"), "padded");
  EXPECT_EQ(response.headers.size(), 4u);
}

TEST_F(CurlTransportTest, ClosedWithoutResponseIsReceiveFailed) {
  RawResponseServer server("");
  HttpRequest request = Request("/");
  request.url = server.url();

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kReceiveFailed);
  EXPECT_EQ(response.status, 0);
}

TEST_F(CurlTransportTest, MalformedResponseIsReceiveFailed) {
  RawResponseServer server("this is not HTTP\r\n\r\n");
  HttpRequest request = Request("/");
  request.url = server.url();

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kReceiveFailed) << response.error_message;
}

TEST_F(CurlTransportTest, TruncatedBodyIsReceiveFailed) {
  RawResponseServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  HttpRequest request = Request("/");
  request.url = server.url();

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kReceiveFailed) << response.error_message;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
}

TEST_F(CurlTransportTest, RefusedConnectionIsConnectFailed) {
  HttpRequest request = Request("/");
  request.url = "http://127.0.0.1:" + std::to_string(test::RefusedLoopbackPort()) + "/hook";

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kConnectFailed);
  EXPECT_EQ(response.status, 0);
  EXPECT_FALSE(response.error_message.empty());
}

TEST_F(CurlTransportTest, SlowResponseTimesOut) {
  receiver_.SetResponse("/slow", ScriptedResponse::Delayed(seconds(30)));
  HttpRequest request = Request("/slow");
  request.timeout = milliseconds(300);
  request.headers = {{"Authorization", "Bearer secret-token"}};

  const auto start = steady_clock::now();
  HttpResponse response = transport_->Send(request);
  const auto elapsed = steady_clock::now() - start;

  EXPECT_EQ(response.error, TransportError::kTimeout);
  EXPECT_EQ(response.status, 0);
  // libcurl keeps its own clock in whole milliseconds, so it may stop a
  // fraction of a millisecond before this test's clock reaches 300 ms.
  EXPECT_GE(elapsed, milliseconds(290));
  EXPECT_LT(elapsed, request.timeout + kTimingSlack);
  EXPECT_EQ(response.error_message.find("secret-token"), std::string::npos)
      << response.error_message;
}

TEST_F(CurlTransportTest, TrickledBodyTimesOut) {
  // 50 chunks 100 ms apart take 5 s, ten times the timeout.
  receiver_.SetResponse("/trickle",
                        ScriptedResponse::Trickle(std::string(50, 'x'), 1, milliseconds(100)));
  HttpRequest request = Request("/trickle");
  request.timeout = milliseconds(500);

  const auto start = steady_clock::now();
  HttpResponse response = transport_->Send(request);
  const auto elapsed = steady_clock::now() - start;

  EXPECT_EQ(response.error, TransportError::kTimeout);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
  EXPECT_LT(elapsed, request.timeout + kTimingSlack);
}

TEST_F(CurlTransportTest, TrickledBodyWithinTimeoutArrives) {
  receiver_.SetResponse("/trickle", ScriptedResponse::Trickle("abcdef", 2, milliseconds(10)));

  HttpResponse response = transport_->Send(Request("/trickle"));

  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.body, "abcdef");
}

TEST_F(CurlTransportTest, EndlessBodyIsTooLarge) {
  receiver_.SetResponse("/endless", ScriptedResponse::Endless(16 * 1024));
  HttpRequest request = Request("/endless");
  request.max_response_bytes = 64 * 1024;

  const auto start = steady_clock::now();
  HttpResponse response = transport_->Send(request);
  const auto elapsed = steady_clock::now() - start;

  EXPECT_EQ(response.error, TransportError::kBodyTooLarge);
  EXPECT_EQ(response.error_message, "response body exceeds the limit of 65536 bytes");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
  EXPECT_LT(elapsed, kTimingSlack);
}

TEST_F(CurlTransportTest, ContentLengthOverLimitIsTooLarge) {
  receiver_.SetResponse("/big", ScriptedResponse::Status(200, std::string(10 * 1024, 'b')));
  HttpRequest request = Request("/big");
  request.max_response_bytes = 1024;

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kBodyTooLarge);
  EXPECT_EQ(response.body, "");
}

TEST_F(CurlTransportTest, BodyAtLimitArrives) {
  receiver_.SetResponse("/exact", ScriptedResponse::Status(200, std::string(1024, 'e')));
  HttpRequest request = Request("/exact");
  request.max_response_bytes = 1024;

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.body.size(), 1024u);
}

TEST_F(CurlTransportTest, ChunkedBodyOverLimitIsTooLarge) {
  receiver_.SetResponse("/chunked",
                        ScriptedResponse::Trickle(std::string(4096, 'c'), 512, milliseconds(0)));
  HttpRequest request = Request("/chunked");
  request.max_response_bytes = 4095;

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kBodyTooLarge);
}

TEST_F(CurlTransportTest, ReusesConnection) {
  ASSERT_EQ(transport_->Send(Request("/first")).error, TransportError::kNone);
  ASSERT_EQ(transport_->Send(Request("/second")).error, TransportError::kNone);

  const std::vector<test::ReceivedRequest> received = receiver_.requests();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_GT(received[0].remote_port, 0);
  EXPECT_EQ(received[0].remote_port, received[1].remote_port);
}

TEST_F(CurlTransportTest, ReusesConnectionAcrossThreads) {
  ASSERT_EQ(transport_->Send(Request("/first")).error, TransportError::kNone);
  std::thread other(
      [&] { EXPECT_EQ(transport_->Send(Request("/second")).error, TransportError::kNone); });
  other.join();

  const std::vector<test::ReceivedRequest> received = receiver_.requests();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].remote_port, received[1].remote_port);
}

TEST_F(CurlTransportTest, ConcurrentSendsSucceed) {
  constexpr int kThreads = 8;
  constexpr int kRequestsPerThread = 10;
  std::atomic<int> succeeded{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequestsPerThread; ++i) {
        const std::string body = std::to_string(t) + ":" + std::to_string(i);
        HttpResponse response = transport_->Send(Request("/concurrent", body));
        if (response.error == TransportError::kNone && response.status == 200) ++succeeded;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(succeeded.load(), kThreads * kRequestsPerThread);
  EXPECT_EQ(receiver_.request_count(), static_cast<std::size_t>(kThreads * kRequestsPerThread));
}

TEST_F(CurlTransportTest, UnsupportedSchemeIsInvalidRequest) {
  for (const std::string url :
       {"ftp://127.0.0.1/file", "file:///etc/hostname", "http://[::1/hook"}) {
    HttpRequest request = Request("/");
    request.url = url;

    HttpResponse response = transport_->Send(request);

    EXPECT_EQ(response.error, TransportError::kInvalidRequest) << url;
    EXPECT_FALSE(response.error_message.empty()) << url;
  }
}

TEST_F(CurlTransportTest, HttpsToPlainServerIsTlsFailed) {
  HttpRequest request = Request("/");
  request.url = "https://127.0.0.1:" + std::to_string(receiver_.port()) + "/hook";

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kTlsFailed) << response.error_message;
}

TEST_F(CurlTransportTest, RejectsHeaderWithLineBreak) {
  HttpRequest request = Request("/hook");
  request.headers = {{"X-Token", "secret\r\nX-Injected: 1"}};

  HttpResponse response = transport_->Send(request);

  EXPECT_EQ(response.error, TransportError::kInvalidRequest);
  EXPECT_EQ(response.error_message.find("secret"), std::string::npos) << response.error_message;
  EXPECT_EQ(receiver_.request_count(), 0u);
}

TEST_F(CurlTransportTest, RejectsInvalidMethodAndHeaderName) {
  HttpRequest bad_method = Request("/hook");
  bad_method.method = "POST /other HTTP/1.1\r\n";
  HttpRequest bad_name = Request("/hook");
  bad_name.headers = {{"Bad Name", "value"}};
  HttpRequest zero_timeout = Request("/hook");
  zero_timeout.timeout = milliseconds(0);

  EXPECT_EQ(transport_->Send(bad_method).error, TransportError::kInvalidRequest);
  EXPECT_EQ(transport_->Send(bad_name).error, TransportError::kInvalidRequest);
  EXPECT_EQ(transport_->Send(zero_timeout).error, TransportError::kInvalidRequest);
  EXPECT_EQ(receiver_.request_count(), 0u);
}

TEST_F(CurlTransportTest, LatencyCoversServerDelay) {
  receiver_.SetResponse("/delayed", ScriptedResponse::Delayed(milliseconds(50)));

  HttpResponse response = transport_->Send(Request("/delayed"));

  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_GE(response.latency, milliseconds(50));
}

TEST(ClassifyCurlCodeTest, MapsCodes) {
  struct Case {
    CURLcode code;
    bool body_limit_reached;
    bool request_sent;
    TransportError expected;
    bool tls_alert_received = false;
  };
  const Case cases[] = {
      {CURLE_OK, false, true, TransportError::kNone},
      {CURLE_COULDNT_RESOLVE_HOST, false, false, TransportError::kResolveFailed},
      {CURLE_COULDNT_CONNECT, false, false, TransportError::kConnectFailed},
      {CURLE_OPERATION_TIMEDOUT, false, true, TransportError::kTimeout},
      {CURLE_FILESIZE_EXCEEDED, false, true, TransportError::kBodyTooLarge},
      {CURLE_WRITE_ERROR, true, true, TransportError::kBodyTooLarge},
      {CURLE_WRITE_ERROR, false, true, TransportError::kReceiveFailed},
      {CURLE_SSL_CONNECT_ERROR, false, false, TransportError::kTlsFailed},
      {CURLE_PEER_FAILED_VERIFICATION, false, false, TransportError::kTlsFailed},
      {CURLE_SEND_ERROR, false, true, TransportError::kSendFailed},
      {CURLE_RECV_ERROR, false, true, TransportError::kReceiveFailed},
      {CURLE_RECV_ERROR, false, true, TransportError::kTlsFailed, true},
      {CURLE_SEND_ERROR, false, true, TransportError::kTlsFailed, true},
      {CURLE_GOT_NOTHING, false, true, TransportError::kReceiveFailed},
      {CURLE_PARTIAL_FILE, false, true, TransportError::kReceiveFailed},
      {CURLE_WEIRD_SERVER_REPLY, false, true, TransportError::kReceiveFailed},
      {CURLE_URL_MALFORMAT, false, false, TransportError::kInvalidRequest},
      {CURLE_UNSUPPORTED_PROTOCOL, false, false, TransportError::kInvalidRequest},
      {CURLE_UNSUPPORTED_PROTOCOL, false, true, TransportError::kReceiveFailed},
  };
  for (const Case& c : cases) {
    TransferFacts facts;
    facts.body_limit_reached = c.body_limit_reached;
    facts.request_sent = c.request_sent;
    facts.tls_alert_received = c.tls_alert_received;
    EXPECT_EQ(ClassifyCurlCode(c.code, facts), c.expected)
        << curl_easy_strerror(c.code) << ", request sent: " << c.request_sent;
  }
}

TEST(TransportErrorNameTest, NamesEveryError) {
  EXPECT_EQ(TransportErrorName(TransportError::kNone), "none");
  EXPECT_EQ(TransportErrorName(TransportError::kResolveFailed), "resolve_failed");
  EXPECT_EQ(TransportErrorName(TransportError::kConnectFailed), "connect_failed");
  EXPECT_EQ(TransportErrorName(TransportError::kTimeout), "timeout");
  EXPECT_EQ(TransportErrorName(TransportError::kBodyTooLarge), "body_too_large");
  EXPECT_EQ(TransportErrorName(TransportError::kTlsFailed), "tls_failed");
  EXPECT_EQ(TransportErrorName(TransportError::kSendFailed), "send_failed");
  EXPECT_EQ(TransportErrorName(TransportError::kReceiveFailed), "receive_failed");
  EXPECT_EQ(TransportErrorName(TransportError::kInvalidRequest), "invalid_request");
  EXPECT_EQ(TransportErrorName(TransportError::kEgressDenied), "egress_denied");
}

}  // namespace
}  // namespace herald
