// metrics_http.hpp — the little HTTP/1.x the metrics endpoint speaks, as
// pure functions over bytes (the socket loop is metrics_server.hpp).
//
// One request per connection, answered with "Connection: close":
//   GET or HEAD /metrics (a query string is ignored) -> 200, Content-Type
//       text/plain; version=0.0.4, the body from `render` (HEAD: headers only)
//   any other path                                   -> 404
//   another method on /metrics                       -> 405, Allow: GET, HEAD
//   a request line that is not "METHOD TARGET HTTP/1.x" -> 400
//   a head larger than the server's limit            -> 431 (see
//       metrics_http_too_large())
//   `render` threw                                   -> 500
// A request body (none is expected) is never read.
//
// Thread-safety: pure functions; `render` runs on the caller's thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace logpost::ingester {

// Where the request head (request line and header fields) ends in `buffer`:
// the offset just past the empty line ("\r\n\r\n", or "\n\n" from lenient
// clients), or npos while it is incomplete.
size_t http_request_head_end(std::string_view buffer);

// The complete response (status line, header fields, body) to `head`.
std::string metrics_http_response(std::string_view head, const std::function<std::string()>& render);

// The response to a request whose head exceeded the size limit.
std::string metrics_http_too_large();

}  // namespace logpost::ingester
