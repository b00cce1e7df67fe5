// Loading from remote storage end to end: the real sluice binary reads over HTTP through a proxy
// that injects failures, and reruns skip objects whose ETag has not changed.
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "storage/http/fault_proxy_test_util.h"

namespace sluice {
namespace {

using testing::Fault;
using testing::FaultProxy;
using testing::ObjectHttpServer;
using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::TempDir;
using Rows = std::vector<std::string>;

std::string OrdersCsv(int rows) {
  std::string csv = "id,customer,amount\n";
  for (int i = 1; i <= rows; i++) {
    csv += std::to_string(i) + ",customer " + std::to_string(i % 97) + "," +
           std::to_string(i % 1000) + "." + std::to_string(i % 10) + "0\n";
  }
  return csv;
}

// Small ranges and fast retries: many requests, so the proxy's faults land in every phase.
const char* kFastRemoteEnv =
    "SLUICE_RANGE_SIZE=65536 SLUICE_READ_PARALLELISM=3 SLUICE_HTTP_RETRIES=8 ";

TEST(RemoteSource, ALoadThroughFailingConnectionsHasExactlyTheCleanLoadsRows) {
  TempDir dir;
  ObjectHttpServer origin;
  origin.Put("/exports/orders.csv", OrdersCsv(60000));
  FaultProxy proxy(origin.endpoint());
  proxy.FailEvery(3, {Fault::kStatus500, Fault::kSlowDown503, Fault::kDrop, Fault::kTruncate});
  const std::string db = dir.File("w.duckdb");
  auto r = RunSluice("load " + proxy.endpoint() + "/exports/orders.csv duckdb:///" + db, "",
                     kFastRemoteEnv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(proxy.faults_injected(), 5);
  EXPECT_EQ(QueryRows(db, "SELECT count(*), count(DISTINCT id), sum(amount) FROM orders"),
            Rows{"60000|60000|29997000.00"});
}

TEST(RemoteSource, WhenEveryAttemptFailsTheLoadFailsAndWritesNothing) {
  TempDir dir;
  ObjectHttpServer origin;
  origin.Put("/orders.csv", OrdersCsv(50000));
  FaultProxy proxy(origin.endpoint());
  // Listing (HEAD) passes; from the first range on, every response is cut short.
  proxy.Schedule({Fault::kNone});
  proxy.FailEvery(1, {Fault::kTruncate});
  const std::string db = dir.File("w.duckdb");
  auto r = RunSluice("load " + proxy.endpoint() + "/orders.csv duckdb:///" + db + " --retries 0", "",
                     "SLUICE_RANGE_SIZE=65536 SLUICE_HTTP_RETRIES=2 ");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/orders.csv"), std::string::npos) << r.err;
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                          "'orders'"),
            Rows{"0"});
}

TEST(RemoteSource, ARerunSkipsAnUnchangedObjectAndReloadsAChangedOne) {
  TempDir dir;
  ObjectHttpServer origin;
  origin.Put("/orders.csv", OrdersCsv(100));
  const std::string db = dir.File("w.duckdb");
  const std::string args = "load " + origin.endpoint() + "/orders.csv duckdb:///" + db + " --mode replace";
  ASSERT_EQ(RunSluice(args).exit_code, 0);
  auto again = RunSluice(args + " --report json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("\"status\":\"unchanged\""), std::string::npos) << again.out;
  origin.Put("/orders.csv", OrdersCsv(7));  // new content, new ETag
  ASSERT_EQ(RunSluice(args).exit_code, 0);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM orders"), Rows{"7"});
  EXPECT_EQ(QueryRows(db, "SELECT key, value LIKE '%\"etag\":\"v2\"%' FROM _sluice_state WHERE key LIKE 'file:%'"),
            (Rows{"file:" + origin.endpoint() + "/orders.csv|true"}));
}

TEST(RemoteSource, AServerWithoutEtagsIsJudgedBySizeAndLastModified) {
  TempDir dir;
  ObjectHttpServer origin;
  origin.set_send_etags(false);
  origin.set_forbid_head(true);  // and a link presigned for GET only
  origin.Put("/orders.csv", OrdersCsv(10));
  const std::string db = dir.File("w.duckdb");
  const std::string args = "load '" + origin.endpoint() + "/orders.csv?sig=1' duckdb:///" + db;
  auto first = RunSluice(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto again = RunSluice(args + " --report json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("\"status\":\"unchanged\""), std::string::npos) << again.out;
  origin.Put("/orders.csv", OrdersCsv(12));  // same Last-Modified, new size
  ASSERT_EQ(RunSluice(args).exit_code, 0);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM orders"), Rows{"22"});
}

TEST(RemoteSource, ASignedLinksQueryStringIsNeitherAGlobNorStored) {
  TempDir dir;
  ObjectHttpServer origin;
  origin.Put("/exports/orders.csv", "id,amount\n1,2.5\n2\n");  // line 3 is short: rejected
  const std::string db = dir.File("w.duckdb");
  auto r = RunSluice("load '" + origin.endpoint() +
                         "/exports/orders.csv?X-Amz-Signature=topsecret&v=[1]' duckdb:///" + db +
                         " --max-bad-rows 5",
                     "");
  ASSERT_EQ(r.exit_code, 3) << r.err;  // loaded, with a rejected row
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM orders"), Rows{"1"});
  EXPECT_EQ(QueryRows(db, "SELECT source FROM _sluice_rejects"),
            Rows{origin.endpoint() + "/exports/orders.csv"});
  for (const char* sql : {"SELECT source FROM _sluice_loads", "SELECT key FROM _sluice_state",
                          "SELECT source FROM _sluice_rejects"}) {
    for (const auto& row : QueryRows(db, sql)) {
      EXPECT_EQ(row.find("topsecret"), std::string::npos) << sql << ": " << row;
    }
  }
  EXPECT_EQ(r.err.find("topsecret"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sluice
