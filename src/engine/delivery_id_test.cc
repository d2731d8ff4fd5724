#include "engine/delivery_id.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "testing/fakes.h"

namespace herald {
namespace {

TEST(NewDeliveryId, IsUuidVersion7) {
  test::FakeRandom random;
  const std::string id =
      NewDeliveryId(std::chrono::system_clock::from_time_t(1'767'225'600), random);
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
  // 1767225600000 ms is 0x019b76daa800.
  EXPECT_EQ(id.substr(0, 13), "019b76da-a800");
}

TEST(NewDeliveryId, UniqueAcrossCalls) {
  std::set<std::string> ids;
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < 10'000; ++i) ids.insert(NewDeliveryId(now, RealRandom()));
  EXPECT_EQ(ids.size(), 10'000U);
}

}  // namespace
}  // namespace herald
