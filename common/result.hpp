// result.hpp — Result<T> and Error: how logpost reports failure at every I/O
// and library boundary.
//
// A function that touches files, sockets or a C library returns Result<T>
// (tl::expected<T, Error>). Exceptions are used only for fatal start-up errors
// caught in main(); broken invariants abort. Each Error carries a category
// (ErrorCode) that maps to a sysexits(3) exit status, so the program that runs
// us (logrotate, cron, systemd) learns why we failed.
//
// Thread-safety: value types, no shared state.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace logpost {

enum class ErrorCode {
  io,           // a file or socket operation failed (errno in the message)
  not_found,    // a named file, key or record does not exist
  input,        // unreadable or unusable input file            -> EX_NOINPUT 66
  data,         // malformed data: bad mail, bad gzip, bad JSON -> EX_DATAERR 65
  config,       // invalid configuration                        -> EX_CONFIG 78
  temporary,    // try again later: MTA down, store busy        -> EX_TEMPFAIL 75
  permanent,    // the peer refused for good (SMTP 5xx)         -> EX_UNAVAILABLE 69
  signature,    // missing, forged or mismatching signature     -> EX_DATAERR 65
  too_large,    // a size limit was exceeded                    -> EX_DATAERR 65
  internal,     // a bug or an impossible state                 -> EX_SOFTWARE 70
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;

  // "context: message", for adding where an error happened on its way up.
  [[nodiscard]] Error with_context(std::string_view context) const {
    return Error{code, std::string(context) + ": " + message};
  }
};

template <class T>
using Result = tl::expected<T, Error>;

// Builds the error branch of any Result: `return fail(ErrorCode::io, "...")`.
inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

// "what: strerror(errno)" for the current errno, as an io Error.
tl::unexpected<Error> fail_errno(std::string_view what);
tl::unexpected<Error> fail_errno(std::string_view what, int saved_errno);

const char* error_code_name(ErrorCode code);

// sysexits.h values, named here so no file needs the C header.
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int usage = 64;
inline constexpr int data_error = 65;
inline constexpr int no_input = 66;
inline constexpr int unavailable = 69;
inline constexpr int software = 70;
inline constexpr int cant_create = 73;
inline constexpr int io_error = 74;
inline constexpr int temp_fail = 75;
inline constexpr int no_permission = 77;
inline constexpr int config = 78;
}  // namespace exit_code

// The sysexits status for an error category.
int exit_code_for(ErrorCode code);

}  // namespace logpost
