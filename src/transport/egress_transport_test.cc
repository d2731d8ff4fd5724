// The egress policy enforced by the libcurl transport. Every connection
// goes to a LoopbackReceiver on 127.0.0.1; other addresses appear only as
// policy data.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "herald/egress_policy.h"
#include "herald/transport.h"
#include "testing/loopback_receiver.h"
#include "transport/curl_egress.h"

namespace herald {
namespace {

using test::LoopbackReceiver;
using ::testing::HasSubstr;

EgressPolicy Policy(const std::vector<std::string>& allow, const std::vector<std::string>& deny) {
  EgressPolicy policy;
  for (const std::string& text : allow) policy.allow.push_back(EgressRule::Parse(text).value());
  for (const std::string& text : deny) policy.deny.push_back(EgressRule::Parse(text).value());
  return policy;
}

class EgressTransportTest : public ::testing::Test {
 protected:
  HttpRequest Request(const std::string& url, const EgressPolicy* policy) const {
    HttpRequest request;
    request.url = url;
    request.body = "{}";
    request.timeout = std::chrono::seconds(5);
    request.egress = policy;
    return request;
  }

  LoopbackReceiver receiver_;
  std::unique_ptr<Transport> transport_ = MakeCurlTransport();
};

TEST_F(EgressTransportTest, DefaultPolicyReachesLoopback) {
  const HttpResponse response = transport_->Send(Request(receiver_.url("/hook"), nullptr));
  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(receiver_.request_count(), 1u);
}

TEST_F(EgressTransportTest, DenyRuleRefusesBeforeConnect) {
  const EgressPolicy policy = Policy({}, {"127.0.0.0/8"});
  const HttpResponse response = transport_->Send(Request(receiver_.url("/hook"), &policy));
  EXPECT_EQ(response.error, TransportError::kEgressDenied);
  EXPECT_EQ(response.error_message, "127.0.0.1 is denied by egress.deny[0] (127.0.0.0/8)");
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(receiver_.request_count(), 0u);
}

TEST_F(EgressTransportTest, AllowListWithoutLoopbackRefuses) {
  const EgressPolicy policy = Policy({"10.0.0.0/8", "hooks.example.com"}, {});
  const HttpResponse response = transport_->Send(Request(receiver_.url("/hook"), &policy));
  EXPECT_EQ(response.error, TransportError::kEgressDenied);
  EXPECT_THAT(response.error_message, HasSubstr("matches no entry of egress.allow"));
  EXPECT_EQ(receiver_.request_count(), 0u);
}

TEST_F(EgressTransportTest, MappedSpellingIsDenied) {
  // The policy refuses the address before any socket opens, so no IPv6
  // connection is attempted.
  const EgressPolicy policy = Policy({}, {"127.0.0.0/8"});
  const std::string url = "http://[::ffff:127.0.0.1]:" + std::to_string(receiver_.port()) + "/hook";
  const HttpResponse response = transport_->Send(Request(url, &policy));
  EXPECT_EQ(response.error, TransportError::kEgressDenied);
  EXPECT_THAT(response.error_message,
              HasSubstr("::ffff:127.0.0.1 (IPv4 127.0.0.1) is denied by egress.deny[0]"));
  EXPECT_EQ(receiver_.request_count(), 0u);
}

// rebind.test is pinned to 127.0.0.1, as a DNS server under an attacker's
// control could answer. The host-name allow rule matches, but the address
// actually connected to is checked against the deny CIDR.
TEST_F(EgressTransportTest, RebindingChecksConnectedAddress) {
  const EgressPolicy policy = Policy({"rebind.test"}, {"127.0.0.0/8"});
  const std::string port = std::to_string(receiver_.port());
  HttpRequest request = Request("http://rebind.test:" + port + "/hook", &policy);
  request.resolve_overrides = {"rebind.test:" + port + ":127.0.0.1"};

  const HttpResponse response = transport_->Send(request);
  EXPECT_EQ(response.error, TransportError::kEgressDenied);
  EXPECT_EQ(response.error_message,
            "127.0.0.1 (host rebind.test) is denied by egress.deny[0] (127.0.0.0/8)");
  EXPECT_EQ(receiver_.request_count(), 0u);
}

TEST_F(EgressTransportTest, HostAllowRulePasses) {
  const EgressPolicy policy = Policy({"*.test"}, {});
  const std::string port = std::to_string(receiver_.port());
  HttpRequest request = Request("http://rebind.test:" + port + "/hook", &policy);
  request.resolve_overrides = {"rebind.test:" + port + ":127.0.0.1"};

  const HttpResponse response = transport_->Send(request);
  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(receiver_.request_count(), 1u);
}

// A connection opened under one policy must not carry a request that a
// later, stricter policy refuses.
TEST_F(EgressTransportTest, ReusedConnectionIsChecked) {
  const HttpResponse first = transport_->Send(Request(receiver_.url("/hook"), nullptr));
  ASSERT_EQ(first.error, TransportError::kNone) << first.error_message;

  const EgressPolicy policy = Policy({}, {"127.0.0.1"});
  const HttpResponse second = transport_->Send(Request(receiver_.url("/hook"), &policy));
  EXPECT_EQ(second.error, TransportError::kEgressDenied);
  EXPECT_EQ(second.error_message, "127.0.0.1 is denied by egress.deny[0] (127.0.0.1)");
  EXPECT_EQ(receiver_.request_count(), 1u);

  const HttpResponse third = transport_->Send(Request(receiver_.url("/hook"), nullptr));
  EXPECT_EQ(third.error, TransportError::kNone) << third.error_message;
  EXPECT_EQ(receiver_.request_count(), 2u);
}

TEST(UrlHostTest, ExtractsHost) {
  EXPECT_EQ(UrlHost("http://Hooks.Example.com:8080/a?b"), "Hooks.Example.com");
  EXPECT_EQ(UrlHost("https://[::1]:443/"), "::1");
  EXPECT_EQ(UrlHost("http://user:pass@127.0.0.1/"), "127.0.0.1");
  EXPECT_EQ(UrlHost("not a url"), "");
}

}  // namespace
}  // namespace herald
