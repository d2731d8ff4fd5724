#ifndef HERALD_EGRESS_POLICY_H_
#define HERALD_EGRESS_POLICY_H_

// The egress policy: which peers herald may open connections to.
//
// The libcurl transport checks the policy on every address right before it
// connects, so the check sees the address actually connected to, also when
// DNS answers change between lookups. The decision for one connection, in
// order:
//
//  1. Normalise. An IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
//     (::a.b.c.d, except :: and ::1) or NAT64 (64:ff9b::a.b.c.d) address
//     also counts as its embedded IPv4 address a.b.c.d. A CIDR rule matches
//     when it contains either form.
//  2. Built-in blocks. These ranges are refused even when no rule names
//     them: 0.0.0.0/8, :: (unspecified), 169.254.0.0/16 and fe80::/10 (link
//     local), and the cloud metadata addresses 169.254.169.254 and
//     fd00:ec2::254. An address in one of them passes this step only when an
//     `allow` CIDR that lies inside the blocked range covers it (for example
//     169.254.10.0/24); a wider CIDR such as 0.0.0.0/0 and host-name rules do
//     not count. `allowLinkLocal: true` lifts the two link-local blocks but
//     not the metadata addresses.
//  3. `deny` rules. Any matching deny rule refuses the connection, even when
//     an allow rule matches too.
//  4. `allow` rules. When the allow list is not empty, only a connection that
//     matches one of its rules passes.
//  5. Otherwise the connection passes. With no rules at all, loopback and
//     private ranges stay reachable, because platform webhooks usually run
//     in the same cluster.
//
// A CIDR rule matches the address connected to. A host-name rule matches the
// host of the request URL: `hooks.example.com` matches that name exactly,
// `*.example.com` matches any name that ends in `.example.com`. Names compare
// case-insensitively and without a trailing dot. A host-name allow rule
// trusts DNS for that name, so pair it with deny CIDRs for the ranges that
// name must never reach.
//
// Every type here is a value; CheckEgress() is pure and thread-safe.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "herald/result.h"

namespace herald {

// An IPv4 or IPv6 address in network byte order.
struct IpAddress {
  enum class Family { kV4, kV6 };

  Family family = Family::kV4;
  // IPv4 uses the first 4 bytes; the rest stay zero.
  std::array<std::uint8_t, 16> bytes{};

  // Parses dotted-quad IPv4 ("10.0.0.1") or IPv6 text ("fe80::1"), without
  // brackets, zone index or prefix. Returns nullopt for anything else,
  // including the shortened IPv4 forms that inet_aton() accepts ("10.1").
  static std::optional<IpAddress> Parse(std::string_view text);

  // Builds an IPv4 address from its four bytes.
  static IpAddress V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);

  // Returns the IPv4 address embedded in an IPv4-mapped, IPv4-compatible or
  // NAT64 IPv6 address, or nullopt for every other address.
  std::optional<IpAddress> EmbeddedIpv4() const;

  // Formats as inet_ntop() does.
  std::string ToString() const;

  int bit_count() const { return family == Family::kV4 ? 32 : 128; }
};

// An address prefix such as 10.0.0.0/8 or fd00::/8.
struct IpNetwork {
  // Its bits past prefix_length are zero.
  IpAddress base;
  int prefix_length = 0;

  // Parses "ADDRESS/LENGTH", or a bare address as a /32 or /128. Fails with
  // kInvalidArgument when the text is not of that form, the length is out
  // of range, or the address has bits set past the prefix.
  static Result<IpNetwork> Parse(std::string_view text);

  // Returns whether `address` is of the same family and inside the prefix.
  bool Contains(const IpAddress& address) const;

  // Returns whether every address of `other` is inside this prefix.
  bool Contains(const IpNetwork& other) const;

  // Formats as "base/prefix_length".
  std::string ToString() const;
};

// One entry of `egress.allow` or `egress.deny`: a CIDR or a host name.
struct EgressRule {
  // Set for a CIDR rule.
  std::optional<IpNetwork> network;
  // For a host-name rule: the lower-case name without a trailing dot,
  // possibly starting with "*.".
  std::string host;
  // The rule as the config wrote it, for messages.
  std::string text;

  // Parses a rule. Text with a '/' or ':', or made only of digits and dots,
  // must be a CIDR or an address. Any other text must be a host name of
  // letters, digits, '-', '_' and '.', optionally starting with "*.".
  // Fails with kInvalidArgument and a message that names the problem.
  static Result<EgressRule> Parse(std::string_view text);

  // Returns whether this rule matches a connection to `address` (already
  // normalised as step 1 above describes) for a URL whose host is
  // `url_host`.
  bool Matches(std::string_view url_host, const IpAddress& address) const;
};

struct EgressPolicy {
  std::vector<EgressRule> allow;
  std::vector<EgressRule> deny;
  // Lifts the built-in blocks of 169.254.0.0/16 and fe80::/10, except for
  // the metadata address 169.254.169.254.
  bool allow_link_local = false;
};

struct EgressVerdict {
  bool allowed = true;
  // The reason for a refusal, naming the rule or built-in block, for
  // example "127.0.0.1 is denied by egress.deny[0] (127.0.0.0/8)". Empty
  // when allowed.
  std::string reason;
};

// Decides whether herald may connect to `address` for a request whose URL
// host is `url_host` (a name, or an address without brackets).
EgressVerdict CheckEgress(const EgressPolicy& policy, std::string_view url_host,
                          const IpAddress& address);

}  // namespace herald

#endif  // HERALD_EGRESS_POLICY_H_
