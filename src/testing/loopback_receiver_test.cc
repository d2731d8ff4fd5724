#include "testing/loopback_receiver.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

namespace herald::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A plain cpp-httplib client, so these tests do not depend on herald's
// transport.
httplib::Client ClientFor(const LoopbackReceiver& receiver) {
  httplib::Client client("127.0.0.1", receiver.port());
  client.set_connection_timeout(seconds(5));
  client.set_read_timeout(seconds(5));
  return client;
}

TEST(LoopbackReceiverTest, ListensOnLoopbackPort) {
  LoopbackReceiver receiver;

  EXPECT_GT(receiver.port(), 0);
  EXPECT_EQ(receiver.url("/hook"), "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook");
}

TEST(LoopbackReceiverTest, RecordsRequest) {
  LoopbackReceiver receiver;
  httplib::Client client = ClientFor(receiver);

  auto result = client.Post("/hook?x=1", httplib::Headers{{"X-Custom", "Value"}}, "payload",
                            "application/json");

  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "");
  ASSERT_EQ(receiver.request_count(), 1u);
  const ReceivedRequest received = receiver.requests()[0];
  EXPECT_EQ(received.method, "POST");
  EXPECT_EQ(received.path, "/hook");
  EXPECT_EQ(received.target, "/hook?x=1");
  EXPECT_EQ(received.body, "payload");
  EXPECT_EQ(received.FindHeader("x-custom"), "Value");
  EXPECT_EQ(received.FindHeader("content-type"), "application/json");
  EXPECT_EQ(received.FindHeader("remote_addr"), std::nullopt);
  EXPECT_GT(received.remote_port, 0);
}

TEST(LoopbackReceiverTest, AcceptsEveryParsedMethod) {
  LoopbackReceiver receiver;
  httplib::Client client = ClientFor(receiver);

  EXPECT_TRUE(client.Get("/a"));
  EXPECT_TRUE(client.Head("/b"));
  EXPECT_TRUE(client.Put("/c", "1", "text/plain"));
  EXPECT_TRUE(client.Patch("/d", "2", "text/plain"));
  EXPECT_TRUE(client.Delete("/e"));
  EXPECT_TRUE(client.Options("/f"));

  ASSERT_EQ(receiver.request_count(), 6u);
  const auto received = receiver.requests();
  EXPECT_EQ(received[0].method, "GET");
  EXPECT_EQ(received[1].method, "HEAD");
  EXPECT_EQ(received[2].method, "PUT");
  EXPECT_EQ(received[3].method, "PATCH");
  EXPECT_EQ(received[4].method, "DELETE");
  EXPECT_EQ(received[5].method, "OPTIONS");
}

TEST(LoopbackReceiverTest, AnswersWithFixedResponse) {
  LoopbackReceiver receiver;
  ScriptedResponse scripted = ScriptedResponse::Status(503, "busy");
  scripted.headers.push_back({"Retry-After", "2"});
  receiver.SetResponse("/hook", scripted);
  httplib::Client client = ClientFor(receiver);

  auto first = client.Post("/hook", "", "text/plain");
  auto second = client.Post("/hook", "", "text/plain");
  auto other_path = client.Post("/other", "", "text/plain");

  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  ASSERT_TRUE(other_path);
  EXPECT_EQ(first->status, 503);
  EXPECT_EQ(first->body, "busy");
  EXPECT_EQ(first->get_header_value("Retry-After"), "2");
  EXPECT_EQ(second->status, 503);
  EXPECT_EQ(other_path->status, 200);
}

TEST(LoopbackReceiverTest, QueuedResponsesComeFirstInOrder) {
  LoopbackReceiver receiver;
  receiver.SetResponse("/hook", ScriptedResponse::Status(200, "fixed"));
  receiver.EnqueueResponse("/hook", ScriptedResponse::Status(500));
  receiver.EnqueueResponse("/hook", ScriptedResponse::Status(502));
  httplib::Client client = ClientFor(receiver);

  auto first = client.Get("/hook");
  auto second = client.Get("/hook");
  auto third = client.Get("/hook");

  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  ASSERT_TRUE(third);
  EXPECT_EQ(first->status, 500);
  EXPECT_EQ(second->status, 502);
  EXPECT_EQ(third->status, 200);
  EXPECT_EQ(third->body, "fixed");
}

TEST(LoopbackReceiverTest, HandlerSeesRequest) {
  LoopbackReceiver receiver;
  receiver.SetHandler("/echo", [](const ReceivedRequest& request) {
    return ScriptedResponse::Status(201, request.method + " " + request.body);
  });
  httplib::Client client = ClientFor(receiver);

  auto result = client.Put("/echo", "data", "text/plain");

  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 201);
  EXPECT_EQ(result->body, "PUT data");
}

TEST(LoopbackReceiverTest, RedirectSetsLocation) {
  LoopbackReceiver receiver;
  receiver.SetResponse("/old", ScriptedResponse::Redirect("/new"));
  httplib::Client client = ClientFor(receiver);

  auto result = client.Get("/old");

  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 302);
  EXPECT_EQ(result->get_header_value("Location"), "/new");
}

TEST(LoopbackReceiverTest, TrickleSendsWholeBody) {
  LoopbackReceiver receiver;
  receiver.SetResponse("/slow", ScriptedResponse::Trickle("0123456789", 3, milliseconds(5)));
  httplib::Client client = ClientFor(receiver);

  auto result = client.Get("/slow");

  ASSERT_TRUE(result);
  EXPECT_EQ(result->body, "0123456789");
  EXPECT_EQ(result->get_header_value("Transfer-Encoding"), "chunked");
}

TEST(LoopbackReceiverTest, EndlessBodyStopsWhenClientLeaves) {
  LoopbackReceiver receiver;
  receiver.SetResponse("/endless", ScriptedResponse::Endless(1024));
  httplib::Client client = ClientFor(receiver);
  std::size_t received_bytes = 0;

  auto result = client.Get("/endless", [&](const char*, std::size_t length) {
    received_bytes += length;
    return received_bytes < 100 * 1024;  // false closes the connection.
  });

  EXPECT_FALSE(result);
  EXPECT_GE(received_bytes, 100u * 1024);
}

TEST(LoopbackReceiverTest, WaitForRequestsSeesDelayedRequest) {
  LoopbackReceiver receiver;
  receiver.SetResponse("/slow", ScriptedResponse::Delayed(seconds(30)));

  std::thread sender([&receiver] {
    httplib::Client client = ClientFor(receiver);
    client.set_read_timeout(seconds(60));
    client.Get("/slow");  // Ends when the receiver stops.
  });

  // The request counts before its delayed response is sent.
  EXPECT_TRUE(receiver.WaitForRequests(1, seconds(5)));
  EXPECT_EQ(receiver.requests()[0].path, "/slow");
  receiver.Stop();  // Ends the 30 s delay early.
  sender.join();
}

TEST(LoopbackReceiverTest, WaitForRequestsTimesOut) {
  LoopbackReceiver receiver;

  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(receiver.WaitForRequests(1, milliseconds(50)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(50));
}

TEST(LoopbackReceiverTest, StopIsIdempotent) {
  LoopbackReceiver receiver;
  receiver.Stop();
  receiver.Stop();
}

TEST(RefusedLoopbackPortTest, RefusesConnections) {
  httplib::Client client("127.0.0.1", RefusedLoopbackPort());
  client.set_connection_timeout(seconds(5));

  auto result = client.Get("/");

  EXPECT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::Connection);
}

}  // namespace
}  // namespace herald::test
