#include "url.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <system_error>

#include "ascii.h"

namespace herald::config_internal {
namespace {

bool IsControlOrSpace(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7f;
}

// Checks a host name or IPv4 address: letters, digits, '-', '.', '_', '~'
// and percent-encoded octets.
bool IsValidRegisteredName(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
           c == '~' || c == '%';
  });
}

bool IsValidIpv6Literal(std::string_view literal) {
  return !literal.empty() && std::all_of(literal.begin(), literal.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
  });
}

std::optional<std::string> FindPortProblem(std::string_view port) {
  if (port.empty()) return "the port after ':' is empty";
  unsigned value = 0;
  const char* end = port.data() + port.size();
  const auto [ptr, ec] = std::from_chars(port.data(), end, value);
  if (ec != std::errc() || ptr != end || value == 0 || value > 65535) {
    return "the port must be a number from 1 to 65535";
  }
  return std::nullopt;
}

// Checks "host", "host:port", "[v6]" or "[v6]:port".
std::optional<std::string> FindAuthorityProblem(std::string_view authority) {
  if (authority.find('@') != std::string_view::npos) {
    return "user info before '@' is not supported; send credentials with authToken or headers";
  }

  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return "the IPv6 address has no closing ']'";
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return "unexpected text after the IPv6 address";
    if (!rest.empty()) port = rest.substr(1);
    if (!IsValidIpv6Literal(host)) return "the IPv6 address between '[' and ']' is invalid";
  } else {
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty()) return "the host is missing";
    if (!IsValidRegisteredName(host)) return "the host contains an invalid character";
  }

  if (port.has_value()) return FindPortProblem(*port);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> FindUrlProblem(std::string_view url) {
  if (url.empty()) return "the url is empty";
  if (std::any_of(url.begin(), url.end(), IsControlOrSpace)) {
    return "the url contains a space or a control character; percent-encode it as %20";
  }
  if (url.find('#') != std::string_view::npos) {
    return "the url has a fragment ('#...'), which is never sent to the server; remove it";
  }

  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "the url is not absolute; it must start with http:// or https://";
  }
  const std::string scheme = AsciiToLower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return "the scheme must be http or https";
  }

  const std::string_view rest = url.substr(scheme_end + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.empty()) return "the host is missing";
  return FindAuthorityProblem(authority);
}

}  // namespace herald::config_internal
