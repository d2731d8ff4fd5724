#include "event_declarations.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "yaml_fields.h"

namespace herald::config_internal {
namespace {

constexpr std::array<std::string_view, 4> kDeclarationKeys = {"policy", "deadline", "description",
                                                              "aliases"};

bool IsValidEventName(std::string_view name) {
  return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
}

std::optional<EventPolicy> ReadPolicy(const Fields& fields, const FieldReader& reader) {
  const std::optional<YAML::Node> node = fields.Get("policy");
  if (!node.has_value()) return std::nullopt;
  const std::optional<std::string> text = reader.ReadString(*node, "policy");
  if (!text.has_value()) return std::nullopt;
  const std::optional<EventPolicy> policy = ParsePolicy(*text);
  if (!policy.has_value()) {
    reader.Error("policy", fmt::format("must be gate or notification, got `{}`", *text));
  }
  return policy;
}

// Checks an entry for a catalogue event, which may only set its deadline.
void CheckBuiltInEntry(const EventType& event, const Fields& fields, const FieldReader& reader) {
  const std::optional<EventPolicy> policy = ReadPolicy(fields, reader);
  if (policy.has_value() && *policy != event.policy) {
    reader.Error("policy", fmt::format("`{}` is a built-in {} event and its policy cannot be "
                                       "changed; remove `policy`",
                                       event.name, PolicyName(event.policy)));
  }
  for (std::string_view key : {"description", "aliases"}) {
    if (fields.Contains(key)) {
      reader.Error(std::string(key), fmt::format("`{}` is a built-in event, so only `deadline` "
                                                 "can be set; remove `{}`",
                                                 event.name, key));
    }
  }
}

std::vector<std::string> ReadAliases(const Fields& fields, const FieldReader& reader,
                                     const EventCatalog& catalog) {
  std::vector<std::string> aliases;
  const std::optional<YAML::Node> node = fields.Get("aliases");
  if (!node.has_value()) return aliases;
  if (!node->IsSequence()) {
    reader.Error("aliases", fmt::format("must be a list of names, got {}", DescribeValue(*node)));
    return aliases;
  }
  for (const YAML::Node& item : *node) {
    std::optional<std::string> alias = reader.ReadString(item, "aliases");
    if (!alias.has_value()) continue;
    if (!IsValidEventName(*alias)) {
      reader.Error("aliases", fmt::format("alias `{}` must be non-empty and contain no spaces "
                                          "or control characters",
                                          *alias));
    } else if (const EventType* existing = catalog.Find(*alias)) {
      reader.Error("aliases", fmt::format("alias `{}` is already a name of event `{}`", *alias,
                                          existing->name));
    } else if (std::find(aliases.begin(), aliases.end(), *alias) != aliases.end() ||
               *alias == reader.location().event) {
      reader.Error("aliases", fmt::format("alias `{}` is given twice", *alias));
    } else {
      aliases.push_back(std::move(*alias));
    }
  }
  return aliases;
}

void DeclareCustomEvent(const std::string& name, const Fields& fields, const FieldReader& reader,
                        EventCatalog& catalog) {
  EventType event;
  event.name = name;
  event.custom = true;

  const std::optional<EventPolicy> policy = ReadPolicy(fields, reader);
  if (!fields.Get("policy").has_value()) {
    reader.Error("policy", fmt::format("`{}` is not a built-in event, so it declares a custom "
                                       "event and must set `policy: gate` or "
                                       "`policy: notification`",
                                       name));
  }
  if (auto description = fields.Get("description")) {
    event.description = reader.ReadString(*description, "description").value_or("");
  }
  event.aliases = ReadAliases(fields, reader, catalog);

  if (!IsValidEventName(name)) {
    reader.Error("", "event names must be non-empty and contain no spaces or control characters");
    return;
  }
  if (!policy.has_value()) return;
  event.policy = *policy;
  catalog.Add(std::move(event));
}

}  // namespace

DeadlineMap LoadEventDeclarations(const YAML::Node& node, EventCatalog& catalog,
                                  DiagnosticSink& sink) {
  DeadlineMap deadlines;
  if (!node.IsMap()) {
    sink.Error(
        {}, "events",
        fmt::format("must be a mapping of event name to settings, got {}", DescribeValue(node)));
    return deadlines;
  }

  std::vector<std::string> declared;  // catalogue names seen so far
  for (const auto& pair : node) {
    const std::string name = pair.first.IsScalar() ? pair.first.Scalar() : "";
    const FieldReader reader(sink, Location{name, std::nullopt, ""});
    if (!pair.second.IsMap() && !pair.second.IsNull()) {
      reader.Error("", fmt::format("the settings of an event must be a mapping, got {}",
                                   DescribeValue(pair.second)));
      continue;
    }
    const Fields fields =
        pair.second.IsMap() ? reader.ReadFields(pair.second, kDeclarationKeys) : Fields();

    const EventType* event = catalog.Find(name);
    if (event != nullptr &&
        std::find(declared.begin(), declared.end(), event->name) != declared.end()) {
      reader.Error("", fmt::format("event `{}` is declared twice under `events:` (by name or "
                                   "alias); keep one entry",
                                   event->name));
      continue;
    }
    if (event != nullptr) {
      CheckBuiltInEntry(*event, fields, reader);
    } else {
      DeclareCustomEvent(name, fields, reader, catalog);
      event = catalog.Find(name);
    }
    if (event == nullptr) continue;
    declared.push_back(event->name);

    if (auto deadline_node = fields.Get("deadline")) {
      if (auto deadline = reader.ReadPositiveDuration(*deadline_node, "deadline")) {
        deadlines.emplace(event->name, *deadline);
      }
    }
  }
  return deadlines;
}

}  // namespace herald::config_internal
