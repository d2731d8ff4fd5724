#include "receiver/receiver.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "receiver/http_server_thread.h"

namespace herald {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

ReceiverOptions LoopbackOptions() {
  ReceiverOptions options;
  options.port = 0;
  return options;
}

httplib::Client ClientFor(const Receiver& receiver) {
  httplib::Client client("127.0.0.1", receiver.port());
  client.set_connection_timeout(seconds(5));
  client.set_read_timeout(seconds(5));
  return client;
}

TEST(HttpServerThreadTest, KeepsConnectionOpenPastFiveRequests) {
  HttpServerThread::Options options;
  options.keep_alive_max_requests = 3;
  HttpServerThread limited(options);
  options.keep_alive_max_requests = 100;
  HttpServerThread server(options);

  // The client's port identifies the connection that carried each request.
  std::mutex mutex;
  std::vector<int> ports;
  for (HttpServerThread* each : {&limited, &server}) {
    each->server().Get("/", [&](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex);
      ports.push_back(request.remote_port);
      response.set_content("ok", "text/plain");
    });
    ASSERT_EQ(each->Start("127.0.0.1", 0), std::nullopt);
  }

  auto connections_for_20_requests = [&](int port) {
    ports.clear();
    httplib::Client client("127.0.0.1", port);
    client.set_keep_alive(true);
    for (int i = 0; i < 20; ++i) {
      auto result = client.Get("/");
      EXPECT_TRUE(result);
      if (result) {
        EXPECT_EQ(result->status, 200);
      }
    }
    std::lock_guard lock(mutex);
    return std::set<int>(ports.begin(), ports.end()).size();
  };
  EXPECT_GE(connections_for_20_requests(limited.port()), 7U);
  EXPECT_EQ(connections_for_20_requests(server.port()), 1U);
}

TEST(ReceiverTest, AnswersWithConfiguredResponse) {
  ReceiverOptions options = LoopbackOptions();
  options.status = 202;
  options.body = R"({"accepted":true})";
  std::ostringstream out;
  Receiver receiver(options, out);
  ASSERT_EQ(receiver.Start(), std::nullopt);

  httplib::Client client = ClientFor(receiver);
  auto result = client.Post("/sync-webhook", "{}", "application/json");

  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 202);
  EXPECT_EQ(result->body, R"({"accepted":true})");
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(receiver.request_count(), 1u);
}

TEST(ReceiverTest, PrintsRequestReadably) {
  std::ostringstream out;
  Receiver receiver(LoopbackOptions(), out);
  ASSERT_EQ(receiver.Start(), std::nullopt);

  httplib::Client client = ClientFor(receiver);
  ASSERT_TRUE(client.Post("/sync-webhook?run=1", httplib::Headers{{"X-Herald-Event", "train"}},
                          R"({"model":"m1"})", "application/json"));
  receiver.Stop();

  const std::string printed = out.str();
  EXPECT_EQ(printed.rfind("POST /sync-webhook?run=1\n", 0), 0u) << printed;
  EXPECT_NE(printed.find("\nX-Herald-Event: train\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("\nContent-Type: application/json\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("\n\n{\"model\":\"m1\"}\n\n"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("REMOTE_ADDR"), std::string::npos) << printed;
}

TEST(ReceiverTest, PrintsJsonLines) {
  ReceiverOptions options = LoopbackOptions();
  options.json_log = true;
  std::ostringstream out;
  Receiver receiver(options, out);
  ASSERT_EQ(receiver.Start(), std::nullopt);

  httplib::Client client = ClientFor(receiver);
  ASSERT_TRUE(client.Put("/hook", "line1\nline2", "text/plain"));
  receiver.Stop();

  const std::string printed = out.str();
  EXPECT_EQ(printed.rfind(R"({"method":"PUT","target":"/hook","headers":{)", 0), 0u) << printed;
  EXPECT_NE(printed.find(R"("body":"line1\nline2"})"), std::string::npos) << printed;
  EXPECT_EQ(printed.back(), '\n');
  EXPECT_EQ(printed.find('\n'), printed.size() - 1) << "expected exactly one line";
}

TEST(ReceiverTest, FormatsInvalidUtf8AsJson) {
  httplib::Request request;
  request.method = "POST";
  request.target = "/hook";
  request.body = std::string("\xff\xfe", 2);

  const std::string line = FormatReceivedRequest(request, /*json=*/true);

  // U+FFFD REPLACEMENT CHARACTER, in UTF-8, for each invalid byte.
  EXPECT_NE(line.find("\"body\":\"\xEF\xBF\xBD\xEF\xBF\xBD\""), std::string::npos) << line;
}

TEST(ReceiverTest, StopsAfterMaxRequests) {
  ReceiverOptions options = LoopbackOptions();
  options.max_requests = 2;
  std::ostringstream out;
  Receiver receiver(options, out);
  ASSERT_EQ(receiver.Start(), std::nullopt);

  httplib::Client client = ClientFor(receiver);
  ASSERT_TRUE(client.Post("/one", "", "text/plain"));
  EXPECT_FALSE(receiver.WaitFor(milliseconds(0)));
  ASSERT_TRUE(client.Post("/two", "", "text/plain"));

  EXPECT_TRUE(receiver.WaitFor(seconds(5)));
  EXPECT_EQ(receiver.request_count(), 2u);
}

TEST(ReceiverTest, DelaysResponse) {
  ReceiverOptions options = LoopbackOptions();
  options.delay = milliseconds(100);
  std::ostringstream out;
  Receiver receiver(options, out);
  ASSERT_EQ(receiver.Start(), std::nullopt);

  httplib::Client client = ClientFor(receiver);
  const auto start = std::chrono::steady_clock::now();
  auto result = client.Get("/hook");

  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));
}

TEST(ReceiverTest, StartFailsOnPortInUse) {
  std::ostringstream out;
  Receiver first(LoopbackOptions(), out);
  ASSERT_EQ(first.Start(), std::nullopt);

  ReceiverOptions options = LoopbackOptions();
  options.port = first.port();
  Receiver second(options, out);
  const std::optional<std::string> error = second.Start();

  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("failed to listen on 127.0.0.1:" + std::to_string(first.port())),
            std::string::npos)
      << *error;
}

// Posts `body` with Standard Webhooks headers for `id` at `timestamp`.
void PostSigned(const Receiver& receiver, const std::string& body, const std::string& id,
                std::int64_t timestamp, const std::string& signature) {
  httplib::Client client = ClientFor(receiver);
  const httplib::Headers headers = {{"webhook-id", id},
                                    {"webhook-timestamp", std::to_string(timestamp)},
                                    {"webhook-signature", signature}};
  ASSERT_TRUE(client.Post("/hook", headers, body, "application/json"));
}

TEST(ReceiverTest, PrintsSignatureVerdicts) {
  const std::string old_secret(24, 'o');
  const std::string new_secret(32, 'n');
  const std::string seed(32, 's');
  ReceiverOptions options = LoopbackOptions();
  options.verification_keys = {{new_secret, old_secret}, {DerivePublicKey(seed)}};
  std::ostringstream out;
  Receiver receiver(options, out);
  ASSERT_EQ(receiver.Start(), std::nullopt);
  const std::string body = R"({"model":"m1"})";
  const std::int64_t now = UnixSeconds(std::chrono::system_clock::now());

  PostSigned(receiver, body, "id-1", now, SignSymmetric(old_secret, "id-1", now, body));
  PostSigned(receiver, body, "id-2", now, SignAsymmetric(seed, "id-2", now, body));
  PostSigned(receiver, body + " ", "id-3", now, SignSymmetric(new_secret, "id-3", now, body));
  PostSigned(receiver, body, "id-4", now - 600, SignSymmetric(new_secret, "id-4", now - 600, body));
  httplib::Client client = ClientFor(receiver);
  ASSERT_TRUE(client.Post("/hook", body, "application/json"));
  receiver.Stop();

  const std::string printed = out.str();
  const std::vector<std::string> expected = {
      "\n\nsignature: valid (key 2)\n\n",
      "\n\nsignature: valid (key 3)\n\n",
      "\n\nsignature: INVALID (no signature in webhook-signature matches any of the 3 keys)\n\n",
      "\n\nsignature: INVALID (webhook-timestamp is 6",  // 600 s, or 601 across a second.
      "\n\nsignature: missing\n\n",
  };
  std::size_t from = 0;
  for (const std::string& line : expected) {
    const std::size_t at = printed.find(line, from);
    ASSERT_NE(at, std::string::npos) << "expected, in order: " << line << "\n" << printed;
    from = at + line.size();
  }
}

TEST(ReceiverTest, PrintsSignatureInJson) {
  const std::string secret(24, 'k');
  ReceiverOptions options = LoopbackOptions();
  options.json_log = true;
  options.verification_keys.secrets = {secret};
  std::ostringstream out;
  Receiver receiver(options, out);
  ASSERT_EQ(receiver.Start(), std::nullopt);
  const std::int64_t now = UnixSeconds(std::chrono::system_clock::now());

  PostSigned(receiver, "{}", "id-1", now, SignSymmetric(secret, "id-1", now, "{}"));
  PostSigned(receiver, "{}", "id-2", now, "v1,bm90LWEtc2lnbmF0dXJl");
  receiver.Stop();

  const std::string printed = out.str();
  EXPECT_NE(printed.find(R"("signature":{"status":"valid","key":1}})"), std::string::npos)
      << printed;
  EXPECT_NE(printed.find(R"("signature":{"status":"invalid","reason":"no signature in )"),
            std::string::npos)
      << printed;
}

TEST(ReceiverTest, PrintsNoSignatureWithoutKeys) {
  std::ostringstream out;
  Receiver receiver(LoopbackOptions(), out);
  ASSERT_EQ(receiver.Start(), std::nullopt);

  PostSigned(receiver, "{}", "id-1", 0, "v1,abc");
  receiver.Stop();

  EXPECT_EQ(out.str().find("\nsignature:"), std::string::npos) << out.str();
}

TEST(RunReceiverTest, StopsWhenFlagIsSet) {
  std::ostringstream out;
  std::ostringstream err;
  std::atomic<bool> stop{false};

  std::thread runner([&] { EXPECT_EQ(RunReceiver(LoopbackOptions(), out, err, &stop), 0); });
  stop = true;
  runner.join();

  EXPECT_NE(err.str().find("listening on http://127.0.0.1:"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("stopped after 0 requests"), std::string::npos) << err.str();
}

TEST(RunReceiverTest, ReportsBindFailure) {
  ReceiverOptions options = LoopbackOptions();
  options.host = "203.0.113.1";  // TEST-NET-3: not an address of this machine.
  std::ostringstream out;
  std::ostringstream err;

  EXPECT_EQ(RunReceiver(options, out, err, nullptr), 1);
  EXPECT_NE(err.str().find("failed to listen on 203.0.113.1:0"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace herald
