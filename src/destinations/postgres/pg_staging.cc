#include "destinations/postgres/pg_staging.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <vector>

#include "destinations/postgres/pg_catalog.h"

namespace sluice {
namespace {

std::string LockArgs(uint32_t id) {
  // The two-int4 form of the advisory lock functions: the id as a signed 32-bit number.
  return std::to_string(kStageLockClass) + ", " + std::to_string(int32_t(id));
}

}  // namespace

uint32_t ClaimStageId(PgConnection& main) {
  std::random_device device;
  std::mt19937_64 random((uint64_t(device()) << 32) ^ device() ^
                         uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (;;) {
    const uint32_t id = uint32_t(random());
    if (id == 0) continue;
    if (main.QueryValue("SELECT pg_try_advisory_lock(" + LockArgs(id) + ")") == "t") return id;
  }
}

void ReleaseStageId(PgConnection& main, uint32_t id) {
  main.QueryValue("SELECT pg_advisory_unlock(" + LockArgs(id) + ")");
}

std::string StageTableName(uint32_t id, const std::string& suffix) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", id);
  return std::string(kStagePrefix) + hex + "_" + suffix;
}

size_t DropStaleStageTables(PgConnection& main, const std::string& schema) {
  std::map<uint32_t, std::vector<std::string>> by_id;
  for (const auto& row :
       main.Query("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname ~ "
                  "'^_sluice_stage_[0-9a-f]{8}_'",
                  {schema})) {
    const std::string& name = row.values[0];
    by_id[uint32_t(std::stoul(name.substr(14, 8), nullptr, 16))].push_back(name);
  }
  size_t dropped = 0;
  for (const auto& [id, tables] : by_id) {
    // Taken: its loader is gone (or it is our own id from an earlier load on this session,
    // which has ended too). Not taken: a live load owns these tables.
    if (main.QueryValue("SELECT pg_try_advisory_lock(" + LockArgs(id) + ")") != "t") continue;
    try {
      for (const auto& t : tables) {
        main.Execute("DROP TABLE IF EXISTS " + QualifiedName(schema, t));
        dropped++;
      }
    } catch (...) {
      ReleaseStageId(main, id);
      throw;
    }
    ReleaseStageId(main, id);
  }
  return dropped;
}

}  // namespace sluice
