#include "storage/range_reader.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "core/error.h"

namespace sluice {
namespace {

// `parallelism` worker threads live as long as the stream, so each keeps its HTTP connection
// (curl handles are per thread) across the ranges it fetches.
class RangeInputStream : public InputStream {
 public:
  RangeInputStream(Storage& storage, ObjectInfo object, RangeReadOptions options)
      : storage_(storage), object_(std::move(object)), options_(options) {
    if (object_.size < 0) object_ = storage_.Stat(object_.uri);
    if (object_.size < 0) {
      throw InputError(RedactedUri(object_.uri) +
                       ": the server reports no size (no Content-Length), so it cannot be read "
                       "in ranges");
    }
    options_.range_size = std::max<size_t>(options_.range_size, 64 << 10);
    options_.parallelism = std::max(options_.parallelism, 1);
    const uint64_t ranges =
        (static_cast<uint64_t>(object_.size) + options_.range_size - 1) / options_.range_size;
    const int threads = static_cast<int>(std::min<uint64_t>(options_.parallelism, ranges));
    for (int i = 0; i < threads; i++) workers_.emplace_back([this] { Work(); });
    Refill();
  }

  ~RangeInputStream() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
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
  struct Task {
    uint64_t offset;
    size_t length;
    std::promise<std::string> result;
  };

  // Keeps `parallelism` ranges queued or in flight ahead of the reader.
  void Refill() {
    const uint64_t size = static_cast<uint64_t>(object_.size);
    while (static_cast<int>(in_flight_.size()) < options_.parallelism && next_offset_ < size) {
      Task task{next_offset_,
                static_cast<size_t>(std::min<uint64_t>(options_.range_size, size - next_offset_)),
                {}};
      next_offset_ += task.length;
      in_flight_.push_back(task.result.get_future());
      {
        std::lock_guard<std::mutex> lock(mutex_);
        tasks_.push_back(std::move(task));
      }
      wake_.notify_one();
    }
  }

  void Work() {
    for (;;) {
      Task task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (stopping_) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      try {
        std::string buffer(task.length, '\0');
        const size_t got =
            storage_.ReadRange(object_.uri, task.offset, task.length, buffer.data());
        // The size was fixed when reading began; fewer bytes mean the object changed under us.
        if (got != task.length) {
          throw Error(ErrorKind::kIo,
                      RedactedUri(object_.uri) + " changed while it was read: expected " +
                          std::to_string(task.length) + " bytes at offset " +
                          std::to_string(task.offset) + ", got " + std::to_string(got),
                      /*retriable=*/true);
        }
        task.result.set_value(std::move(buffer));
      } catch (...) {
        task.result.set_exception(std::current_exception());
      }
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

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
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
