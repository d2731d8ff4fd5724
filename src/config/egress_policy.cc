#include "herald/egress_policy.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <utility>

#include <fmt/format.h>

namespace herald {
namespace {

// A range that CheckEgress() refuses unless an allow CIDR inside it covers
// the address.
struct BuiltInBlock {
  IpNetwork network;
  std::string_view description;
  // Lifted by allowLinkLocal.
  bool link_local = false;
};

IpNetwork MustParseNetwork(std::string_view text) {
  Result<IpNetwork> network = IpNetwork::Parse(text);
  // The texts are constants below, so a failure is a bug caught by the tests.
  return network.ok() ? network.value() : IpNetwork{};
}

// The metadata addresses come before the link-local ranges so that a
// message names the more specific reason.
const std::vector<BuiltInBlock>& BuiltInBlocks() {
  static const std::vector<BuiltInBlock> blocks = {
      {MustParseNetwork("169.254.169.254/32"), "the cloud metadata address", false},
      {MustParseNetwork("fd00:ec2::254/128"), "the cloud metadata address", false},
      {MustParseNetwork("0.0.0.0/8"), "the \"this network\" range", false},
      {MustParseNetwork("::/128"), "the unspecified address", false},
      {MustParseNetwork("169.254.0.0/16"), "link-local", true},
      {MustParseNetwork("fe80::/10"), "link-local", true},
  };
  return blocks;
}

bool IsDigitsAndDots(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

char ToLowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Lower-cases `host` and drops one trailing dot.
std::string NormaliseHostName(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  std::string normalised(host);
  std::transform(normalised.begin(), normalised.end(), normalised.begin(), ToLowerAscii);
  return normalised;
}

// Returns why `name` (lower-case, without "*.") is not a DNS name, or "".
std::string FindHostNameProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > 253) return "is longer than 253 characters";
  std::size_t label_start = 0;
  while (label_start <= name.size()) {
    std::size_t label_end = name.find('.', label_start);
    if (label_end == std::string_view::npos) label_end = name.size();
    const std::string_view label = name.substr(label_start, label_end - label_start);
    if (label.empty()) return "has an empty label";
    if (label.size() > 63) return "has a label longer than 63 characters";
    if (label.front() == '-' || label.back() == '-')
      return "has a label that starts or ends with '-'";
    for (const char c : label) {
      const bool valid = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!valid) return fmt::format("contains `{}`, which is not allowed in a host name", c);
    }
    label_start = label_end + 1;
  }
  return "";
}

bool HostMatches(std::string_view pattern, std::string_view host) {
  if (pattern.starts_with("*.")) {
    const std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && host.ends_with(suffix);
  }
  return host == pattern;
}

// Returns the address and, for an IPv6 address that embeds one, its IPv4
// form: the spellings every CIDR check looks at.
std::vector<IpAddress> AddressForms(const IpAddress& address) {
  std::vector<IpAddress> forms = {address};
  if (std::optional<IpAddress> embedded = address.EmbeddedIpv4()) forms.push_back(*embedded);
  return forms;
}

// Returns "127.0.0.1", with the URL host added when it is a name, for
// messages: "127.0.0.1 (host rebind.test)".
std::string DescribeConnection(std::string_view url_host, const std::vector<IpAddress>& forms) {
  std::string text = forms.front().ToString();
  if (forms.size() > 1) text += fmt::format(" (IPv4 {})", forms.back().ToString());
  if (!url_host.empty() && !IpAddress::Parse(url_host).has_value()) {
    text += fmt::format(" (host {})", url_host);
  }
  return text;
}

// Returns whether an allow CIDR lies inside `block` and covers one of the
// address forms.
bool IsExplicitlyAllowed(const EgressPolicy& policy, const IpNetwork& block,
                         const std::vector<IpAddress>& forms) {
  for (const EgressRule& rule : policy.allow) {
    if (!rule.network.has_value() || !block.Contains(*rule.network)) continue;
    for (const IpAddress& form : forms) {
      if (rule.network->Contains(form)) return true;
    }
  }
  return false;
}

std::optional<std::string> FindBuiltInBlock(const EgressPolicy& policy,
                                            const std::vector<IpAddress>& forms,
                                            const std::string& subject) {
  for (const BuiltInBlock& block : BuiltInBlocks()) {
    if (block.link_local && policy.allow_link_local) continue;
    const bool inside = std::any_of(forms.begin(), forms.end(), [&](const IpAddress& form) {
      return block.network.Contains(form);
    });
    if (!inside || IsExplicitlyAllowed(policy, block.network, forms)) continue;
    return fmt::format(
        "{} is blocked as {} ({}); to reach it, add a CIDR inside {} to "
        "egress.allow",
        subject, block.description, block.network.ToString(), block.network.ToString());
  }
  return std::nullopt;
}

// Returns the index of the first rule of `rules` that matches.
std::optional<std::size_t> FindMatch(const std::vector<EgressRule>& rules,
                                     std::string_view url_host,
                                     const std::vector<IpAddress>& forms) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    for (const IpAddress& form : forms) {
      if (rules[i].Matches(url_host, form)) return i;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton() needs a NUL-terminated string; no address text is longer.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN ||
      text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string terminated(text);
  IpAddress address;
  if (::inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = Family::kV4;
    return address;
  }
  if (::inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = Family::kV6;
    return address;
  }
  return std::nullopt;
}

IpAddress IpAddress::V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress address;
  address.bytes[0] = a;
  address.bytes[1] = b;
  address.bytes[2] = c;
  address.bytes[3] = d;
  return address;
}

std::optional<IpAddress> IpAddress::EmbeddedIpv4() const {
  if (family != Family::kV6) return std::nullopt;
  const auto zero = [this](std::size_t first, std::size_t end) {
    return std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(first),
                       bytes.begin() + static_cast<std::ptrdiff_t>(end),
                       [](std::uint8_t byte) { return byte == 0; });
  };
  const IpAddress embedded = V4(bytes[12], bytes[13], bytes[14], bytes[15]);

  // ::ffff:a.b.c.d (RFC 4291 section 2.5.5.2).
  if (zero(0, 10) && bytes[10] == 0xff && bytes[11] == 0xff) return embedded;
  // 64:ff9b::a.b.c.d, the NAT64 well-known prefix (RFC 6052).
  if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && zero(4, 12)) {
    return embedded;
  }
  // ::a.b.c.d (deprecated IPv4-compatible form); :: and ::1 are IPv6's own
  // unspecified and loopback addresses.
  if (zero(0, 12) && !(zero(12, 15) && bytes[15] <= 1)) return embedded;
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  std::array<char, INET6_ADDRSTRLEN> text{};
  const int af = family == Family::kV4 ? AF_INET : AF_INET6;
  if (::inet_ntop(af, bytes.data(), text.data(), static_cast<socklen_t>(text.size())) == nullptr) {
    return "<invalid address>";
  }
  return text.data();
}

Result<IpNetwork> IpNetwork::Parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  const std::optional<IpAddress> address = IpAddress::Parse(address_text);
  if (!address.has_value()) {
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("`{}` is not an IPv4 or IPv6 address", address_text)};
  }

  IpNetwork network;
  network.base = *address;
  network.prefix_length = address->bit_count();
  if (slash != std::string_view::npos) {
    const std::string_view length = text.substr(slash + 1);
    const bool digits = !length.empty() && length.size() <= 3 && IsDigitsAndDots(length) &&
                        length.find('.') == std::string_view::npos;
    const int value = digits ? std::stoi(std::string(length)) : -1;
    if (value < 0 || value > address->bit_count()) {
      return Error{ErrorCode::kInvalidArgument,
                   fmt::format("prefix length `{}` must be a number from 0 to {}", length,
                               address->bit_count())};
    }
    network.prefix_length = value;
  }

  IpNetwork masked = network;
  for (int bit = network.prefix_length; bit < address->bit_count(); ++bit) {
    masked.base.bytes[static_cast<std::size_t>(bit / 8)] &=
        static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  if (masked.base.bytes != network.base.bytes) {
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("`{}` has address bits set past the /{} prefix; write {}", text,
                             network.prefix_length, masked.ToString())};
  }
  return network;
}

bool IpNetwork::Contains(const IpAddress& address) const {
  if (address.family != base.family) return false;
  for (int bit = 0; bit < prefix_length; ++bit) {
    const auto index = static_cast<std::size_t>(bit / 8);
    const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    if ((address.bytes[index] & mask) != (base.bytes[index] & mask)) return false;
  }
  return true;
}

bool IpNetwork::Contains(const IpNetwork& other) const {
  return other.prefix_length >= prefix_length && Contains(other.base);
}

std::string IpNetwork::ToString() const {
  return fmt::format("{}/{}", base.ToString(), prefix_length);
}

Result<EgressRule> EgressRule::Parse(std::string_view text) {
  EgressRule rule;
  rule.text = std::string(text);
  const bool looks_numeric = text.find_first_of("/:") != std::string_view::npos ||
                             (!text.empty() && IsDigitsAndDots(text));
  if (looks_numeric) {
    Result<IpNetwork> network = IpNetwork::Parse(text);
    if (!network.ok()) {
      return Error{ErrorCode::kInvalidArgument,
                   fmt::format("invalid CIDR `{}`: {}", text, network.error().message)};
    }
    rule.network = network.value();
    return rule;
  }

  rule.host = NormaliseHostName(text);
  const std::string_view name =
      rule.host.starts_with("*.") ? std::string_view(rule.host).substr(2) : rule.host;
  if (const std::string problem = FindHostNameProblem(name); !problem.empty()) {
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("`{}` is neither a CIDR nor a host name: the name {}; write a CIDR "
                             "such as 10.0.0.0/8, a host such as hooks.example.com, or "
                             "*.example.com",
                             text, problem)};
  }
  return rule;
}

bool EgressRule::Matches(std::string_view url_host, const IpAddress& address) const {
  if (network.has_value()) return network->Contains(address);
  return HostMatches(host, NormaliseHostName(url_host));
}

EgressVerdict CheckEgress(const EgressPolicy& policy, std::string_view url_host,
                          const IpAddress& address) {
  const std::vector<IpAddress> forms = AddressForms(address);
  const std::string subject = DescribeConnection(url_host, forms);

  if (std::optional<std::string> blocked = FindBuiltInBlock(policy, forms, subject)) {
    return {false, std::move(*blocked)};
  }
  if (const std::optional<std::size_t> deny = FindMatch(policy.deny, url_host, forms)) {
    return {false, fmt::format("{} is denied by egress.deny[{}] ({})", subject, *deny,
                               policy.deny[*deny].text)};
  }
  if (!policy.allow.empty() && !FindMatch(policy.allow, url_host, forms).has_value()) {
    return {false, fmt::format("{} is not allowed: it matches no entry of egress.allow", subject)};
  }
  return {};
}

}  // namespace herald
