// metrics_http.cpp — request line parsing and responses.
#include "ingester/metrics_http.hpp"

#include <exception>

#include "ingester/metrics_exposition.hpp"

namespace logpost::ingester {

namespace {

std::string response(std::string_view status, std::string_view content_type, std::string_view body,
                     std::string_view extra_header = {}, bool include_body = true) {
  std::string out;
  out.reserve(160 + body.size());
  out += "HTTP/1.1 ";
  out += status;
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\nCache-Control: no-store\r\nConnection: close\r\n";
  out += extra_header;
  out += "\r\n";
  if (include_body) out += body;
  return out;
}

constexpr std::string_view k_text = "text/plain; charset=utf-8";

}  // namespace

size_t http_request_head_end(std::string_view buffer) {
  size_t crlf = buffer.find("\r\n\r\n");
  size_t lf = buffer.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) return std::string_view::npos;
  if (lf == std::string_view::npos || (crlf != std::string_view::npos && crlf < lf)) return crlf + 4;
  return lf + 2;
}

std::string metrics_http_response(std::string_view head, const std::function<std::string()>& render) {
  std::string_view line = head.substr(0, head.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1 ||
      line.find(' ', sp2 + 1) != std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1."))
    return response("400 Bad Request", k_text, "bad request: expected \"GET /metrics HTTP/1.1\"\n");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics") return response("404 Not Found", k_text, "not found: only /metrics is served\n");
  bool head_only = method == "HEAD";
  if (method != "GET" && !head_only)
    return response("405 Method Not Allowed", k_text, "method not allowed: use GET\n", "Allow: GET, HEAD\r\n");
  std::string body;
  try {
    body = render();
  } catch (const std::exception& e) {
    return response("500 Internal Server Error", k_text, std::string("could not render metrics: ") + e.what() + "\n");
  }
  return response("200 OK", k_exposition_content_type, body, {}, !head_only);
}

std::string metrics_http_too_large() {
  return response("431 Request Header Fields Too Large", k_text, "request too large\n");
}

}  // namespace logpost::ingester
