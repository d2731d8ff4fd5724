#ifndef HERALD_STORE_SQLITE_SCHEMA_H_
#define HERALD_STORE_SQLITE_SCHEMA_H_

#include "herald/result.h"
#include "store/sqlite_db.h"

namespace herald {

// Schema version written to PRAGMA user_version.
inline constexpr int kSqliteSchemaVersion = 1;

// Creates the tables and indexes of an empty database, or upgrades an
// older schema to kSqliteSchemaVersion, in one transaction. Fails with
// kUnavailable when the file is not a SQLite database or its schema is
// newer than kSqliteSchemaVersion.
Result<bool> MigrateSchema(sqlite::Connection& db);

}  // namespace herald

#endif  // HERALD_STORE_SQLITE_SCHEMA_H_
