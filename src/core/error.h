#pragma once
// One error model for the whole engine (see docs/architecture.md, "Errors"):
// - exceptions of type sluice::Error end a load; they carry a category that maps to an exit code
//   and say whether retrying the same operation could succeed;
// - expected problems with single records are values (RejectedRecord), never exceptions;
// - programmer errors are assert()s.
#include <stdexcept>
#include <string>

namespace sluice {

enum class ErrorKind {
  kUsage,        // bad command line or configuration: the user must change the invocation
  kInput,        // the input cannot be read as asked (missing file, undecodable, too many bad rows)
  kDestination,  // the destination refused an operation
  kIo,           // an I/O failure while reading or writing
  kInternal,     // a bug in sluice
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, bool retriable = false)
      : std::runtime_error(std::move(message)), kind_(kind), retriable_(retriable) {}
  ErrorKind kind() const { return kind_; }
  bool retriable() const { return retriable_; }

 private:
  ErrorKind kind_;
  bool retriable_;
};

inline Error UsageError(std::string m) {
  return Error(ErrorKind::kUsage, std::move(m));
}
inline Error InputError(std::string m) {
  return Error(ErrorKind::kInput, std::move(m));
}
inline Error DestinationError(std::string m) {
  return Error(ErrorKind::kDestination, std::move(m));
}
inline Error IoError(std::string m) {
  return Error(ErrorKind::kIo, std::move(m));
}

}  // namespace sluice
