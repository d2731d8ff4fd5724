#include "herald/events.h"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace herald {
namespace {

struct BuiltInCase {
  std::string name;
  EventPolicy policy;
  std::vector<std::string> aliases;
};

TEST(EventCatalogTest, BuiltInEvents) {
  const std::vector<BuiltInCase> cases = {
      {"on-model-version-predeployment", EventPolicy::kGate, {"on-version-endpoint-predeployment"}},
      {"on-model-version-deployed", EventPolicy::kNotification, {"on-version-endpoint-deployed"}},
      {"on-model-version-undeployed",
       EventPolicy::kNotification,
       {"on-version-endpoint-undeployed"}},
      {"on-model-created", EventPolicy::kNotification, {}},
      {"on-model-updated", EventPolicy::kNotification, {}},
      {"on-model-deleted", EventPolicy::kNotification, {}},
      {"on-model-endpoint-created", EventPolicy::kNotification, {}},
      {"on-model-endpoint-updated", EventPolicy::kNotification, {}},
      {"on-model-endpoint-deleted", EventPolicy::kNotification, {}},
      {"on-model-version-created", EventPolicy::kNotification, {}},
      {"on-model-version-updated", EventPolicy::kNotification, {}},
      {"on-model-version-deleted", EventPolicy::kNotification, {}},
  };
  const EventCatalog catalog = EventCatalog::BuiltIn();
  ASSERT_EQ(catalog.events().size(), cases.size());

  for (const BuiltInCase& expected : cases) {
    SCOPED_TRACE(expected.name);
    const EventType* event = catalog.Find(expected.name);
    ASSERT_NE(event, nullptr);
    EXPECT_EQ(event->name, expected.name);
    EXPECT_EQ(event->policy, expected.policy);
    EXPECT_EQ(event->aliases, expected.aliases);
    EXPECT_FALSE(event->description.empty());
    EXPECT_EQ(event->description.find('\n'), std::string::npos);
    EXPECT_FALSE(event->custom);
  }
}

TEST(EventCatalogTest, FindByAlias) {
  const EventCatalog catalog = EventCatalog::BuiltIn();
  const EventType* event = catalog.Find("on-version-endpoint-predeployment");
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->name, "on-model-version-predeployment");
  EXPECT_EQ(event, catalog.Find("on-model-version-predeployment"));
}

TEST(EventCatalogTest, FindIsCaseSensitive) {
  const EventCatalog catalog = EventCatalog::BuiltIn();
  EXPECT_EQ(catalog.Find("On-Model-Created"), nullptr);
  EXPECT_EQ(catalog.Find("on-model-create"), nullptr);
  EXPECT_EQ(catalog.Find(""), nullptr);
}

TEST(EventCatalogTest, AddCustomEvent) {
  EventCatalog catalog = EventCatalog::BuiltIn();
  EventType event{"on-table-created", EventPolicy::kGate, {"on-table-new"}, "A table.", true};
  ASSERT_TRUE(catalog.Add(event));

  const EventType* found = catalog.Find("on-table-new");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "on-table-created");
  EXPECT_EQ(found->policy, EventPolicy::kGate);
  EXPECT_TRUE(found->custom);
  EXPECT_EQ(catalog.events().size(), 13u);
}

TEST(EventCatalogTest, AddRejectsConflicts) {
  struct Case {
    std::string label;
    EventType event;
  };
  const std::vector<Case> cases = {
      {"built-in name", {"on-model-created", EventPolicy::kGate, {}, "", true}},
      {"built-in alias as name",
       {"on-version-endpoint-deployed", EventPolicy::kGate, {}, "", true}},
      {"alias is built-in name", {"on-x", EventPolicy::kGate, {"on-model-deleted"}, "", true}},
      {"alias equals own name", {"on-x", EventPolicy::kGate, {"on-x"}, "", true}},
      {"alias given twice", {"on-x", EventPolicy::kGate, {"on-y", "on-y"}, "", true}},
      {"empty alias", {"on-x", EventPolicy::kGate, {""}, "", true}},
      {"empty name", {"", EventPolicy::kGate, {}, "", true}},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.label);
    EventCatalog catalog = EventCatalog::BuiltIn();
    EXPECT_FALSE(catalog.Add(test_case.event));
    EXPECT_EQ(catalog.events().size(), 12u);
  }
}

TEST(EventPolicyTest, NameAndParse) {
  EXPECT_EQ(PolicyName(EventPolicy::kGate), "gate");
  EXPECT_EQ(PolicyName(EventPolicy::kNotification), "notification");
  EXPECT_EQ(ParsePolicy("gate"), EventPolicy::kGate);
  EXPECT_EQ(ParsePolicy("GATE"), EventPolicy::kGate);
  EXPECT_EQ(ParsePolicy("Notification"), EventPolicy::kNotification);
  EXPECT_EQ(ParsePolicy("gat"), std::nullopt);
  EXPECT_EQ(ParsePolicy(""), std::nullopt);
}

TEST(EventCatalogTest, UnknownEventMessageSuggestsClosest) {
  const EventCatalog catalog = EventCatalog::BuiltIn();
  EXPECT_EQ(catalog.UnknownEventMessage("on-model-version-deploy"),
            "unknown event \"on-model-version-deploy\". Did you mean "
            "`on-model-version-deployed`? `herald events` lists the known events");
  EXPECT_EQ(catalog.UnknownEventMessage("deploy"),
            "unknown event \"deploy\". `herald events` lists the known events");
}

}  // namespace
}  // namespace herald
