#include "engine/delivery_id.h"

#include <array>
#include <cstdint>

namespace herald {

std::string NewDeliveryId(std::chrono::system_clock::time_point now, Random& random) {
  const auto millis = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  const std::uint64_t random_high = random.Bits();
  const std::uint64_t random_low = random.Bits();

  std::array<std::uint8_t, 16> bytes{};
  for (int i = 0; i < 6; ++i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(millis >> (40 - 8 * i));
  }
  for (int i = 0; i < 2; ++i) {
    bytes[static_cast<std::size_t>(6 + i)] = static_cast<std::uint8_t>(random_high >> (8 * i));
  }
  for (int i = 0; i < 8; ++i) {
    bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(random_low >> (8 * i));
  }
  bytes[6] = static_cast<std::uint8_t>(0x70 | (bytes[6] & 0x0F));  // Version 7.
  bytes[8] = static_cast<std::uint8_t>(0x80 | (bytes[8] & 0x3F));  // RFC 9562 variant.

  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[bytes[i] >> 4]);
    id.push_back(kHex[bytes[i] & 0x0F]);
  }
  return id;
}

}  // namespace herald
