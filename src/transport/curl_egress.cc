#include "transport/curl_egress.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <optional>

namespace herald {
namespace {

std::optional<IpAddress> FromSockaddr(const sockaddr& address, unsigned int length) {
  IpAddress result;
  if (address.sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in ipv4{};
    std::memcpy(&ipv4, &address, sizeof(ipv4));
    result.family = IpAddress::Family::kV4;
    std::memcpy(result.bytes.data(), &ipv4.sin_addr, 4);
    return result;
  }
  if (address.sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 ipv6{};
    std::memcpy(&ipv6, &address, sizeof(ipv6));
    result.family = IpAddress::Family::kV6;
    std::memcpy(result.bytes.data(), &ipv6.sin6_addr, 16);
    return result;
  }
  return std::nullopt;
}

void RecordRefusal(EgressCheck& check, std::string reason) {
  ++check.refused_addresses;
  if (check.refusal.empty()) check.refusal = std::move(reason);
}

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

}  // namespace

curl_socket_t OpenCheckedSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto& check = *static_cast<EgressCheck*>(user);
  const std::optional<IpAddress> peer = FromSockaddr(address->addr, address->addrlen);
  if (!peer.has_value()) {
    RecordRefusal(check, "address family " + std::to_string(address->family) +
                             " is not IPv4 or IPv6, so the egress policy cannot check it");
    return CURL_SOCKET_BAD;
  }
  const EgressVerdict verdict = CheckEgress(*check.policy, check.url_host, *peer);
  if (!verdict.allowed) {
    RecordRefusal(check, verdict.reason);
    return CURL_SOCKET_BAD;
  }
  ++check.opened_sockets;
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

int CheckReusedConnection(void* user, char* primary_ip, char* /*local_ip*/, int /*primary_port*/,
                          int /*local_port*/) {
  auto& check = *static_cast<EgressCheck*>(user);
  const std::optional<IpAddress> peer = IpAddress::Parse(primary_ip);
  if (!peer.has_value()) {
    check.refused_before_request = true;
    RecordRefusal(check, std::string("the connection's peer address `") + primary_ip +
                             "` cannot be checked by the egress policy");
    return CURL_PREREQFUNC_ABORT;
  }
  const EgressVerdict verdict = CheckEgress(*check.policy, check.url_host, *peer);
  if (!verdict.allowed) {
    check.refused_before_request = true;
    RecordRefusal(check, verdict.reason);
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

bool EgressCheck::CausedFailure(CURLcode code) const {
  if (code == CURLE_ABORTED_BY_CALLBACK) return refused_before_request;
  return code == CURLE_COULDNT_CONNECT && refused_addresses > 0 && opened_sockets == 0;
}

std::string UrlHost(const std::string& url) {
  const std::unique_ptr<CURLU, UrlDeleter> handle(curl_url());
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return "";
  char* part = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_HOST, &part, 0) != CURLUE_OK) return "";
  std::string host(part);
  curl_free(part);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

}  // namespace herald
