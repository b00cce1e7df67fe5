#include "webhook/event_spool.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "core/error.h"
#include "webhook/recent_ids.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class SpoolDir {
 public:
  explicit SpoolDir(const std::string& suffix = "") {
    path_ = fs::path(::testing::TempDir()) /
            ("sluice_spool_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + suffix);
    fs::remove_all(path_);
  }
  ~SpoolDir() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }
  std::vector<fs::path> Segments() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(path_)) {
      if (e.path().extension() == ".spool") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  fs::path path_;
};

SpoolRecord Event(int i, bool with_id = true) {
  SpoolRecord r;
  r.received_at_micros = 1700000000000000 + i;
  r.route = "/hooks/a";
  r.table = "events";
  r.has_id = with_id;
  r.event_id = with_id ? "evt_" + std::to_string(i) : "";
  r.body = "{\"n\":" + std::to_string(i) + "}";
  return r;
}

std::vector<SpoolRecord> ReadAll(EventSpool& spool, SpoolPosition from = {}) {
  std::vector<SpoolRecord> all, batch;
  for (;;) {
    from = spool.Read(from, 7, &batch);
    if (batch.empty()) return all;
    all.insert(all.end(), batch.begin(), batch.end());
  }
}

TEST(EventSpool, AppendedRecordsReadBackWithPositions) {
  SpoolDir dir;
  EventSpool spool(SpoolOptions{dir.str()});
  for (int i = 0; i < 20; i++) spool.Append(Event(i, i % 2 == 0));
  const auto all = ReadAll(spool);
  ASSERT_EQ(all.size(), 20u);
  for (int i = 0; i < 20; i++) {
    EXPECT_EQ(all[i].body, Event(i).body);
    EXPECT_EQ(all[i].has_id, i % 2 == 0);
    EXPECT_EQ(all[i].event_id, Event(i, i % 2 == 0).event_id);
    EXPECT_EQ(all[i].received_at_micros, Event(i).received_at_micros);
    EXPECT_EQ(all[i].route, "/hooks/a");
    EXPECT_EQ(all[i].table, "events");
    if (i) EXPECT_EQ(all[i].position, all[i - 1].next);
  }
  // Reading from the middle resumes exactly there.
  const auto tail = ReadAll(spool, all[15].position);
  ASSERT_EQ(tail.size(), 5u);
  EXPECT_EQ(tail[0].body, all[15].body);
  EXPECT_EQ(spool.records_total(), 20u);
  EXPECT_EQ(spool.CountRecordsBefore(all[15].position), 15u);
}

TEST(EventSpool, SegmentsRotateAndLoadedOnesAreReleased) {
  SpoolDir dir;
  SpoolOptions options{dir.str()};
  options.segment_bytes = 200;
  EventSpool spool(options);
  for (int i = 0; i < 30; i++) spool.Append(Event(i));
  ASSERT_GT(dir.Segments().size(), 3u);
  const auto all = ReadAll(spool);
  ASSERT_EQ(all.size(), 30u);
  // A position at the end of a closed segment means the start of the next one.
  EXPECT_EQ(spool.Normalize({1, 100000}), (SpoolPosition{2, 0}));
  const SpoolPosition mid = spool.Normalize(all[20].position);
  const uint64_t before = spool.bytes_on_disk();
  spool.Release(mid);
  EXPECT_LT(spool.bytes_on_disk(), before);
  EXPECT_EQ(ReadAll(spool, mid).size(), 10u);
  EXPECT_EQ(spool.Normalize({0, 0}).segment, mid.segment) << "starts at the oldest segment left";
  // The active segment is never released.
  spool.Release({1000, 0});
  EXPECT_EQ(dir.Segments().size(), 1u);
}

TEST(EventSpool, TornTailIsCutOnReopenAndAppendsContinue) {
  SpoolDir dir;
  {
    EventSpool spool(SpoolOptions{dir.str()});
    for (int i = 0; i < 5; i++) spool.Append(Event(i));
  }
  const fs::path segment = dir.Segments().back();
  const uint64_t intact = fs::file_size(segment);
  {
    // A record cut short by kill -9 mid-write: a full header, half a payload.
    std::string torn;
    {
      SpoolDir other("_scratch");
      EventSpool scratch(SpoolOptions{other.str()});
      scratch.Append(Event(99));
      std::ifstream in(other.Segments().back(), std::ios::binary);
      torn.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::ofstream out(segment, std::ios::binary | std::ios::app);
    out.write(torn.data(), std::streamsize(torn.size() - 5));
  }
  std::vector<std::string> seen;
  EventSpool spool(SpoolOptions{dir.str()},
                   [&](const SpoolRecord& r) { seen.push_back(r.event_id); });
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(fs::file_size(segment), intact);
  spool.Append(Event(5));
  const auto all = ReadAll(spool);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[5].event_id, "evt_5");
}

TEST(EventSpool, ChecksumMismatchInTheTailIsCutToo) {
  SpoolDir dir;
  {
    EventSpool spool(SpoolOptions{dir.str()});
    for (int i = 0; i < 3; i++) spool.Append(Event(i));
  }
  const fs::path segment = dir.Segments().back();
  const uint64_t size = fs::file_size(segment);
  {
    // Flip a byte in the last record's body: a write that reached the disk only in part.
    std::fstream f(segment, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(std::streamoff(size - 2));
    f.put('X');
  }
  EventSpool spool(SpoolOptions{dir.str()});
  EXPECT_EQ(ReadAll(spool).size(), 2u);
  EXPECT_EQ(spool.records_total(), 2u);
  EXPECT_LT(fs::file_size(segment), size);
}

TEST(EventSpool, DamageInAClosedSegmentIsAnErrorNotATruncation) {
  SpoolDir dir;
  SpoolOptions options{dir.str()};
  options.segment_bytes = 100;
  {
    EventSpool spool(options);
    for (int i = 0; i < 10; i++) spool.Append(Event(i));
  }
  const fs::path first = dir.Segments().front();
  {
    std::fstream f(first, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(20);
    f.put('\x7f');
  }
  EXPECT_THROW(EventSpool{options}, Error);
}

TEST(EventSpool, ConcurrentAppendsShareSyncsAndAllLand) {
  SpoolDir dir;
  SpoolOptions options{dir.str()};
  options.segment_bytes = 4096;
  EventSpool spool(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; i++) spool.Append(Event(t * 1000 + i));
    });
  }
  for (auto& t : threads) t.join();
  const auto all = ReadAll(spool);
  ASSERT_EQ(all.size(), 400u);
  std::set<std::string> ids;
  for (const auto& r : all) ids.insert(r.event_id);
  EXPECT_EQ(ids.size(), 400u);
  EXPECT_EQ(spool.durable_end(), spool.Normalize(all.back().next));
}

TEST(EventSpool, IdSurvivesReopenAndPositionsCarryIt) {
  SpoolDir dir;
  std::string id;
  {
    EventSpool spool(SpoolOptions{dir.str()});
    id = spool.id();
    EXPECT_EQ(id.size(), 32u);
  }
  EventSpool spool(SpoolOptions{dir.str()});
  EXPECT_EQ(spool.id(), id);
  SpoolPosition p;
  EXPECT_TRUE(ParseSpoolPositionJson(SpoolPositionJson(id, {3, 77}), id, &p));
  EXPECT_EQ(p, (SpoolPosition{3, 77}));
  EXPECT_FALSE(ParseSpoolPositionJson(SpoolPositionJson(id, {3, 77}), std::string(32, 'a'), &p))
      << "a position of another (wiped and recreated) spool is not ours";
}

TEST(EventSpool, AFailedSyncBreaksTheSpoolUntilRestart) {
  SpoolDir dir;
  SpoolOptions options{dir.str()};
  bool fail = false;
  options.datasync = [&](int fd) {
    if (fail) {
      fail = false;  // like Linux: the writeback error is reported once, then "succeeds"
      errno = EIO;
      return -1;
    }
    return ::fdatasync(fd);
  };
  {
    EventSpool spool(options);
    spool.Append(Event(0));
    fail = true;
    EXPECT_THROW(spool.Append(Event(1)), Error);
    EXPECT_FALSE(spool.healthy());
    EXPECT_THROW(spool.Append(Event(2)), Error) << "a later sync must not bless the lost write";
    EXPECT_FALSE(spool.healthy());
    const auto all = ReadAll(spool);
    ASSERT_EQ(all.size(), 1u) << "nothing past the last good sync is readable";
  }
  EventSpool reopened(options);
  EXPECT_TRUE(reopened.healthy());
  reopened.Append(Event(3));
  EXPECT_TRUE(reopened.healthy());
}

TEST(EventSpool, AFailedSyncOnRotationBreaksTheSpoolToo) {
  SpoolDir dir;
  SpoolOptions options{dir.str()};
  options.segment_bytes = 100;
  bool fail = false;
  options.datasync = [&](int fd) {
    if (fail) {
      fail = false;
      errno = EIO;
      return -1;
    }
    return ::fdatasync(fd);
  };
  EventSpool spool(options);
  spool.Append(Event(0));
  spool.Append(Event(1));
  fail = true;
  EXPECT_THROW(spool.Append(Event(2)), Error);
  EXPECT_THROW(spool.Append(Event(3)), Error);
  EXPECT_FALSE(spool.healthy());
}

TEST(EventSpool, ReopeningSyncsTheNewestSegmentBeforeServing) {
  SpoolDir dir;
  SpoolOptions options{dir.str()};
  {
    EventSpool spool(options);
    spool.Append(Event(0));
  }
  int syncs = 0;
  options.datasync = [&](int fd) {
    syncs++;
    return ::fdatasync(fd);
  };
  {
    EventSpool spool(options);
    EXPECT_EQ(syncs, 1) << "a tail the last process wrote but never synced is synced now";
  }
  options.datasync = [&](int) {
    errno = EIO;
    return -1;
  };
  EXPECT_THROW(EventSpool{options}, Error) << "an unsyncable tail must not answer duplicates";
}

TEST(EventSpool, APartialWriteIsCutAndDoesNotDamageTheSegmentLater) {
  SpoolDir dir;
  SpoolOptions options{dir.str()};
  options.segment_bytes = 400;
  {
    EventSpool spool(options);
    spool.Append(Event(0));
    const uint64_t size = fs::file_size(dir.Segments().back());
    // The disk fills up in the middle of the next record (RLIMIT_FSIZE: EFBIG after a partial
    // write, like ENOSPC).
    rlimit old;
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    auto previous = ::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = size + 10;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    SpoolRecord big = Event(1);
    big.body = "{\"pad\":\"" + std::string(100, 'x') + "\"}";
    EXPECT_THROW(spool.Append(big), Error);
    ::setrlimit(RLIMIT_FSIZE, &old);
    ::signal(SIGXFSZ, previous);
    EXPECT_EQ(fs::file_size(dir.Segments().back()), size) << "the partial record is cut";
    EXPECT_FALSE(spool.healthy());
    for (int i = 2; i < 12; i++) spool.Append(Event(i));  // rotates past the damaged segment
    EXPECT_TRUE(spool.healthy());
    ASSERT_GT(dir.Segments().size(), 1u);
  }
  EventSpool reopened(options);
  EXPECT_EQ(ReadAll(reopened).size(), 11u);
}

TEST(EventSpool, DamageBeforeIntactRecordsOfTheNewestSegmentIsAnError) {
  SpoolDir dir;
  {
    EventSpool spool(SpoolOptions{dir.str()});
    for (int i = 0; i < 5; i++) spool.Append(Event(i));
  }
  const fs::path segment = dir.Segments().back();
  {
    std::fstream f(segment, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(20);  // inside the first record; four acknowledged records follow
    f.put('\x7f');
  }
  EXPECT_THROW(EventSpool{SpoolOptions{dir.str()}}, Error);
}

TEST(EventSpool, AMissingIdWithSegmentsIsAnErrorNotANewSpool) {
  SpoolDir dir;
  {
    EventSpool spool(SpoolOptions{dir.str()});
    spool.Append(Event(0));
  }
  fs::remove(fs::path(dir.str()) / "spool.id");
  EXPECT_THROW(EventSpool{SpoolOptions{dir.str()}}, Error);
  EXPECT_FALSE(fs::exists(fs::path(dir.str()) / "spool.id"));
}

TEST(EventSpool, RecordsLongerThanTheReaderTakesAreRefused) {
  SpoolDir dir;
  SpoolOptions options{dir.str()};
  options.max_record_bytes = 100;
  EventSpool spool(options);
  SpoolRecord big = Event(0);
  big.body = "{\"pad\":\"" + std::string(200, 'x') + "\"}";
  EXPECT_THROW(spool.Append(big), Error);
  spool.Append(Event(1));
  EXPECT_EQ(ReadAll(spool).size(), 1u);
}

TEST(EventSpool, ReadStopsAtTheByteCapButTakesAtLeastOneRecord) {
  SpoolDir dir;
  EventSpool spool(SpoolOptions{dir.str()});
  for (int i = 0; i < 10; i++) spool.Append(Event(i));
  std::vector<SpoolRecord> out;
  SpoolPosition next = spool.Read({}, 100, &out, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(next, out[0].next);
  const uint64_t one = out[0].next.offset - out[0].position.offset;
  spool.Read({}, 100, &out, 3 * one);
  EXPECT_EQ(out.size(), 3u);
  spool.Read({}, 100, &out);
  EXPECT_EQ(out.size(), 10u);
}

TEST(EventSpool, AFailedRotationLeavesNoFileBehind) {
  SpoolDir dir;
  SpoolOptions options{dir.str()};
  options.segment_bytes = 120;  // two records
  bool fail = false;
  options.dirsync = [&](int fd) {
    if (fail) {
      errno = EIO;
      return -1;
    }
    return ::fsync(fd);
  };
  EventSpool spool(options);
  spool.Append(Event(0));
  spool.Append(Event(1));
  ASSERT_EQ(dir.Segments().size(), 1u);
  fail = true;
  EXPECT_THROW(spool.Append(Event(2)), Error);  // the rotation's directory sync fails
  EXPECT_EQ(dir.Segments().size(), 1u) << "the new segment file is removed";
  fail = false;
  for (int i = 3; i < 10; i++) spool.Append(Event(i));  // rotations work again
  EXPECT_GT(dir.Segments().size(), 1u);
  EXPECT_EQ(ReadAll(spool).size(), 9u);
}

TEST(RecentIds, FailedAndRepeatedClaimsDoNotGrowTheBookkeeping) {
  RecentIds ids(3);
  for (int i = 0; i < 100; i++) {
    ASSERT_EQ(ids.Acquire("x"), RecentIds::Claim::kNew);
    ids.Settle("x", false);  // spooling failed; the sender retries
  }
  EXPECT_EQ(ids.size(), 0u);
  EXPECT_EQ(ids.remembered(), 0u);
  ASSERT_EQ(ids.Acquire("x"), RecentIds::Claim::kNew);
  ids.Settle("x", true);
  EXPECT_EQ(ids.Acquire("x"), RecentIds::Claim::kDuplicate);
  EXPECT_EQ(ids.remembered(), 1u);
}

TEST(RecentIds, InFlightIdsAreNeverEvictedAndTheSetStaysBounded) {
  RecentIds ids(2);
  ASSERT_EQ(ids.Acquire("slow"), RecentIds::Claim::kNew);
  for (int i = 0; i < 10; i++) ids.Remember("k" + std::to_string(i));
  EXPECT_EQ(ids.size(), 3u) << "two remembered, one in flight";
  ids.Settle("slow", true);
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids.remembered(), 2u);
  EXPECT_EQ(ids.Acquire("slow"), RecentIds::Claim::kDuplicate);
  EXPECT_EQ(ids.Acquire("k9"), RecentIds::Claim::kDuplicate);
  EXPECT_EQ(ids.Acquire("k0"), RecentIds::Claim::kNew) << "the oldest was forgotten";
  ids.Settle("k0", false);
}

}  // namespace
}  // namespace sluice
