#pragma once
// The metadata database's schema and its migrations. The schema version lives in
// PRAGMA user_version; each migration step moves it up by one inside a single transaction, so a
// crash mid-migration leaves the previous version intact and the next open simply retries.

#include "common/result.h"
#include "metadata/sqlite/sqlite_db.h"

namespace berth::metadata::sqlite {

/// The version this build reads and writes. Add a step to the table in sqlite_schema.cc and bump
/// this together; never edit a released step, because existing files have already run it.
inline constexpr int kSchemaVersion = 3;

/// Brings the database up to kSchemaVersion; a no-op when it is already there. Fails with
/// kInternal when the file was written by a newer berth (its schema is unknown to this one).
Status migrateSchema(Db& db);

/// The database's current schema version (0 for a new, empty file).
Result<int> schemaVersion(Db& db);

}  // namespace berth::metadata::sqlite
