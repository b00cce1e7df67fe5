#pragma once
// For tests: read a filesystem destination back the way the documentation tells readers to
// (docs/filesystem-destination.md, "Reading"): follow the committed manifests, read each
// table's current files with DuckDB (read_parquet / read_csv / read_ndjson_objects), union by
// column name and cast to the manifest's types. Remote prefixes are mirrored to a local temp
// directory first.
#include <string>
#include <vector>

#include "storage/storage.h"

namespace sluice::testing_util {

// Runs `sql` over views named after the destination's tables, plus _sluice_loads (load_id,
// pipeline, mode, status, kind: one row per committed load), _sluice_rejects (the rejects files),
// _sluice_schemas (pipeline, table_name, version_hash, load_id) and _sluice_state (pipeline,
// resource, key, value, load_id). Rows come back as "a|b|c" lines, NULL spelled NULL.
std::vector<std::string> QueryFilesystemDestination(Storage& storage, const std::string& prefix,
                                                    const std::string& sql);

}  // namespace sluice::testing_util
