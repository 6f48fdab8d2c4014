#include "common/result.hpp"

#include <cerrno>
#include <cstring>

namespace logpost {

tl::unexpected<Error> fail_errno(std::string_view what, int saved_errno) {
  std::string message(what);
  message += ": ";
  message += std::strerror(saved_errno);
  ErrorCode code = ErrorCode::io;
  if (saved_errno == ENOENT) code = ErrorCode::not_found;
  return fail(code, std::move(message));
}

tl::unexpected<Error> fail_errno(std::string_view what) { return fail_errno(what, errno); }

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::io: return "io";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::input: return "input";
    case ErrorCode::data: return "data";
    case ErrorCode::config: return "config";
    case ErrorCode::temporary: return "temporary";
    case ErrorCode::permanent: return "permanent";
    case ErrorCode::signature: return "signature";
    case ErrorCode::too_large: return "too_large";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::io: return exit_code::io_error;
    case ErrorCode::not_found:
    case ErrorCode::input: return exit_code::no_input;
    case ErrorCode::data:
    case ErrorCode::signature:
    case ErrorCode::too_large: return exit_code::data_error;
    case ErrorCode::config: return exit_code::config;
    case ErrorCode::temporary: return exit_code::temp_fail;
    case ErrorCode::permanent: return exit_code::unavailable;
    case ErrorCode::internal: return exit_code::software;
  }
  return exit_code::software;
}

}  // namespace logpost
