#pragma once
// The zip container of an .xlsx file (libzip): finds parts by name and streams their
// decompressed bytes. Errors are input errors naming the file and the part.
#include <zip.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace sluice {

// One part (zip entry) being read sequentially.
class XlsxPartReader {
 public:
  XlsxPartReader(zip_file_t* file, std::string what, uint64_t size, uint64_t compressed_size)
      : file_(file), what_(std::move(what)), size_(size), compressed_size_(compressed_size) {}
  ~XlsxPartReader();
  XlsxPartReader(const XlsxPartReader&) = delete;
  XlsxPartReader& operator=(const XlsxPartReader&) = delete;

  // Up to n decompressed bytes; 0 at the end. Throws on corrupt data (CRC, inflate).
  size_t Read(char* out, size_t n);
  uint64_t size() const { return size_; }  // decompressed, as the zip directory says
  uint64_t compressed_size() const { return compressed_size_; }
  uint64_t consumed() const { return consumed_; }
  const std::string& what() const { return what_; }  // "file.xlsx: xl/worksheets/sheet1.xml"

 private:
  zip_file_t* file_;
  std::string what_;
  uint64_t size_, compressed_size_;
  std::atomic<uint64_t> consumed_{0};  // read by the chunk reader, written by a prefetcher
};

class XlsxArchive {
 public:
  // Opens a local file. `display` names it in errors (the path or URI the user gave).
  static std::unique_ptr<XlsxArchive> OpenFile(const std::string& path, const std::string& display);
  // Takes ownership of an open, seekable file descriptor (a spooled remote object).
  static std::unique_ptr<XlsxArchive> OpenDescriptor(int fd, const std::string& display);
  ~XlsxArchive();

  // A second, independent handle on the same archive (libzip handles must not be shared
  // between threads).
  std::unique_ptr<XlsxArchive> Reopen() const;
  bool CanReopen() const;
  bool Has(const std::string& part) const;
  // Throws an input error if the part is missing.
  std::unique_ptr<XlsxPartReader> Open(const std::string& part) const;
  const std::string& display() const { return display_; }

 private:
  XlsxArchive(zip_t* zip, std::string display, std::string reopen_path)
      : zip_(zip), display_(std::move(display)), reopen_path_(std::move(reopen_path)) {}
  zip_t* zip_;
  std::string display_;
  std::string reopen_path_;  // the file, or /proc/self/fd/N for a descriptor
  int own_fd_ = -1;
};

}  // namespace sluice
