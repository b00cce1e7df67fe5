#pragma once
// Staging tables and who owns them. A load stages rows in tables named
// _sluice_stage_<id>_<n> (<id>: 8 hex digits chosen per load) in the target schema, and holds a
// session-level advisory lock on (kStageLockClass, id) on its main connection for as long as it
// runs. A loader that dies (kill -9, lost connection) loses its session and with it the lock,
// so the next load's Begin can tell stale staging tables from those of a loader that is still
// running: it drops exactly the ids whose lock it can take.
#include <cstdint>
#include <string>

#include "destinations/postgres/pg_connection.h"

namespace sluice {

inline constexpr int32_t kStageLockClass = 0x736c7563;  // "sluc"
inline constexpr const char* kStagePrefix = "_sluice_stage_";

// Picks a random id, takes its lock on `main` and returns it.
uint32_t ClaimStageId(PgConnection& main);
// Gives the id's lock back (after commit or rollback).
void ReleaseStageId(PgConnection& main, uint32_t id);
// _sluice_stage_<id>_<suffix>.
std::string StageTableName(uint32_t id, const std::string& suffix);
// Drops the staging tables in `schema` of every load that no longer runs; returns how many.
size_t DropStaleStageTables(PgConnection& main, const std::string& schema);

}  // namespace sluice
