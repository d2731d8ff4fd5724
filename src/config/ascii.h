#ifndef HERALD_SRC_CONFIG_ASCII_H_
#define HERALD_SRC_CONFIG_ASCII_H_

// ASCII case helpers for keys, methods and header names. Bytes outside
// ASCII compare as they are.

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace herald::config_internal {

inline char AsciiToLower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return AsciiToLower(x) == AsciiToLower(y); });
}

inline bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

inline std::string AsciiToUpper(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  return result;
}

inline std::string AsciiToLower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](char c) { return AsciiToLower(c); });
  return result;
}

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_ASCII_H_
