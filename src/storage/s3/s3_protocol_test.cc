// The S3 backend against an in-test HTTP server that plays S3: what goes over the wire
// (signatures, headers) and how odd or failing answers are handled. s3rver accepts any
// signature and never misbehaves, so these cases need a server of our own.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "storage/s3/s3_storage.h"
#include "storage/s3/sigv4_signer.h"

namespace sluice {
namespace {

struct SeenRequest {
  std::string method;
  std::string target;  // path and query as sent
  httplib::Headers headers;
  std::string body;
};

class FakeS3 {
 public:
  using Handler = std::function<void(const SeenRequest&, httplib::Response&)>;

  // ranges_supported=false plays a server that ignores Range (httplib would cut the body itself).
  explicit FakeS3(Handler handler, bool ranges_supported = true) : handler_(std::move(handler)) {
    if (!ranges_supported) {
      server_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
        const_cast<httplib::Request&>(req).ranges.clear();
        return httplib::Server::HandlerResponse::Unhandled;
      });
    }
    auto route = [this](const httplib::Request& req, httplib::Response& res) {
      SeenRequest seen{req.method, req.target, req.headers, req.body};
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(seen);
      }
      // Closing keeps server.stop() from waiting out httplib's keep-alive timeout.
      res.set_header("Connection", "close");
      handler_(seen, res);
    };
    server_.Get(".*", route);
    server_.Put(".*", route);
    server_.Post(".*", route);
    server_.Delete(".*", route);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~FakeS3() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<SeenRequest> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  Handler handler_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<SeenRequest> requests_;
};

const char kSecret[] = "TopSecretKeyDoNotPrint/123";

S3Config FakeConfig(const FakeS3& fake, bool anonymous = false) {
  S3Config config;
  config.endpoint = fake.endpoint();
  config.path_style = true;
  config.region = "us-east-1";
  if (!anonymous) {
    config.access_key_id = "AKIDTEST";
    config.secret_access_key = kSecret;
    config.session_token = "session-token-value";
  }
  config.part_size = 5 << 20;
  config.upload_parallelism = 1;  // requests in a fixed order
  return config;
}

HttpOptions FastOptions() {
  HttpOptions options;
  options.max_attempts = 2;
  options.backoff_base = std::chrono::milliseconds(1);
  options.backoff_max = std::chrono::milliseconds(5);
  return options;
}

std::string Header(const SeenRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? "" : it->second;
}

template <typename F>
Error CatchError(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a sluice::Error";
  return Error(ErrorKind::kInternal, "none");
}

const char kEmptyListing[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>b</Name>"
    "<IsTruncated>false</IsTruncated></ListBucketResult>";

TEST(S3Protocol, SignedRequestsVerifyAgainstTheHeadersThatActuallyArrived) {
  FakeS3 fake([](const SeenRequest&, httplib::Response& res) {
    res.set_content(kEmptyListing, "application/xml");
  });
  auto storage = MakeS3Storage(FakeConfig(fake), FastOptions());
  storage->List("s3://bucket/dir with space/+plus");
  std::vector<SeenRequest> requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  const SeenRequest& seen = requests[0];
  std::string authorization = Header(seen, "Authorization");
  ASSERT_EQ(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDTEST/", 0), 0u) << authorization;
  EXPECT_EQ(Header(seen, "x-amz-security-token"), "session-token-value");
  EXPECT_EQ(Header(seen, "x-amz-content-sha256"), Sha256Hex(""));
  EXPECT_EQ(authorization.find(kSecret), std::string::npos);

  // Recompute the signature from what the server received, the way S3 does: only the headers
  // named in SignedHeaders, with the Host header as it arrived.
  std::string signed_list = authorization.substr(authorization.find("SignedHeaders=") + 14);
  signed_list = signed_list.substr(0, signed_list.find(','));
  EXPECT_NE(signed_list.find("host"), std::string::npos);
  EXPECT_NE(signed_list.find("x-amz-security-token"), std::string::npos);
  HttpRequest replay;
  replay.method = seen.method;
  replay.url = "http://" + Header(seen, "Host") + seen.target;
  size_t start = 0;
  while (start <= signed_list.size()) {
    size_t end = signed_list.find(';', start);
    if (end == std::string::npos) end = signed_list.size();
    std::string name = signed_list.substr(start, end - start);
    ASSERT_TRUE(seen.headers.count(name)) << "signed header missing on the wire: " << name;
    replay.headers.emplace_back(name, Header(seen, name));
    start = end + 1;
  }
  SigV4Signer signer({"AKIDTEST", kSecret, "session-token-value"}, "us-east-1", "s3");
  EXPECT_EQ(signer.Compute(replay, Header(seen, "x-amz-date")).authorization, authorization);
  EXPECT_NE(seen.target.find("prefix=dir%20with%20space%2F%2Bplus"), std::string::npos)
      << seen.target;
}

TEST(S3Protocol, WithoutCredentialsRequestsGoUnsigned) {
  FakeS3 fake([](const SeenRequest&, httplib::Response& res) {
    res.set_content(kEmptyListing, "application/xml");
  });
  auto storage = MakeS3Storage(FakeConfig(fake, /*anonymous=*/true), FastOptions());
  EXPECT_TRUE(storage->List("s3://public-bucket/").empty());
  ASSERT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(Header(fake.requests()[0], "Authorization"), "");
  EXPECT_EQ(Header(fake.requests()[0], "x-amz-content-sha256"), Sha256Hex(""));
}

TEST(S3Protocol, AccessDeniedIsAnInputErrorWithS3sCodeAndMessageButNoSecrets) {
  FakeS3 fake([](const SeenRequest&, httplib::Response& res) {
    res.status = 403;
    res.set_content(
        "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request "
        "signature we calculated does not match</Message><StringToSign>AWS4-HMAC-SHA256"
        "</StringToSign><SignatureProvided>abc</SignatureProvided></Error>",
        "application/xml");
  });
  auto storage = MakeS3Storage(FakeConfig(fake), FastOptions());
  Error e = CatchError([&] { storage->List("s3://bucket/p/"); });
  std::string message = e.what();
  EXPECT_EQ(e.kind(), ErrorKind::kInput);
  EXPECT_NE(message.find("s3://bucket/p/"), std::string::npos) << message;
  EXPECT_NE(message.find("SignatureDoesNotMatch"), std::string::npos) << message;
  EXPECT_NE(message.find("does not match"), std::string::npos) << message;
  EXPECT_EQ(message.find(kSecret), std::string::npos);
  EXPECT_EQ(message.find("Signature="), std::string::npos);
  EXPECT_EQ(message.find("AKIDTEST"), std::string::npos);
  EXPECT_EQ(message.find("session-token-value"), std::string::npos);
}

TEST(S3Protocol, ABucketInAnotherRegionSaysWhichRegionToSet) {
  FakeS3 fake([](const SeenRequest&, httplib::Response& res) {
    res.status = 301;
    res.set_header("x-amz-bucket-region", "eu-central-1");
    res.set_content(
        "<Error><Code>PermanentRedirect</Code><Message>use the endpoint</Message>"
        "</Error>",
        "application/xml");
  });
  auto storage = MakeS3Storage(FakeConfig(fake), FastOptions());
  Error e = CatchError([&] { storage->List("s3://bucket/"); });
  EXPECT_NE(std::string(e.what()).find("AWS_REGION=eu-central-1"), std::string::npos) << e.what();
}

TEST(S3Protocol, AMalformedAuthorizationForTheWrongRegionSaysWhichRegionToSet) {
  FakeS3 fake([](const SeenRequest&, httplib::Response& res) {
    res.status = 400;
    res.set_content(
        "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region "
        "'us-east-1' is wrong; expecting 'ap-south-1'</Message>"
        "<Region>ap-south-1</Region></Error>",
        "application/xml");
  });
  auto storage = MakeS3Storage(FakeConfig(fake), FastOptions());
  Error e = CatchError([&] { storage->List("s3://bucket/k"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInput);
  EXPECT_NE(std::string(e.what()).find("AWS_REGION=ap-south-1"), std::string::npos) << e.what();
}

TEST(S3Protocol, ARangeAnsweredWithTheWholeObjectIsSliced) {
  FakeS3 fake(
      [](const SeenRequest&, httplib::Response& res) {
        res.status = 200;
        res.set_content("0123456789abcdef", "application/octet-stream");
      },
      /*ranges_supported=*/false);
  auto storage = MakeS3Storage(FakeConfig(fake), FastOptions());
  char out[8];
  ASSERT_EQ(storage->ReadRange("s3://b/k", 4, 8, out), 8u);
  EXPECT_EQ(std::string(out, 8), "456789ab");
  ASSERT_EQ(storage->ReadRange("s3://b/k", 12, 8, out), 4u);
  EXPECT_EQ(std::string(out, 4), "cdef");
  EXPECT_EQ(Header(fake.requests()[0], "Range"), "bytes=4-11");
}

TEST(S3Protocol, AShortPartialResponseIsARetriableErrorNeverData) {
  FakeS3 fake([](const SeenRequest&, httplib::Response& res) {
    res.status = 206;
    res.set_header("Content-Range", "bytes 0-4/100");  // asked for 0-9 of 100 bytes
    res.set_content("01234", "application/octet-stream");
  });
  auto storage = MakeS3Storage(FakeConfig(fake), FastOptions());
  char out[10];
  Error e = CatchError([&] { storage->ReadRange("s3://b/k", 0, 10, out); });
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  EXPECT_TRUE(e.retriable());
}

TEST(S3Protocol, ARangeStartingAtTheEndReadsNothing) {
  FakeS3 fake([](const SeenRequest&, httplib::Response& res) {
    res.status = 416;
    res.set_content("<Error><Code>InvalidRange</Code></Error>", "application/xml");
  });
  auto storage = MakeS3Storage(FakeConfig(fake), FastOptions());
  char out[10];
  EXPECT_EQ(storage->ReadRange("s3://b/k", 100, 10, out), 0u);
}

TEST(S3Protocol, ListDecodesUrlEncodedKeysAndFollowsTokens) {
  FakeS3 fake([](const SeenRequest& req, httplib::Response& res) {
    if (req.target.find("continuation-token=") == std::string::npos) {
      res.set_content(
          "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
          "<NextContinuationToken>t/+=1</NextContinuationToken>"
          "<Contents><Key>p/a+b%2Bc%26.csv</Key><Size>3</Size><ETag>&quot;e1&quot;</ETag>"
          "<LastModified>2024-01-02T03:04:05.678Z</LastModified></Contents>"
          "<Contents><Key>p/dir/</Key><Size>0</Size></Contents></ListBucketResult>",
          "application/xml");
    } else {
      res.set_content(
          "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
          "<Contents><Key>p/%C3%BC.csv</Key><Size>5</Size><ETag>\"e2\"</ETag></Contents>"
          "</ListBucketResult>",
          "application/xml");
    }
  });
  auto storage = MakeS3Storage(FakeConfig(fake), FastOptions());
  std::vector<ObjectInfo> objects = storage->List("s3://b/p/");
  ASSERT_EQ(objects.size(), 2u) << "the p/dir/ placeholder is not an object";
  EXPECT_EQ(objects[0].uri, "s3://b/p/a b+c&.csv");
  EXPECT_EQ(objects[0].size, 3);
  EXPECT_EQ(objects[0].etag, "e1");
  EXPECT_EQ(objects[0].mtime_ns, int64_t{1704164645} * 1000000000)
      << "whole seconds, as HEAD's Last-Modified reports them";
  EXPECT_EQ(objects[1].uri, "s3://b/p/\xc3\xbc.csv");
  ASSERT_EQ(fake.requests().size(), 2u);
  EXPECT_NE(fake.requests()[1].target.find("continuation-token=t%2F%2B%3D1"), std::string::npos)
      << fake.requests()[1].target;
}

TEST(S3Protocol, ACompletionErrorInsideA200FailsTheCommitAndTheUploadIsAborted) {
  FakeS3 fake([](const SeenRequest& req, httplib::Response& res) {
    if (req.method == "POST" && req.target.find("uploads") != std::string::npos) {
      res.set_content(
          "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
          "</InitiateMultipartUploadResult>",
          "application/xml");
    } else if (req.method == "PUT") {
      res.set_header("ETag", "\"part-etag\"");
    } else if (req.method == "POST") {
      res.set_content("<Error><Code>InternalError</Code><Message>try again</Message></Error>",
                      "application/xml");
    }
  });
  auto storage = MakeS3Storage(FakeConfig(fake), FastOptions());
  std::string part(size_t{5} << 20, 'x');
  {
    auto writer = storage->OpenWrite("s3://b/big");
    writer->Write(part.data(), part.size());
    writer->Write("tail", 4);
    EXPECT_THROW(writer->Commit(), Error);
  }
  std::vector<SeenRequest> requests = fake.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[1].target, "/b/big?partNumber=1&uploadId=U1");
  EXPECT_EQ(requests[1].body.size(), part.size());
  EXPECT_EQ(Header(requests[1], "x-amz-content-sha256"), Sha256Hex(part));
  EXPECT_EQ(requests[2].body, "tail");
  EXPECT_NE(requests[3].body.find("<Part><PartNumber>2</PartNumber><ETag>&quot;part-etag&quot;"),
            std::string::npos)
      << requests[3].body;
  EXPECT_EQ(requests[4].method, "DELETE");
  EXPECT_EQ(requests[4].target, "/b/big?uploadId=U1");
}

TEST(S3Protocol, ACompletionRetriedAfterItsResponseWasLostFindsTheObjectAndSucceeds) {
  std::string part(size_t{5} << 20, 'y');
  int completions = 0;
  FakeS3 fake([&](const SeenRequest& req, httplib::Response& res) {
    if (req.method == "POST" && req.target.find("uploads") != std::string::npos) {
      res.set_content(
          "<InitiateMultipartUploadResult><UploadId>U2</UploadId>"
          "</InitiateMultipartUploadResult>",
          "application/xml");
    } else if (req.method == "PUT") {
      res.set_header("ETag", "\"p\"");
    } else if (req.method == "POST" && completions++ == 0) {
      res.status = 500;  // completed, but the answer never arrives intact
    } else if (req.method == "POST") {
      res.status = 404;
      res.set_content("<Error><Code>NoSuchUpload</Code></Error>", "application/xml");
    } else if (req.method == "HEAD" || req.method == "GET") {
      res.set_header("Content-Length", std::to_string(part.size() + 1));
    }
  });
  auto storage = MakeS3Storage(FakeConfig(fake), FastOptions());
  auto writer = storage->OpenWrite("s3://b/retried");
  writer->Write(part.data(), part.size());
  writer->Write("!", 1);
  writer->Commit();
  EXPECT_EQ(completions, 2);
  EXPECT_EQ(fake.requests().back().method, "HEAD");
}

TEST(S3Protocol, PartsUploadInParallelUpToTheLimitAndCompleteInPartNumberOrder) {
  std::mutex mutex;
  std::condition_variable changed;
  int uploading = 0;
  int most_at_once = 0;
  FakeS3 fake([&](const SeenRequest& req, httplib::Response& res) {
    if (req.method == "POST" && req.target.find("uploads") != std::string::npos) {
      res.set_content(
          "<InitiateMultipartUploadResult><UploadId>U3</UploadId>"
          "</InitiateMultipartUploadResult>",
          "application/xml");
    } else if (req.method == "PUT") {
      std::unique_lock<std::mutex> lock(mutex);
      most_at_once = std::max(most_at_once, ++uploading);
      changed.notify_all();
      // Hold each part until three are in flight (or a second passes), so overlap shows.
      changed.wait_for(lock, std::chrono::seconds(1), [&] { return most_at_once >= 3; });
      --uploading;
      std::string number = req.target.substr(req.target.find("partNumber=") + 11);
      res.set_header("ETag", "\"etag-" + number.substr(0, number.find('&')) + "\"");
    } else if (req.method == "POST") {
      res.set_content("<CompleteMultipartUploadResult/>", "application/xml");
    }
  });
  S3Config config = FakeConfig(fake);
  config.upload_parallelism = 3;
  auto storage = MakeS3Storage(config, FastOptions());
  std::string part(size_t{5} << 20, 'z');
  auto writer = storage->OpenWrite("s3://b/parallel");
  for (int i = 0; i < 5; ++i) writer->Write(part.data(), part.size());
  writer->Write("end", 3);
  writer->Commit();
  EXPECT_EQ(most_at_once, 3);
  std::vector<SeenRequest> requests = fake.requests();
  ASSERT_EQ(requests.size(), 8u);  // start, 6 parts, complete
  std::string expected = "<CompleteMultipartUpload>";
  for (int i = 1; i <= 6; ++i) {
    expected += "<Part><PartNumber>" + std::to_string(i) + "</PartNumber><ETag>&quot;etag-" +
                std::to_string(i) + "&quot;</ETag></Part>";
  }
  EXPECT_EQ(requests.back().body, expected + "</CompleteMultipartUpload>");
}

TEST(S3Protocol, AFailedPartFailsTheWriterWhichThenAbortsInsteadOfCompleting) {
  FakeS3 fake([&](const SeenRequest& req, httplib::Response& res) {
    if (req.method == "POST" && req.target.find("uploads") != std::string::npos) {
      res.set_content(
          "<InitiateMultipartUploadResult><UploadId>U4</UploadId>"
          "</InitiateMultipartUploadResult>",
          "application/xml");
    } else if (req.method == "PUT" && req.target.find("partNumber=2&") != std::string::npos) {
      res.status = 403;
      res.set_content("<Error><Code>AccessDenied</Code><Message>no</Message></Error>",
                      "application/xml");
    } else if (req.method == "PUT") {
      res.set_header("ETag", "\"ok\"");
    }
  });
  S3Config config = FakeConfig(fake);
  config.upload_parallelism = 2;
  auto storage = MakeS3Storage(config, FastOptions());
  std::string part(size_t{5} << 20, 'w');
  {
    auto writer = storage->OpenWrite("s3://b/failing");
    Error e = CatchError([&] {
      for (int i = 0; i < 4; ++i) writer->Write(part.data(), part.size());
      writer->Commit();
    });
    EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
    EXPECT_THROW(writer->Commit(), Error) << "never completes without part 2";
  }
  std::vector<SeenRequest> requests = fake.requests();
  for (const SeenRequest& request : requests) {
    EXPECT_FALSE(request.method == "POST" && request.target.find("uploadId=") != std::string::npos)
        << "completed despite a failed part";
  }
  EXPECT_EQ(requests.back().method, "DELETE");
  EXPECT_EQ(requests.back().target, "/b/failing?uploadId=U4");
}

}  // namespace
}  // namespace sluice
