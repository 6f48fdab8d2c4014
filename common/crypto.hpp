// crypto.hpp — SHA-256 and HMAC-SHA256 (OpenSSL, wrapped here once).
//
// Sha256 hashes a stream incrementally (constant memory for any input).
// Digests are returned as lowercase hex. hmac_sha256_hex keys on raw bytes.
// constant_time_equal compares secrets without leaking where they differ.
//
// Errors: OpenSSL allocation failures abort (there is no sensible recovery).
// Thread-safety: one Sha256 per thread; the free functions are reentrant.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace logpost {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // The hex digest of everything fed so far; the object must not be fed after.
  std::string finish_hex();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

std::string sha256_hex(std::string_view bytes);
// MD5, lowercase hex. Not for security: only for compatibility with tools
// that name things by MD5 (pt-query-digest's query checksum).
std::string md5_hex(std::string_view bytes);
std::string hmac_sha256_hex(std::string_view key, std::string_view message);
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace logpost
