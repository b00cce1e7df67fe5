#include "pipeline/runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/error.h"

namespace sluice {
namespace {

// A source of `chunks` chunks of one int column; parsing is slower for early chunks so workers
// finish out of order. Chunk k has `lines_per_chunk` lines and rejects its line 2 if asked.
class FakeSource final : public Source {
 public:
  FakeSource(size_t chunks, bool reject_some) : chunks_(chunks), reject_some_(reject_some) {
    files_ = {{"a.txt", 100}, {"b.txt", 100}};
  }
  const std::vector<InputFile>& files() const override { return files_; }
  const std::string& table() const override { return table_; }
  bool ReadChunk(RawChunk* chunk) override {
    if (next_ == chunks_) return false;
    in_flight_max_ = std::max<size_t>(in_flight_max_, ++in_flight_);
    chunk->sequence = next_;
    chunk->file_index = next_ < chunks_ / 2 ? 0 : 1;
    chunk->first_in_file = next_ == 0 || next_ == chunks_ / 2;
    chunk->data = std::to_string(next_);
    next_++;
    return true;
  }
  void HintColumnType(const std::string&, const std::string&, InferredType) override {}
  ParsedChunk ParseChunk(RawChunk chunk) override {
    const uint64_t k = std::stoull(chunk.data);
    std::this_thread::sleep_for(std::chrono::microseconds(k % 3 == 0 ? 3000 : 10));
    ParsedChunk p;
    p.sequence = chunk.sequence;
    p.file_index = chunk.file_index;
    p.first_in_file = chunk.first_in_file;
    p.lines = 10;
    Batch b;
    b.table = "t";
    b.names = {"k"};
    b.columns.emplace_back(DataType::Of(TypeId::kInt64));
    b.columns[0].AppendInt64(int64_t(k));
    b.num_rows = 1;
    p.batches.push_back(std::move(b));
    if (reject_some_) {
      RejectedRecord r;
      r.table = "t";
      r.source = files_[chunk.file_index].path;
      r.line = 2;
      r.reason = "bad";
      p.rejects.push_back(r);
    }
    in_flight_--;
    return p;
  }
  size_t in_flight_max() const { return in_flight_max_; }

 private:
  size_t chunks_, next_ = 0;
  bool reject_some_;
  std::vector<InputFile> files_;
  std::string table_ = "t";
  std::atomic<size_t> in_flight_{0};
  size_t in_flight_max_ = 0;
};

class RecordingSink final : public BatchSink {
 public:
  void Write(Batch& batch) override { order.push_back(batch.columns[0].GetInt64(0)); }
  void WriteRejects(const std::vector<RejectedRecord>& rejects) override {
    for (const auto& r : rejects) lines.push_back(r.source + ":" + std::to_string(r.line));
  }
  std::vector<int64_t> order;
  std::vector<std::string> lines;
};

TEST(Pump, DeliversChunksInInputOrderWhateverOrderWorkersFinish) {
  FakeSource source(40, false);
  RecordingSink sink;
  RunOptions options;
  options.workers = 4;
  options.progress = false;
  LoadReport report;
  Pump(source, sink, options, &report);
  ASSERT_EQ(sink.order.size(), 40u);
  for (int64_t i = 0; i < 40; i++) EXPECT_EQ(sink.order[size_t(i)], i);
  EXPECT_EQ(report.tables["t"].rows_loaded, 40u);
  EXPECT_LE(source.in_flight_max(), 2 * 4 + 2u) << "chunks in flight are bounded";
}

TEST(Pump, NumbersRejectedLinesFromTheStartOfEachFile) {
  FakeSource source(4, true);
  RecordingSink sink;
  RunOptions options;
  options.progress = false;
  LoadReport report;
  Pump(source, sink, options, &report);
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"a.txt:2", "a.txt:12", "b.txt:2", "b.txt:12"}));
  EXPECT_EQ(report.rows_rejected, 4u);
  EXPECT_EQ(report.tables["t"].rows_rejected, 4u);
}

TEST(Pump, TooManyRejectedRowsFailsTheRun) {
  FakeSource source(10, true);
  RecordingSink sink;
  RunOptions options;
  options.progress = false;
  options.max_bad_rows = 3;
  LoadReport report;
  try {
    Pump(source, sink, options, &report);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("--max-bad-rows 3"), std::string::npos) << e.what();
  }
}

class ThrowingSource final : public Source {
 public:
  const std::vector<InputFile>& files() const override { return files_; }
  const std::string& table() const override { return table_; }
  bool ReadChunk(RawChunk* chunk) override {
    chunk->sequence = n_++;
    return n_ < 1000;
  }
  void HintColumnType(const std::string&, const std::string&, InferredType) override {}
  ParsedChunk ParseChunk(RawChunk chunk) override {
    if (chunk.sequence == 5) throw InputError("boom at chunk 5");
    ParsedChunk p;
    p.sequence = chunk.sequence;
    return p;
  }

 private:
  std::vector<InputFile> files_{{"x", -1}};
  std::string table_ = "t";
  uint64_t n_ = 0;
};

TEST(Pump, AWorkerErrorStopsEverythingAndSurfaces) {
  ThrowingSource source;
  RecordingSink sink;
  RunOptions options;
  options.progress = false;
  LoadReport report;
  EXPECT_THROW(Pump(source, sink, options, &report), Error);
}

}  // namespace
}  // namespace sluice
