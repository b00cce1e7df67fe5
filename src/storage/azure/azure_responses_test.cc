#include "storage/azure/azure_responses.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace sluice {
namespace {

TEST(ListBlobsPage, ReadsNamesSizesEtagsDatesAndTheNextMarker) {
  const std::string xml =
      "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>"
      "<EnumerationResults ServiceEndpoint=\"https://a.blob.core.windows.net/\" "
      "ContainerName=\"c\"><Prefix>d/</Prefix><MaxResults>2</MaxResults><Blobs>"
      "<Blob><Name>d/a.csv</Name><Properties><Last-Modified>Sun, 11 Oct 2009 21:49:13 GMT"
      "</Last-Modified><Etag>0x8CBFF45D8A29A19</Etag><Content-Length>100</Content-Length>"
      "</Properties><Metadata/></Blob>"
      "<Blob><Name Encoded=\"true\">d/%EF%BF%BEx</Name><Properties><Etag>\"0x1\"</Etag>"
      "<Content-Length>0</Content-Length></Properties></Blob>"
      "<Blob><Name>d/sub</Name><Properties><Content-Length>0</Content-Length></Properties>"
      "<Metadata><hdi_isfolder>true</hdi_isfolder></Metadata></Blob>"
      "</Blobs><NextMarker>2!84!MDAwMDEx</NextMarker></EnumerationResults>";
  const ListBlobsPage page = ParseListBlobsPage(xml);
  ASSERT_EQ(page.blobs.size(), 3u);
  EXPECT_EQ(page.blobs[0].name, "d/a.csv");
  EXPECT_EQ(page.blobs[0].size, 100);
  EXPECT_EQ(page.blobs[0].etag, "0x8CBFF45D8A29A19");
  EXPECT_EQ(page.blobs[0].mtime_ns, int64_t(1255297753) * 1000000000);
  EXPECT_FALSE(page.blobs[0].is_directory);
  EXPECT_EQ(page.blobs[1].name, "d/\xEF\xBF\xBEx");
  EXPECT_EQ(page.blobs[1].etag, "0x1");
  EXPECT_EQ(page.blobs[1].size, 0);
  EXPECT_TRUE(page.blobs[2].is_directory);
  EXPECT_EQ(page.next_marker, "2!84!MDAwMDEx");
}

TEST(ListBlobsPage, TheLastPageHasNoMarker) {
  const ListBlobsPage page = ParseListBlobsPage(
      "<?xml version=\"1.0\"?><EnumerationResults><Blobs/><NextMarker/></EnumerationResults>");
  EXPECT_TRUE(page.blobs.empty());
  EXPECT_EQ(page.next_marker, "");
}

TEST(ListBlobsPage, SomethingElseIsARetriableIoError) {
  for (const std::string body : {"<html>proxy error</html>", "<EnumerationResults><Blobs>",
                                 "<EnumerationResults><Blobs><Blob><Properties><Content-Length>x"
                                 "</Content-Length></Properties></Blob></Blobs>"
                                 "</EnumerationResults>"}) {
    try {
      ParseListBlobsPage(body);
      ADD_FAILURE() << "no error for " << body;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kIo);
      EXPECT_TRUE(e.retriable());
    }
  }
}

TEST(AzureErrorBody, TakesTheCodeAndTheMessagesFirstLine) {
  const AzureErrorBody e = ParseAzureErrorBody(
      "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed"
      "</Code><Message>Server failed to authenticate the request.\nRequestId:1\nTime:x</Message>"
      "<AuthenticationErrorDetail>The MAC signature found ...</AuthenticationErrorDetail></Error>");
  EXPECT_EQ(e.code, "AuthenticationFailed");
  EXPECT_EQ(e.message, "Server failed to authenticate the request.");
  EXPECT_EQ(ParseAzureErrorBody("").code, "");
}

TEST(HttpDates, ParseToNanosecondsOrZero) {
  EXPECT_EQ(ParseHttpDateNs("Thu, 01 Jan 1970 00:00:01 GMT"), 1000000000);
  EXPECT_EQ(ParseHttpDateNs("yesterday"), 0);
  EXPECT_EQ(UnquoteEtag("\"0x8D\""), "0x8D");
  EXPECT_EQ(UnquoteEtag("0x8D"), "0x8D");
}

}  // namespace
}  // namespace sluice
