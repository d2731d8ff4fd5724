#include "yaml_fields.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ascii.h"
#include "duration.h"
#include "suggest.h"

namespace herald::config_internal {

std::string DescribeValue(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return fmt::format("`{}`", node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "null";
}

std::string FindScalarIgnoreCase(const YAML::Node& mapping, std::string_view key) {
  if (!mapping.IsMap()) return "";
  for (const auto& pair : mapping) {
    if (pair.first.IsScalar() && pair.second.IsScalar() &&
        EqualsIgnoreCase(pair.first.Scalar(), key)) {
      return pair.second.Scalar();
    }
  }
  return "";
}

std::optional<YAML::Node> Fields::Get(std::string_view key) const {
  const auto it = values_.find(key);
  if (it == values_.end() || it->second.IsNull()) return std::nullopt;
  return it->second;
}

Fields FieldReader::ReadFields(const YAML::Node& mapping,
                               std::span<const std::string_view> known_keys,
                               std::string_view prefix) const {
  Fields fields;
  for (const auto& pair : mapping) {
    if (!pair.first.IsScalar()) {
      Error(prefix, fmt::format("keys must be plain names, got {}", DescribeValue(pair.first)));
      continue;
    }
    const std::string& key = pair.first.Scalar();
    const std::string field = fmt::format("{}{}", prefix, key);
    const auto known = std::find_if(known_keys.begin(), known_keys.end(),
                                    [&](std::string_view k) { return EqualsIgnoreCase(k, key); });
    if (known == known_keys.end()) {
      Error(field, fmt::format("unknown key `{}`.{} Valid keys: {}.", key,
                               DidYouMean(key, known_keys), fmt::join(known_keys, ", ")));
      continue;
    }
    if (!fields.values_.emplace(std::string(*known), pair.second).second) {
      Error(field,
            fmt::format("key `{}` is given twice (keys are case-insensitive); keep one", *known));
    }
  }
  return fields;
}

std::optional<std::string> FieldReader::ReadString(const YAML::Node& node,
                                                   std::string_view field) const {
  if (node.IsScalar()) return node.Scalar();
  // Never show the value itself: string fields include secrets.
  Error(field, fmt::format("must be a string, got {}",
                           node.IsMap() ? "a mapping" : (node.IsSequence() ? "a list" : "null")));
  return std::nullopt;
}

std::optional<bool> FieldReader::ReadBool(const YAML::Node& node, std::string_view field) const {
  bool value = false;
  if (node.IsScalar() && YAML::convert<bool>::decode(node, value)) return value;
  Error(field, fmt::format("must be true or false, got {}", DescribeValue(node)));
  return std::nullopt;
}

std::optional<std::int64_t> FieldReader::ReadInteger(const YAML::Node& node,
                                                     std::string_view field) const {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc() && ptr == end && !text.empty()) return value;
    if (ec == std::errc::result_out_of_range) {
      Error(field, fmt::format("integer {} is out of range", DescribeValue(node)));
      return std::nullopt;
    }
  }
  Error(field, fmt::format("must be an integer, got {}", DescribeValue(node)));
  return std::nullopt;
}

std::optional<double> FieldReader::ReadNumber(const YAML::Node& node,
                                              std::string_view field) const {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc() && ptr == end && !text.empty() && std::isfinite(value)) return value;
  }
  Error(field, fmt::format("must be a number, got {}", DescribeValue(node)));
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> FieldReader::ReadPositiveDuration(
    const YAML::Node& node, std::string_view field) const {
  std::optional<std::chrono::milliseconds> duration;
  if (node.IsScalar()) duration = ParseDuration(node.Scalar());
  if (!duration.has_value()) {
    Error(field, fmt::format("must be a duration: seconds as a number (0.5) or a number with "
                             "unit ms, s or m (250ms, 30s, 2m), got {}",
                             DescribeValue(node)));
    return std::nullopt;
  }
  if (duration->count() < 1) {
    Error(field, fmt::format("must be at least 1ms, got {}", DescribeValue(node)));
    return std::nullopt;
  }
  return duration;
}

void FieldReader::Error(std::string_view field, std::string message) const {
  sink_.Error(location_, std::string(field), std::move(message));
}

void FieldReader::Warning(std::string_view field, std::string message) const {
  sink_.Warning(location_, std::string(field), std::move(message));
}

}  // namespace herald::config_internal
