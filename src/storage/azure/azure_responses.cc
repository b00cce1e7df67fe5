#include "storage/azure/azure_responses.h"

#include <expat.h>

#include <cstring>
#include <ctime>
#include <memory>

#include "core/error.h"

namespace sluice {
namespace {

// Collects the text of elements by their path ("EnumerationResults/Blobs/Blob/Name").
// Handlers must not throw through expat (C code): an exception in one stops the parser and
// makes Parse() return false.
class XmlWalker {
 public:
  virtual ~XmlWalker() = default;
  // Returns false if the document is not well-formed or a handler failed.
  bool Parse(const std::string& xml) {
    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"),
                                                                        &XML_ParserFree);
    parser_ = parser.get();
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &XmlWalker::Start, &XmlWalker::End);
    XML_SetCharacterDataHandler(parser_, &XmlWalker::Text);
    const bool ok = XML_Parse(parser_, xml.data(), int(xml.size()), 1) == XML_STATUS_OK;
    parser_ = nullptr;
    return ok && !handler_failed_;
  }

 protected:
  virtual void OnStart(const std::string& path, const char** attributes) {}
  virtual void OnEnd(const std::string& path, const std::string& text) {}
  std::string path_;

 private:
  template <typename F>
  void Guarded(F&& f) {
    if (handler_failed_) return;
    try {
      f();
    } catch (const std::exception&) {
      handler_failed_ = true;
      XML_StopParser(parser_, XML_FALSE);
    }
  }
  static void Start(void* self_ptr, const XML_Char* name, const XML_Char** attributes) {
    auto* self = static_cast<XmlWalker*>(self_ptr);
    self->Guarded([&] {
      if (!self->path_.empty()) self->path_ += "/";
      self->path_ += name;
      self->text_.clear();
      self->OnStart(self->path_, attributes);
    });
  }
  static void End(void* self_ptr, const XML_Char* name) {
    auto* self = static_cast<XmlWalker*>(self_ptr);
    self->Guarded([&] {
      self->OnEnd(self->path_, self->text_);
      self->text_.clear();
      const size_t slash = self->path_.rfind('/');
      self->path_.erase(slash == std::string::npos ? 0 : slash);
    });
  }
  static void Text(void* self_ptr, const XML_Char* s, int len) {
    auto* self = static_cast<XmlWalker*>(self_ptr);
    self->Guarded([&] { self->text_.append(s, size_t(len)); });
  }
  XML_Parser parser_ = nullptr;
  bool handler_failed_ = false;
  std::string text_;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(char(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

class ListBlobsWalker : public XmlWalker {
 public:
  ListBlobsPage page;
  bool saw_root = false;

 protected:
  void OnStart(const std::string& path, const char** attributes) override {
    if (path == "EnumerationResults") saw_root = true;
    if (path == kBlob) page.blobs.emplace_back();
    if (path == kName) {
      name_encoded_ = false;
      for (size_t i = 0; attributes[i]; i += 2) {
        if (std::strcmp(attributes[i], "Encoded") == 0 &&
            std::strcmp(attributes[i + 1], "true") == 0) {
          name_encoded_ = true;
        }
      }
    }
  }
  void OnEnd(const std::string& path, const std::string& text) override {
    if (path == "EnumerationResults/NextMarker") {
      page.next_marker = text;
      return;
    }
    if (page.blobs.empty() || path.rfind(kBlob, 0) != 0) return;
    ListedBlob& blob = page.blobs.back();
    if (path == kName) {
      blob.name = name_encoded_ ? PercentDecode(text) : text;
    } else if (path == std::string(kBlob) + "/Properties/Content-Length") {
      blob.size = text.empty() ? -1 : std::stoll(text);
    } else if (path == std::string(kBlob) + "/Properties/Etag") {
      blob.etag = UnquoteEtag(text);
    } else if (path == std::string(kBlob) + "/Properties/Last-Modified") {
      blob.mtime_ns = ParseHttpDateNs(text);
    } else if (path == std::string(kBlob) + "/Metadata/hdi_isfolder") {
      blob.is_directory = text == "true";
    }
  }

 private:
  static constexpr const char* kBlob = "EnumerationResults/Blobs/Blob";
  static constexpr const char* kName = "EnumerationResults/Blobs/Blob/Name";
  bool name_encoded_ = false;
};

class ErrorWalker : public XmlWalker {
 public:
  AzureErrorBody error;

 protected:
  void OnEnd(const std::string& path, const std::string& text) override {
    if (path == "Error/Code") error.code = text;
    if (path == "Error/Message") error.message = text.substr(0, text.find('\n'));
  }
};

}  // namespace

ListBlobsPage ParseListBlobsPage(const std::string& xml) {
  ListBlobsWalker walker;
  if (!walker.Parse(xml) || !walker.saw_root) {
    throw Error(ErrorKind::kIo,
                "Azure: the List Blobs response is not an EnumerationResults document", true);
  }
  return std::move(walker.page);
}

AzureErrorBody ParseAzureErrorBody(const std::string& xml) {
  ErrorWalker walker;
  // Skip a UTF-8 byte order mark: Azure sends one before error documents.
  const size_t start = xml.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  walker.Parse(xml.substr(start));
  return walker.error;
}

int64_t ParseHttpDateNs(const std::string& date) {
  std::tm tm{};
  const char* end = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return 0;
  return int64_t(timegm(&tm)) * 1000000000;
}

std::string UnquoteEtag(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace sluice
