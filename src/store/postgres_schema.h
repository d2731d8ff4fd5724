#ifndef HERALD_STORE_POSTGRES_SCHEMA_H_
#define HERALD_STORE_POSTGRES_SCHEMA_H_

// The tables of PostgresStore and their migrations.

#include "herald/result.h"
#include "store/postgres_connection.h"

namespace herald {

// The schema version this herald writes, stored in herald_schema.
inline constexpr int kPostgresSchemaVersion = 1;

// Creates the tables or migrates them to kPostgresSchemaVersion in one
// transaction. A transaction-level advisory lock serializes herald
// instances that start together, so one creates the schema and the others
// then find it. Fails with kUnavailable when the database has a newer
// schema version.
Result<bool> MigratePostgresSchema(pg::Connection& db);

}  // namespace herald

#endif  // HERALD_STORE_POSTGRES_SCHEMA_H_
