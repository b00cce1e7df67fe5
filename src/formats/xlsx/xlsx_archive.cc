#include "formats/xlsx/xlsx_archive.h"

#include <unistd.h>

#include "core/error.h"

namespace sluice {
namespace {

std::string ZipErrorText(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

Error OpenFailure(const std::string& display, int code) {
  if (code == ZIP_ER_OPEN || code == ZIP_ER_READ) {
    return IoError(display + ": cannot open: " + ZipErrorText(code));
  }
  return InputError(display +
                    ": not an .xlsx file (not a readable zip archive: " + ZipErrorText(code) + ")");
}

}  // namespace

XlsxPartReader::~XlsxPartReader() {
  zip_fclose(file_);
}

size_t XlsxPartReader::Read(char* out, size_t n) {
  const zip_int64_t got = zip_fread(file_, out, n);
  if (got < 0) {
    throw InputError(what_ + ": corrupt compressed data (" +
                     std::string(zip_error_strerror(zip_file_get_error(file_))) + ")");
  }
  consumed_ += uint64_t(got);
  return size_t(got);
}

std::unique_ptr<XlsxArchive> XlsxArchive::OpenFile(const std::string& path,
                                                   const std::string& display) {
  int code = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!zip) {
    if (code == ZIP_ER_NOENT) throw InputError(display + ": no such file");
    throw OpenFailure(display, code);
  }
  return std::unique_ptr<XlsxArchive>(new XlsxArchive(zip, display, path));
}

std::unique_ptr<XlsxArchive> XlsxArchive::OpenDescriptor(int fd, const std::string& display) {
  // libzip may close or replace `fd`; keep a descriptor of our own for Reopen().
  const int keep = ::dup(fd);
  zip_t* zip = nullptr;
  int code = 0;
  zip = zip_fdopen(fd, ZIP_RDONLY, &code);
  if (!zip) {
    ::close(fd);
    if (keep >= 0) ::close(keep);
    throw OpenFailure(display, code);
  }
  auto archive = std::unique_ptr<XlsxArchive>(
      new XlsxArchive(zip, display, "/proc/self/fd/" + std::to_string(keep)));
  archive->own_fd_ = keep;
  return archive;
}

bool XlsxArchive::CanReopen() const {
  return ::access(reopen_path_.c_str(), R_OK) == 0;
}

std::unique_ptr<XlsxArchive> XlsxArchive::Reopen() const {
  return OpenFile(reopen_path_, display_);
}

XlsxArchive::~XlsxArchive() {
  zip_discard(zip_);
}

bool XlsxArchive::Has(const std::string& part) const {
  return zip_name_locate(zip_, part.c_str(), ZIP_FL_NOCASE) >= 0;
}

std::unique_ptr<XlsxPartReader> XlsxArchive::Open(const std::string& part) const {
  const std::string what = display_ + ": " + part;
  const zip_int64_t index = zip_name_locate(zip_, part.c_str(), ZIP_FL_NOCASE);
  if (index < 0) throw InputError(what + ": part missing from the archive");
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(zip_, zip_uint64_t(index), 0, &st) != 0) {
    throw InputError(what + ": unreadable zip entry");
  }
  zip_file_t* file = zip_fopen_index(zip_, zip_uint64_t(index), 0);
  if (!file) {
    throw InputError(what + ": cannot open zip entry (" +
                     std::string(zip_error_strerror(zip_get_error(zip_))) + ")");
  }
  return std::make_unique<XlsxPartReader>(file, what, (st.valid & ZIP_STAT_SIZE) ? st.size : 0,
                                          (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0);
}

}  // namespace sluice
