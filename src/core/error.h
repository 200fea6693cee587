#pragma once
// Library code reports every failure by throwing speecht5::Error; the C API and the tools
// catch it at their boundary. Nothing in the library exits or aborts.
#include <stdexcept>
#include <string>

namespace speecht5 {

enum class ErrorCode {
  kInvalidArgument = 1,  // a bad option, text or request
  kIo = 2,               // a file that cannot be opened, read or written
  kFormat = 3,           // a file that is not what it claims (corrupt, truncated, unsupported)
  kModel = 4,            // a checkpoint that does not fit the model (missing tensor, shape)
  kNetwork = 5,          // downloads
  kInternal = 6,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

[[noreturn]] inline void fail(ErrorCode code, const std::string& message) {
  throw Error(code, message);
}

}  // namespace speecht5
