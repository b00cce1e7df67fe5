// What end-to-end tests may rely on from ApiTestServer: its dataset, the updated_since filter
// that incremental loads use, updates (Touch), child routes, and the request log.
#include "api/test_api_server_test_util.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace sluice {
namespace {

using testing::ApiTestServer;
using testing::FetchIds;

class TestApiServerTest : public ::testing::Test {
 protected:
  TestApiServerTest() : server_(12) {
    config_.base_url = server_.Start();
    config_.max_attempts = 2;
    config_.backoff_base_s = 0.001;
  }
  HttpResponse Get(const std::string& path, bool allow_not_found = false) {
    ApiClient client(config_);
    PageRequest r;
    r.url = path;
    return client.Send(r, "GET", {}, allow_not_found);
  }
  ApiTestServer server_;
  ClientConfig config_;
};

TEST_F(TestApiServerTest, RecordsAreDeterministic) {
  EXPECT_EQ(server_.RecordJson(5),
            R"({"id":5,"name":"item-5","value":50,"status":"open",)"
            R"("updated_at":"2026-01-01T00:05:00Z","user":{"login":"u1"},"tags":["t2"]})");
  EXPECT_EQ(Get("/items/single").body.find(server_.RecordJson(1)), 10u);
}

TEST_F(TestApiServerTest, UpdatedSinceFiltersEveryListRouteAndItsTotals) {
  PaginatorConfig offset;
  offset.type = PaginatorConfig::Type::kOffset;
  offset.limit = 2;
  offset.total_path = "total";
  ApiClient client(config_);
  PageRequest first;
  first.url = "/items/offset";
  first.SetParam("updated_since", "2026-01-01T00:09:00Z");
  EXPECT_EQ(FetchIds(client, *MakePaginator(offset), first, "items"),
            (std::vector<int64_t>{9, 10, 11, 12}));
}

TEST_F(TestApiServerTest, TouchAndNewRecordsShowUpAfterTheLastCursor) {
  server_.Touch(3);
  server_.set_records(14);
  ApiClient client(config_);
  PageRequest first;
  first.url = "/items/cursor";
  first.SetParam("updated_since", "2026-01-01T00:12:01Z");
  PaginatorConfig cursor;
  cursor.type = PaginatorConfig::Type::kCursor;
  EXPECT_EQ(FetchIds(client, *MakePaginator(cursor), first, "items"),
            (std::vector<int64_t>{3, 13, 14}));
  // Touched when the newest record was 12: minute 13, the same as the record added later.
  EXPECT_EQ(server_.UpdatedAt(3), "2026-01-01T00:13:00Z");
}

TEST_F(TestApiServerTest, ChildRoutesAnswerPerParentAnd404BeyondTheData) {
  EXPECT_EQ(Get("/items/7/comments").body,
            R"([{"id":701,"item_id":7,"text":"c1"},{"id":702,"item_id":7,"text":"c2"}])");
  EXPECT_EQ(Get("/items/99/comments", /*allow_not_found=*/true).status, 404);
}

TEST_F(TestApiServerTest, TheLogHasMethodPathQueryHeadersAndBody) {
  Get("/items/single?x=1");
  const auto log = server_.log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].method, "GET");
  EXPECT_EQ(log[0].path, "/items/single");
  EXPECT_EQ(log[0].query, "x=1");
  EXPECT_EQ(log[0].headers.at("accept"), "application/json");
  EXPECT_EQ(server_.requests(), 1);
  server_.ClearLog();
  EXPECT_TRUE(server_.log().empty());
}

TEST_F(TestApiServerTest, AMalformedPageIsReportedAsSuch) {
  server_.FailNext(1, ApiTestServer::Failure::kMalformedJson);
  try {
    PaginatorConfig single;
    single.type = PaginatorConfig::Type::kSinglePage;
    ApiClient client(config_);
    PageRequest first;
    first.url = "/items/single";
    FetchIds(client, *MakePaginator(single), first, "items");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
  }
}

}  // namespace
}  // namespace sluice
