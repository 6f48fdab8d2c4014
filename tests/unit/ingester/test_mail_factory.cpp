// test_mail_factory.cpp — see test_mail_factory.hpp.
#include "test_mail_factory.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "common/crypto.hpp"
#include "common/gzip.hpp"
#include "common/shipment_mail.hpp"

namespace logpost::testing {

namespace fs = std::filesystem;

ShipmentHeaders make_test_headers(const TestMailSpec& spec, std::string_view content) {
  ShipmentHeaders h;
  h.tenant = spec.tenant;
  h.host = spec.host;
  h.kind = spec.kind;
  h.source = spec.source;
  h.file_id = spec.file_id;
  h.shipment_id = make_shipment_id(spec.tenant, spec.host, spec.file_id);
  h.part = spec.part;
  h.part_count = spec.part_count;
  h.offset = spec.offset;
  h.length = content.size();
  if (spec.entries) {
    h.entries = *spec.entries;
  } else {
    h.entries = static_cast<uint64_t>(std::count(content.begin(), content.end(), '\n'));
    if (!content.empty() && content.back() != '\n') ++h.entries;
  }
  h.content_sha256 = sha256_hex(content);
  h.timezone = spec.timezone;
  h.created = spec.created;
  h.flags = spec.flags;
  return h;
}

std::string make_test_mail_raw(const ShipmentHeaders& headers, std::string_view gzip,
                               const std::optional<std::string>& key) {
  std::optional<std::string> signature;
  if (key) {
    auto s = sign(headers, sha256_hex(gzip), *key);
    if (!s) throw std::runtime_error("sign: " + s.error().message);
    signature = *s;
  }
  auto mail = build_shipment_mail(headers, gzip, MailAddressing{"logpost@db1.example.com", "logs@example.net"},
                                  signature);
  if (!mail) throw std::runtime_error("build_shipment_mail: " + mail.error().message);
  return *mail;
}

std::string make_test_mail(const TestMailSpec& spec, std::string_view content, ShipmentHeaders* headers_out) {
  ShipmentHeaders h = make_test_headers(spec, content);
  if (headers_out) *headers_out = h;
  return make_test_mail_raw(h, gzip_compress(content), spec.key);
}

TempMaildir::TempMaildir() {
  std::string tmpl = (fs::temp_directory_path() / "logpost-ingest-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  m_root = tmpl;
  for (const char* sub : {"new", "cur", "tmp"}) fs::create_directories(maildir() / sub);
}

TempMaildir::~TempMaildir() {
  std::error_code ec;
  fs::remove_all(m_root, ec);
}

void TempMaildir::deliver(const std::string& name, std::string_view mail) const {
  fs::path tmp = maildir() / "tmp" / name;
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(mail.data(), static_cast<std::streamsize>(mail.size()));
  }
  fs::rename(tmp, maildir() / "new" / name);
}

std::vector<std::string> TempMaildir::list(const std::string& sub) const {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(maildir() / sub))
    if (e.path().filename().string()[0] != '.') names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace logpost::testing
