#include "storage/range_reader.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>

#include "core/error.h"

namespace sluice {
namespace {

class RangeInputStream : public InputStream {
 public:
  RangeInputStream(Storage& storage, ObjectInfo object, RangeReadOptions options)
      : storage_(storage), object_(std::move(object)), options_(options) {
    if (object_.size < 0) object_ = storage_.Stat(object_.uri);
    options_.range_size = std::max<size_t>(options_.range_size, 64 << 10);
    options_.parallelism = std::max(options_.parallelism, 1);
    Refill();
  }

  ~RangeInputStream() override {
    for (auto& f : in_flight_) {
      if (f.valid()) f.wait();
    }
  }

  size_t Read(char* out, size_t n) override {
    size_t done = 0;
    while (done < n) {
      if (position_ == current_.size()) {
        if (in_flight_.empty()) break;
        current_ = in_flight_.front().get();  // rethrows the range's error
        in_flight_.pop_front();
        position_ = 0;
        Refill();
        if (current_.empty()) break;
      }
      const size_t take = std::min(n - done, current_.size() - position_);
      std::memcpy(out + done, current_.data() + position_, take);
      position_ += take;
      done += take;
    }
    delivered_ += done;
    return done;
  }

  uint64_t StoredBytesRead() const override { return delivered_; }

 private:
  // Keeps `parallelism` ranges in flight ahead of the reader.
  void Refill() {
    const uint64_t size = static_cast<uint64_t>(object_.size);
    while (static_cast<int>(in_flight_.size()) < options_.parallelism && next_offset_ < size) {
      const uint64_t offset = next_offset_;
      const size_t length =
          static_cast<size_t>(std::min<uint64_t>(options_.range_size, size - offset));
      next_offset_ += length;
      in_flight_.push_back(std::async(std::launch::async, [this, offset, length] {
        std::string buffer(length, '\0');
        const size_t got = storage_.ReadRange(object_.uri, offset, length, buffer.data());
        // The size was fixed when reading began; fewer bytes mean the object changed under us.
        if (got != length) {
          throw Error(ErrorKind::kIo,
                      object_.uri + " changed while it was read: expected " +
                          std::to_string(length) + " bytes at offset " + std::to_string(offset) +
                          ", got " + std::to_string(got),
                      /*retriable=*/true);
        }
        return buffer;
      }));
    }
  }

  Storage& storage_;
  ObjectInfo object_;
  RangeReadOptions options_;
  std::deque<std::future<std::string>> in_flight_;
  std::string current_;
  size_t position_ = 0;
  uint64_t next_offset_ = 0;
  uint64_t delivered_ = 0;
};

}  // namespace

RangeReadOptions RangeReadOptions::FromEnvironment() {
  RangeReadOptions options;
  if (const char* size = std::getenv("SLUICE_RANGE_SIZE"); size && *size) {
    options.range_size = static_cast<size_t>(std::strtoull(size, nullptr, 10));
  }
  if (const char* parallel = std::getenv("SLUICE_READ_PARALLELISM"); parallel && *parallel) {
    options.parallelism = std::atoi(parallel);
  }
  return options;
}

std::unique_ptr<InputStream> MakeRangeInputStream(Storage& storage, ObjectInfo object,
                                                  RangeReadOptions options) {
  return std::make_unique<RangeInputStream>(storage, std::move(object), options);
}

}  // namespace sluice
