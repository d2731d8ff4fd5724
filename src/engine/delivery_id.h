#ifndef HERALD_ENGINE_DELIVERY_ID_H_
#define HERALD_ENGINE_DELIVERY_ID_H_

#include <chrono>
#include <string>

#include "herald/clock.h"

namespace herald {

// Returns a new delivery id: a UUID version 7 (RFC 9562), whose leading
// 48 bits are the Unix time in milliseconds, so ids sort by creation time,
// followed by 74 random bits.
std::string NewDeliveryId(std::chrono::system_clock::time_point now, Random& random);

}  // namespace herald

#endif  // HERALD_ENGINE_DELIVERY_ID_H_
