#ifndef HERALD_SERVICE_DELIVERY_JSON_H_
#define HERALD_SERVICE_DELIVERY_JSON_H_

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace herald {

// Converts a delivery log entry to the JSON of GET /v1/deliveries.
nlohmann::json DeliveryToJson(const DeliveryRecord& record);

// Converts a delivery with its body and attempts to the JSON of
// GET /v1/deliveries/{id}. The body appears as "payload", parsed when it is
// JSON and as a string otherwise.
nlohmann::json DeliveryDetailToJson(const DeliveryDetail& detail);

}  // namespace herald

#endif  // HERALD_SERVICE_DELIVERY_JSON_H_
