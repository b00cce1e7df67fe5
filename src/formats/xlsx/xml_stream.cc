#include "formats/xlsx/xml_stream.h"

#include <cstring>
#include <exception>
#include <thread>

#include "core/bounded_queue.h"
#include "core/error.h"

namespace sluice {
namespace {

constexpr int kBlockBytes = 256 << 10;

void XMLCALL OnStart(void* data, const XML_Char* name, const XML_Char** attrs) {
  static_cast<XmlHandler*>(data)->Start(name, attrs);
}
void XMLCALL OnEnd(void* data, const XML_Char* name) {
  static_cast<XmlHandler*>(data)->End(name);
}
void XMLCALL OnText(void* data, const XML_Char* s, int len) {
  static_cast<XmlHandler*>(data)->Text(s, len);
}

}  // namespace

class BlockPrefetcher {
 public:
  explicit BlockPrefetcher(XlsxPartReader* part)
      : part_(part), full_(kDepth), free_(kDepth + 2), thread_([this] { Produce(); }) {}
  ~BlockPrefetcher() {
    full_.Cancel();
    free_.Cancel();
    thread_.join();
  }
  // Copies the next block into `out` (at most kBlockBytes); 0 at the end of the part.
  size_t Next(char* out) {
    std::optional<Block> block = full_.Pop();
    if (!block) return 0;
    if (block->error) std::rethrow_exception(block->error);
    const size_t n = block->data.size();
    std::memcpy(out, block->data.data(), n);
    free_.Push(std::move(block->data));
    return n;
  }

 private:
  static constexpr size_t kDepth = 4;
  struct Block {
    std::string data;
    std::exception_ptr error;
  };
  void Produce() {
    try {
      for (;;) {
        std::optional<std::string> buffer = free_.PopFor(std::chrono::milliseconds(0));
        std::string data = buffer ? std::move(*buffer) : std::string();
        data.resize(kBlockBytes);
        data.resize(part_->Read(data.data(), kBlockBytes));
        const bool end = data.empty();
        if (!full_.Push({std::move(data), nullptr}) || end) return;
      }
    } catch (...) {
      full_.Push({std::string(), std::current_exception()});
    }
  }

  XlsxPartReader* part_;
  BoundedQueue<Block> full_;
  BoundedQueue<std::string> free_;
  std::thread thread_;
};

const char* FindAttribute(const char** attrs, std::string_view local) {
  for (; *attrs; attrs += 2) {
    if (LocalName(attrs[0]) == local) return attrs[1];
  }
  return nullptr;
}

XmlStream::XmlStream(std::unique_ptr<XlsxPartReader> part, XmlHandler* handler, bool prefetch)
    : part_(std::move(part)), parser_(XML_ParserCreate("UTF-8")) {
  if (prefetch) prefetcher_ = std::make_unique<BlockPrefetcher>(part_.get());
  if (!parser_) throw std::bad_alloc();
  XML_SetUserData(parser_, handler);
  XML_SetElementHandler(parser_, OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser_, OnText);
}

XmlStream::~XmlStream() {
  XML_ParserFree(parser_);
}

void XmlStream::Suspend() {
  if (XML_StopParser(parser_, XML_TRUE) == XML_STATUS_OK) suspended_ = true;
}

void XmlStream::Finish() {
  finish_requested_ = true;
  Suspend();
}

void XmlStream::ThrowXmlError() {
  throw InputError(part_->what() + ": malformed XML at line " +
                   std::to_string(XML_GetCurrentLineNumber(parser_)) + ": " +
                   XML_ErrorString(XML_GetErrorCode(parser_)));
}

bool XmlStream::Run() {
  while (!done_) {
    XML_Status status;
    if (suspended_) {
      suspended_ = false;
      status = XML_ResumeParser(parser_);
    } else if (final_fed_) {
      done_ = true;
      break;
    } else {
      void* buffer = XML_GetBuffer(parser_, kBlockBytes);
      if (!buffer) throw std::bad_alloc();
      const size_t got = prefetcher_ ? prefetcher_->Next(static_cast<char*>(buffer))
                                     : part_->Read(static_cast<char*>(buffer), kBlockBytes);
      final_fed_ = got == 0;
      status = XML_ParseBuffer(parser_, int(got), final_fed_);
    }
    if (status == XML_STATUS_ERROR) ThrowXmlError();
    if (status == XML_STATUS_SUSPENDED) {
      if (finish_requested_) {
        done_ = true;
        break;
      }
      return false;
    }
    // XML_STATUS_OK: the block is consumed (a resumed parse also finished its block).
  }
  return true;
}

void ParseXmlPart(const XlsxArchive& archive, const std::string& part, XmlHandler* handler) {
  XmlStream stream(archive.Open(part), handler);
  while (!stream.Run()) {
  }
}

}  // namespace sluice
