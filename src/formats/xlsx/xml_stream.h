#pragma once
// Runs expat (SAX) over one part of the archive, block by block straight from the zip entry, so
// a part is never held in memory whole. Handlers may suspend parsing at a safe point
// (Suspend()) and a later Run() resumes where it stopped: the sheet reader uses this to cut
// chunks at row ends.
#include <expat.h>

#include <memory>
#include <string>
#include <string_view>

#include "formats/xlsx/xlsx_archive.h"

namespace sluice {

// Element and attribute names without their namespace prefix ("x:row" -> "row").
inline const char* LocalName(const char* name) {
  const char* local = name;
  for (const char* p = name; *p; ++p) {
    if (*p == ':') local = p + 1;
  }
  return local;
}
// The value of attribute `local` (prefix ignored) in expat's name/value array, or nullptr.
const char* FindAttribute(const char** attrs, std::string_view local);

class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void Start(const char* name, const char** attrs) = 0;
  virtual void End(const char* name) = 0;
  virtual void Text(const char* s, int len) {}
};

class BlockPrefetcher;

class XmlStream {
 public:
  // With `prefetch`, a second thread inflates the part ahead of the parser (a few blocks), so
  // decompression and XML parsing overlap on two cores.
  XmlStream(std::unique_ptr<XlsxPartReader> part, XmlHandler* handler, bool prefetch = false);
  ~XmlStream();
  XmlStream(const XmlStream&) = delete;
  XmlStream& operator=(const XmlStream&) = delete;

  // Parses until the part ends (true) or a handler calls Suspend() (false). Throws an input
  // error naming the file, part and line for malformed XML or damaged compression.
  bool Run();
  // From a handler: stop after the current callback; Run() continues from there.
  void Suspend();
  // From a handler: stop for good (the rest of the part is not needed).
  void Finish();
  bool done() const { return done_; }
  const XlsxPartReader& part() const { return *part_; }

 private:
  void ThrowXmlError();

  std::unique_ptr<XlsxPartReader> part_;
  std::unique_ptr<BlockPrefetcher> prefetcher_;
  XML_Parser parser_;
  bool suspended_ = false;
  bool final_fed_ = false;
  bool done_ = false;
  bool finish_requested_ = false;
};

// Parses a whole part with `handler`.
void ParseXmlPart(const XlsxArchive& archive, const std::string& part, XmlHandler* handler);

}  // namespace sluice
