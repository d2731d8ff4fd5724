#include "url.h"

#include <gtest/gtest.h>

namespace herald::config_internal {
namespace {

TEST(FindUrlProblemTest, ValidUrls) {
  for (const std::string url :
       {"http://127.0.0.1:8000/sync-webhook", "https://hooks.example.com",
        "HTTP://HOOKS.EXAMPLE.COM/a?b=c", "http://[::1]:8080/p", "http://example.com:65535/",
        "https://example.com?x=1", "http://my_host.example.com/%20"}) {
    SCOPED_TRACE(url);
    EXPECT_EQ(FindUrlProblem(url), std::nullopt);
  }
}

TEST(FindUrlProblemTest, InvalidUrls) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "the url is empty"},
      {"ftp://example.com/x", "the scheme must be http or https"},
      {"file:///etc/passwd", "the scheme must be http or https"},
      {"example.com/hook", "the url is not absolute; it must start with http:// or https://"},
      {"/hook", "the url is not absolute; it must start with http:// or https://"},
      {"http://", "the host is missing"},
      {"http:///hook", "the host is missing"},
      {"http://?a=b", "the host is missing"},
      {"http://:80/hook", "the host is missing"},
      {"http://exa mple.com/",
       "the url contains a space or a control character; percent-encode it as %20"},
      {"http://example.com/a b",
       "the url contains a space or a control character; percent-encode it as %20"},
      {"http://example.com/\t",
       "the url contains a space or a control character; percent-encode it as %20"},
      {"http://example.com/hook#part",
       "the url has a fragment ('#...'), which is never sent to the server; remove it"},
      {"http://user:pw@example.com/",
       "user info before '@' is not supported; send credentials with authToken or headers"},
      {"http://example.com:0/", "the port must be a number from 1 to 65535"},
      {"http://example.com:70000/", "the port must be a number from 1 to 65535"},
      {"http://example.com:http/", "the port must be a number from 1 to 65535"},
      {"http://example.com:/", "the port after ':' is empty"},
      {"http://[::1/", "the IPv6 address has no closing ']'"},
      {"http://[zz]/", "the IPv6 address between '[' and ']' is invalid"},
      {"http://[::1]x/", "unexpected text after the IPv6 address"},
      {"http://exa$mple.com/", "the host contains an invalid character"},
  };
  for (const auto& [url, expected] : cases) {
    SCOPED_TRACE(url);
    EXPECT_EQ(FindUrlProblem(url), expected);
  }
}

}  // namespace
}  // namespace herald::config_internal
