#ifndef HERALD_SRC_CONFIG_YAML_FIELDS_H_
#define HERALD_SRC_CONFIG_YAML_FIELDS_H_

// Typed reads of YAML values that report every problem to a DiagnosticSink.
//
// Keys match case-insensitively, because Merlin writes `URL` and
// `FinalResponse` where the MLP library writes `url` and `finalResponse`.
// Values are never case-folded here.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "diagnostics.h"

namespace herald::config_internal {

// Returns "a mapping", "a list", "null" or the scalar in backquotes, for
// "got ..." in messages.
std::string DescribeValue(const YAML::Node& node);

// The keys of one YAML mapping, under their canonical spelling.
class Fields {
 public:
  // Returns the value of `key`, or nullopt when it is absent or null.
  std::optional<YAML::Node> Get(std::string_view key) const;

  // Returns true when `key` is present, even with a null value.
  bool Contains(std::string_view key) const { return values_.count(key) != 0; }

 private:
  friend class FieldReader;
  std::map<std::string, YAML::Node, std::less<>> values_;
};

// Reads the values of one part of a config, reporting problems at
// `location`. Field names passed in are used as the diagnostics' field.
class FieldReader {
 public:
  FieldReader(DiagnosticSink& sink, Location location)
      : sink_(sink), location_(std::move(location)) {}

  // Matches the keys of `mapping` against `known_keys`. Unknown keys,
  // duplicate keys (also when they differ only in case) and keys that are
  // not scalars are reported, with `prefix` put before the key in the
  // field, and left out of the result.
  Fields ReadFields(const YAML::Node& mapping, std::span<const std::string_view> known_keys,
                    std::string_view prefix = "") const;

  // Each reader reports a value of the wrong type and returns nullopt.
  std::optional<std::string> ReadString(const YAML::Node& node, std::string_view field) const;
  std::optional<bool> ReadBool(const YAML::Node& node, std::string_view field) const;
  std::optional<std::int64_t> ReadInteger(const YAML::Node& node, std::string_view field) const;
  std::optional<double> ReadNumber(const YAML::Node& node, std::string_view field) const;

  // Reads a duration (see ParseDuration) that must be at least 1ms.
  std::optional<std::chrono::milliseconds> ReadPositiveDuration(const YAML::Node& node,
                                                                std::string_view field) const;

  // Reports an error or a warning at this reader's location.
  void Error(std::string_view field, std::string message) const;
  void Warning(std::string_view field, std::string message) const;

  const Location& location() const { return location_; }

 private:
  DiagnosticSink& sink_;
  Location location_;
};

// Returns the scalar value of the first key of `mapping` that equals `key`
// case-insensitively, or "" when there is none.
std::string FindScalarIgnoreCase(const YAML::Node& mapping, std::string_view key);

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_YAML_FIELDS_H_
