// Every paginator reads every record of the test API exactly once, in order, and stops on its
// own signal; max_pages, repeating cursors and self-links can never make it loop.
#include "api/paginator.h"

#include <gtest/gtest.h>

#include <numeric>

#include "api/api_client.h"
#include "api/test_api_server_test_util.h"
#include "core/error.h"

namespace sluice {
namespace {

using testing::ApiTestServer;
using testing::FetchIds;

std::vector<int64_t> Ids(int from, int to) {
  std::vector<int64_t> ids(static_cast<size_t>(to - from + 1));
  std::iota(ids.begin(), ids.end(), from);
  return ids;
}

class PaginatorTest : public ::testing::Test {
 protected:
  PaginatorTest() : server_(25) {
    base_ = server_.Start();
    config_.base_url = base_;
    config_.max_attempts = 3;
    config_.backoff_base_s = 0.001;
    config_.backoff_max_s = 0.005;
  }
  std::vector<int64_t> Fetch(const PaginatorConfig& p, PageRequest first,
                             const std::string& selector, const std::string& method = "GET") {
    ApiClient client(config_);
    auto paginator = MakePaginator(p, base_);
    return FetchIds(client, *paginator, std::move(first), selector, method);
  }
  static PageRequest Path(const std::string& path) {
    PageRequest r;
    r.url = path;
    return r;
  }
  ApiTestServer server_;
  std::string base_;
  ClientConfig config_;
};

TEST_F(PaginatorTest, SinglePageMakesOneRequest) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kSinglePage;
  EXPECT_EQ(Fetch(p, Path("/items/single"), "items"), Ids(1, 25));
  EXPECT_EQ(server_.data_requests(), 1);
}

TEST_F(PaginatorTest, JsonLinkFollowsTheBodysNextUrlUntilItIsNull) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kJsonLink;
  EXPECT_EQ(Fetch(p, Path("/items/json_link"), "items"), Ids(1, 25));
  EXPECT_EQ(server_.data_requests(), 3);
}

TEST_F(PaginatorTest, JsonLinkResolvesRelativeLinksAgainstThePage) {
  server_.set_relative_links(true);
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kJsonLink;
  EXPECT_EQ(Fetch(p, Path("items/json_link"), "$.items"), Ids(1, 25));
}

TEST_F(PaginatorTest, ANextLinkKeepsItsQueryAndClientParamsAreNotDuplicated) {
  config_.params["per_page"] = "5";
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kJsonLink;
  EXPECT_EQ(Fetch(p, Path("/items/json_link"), "items"), Ids(1, 25));
  const auto log = server_.log();
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log[0].query, "per_page=5");
  EXPECT_EQ(log[1].query, "page=2&per_page=5");
}

TEST_F(PaginatorTest, ANextLinkToItselfIsRefused) {
  server_.set_self_link(true);
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kJsonLink;
  try {
    Fetch(p, Path("/items/json_link?page=2&per_page=10"), "items");
    FAIL() << "a self-link was followed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("page itself (page " + base_ + "/items/json_link)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(server_.data_requests(), 1);
}

TEST_F(PaginatorTest, HeaderLinkFollowsRelNextAmongOtherRels) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kHeaderLink;
  EXPECT_EQ(Fetch(p, Path("/items/header_link"), "$"), Ids(1, 25));
  EXPECT_EQ(server_.data_requests(), 3);
}

TEST(LinkHeader, RelNextQuotedOrNotAmongSeveralLinksAndRels) {
  EXPECT_EQ(
      NextLinkFromHeader(R"(<https://a/x?page=1>; rel="first", <https://a/x?page=3>; rel="next")"),
      "https://a/x?page=3");
  EXPECT_EQ(NextLinkFromHeader("<https://a/x?p=2>; rel=next"), "https://a/x?p=2");
  EXPECT_EQ(NextLinkFromHeader(R"(<https://a/y>; title="a, b; c"; rel="last next")"),
            "https://a/y");
  EXPECT_EQ(NextLinkFromHeader(R"(<https://a/z>; REL="Next")"), "https://a/z");
  EXPECT_EQ(NextLinkFromHeader(R"(<https://a/p>; rel="prev", <https://a/l>; rel="last")"), "");
  EXPECT_EQ(NextLinkFromHeader(R"(<https://a/p>; rel="nextish")"), "");
  EXPECT_EQ(NextLinkFromHeader(""), "");
}

TEST_F(PaginatorTest, CursorSendsTheNextCursorAsAQueryParameterUntilItIsNull) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kCursor;
  PageRequest first = Path("/items/cursor");
  first.SetParam("limit", "10");
  EXPECT_EQ(Fetch(p, first, "items"), Ids(1, 25));
  const auto log = server_.log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].query, "limit=10");
  EXPECT_EQ(log[1].query, "limit=10&cursor=o10");
}

TEST_F(PaginatorTest, CursorCanGoIntoTheJsonBody) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kCursor;
  p.cursor_body_path = "cursor";
  PageRequest first = Path("/items/cursor");
  first.json_body = R"({"limit": 7, "filter": {"x": [1, 2]}})";
  EXPECT_EQ(Fetch(p, first, "items", "POST"), Ids(1, 25));
  const auto log = server_.log();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[1].body, R"({"limit":7,"filter":{"x":[1,2]},"cursor":"o7"})");
  EXPECT_EQ(log[1].headers.at("content-type"), "application/json");
}

TEST_F(PaginatorTest, ARepeatingCursorIsRefused) {
  server_.set_repeat_cursor(true);
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kCursor;
  try {
    Fetch(p, Path("/items/cursor"), "items");
    FAIL() << "a repeating cursor was followed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("o10"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server_.data_requests(), 2);
}

TEST_F(PaginatorTest, OffsetStopsAtTheTotal) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kOffset;
  p.limit = 5;
  p.total_path = "total";
  EXPECT_EQ(Fetch(p, Path("/items/offset"), "items"), Ids(1, 25));
  EXPECT_EQ(server_.data_requests(), 5);  // 25 records exactly: no empty sixth page
  EXPECT_EQ(server_.log()[0].query, "offset=0&limit=5");
}

TEST_F(PaginatorTest, OffsetStopsAtAShortPageWithoutATotal) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kOffset;
  p.limit = 10;
  EXPECT_EQ(Fetch(p, Path("/items/offset"), "items"), Ids(1, 25));
  EXPECT_EQ(server_.data_requests(), 3);
}

TEST_F(PaginatorTest, OffsetStopsAtAnEmptyPageAndAtMaximumOffset) {
  server_.set_records(20);
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kOffset;
  p.limit = 10;
  EXPECT_EQ(Fetch(p, Path("/items/offset"), "items"), Ids(1, 20));
  EXPECT_EQ(server_.data_requests(), 3);  // the third page is empty
  p.maximum_offset = 10;
  EXPECT_EQ(Fetch(p, Path("/items/offset"), "items"), Ids(1, 10));
}

TEST_F(PaginatorTest, PageNumberStopsAtTotalPagesOrAnEmptyPageOrMaximumPage) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kPageNumber;
  p.total_path = "total_pages";
  EXPECT_EQ(Fetch(p, Path("/items/page"), "items"), Ids(1, 25));
  EXPECT_EQ(server_.data_requests(), 3);
  p.total_path = "";
  EXPECT_EQ(Fetch(p, Path("/items/page"), "items"), Ids(1, 25));
  EXPECT_EQ(server_.data_requests(), 3 + 4);  // the fourth page is empty
  p.maximum_page = 2;
  EXPECT_EQ(Fetch(p, Path("/items/page"), "items"), Ids(1, 20));
}

TEST_F(PaginatorTest, PageNumberThatNothingWouldStopIsRefused) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kPageNumber;
  p.stop_after_empty_page = false;
  EXPECT_THROW(MakePaginator(p), Error);
}

TEST_F(PaginatorTest, RelaySetsTheCursorVariableUntilHasNextPageIsFalse) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kRelay;
  p.page_info_path = "data.repository.issues.pageInfo";
  PageRequest first = Path("/graphql");
  first.json_body = R"({"query":"query($first:Int,$after:String){...}","variables":{"first":10}})";
  EXPECT_EQ(Fetch(p, first, "data.repository.issues.nodes", "POST"), Ids(1, 25));
  const auto log = server_.log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_NE(log[2].body.find(R"("variables":{"first":10,"after":"o20"})"), std::string::npos)
      << log[2].body;
}

TEST_F(PaginatorTest, RelayFindsABarePageInfoAnywhere) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kRelay;  // page_info_path defaults to "pageInfo"
  PageRequest first = Path("/graphql");
  first.json_body = R"({"query":"{...}","variables":{"first":10,"after":null}})";
  EXPECT_EQ(Fetch(p, first, "data.repository.issues.nodes", "POST"), Ids(1, 25));
}

TEST_F(PaginatorTest, AutoDetectsHeaderLinksBodyLinksOrASinglePage) {
  PaginatorConfig p;  // kAuto
  EXPECT_EQ(Fetch(p, Path("/items/header_link"), "$"), Ids(1, 25));
  EXPECT_EQ(server_.data_requests(), 3);
  EXPECT_EQ(Fetch(p, Path("/items/json_link"), "items"), Ids(1, 25));
  EXPECT_EQ(server_.data_requests(), 6);
  EXPECT_EQ(Fetch(p, Path("/items/single"), "items"), Ids(1, 25));
  EXPECT_EQ(server_.data_requests(), 7);
  // A cursor is not a link: one page only.
  EXPECT_EQ(Fetch(p, Path("/items/cursor"), "items"), Ids(1, 10));
}

TEST_F(PaginatorTest, MaxPagesStopsEveryType) {
  for (auto type : {PaginatorConfig::Type::kJsonLink, PaginatorConfig::Type::kHeaderLink,
                    PaginatorConfig::Type::kPageNumber, PaginatorConfig::Type::kAuto}) {
    PaginatorConfig p;
    p.type = type;
    p.max_pages = 2;
    const std::string path = type == PaginatorConfig::Type::kPageNumber ? "/items/page"
                             : type == PaginatorConfig::Type::kJsonLink ? "/items/json_link"
                                                                        : "/items/header_link";
    EXPECT_EQ(
        Fetch(p, Path(path),
              type == PaginatorConfig::Type::kJsonLink || type == PaginatorConfig::Type::kPageNumber
                  ? "items"
                  : "$"),
        Ids(1, 20))
        << path;
  }
}

TEST_F(PaginatorTest, AMalformedPageFailsTheFetch) {
  server_.set_malformed_page(2);
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kPageNumber;
  EXPECT_THROW(Fetch(p, Path("/items/page"), "items"), Error);
  EXPECT_EQ(server_.data_requests(), 2);
}

TEST(PaginatorErrors, AMissingTotalOrPageInfoNamesThePathAndThePage) {
  simdjson::dom::parser parser;
  const simdjson::dom::element body = parser.parse(std::string(R"({"items":[1,2]})")).value();
  HttpResponse response;
  response.status = 200;
  PaginatorConfig offset;
  offset.type = PaginatorConfig::Type::kOffset;
  offset.limit = 2;
  offset.total_path = "meta.total";
  PaginatorConfig relay;
  relay.type = PaginatorConfig::Type::kRelay;
  relay.page_info_path = "data.x.pageInfo";
  for (const auto& [config, path] : {std::pair{offset, "meta.total"}, {relay, "data.x.pageInfo"}}) {
    auto paginator = MakePaginator(config, "https://api.example/v1");
    PageRequest request;
    request.url = "items";
    paginator->Init(&request);
    try {
      paginator->Next(response, body, 2, &request);
      ADD_FAILURE() << path;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(message.find(path), std::string::npos) << message;
      EXPECT_NE(message.find("https://api.example/v1/items"), std::string::npos) << message;
    }
  }
}

TEST(PageRequest, SetParamReplacesOrAppends) {
  PageRequest r;
  r.SetParam("a", "1");
  r.SetParam("b", "2");
  r.SetParam("a", "3");
  EXPECT_EQ(r.params, (std::vector<std::pair<std::string, std::string>>{{"a", "3"}, {"b", "2"}}));
}

class PaginatorUnitTest : public ::testing::Test {
 protected:
  // Next on a response with this body (and headers) after a page of `records` records.
  bool Next(Paginator& paginator, const std::string& json, size_t records, PageRequest* request,
            HttpHeaders headers = {}) {
    HttpResponse response;
    response.status = 200;
    response.headers = std::move(headers);
    const simdjson::dom::element body = parser_.parse(json).value();
    return paginator.Next(response, body, records, request);
  }
  static std::string Param(const PageRequest& r, const std::string& name) {
    for (const auto& [n, v] : r.params) {
      if (n == name) return v;
    }
    return "";
  }
  simdjson::dom::parser parser_;
};

TEST_F(PaginatorUnitTest, OffsetWithATotalGoesOnAfterAPageShorterThanTheLimit) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kOffset;
  p.limit = 100;
  p.total_path = "total";
  auto paginator = MakePaginator(p, "https://api.example");
  PageRequest r;
  r.url = "items";
  paginator->Init(&r);
  // The server caps pages at 50: the offset moves by what came, until the total.
  EXPECT_TRUE(Next(*paginator, R"({"total":120})", 50, &r));
  EXPECT_EQ(Param(r, "offset"), "50");
  EXPECT_TRUE(Next(*paginator, R"({"total":120})", 50, &r));
  EXPECT_EQ(Param(r, "offset"), "100");
  EXPECT_FALSE(Next(*paginator, R"({"total":120})", 20, &r));
  // An empty page still ends it, whatever the total says.
  paginator = MakePaginator(p, "https://api.example");
  paginator->Init(&r);
  EXPECT_FALSE(Next(*paginator, R"({"total":120})", 0, &r));
  // ... unless stop_after_empty_page is false: then the total decides.
  p.stop_after_empty_page = false;
  paginator = MakePaginator(p, "https://api.example");
  r = PageRequest{};
  paginator->Init(&r);
  EXPECT_TRUE(Next(*paginator, R"({"total":120})", 0, &r));
  EXPECT_EQ(Param(r, "offset"), "100");
  EXPECT_FALSE(Next(*paginator, R"({"total":120})", 0, &r));
  // Without a total a short page is the last, stop_after_empty_page or not.
  p.total_path = "";
  paginator = MakePaginator(p, "https://api.example");
  paginator->Init(&r);
  EXPECT_FALSE(Next(*paginator, "{}", 50, &r));
  paginator = MakePaginator(p, "https://api.example");
  paginator->Init(&r);
  EXPECT_FALSE(Next(*paginator, "{}", 0, &r));
}

TEST_F(PaginatorUnitTest, ATotalOutOfIntegerRangeIsAnInputError) {
  PaginatorConfig p;
  p.type = PaginatorConfig::Type::kOffset;
  p.limit = 2;
  p.total_path = "total";
  for (const char* body :
       {R"({"total":1e300})", R"({"total":-1e300})", R"({"total":"99999999999999999999999"})"}) {
    auto paginator = MakePaginator(p, "https://api.example");
    PageRequest r;
    r.url = "items";
    paginator->Init(&r);
    try {
      Next(*paginator, body, 2, &r);
      ADD_FAILURE() << body;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput) << body;
    }
  }
}

TEST_F(PaginatorUnitTest, NextLinksToAnotherOriginAreRefused) {
  PaginatorConfig json;
  json.type = PaginatorConfig::Type::kJsonLink;
  json.next_url_path = "next";
  auto follow = [&](const std::string& link) {
    auto paginator = MakePaginator(json, "https://api.example/v1");
    PageRequest r;
    r.url = "items";
    paginator->Init(&r);
    Next(*paginator, R"({"next":")" + link + R"("})", 1, &r);
    return r.url;
  };
  EXPECT_EQ(follow("https://API.example:443/v1/items?page=2"),
            "https://API.example:443/v1/items?page=2");
  EXPECT_EQ(follow("/v1/items?page=2"), "https://api.example/v1/items?page=2");
  for (const std::string link :
       {"https://evil.example/v1/items?page=2", "http://api.example/v1/items?page=2",
        "https://api.example:8443/v1/items", "//evil.example/x",
        "https://user:pw@evil.example/x?key=sekrit"}) {
    try {
      follow(link);
      ADD_FAILURE() << link;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(message.find("https://api.example:443"), std::string::npos) << message;
      EXPECT_NE(message.find("another origin"), std::string::npos) << message;
      EXPECT_EQ(message.find("sekrit"), std::string::npos) << message;
      EXPECT_EQ(message.find("pw"), std::string::npos) << message;
    }
  }
  // The same for a Link header.
  PaginatorConfig header;
  header.type = PaginatorConfig::Type::kHeaderLink;
  auto paginator = MakePaginator(header, "https://api.example/v1");
  PageRequest r;
  r.url = "items";
  try {
    Next(*paginator, "[]", 1, &r, {{"link", "<http://api.example/v1/items?page=2>; rel=\"next\""}});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("http://api.example:80"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sluice
