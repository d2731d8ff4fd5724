// Addresses in these tests are data for the policy only; nothing here opens
// a connection.

#include "herald/egress_policy.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace herald {
namespace {

using ::testing::HasSubstr;

IpAddress Address(const std::string& text) {
  const std::optional<IpAddress> address = IpAddress::Parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

EgressPolicy Policy(const std::vector<std::string>& allow, const std::vector<std::string>& deny,
                    bool allow_link_local = false) {
  EgressPolicy policy;
  policy.allow_link_local = allow_link_local;
  for (const std::string& text : allow) {
    Result<EgressRule> rule = EgressRule::Parse(text);
    EXPECT_TRUE(rule.ok()) << text;
    if (rule.ok()) policy.allow.push_back(rule.value());
  }
  for (const std::string& text : deny) {
    Result<EgressRule> rule = EgressRule::Parse(text);
    EXPECT_TRUE(rule.ok()) << text;
    if (rule.ok()) policy.deny.push_back(rule.value());
  }
  return policy;
}

TEST(IpAddressTest, ParsesBothFamilies) {
  EXPECT_EQ(Address("10.1.2.3").ToString(), "10.1.2.3");
  EXPECT_EQ(Address("10.1.2.3").family, IpAddress::Family::kV4);
  EXPECT_EQ(Address("FE80::1").ToString(), "fe80::1");
  EXPECT_EQ(Address("::ffff:169.254.169.254").ToString(), "::ffff:169.254.169.254");
}

TEST(IpAddressTest, RejectsAmbiguousSpellings) {
  for (const char* text : {"", "10.1", "10.0.0.010", "0x7f.0.0.1", "2130706433", "[::1]",
                           "fe80::1%eth0", "::1/128", "1.2.3.4 ", "localhost"}) {
    EXPECT_FALSE(IpAddress::Parse(text).has_value()) << text;
  }
  EXPECT_FALSE(IpAddress::Parse(std::string("1.2.3.4\0", 8)).has_value());
}

TEST(IpAddressTest, EmbeddedIpv4) {
  struct Case {
    const char* address;
    const char* embedded;  // nullptr: none
  };
  const Case cases[] = {
      {"::ffff:127.0.0.1", "127.0.0.1"},
      {"::ffff:a9fe:a9fe", "169.254.169.254"},
      {"::169.254.169.254", "169.254.169.254"},
      {"64:ff9b::a9fe:a9fe", "169.254.169.254"},
      {"64:ff9b::10.0.0.1", "10.0.0.1"},
      {"::", nullptr},
      {"::1", nullptr},
      {"::2", "0.0.0.2"},
      {"64:ff9b:1::a9fe:a9fe", nullptr},
      {"2001:db8::1", nullptr},
      {"127.0.0.1", nullptr},
  };
  for (const Case& c : cases) {
    const std::optional<IpAddress> embedded = Address(c.address).EmbeddedIpv4();
    if (c.embedded == nullptr) {
      EXPECT_FALSE(embedded.has_value()) << c.address;
    } else {
      ASSERT_TRUE(embedded.has_value()) << c.address;
      EXPECT_EQ(embedded->ToString(), c.embedded) << c.address;
    }
  }
}

TEST(IpNetworkTest, ParsesAndContains) {
  const Result<IpNetwork> network = IpNetwork::Parse("10.20.0.0/16");
  ASSERT_TRUE(network.ok()) << network.error().message;
  EXPECT_TRUE(network->Contains(Address("10.20.255.1")));
  EXPECT_FALSE(network->Contains(Address("10.21.0.1")));
  EXPECT_FALSE(network->Contains(Address("::ffff:10.20.0.1")));

  const Result<IpNetwork> v6 = IpNetwork::Parse("fd00::/8");
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_TRUE(v6->Contains(Address("fd12::1")));
  EXPECT_FALSE(v6->Contains(Address("fe80::1")));

  const Result<IpNetwork> single = IpNetwork::Parse("192.0.2.7");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->prefix_length, 32);
  EXPECT_EQ(single->ToString(), "192.0.2.7/32");

  const Result<IpNetwork> everything = IpNetwork::Parse("0.0.0.0/0");
  ASSERT_TRUE(everything.ok());
  EXPECT_TRUE(everything->Contains(Address("203.0.113.9")));
  EXPECT_TRUE(everything->Contains(*single));
  EXPECT_FALSE(single->Contains(*everything));
}

TEST(IpNetworkTest, RejectsInvalidText) {
  struct Case {
    const char* text;
    const char* message_part;
  };
  const Case cases[] = {
      {"10.0.0.0/33", "from 0 to 32"},
      {"fd00::/129", "from 0 to 128"},
      {"10.0.0.0/", "prefix length"},
      {"10.0.0.0/-1", "prefix length"},
      {"10.0.0.0/+8", "prefix length"},
      {"10.0.0.0/0008", "prefix length"},
      {"10.0.0.0/8/8", "prefix length"},
      {"10.0.0.1/8", "write 10.0.0.0/8"},
      {"fe80::1/10", "write fe80::/10"},
      {"/8", "not an IPv4 or IPv6 address"},
      {"300.0.0.0/8", "not an IPv4 or IPv6 address"},
  };
  for (const Case& c : cases) {
    const Result<IpNetwork> network = IpNetwork::Parse(c.text);
    ASSERT_FALSE(network.ok()) << c.text;
    EXPECT_THAT(network.error().message, HasSubstr(c.message_part)) << c.text;
  }
}

TEST(EgressRuleTest, ParsesHostNames) {
  const Result<EgressRule> exact = EgressRule::Parse("Hooks.Example.COM.");
  ASSERT_TRUE(exact.ok()) << exact.error().message;
  EXPECT_FALSE(exact->network.has_value());
  EXPECT_EQ(exact->host, "hooks.example.com");
  EXPECT_EQ(exact->text, "Hooks.Example.COM.");

  const Result<EgressRule> wildcard = EgressRule::Parse("*.svc.cluster.local");
  ASSERT_TRUE(wildcard.ok()) << wildcard.error().message;
  const IpAddress any = IpAddress::V4(10, 0, 0, 1);
  EXPECT_TRUE(wildcard->Matches("a.svc.cluster.local", any));
  EXPECT_TRUE(wildcard->Matches("A.B.SVC.cluster.local.", any));
  EXPECT_FALSE(wildcard->Matches("svc.cluster.local", any));
  EXPECT_FALSE(wildcard->Matches("evilsvc.cluster.local", any));
  EXPECT_TRUE(exact->Matches("HOOKS.example.com", any));
  EXPECT_FALSE(exact->Matches("x.hooks.example.com", any));
}

TEST(EgressRuleTest, RejectsInvalidRules) {
  for (const char* text : {"", "*", "*.", "a..b", "hooks.example.com/path", "http://x", "1.2.3",
                           "1.2.3.4.5", "exa mple.com", "*.*.example.com", "-"}) {
    EXPECT_FALSE(EgressRule::Parse(text).ok()) << text;
  }
  EXPECT_THAT(EgressRule::Parse("10.0.0.0/33").error().message, HasSubstr("invalid CIDR"));
}

// One connection and whether the policy lets it through.
struct EgressCase {
  const char* address;
  bool allowed;
  const char* host = "";
};

void ExpectVerdicts(const EgressPolicy& policy, const std::vector<EgressCase>& cases) {
  for (const EgressCase& c : cases) {
    const EgressVerdict verdict = CheckEgress(policy, c.host, Address(c.address));
    EXPECT_EQ(verdict.allowed, c.allowed)
        << c.address << " host " << c.host << ": " << verdict.reason;
    EXPECT_EQ(verdict.reason.empty(), c.allowed) << c.address;
  }
}

TEST(CheckEgressTest, BuiltInBlocksEverySpelling) {
  ExpectVerdicts(EgressPolicy{}, {
                                     {"169.254.169.254", false},
                                     {"169.254.0.1", false},
                                     {"::ffff:169.254.169.254", false},
                                     {"::ffff:a9fe:a9fe", false},
                                     {"::169.254.169.254", false},
                                     {"64:ff9b::169.254.169.254", false},
                                     {"fd00:ec2::254", false},
                                     {"fe80::1", false},
                                     {"febf::1", false},
                                     {"0.0.0.0", false},
                                     {"0.1.2.3", false},
                                     {"::ffff:0.0.0.0", false},
                                     {"::", false},
                                     {"fd00:ec2::253", true},
                                     {"fec0::1", true},
                                     {"64:ff9b:1::a9fe:a9fe", true},
                                 });
}

TEST(CheckEgressTest, NoRulesKeepsLoopbackAndPrivateRanges) {
  ExpectVerdicts(EgressPolicy{}, {
                                     {"127.0.0.1", true},
                                     {"::1", true},
                                     {"10.1.2.3", true},
                                     {"172.16.0.1", true},
                                     {"192.168.1.1", true},
                                     {"fd12::1", true},
                                     {"203.0.113.5", true},
                                 });
}

TEST(CheckEgressTest, BlockNamesTheRange) {
  const EgressVerdict verdict = CheckEgress(EgressPolicy{}, "", Address("::ffff:169.254.169.254"));
  EXPECT_FALSE(verdict.allowed);
  EXPECT_THAT(verdict.reason, HasSubstr("::ffff:169.254.169.254 (IPv4 169.254.169.254)"));
  EXPECT_THAT(verdict.reason, HasSubstr("cloud metadata address (169.254.169.254/32)"));
}

TEST(CheckEgressTest, NarrowAllowLiftsBlock) {
  const EgressPolicy policy = Policy({"169.254.10.0/24", "fe80::/64"}, {});
  ExpectVerdicts(policy, {
                             {"169.254.10.7", true},
                             {"::ffff:169.254.10.7", true},
                             {"169.254.11.7", false},
                             {"169.254.169.254", false},
                             {"fe80::5", true},
                             {"fe80:0:0:1::5", false},
                         });
}

TEST(CheckEgressTest, WideAllowDoesNotLiftBlock) {
  const EgressPolicy policy = Policy({"0.0.0.0/0", "::/0", "metadata.internal"}, {});
  ExpectVerdicts(policy, {
                             {"169.254.169.254", false, "metadata.internal"},
                             {"fd00:ec2::254", false},
                             {"0.0.0.0", false},
                             {"::", false},
                             {"203.0.113.5", true},
                         });
}

TEST(CheckEgressTest, ExplicitMetadataAllow) {
  ExpectVerdicts(Policy({"169.254.169.254/32"}, {}), {{"169.254.169.254", true}});
  ExpectVerdicts(Policy({"fd00:ec2::254"}, {}), {{"fd00:ec2::254", true}});
}

TEST(CheckEgressTest, AllowLinkLocalKeepsMetadataBlocked) {
  const EgressPolicy policy = Policy({}, {}, /*allow_link_local=*/true);
  ExpectVerdicts(policy, {
                             {"169.254.0.1", true},
                             {"fe80::1", true},
                             {"169.254.169.254", false},
                             {"::ffff:169.254.169.254", false},
                             {"fd00:ec2::254", false},
                             {"0.0.0.0", false},
                         });
}

TEST(CheckEgressTest, DenyWinsOverAllow) {
  const EgressPolicy policy = Policy({"10.0.0.0/8", "hooks.example.com"}, {"10.0.5.0/24"});
  ExpectVerdicts(policy, {
                             {"10.0.4.1", true},
                             {"10.0.5.1", false},
                             {"10.0.5.1", false, "hooks.example.com"},
                         });
  const EgressVerdict verdict = CheckEgress(policy, "", Address("10.0.5.1"));
  EXPECT_EQ(verdict.reason, "10.0.5.1 is denied by egress.deny[0] (10.0.5.0/24)");
}

TEST(CheckEgressTest, DenyMatchesEmbeddedIpv4) {
  const EgressPolicy policy = Policy({}, {"127.0.0.0/8"});
  ExpectVerdicts(policy, {
                             {"127.0.0.1", false},
                             {"::ffff:127.0.0.1", false},
                             {"::127.0.0.1", false},
                             {"64:ff9b::127.0.0.1", false},
                             {"::1", true},
                         });
}

TEST(CheckEgressTest, MappedCidrRuleMatchesRawForm) {
  const EgressPolicy policy = Policy({}, {"64:ff9b::/96"});
  ExpectVerdicts(policy, {{"64:ff9b::10.0.0.1", false}, {"10.0.0.1", true}});
}

TEST(CheckEgressTest, AllowListRefusesTheRest) {
  const EgressPolicy policy = Policy({"10.20.0.0/16", "*.example.com"}, {});
  ExpectVerdicts(policy, {
                             {"10.20.3.4", true},
                             {"127.0.0.1", false},
                             {"::1", false},
                             {"203.0.113.5", true, "hooks.example.com"},
                             {"203.0.113.5", false, "example.com"},
                         });
  const EgressVerdict verdict = CheckEgress(policy, "localhost", Address("127.0.0.1"));
  EXPECT_EQ(verdict.reason,
            "127.0.0.1 (host localhost) is not allowed: it matches no entry of egress.allow");
}

TEST(CheckEgressTest, HostAllowWithDenyCidrStopsRebinding) {
  const EgressPolicy policy = Policy({"rebind.test"}, {"127.0.0.0/8"});
  const EgressVerdict verdict = CheckEgress(policy, "rebind.test", Address("127.0.0.1"));
  EXPECT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.reason,
            "127.0.0.1 (host rebind.test) is denied by egress.deny[0] (127.0.0.0/8)");
}

TEST(CheckEgressTest, DenyHostName) {
  const EgressPolicy policy = Policy({}, {"*.internal.example"});
  ExpectVerdicts(policy, {
                             {"203.0.113.5", false, "db.internal.example"},
                             {"203.0.113.5", true, "hooks.example"},
                         });
}

}  // namespace
}  // namespace herald
