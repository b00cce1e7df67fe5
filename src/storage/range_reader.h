#pragma once
// The sequential reader remote backends return from OpenRead(): it fetches the object in
// fixed-size ranges, `parallelism` of them in flight at once, and hands the bytes out in order.
// Memory stays bounded at parallelism x range_size. Each range must come back complete (the
// backend's ReadRange throws on a short body) and the object must not change while it is read:
// the size is fixed from the Stat() taken when reading starts.
#include <cstddef>
#include <memory>

#include "io/input_stream.h"
#include "storage/storage.h"

namespace sluice {

struct RangeReadOptions {
  size_t range_size = 8 << 20;
  int parallelism = 4;
  // Reads the environment: SLUICE_RANGE_SIZE (bytes), SLUICE_READ_PARALLELISM.
  static RangeReadOptions FromEnvironment();
};

std::unique_ptr<InputStream> MakeRangeInputStream(Storage& storage, ObjectInfo object,
                                                  RangeReadOptions options);

}  // namespace sluice
