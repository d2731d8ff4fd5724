// Parses egress rules and checks addresses against them. The input is
// split at the first newline: the text before it is a rule, the text after
// it an address.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "herald/egress_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view rule_text = input.substr(0, newline);
  const std::string_view address_text =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  // A parsed network prints in a form that parses back to itself.
  const herald::Result<herald::IpNetwork> network = herald::IpNetwork::Parse(rule_text);
  if (network.ok()) {
    const herald::Result<herald::IpNetwork> again = herald::IpNetwork::Parse(network->ToString());
    if (!again.ok() || again->base.bytes != network->base.bytes ||
        again->prefix_length != network->prefix_length) {
      __builtin_trap();
    }
  }

  herald::EgressPolicy policy;
  herald::Result<herald::EgressRule> rule = herald::EgressRule::Parse(rule_text);
  if (rule.ok()) {
    policy.allow.push_back(rule.value());
    policy.deny.push_back(rule.value());
  }
  const std::optional<herald::IpAddress> address = herald::IpAddress::Parse(address_text);
  if (!address.has_value()) return 0;

  // A matching deny rule refuses the connection whatever the allow list contains.
  const herald::EgressVerdict verdict = herald::CheckEgress(policy, address_text, *address);
  if (rule.ok() && rule->Matches(address_text, *address) && verdict.allowed) __builtin_trap();
  if (verdict.allowed != verdict.reason.empty()) __builtin_trap();
  return 0;
}
