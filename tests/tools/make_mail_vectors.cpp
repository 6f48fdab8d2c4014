// make_mail_vectors — regenerates the shipment-format test vectors in
// tests/data/mail/ from their descriptions (<name>.json + <name>.log):
//   make_mail_vectors tests/data/mail
// writes <name>.eml for every <name>.json. The vectors are committed; the
// tests check that the code still produces them byte for byte and that an
// independent reader (tests/tools/verify-shipment.py) accepts them. Only
// regenerate on purpose, when the format version changes.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "common/atomic_file.hpp"
#include "common/crypto.hpp"
#include "common/envelope.hpp"
#include "common/gzip.hpp"
#include "common/json.hpp"
#include "common/shipment_mail.hpp"

namespace fs = std::filesystem;
using namespace logpost;

namespace {

// A member the vector description must have: a missing one is a broken
// test vector, reported by name.
const Value& member(const Object& o, std::string_view k) {
  const Value* v = o.find(k);
  if (!v) {
    std::fprintf(stderr, "make_mail_vectors: the description lacks \"%.*s\"\n", static_cast<int>(k.size()), k.data());
    std::exit(65);
  }
  return *v;
}

std::string str(const Object& o, std::string_view k) { return member(o, k).as_string(); }

Result<void> make_vector(const fs::path& json_path) {
  auto text = read_small_file(json_path);
  if (!text) return tl::unexpected(text.error());
  auto doc = parse_json(*text);
  if (!doc) return tl::unexpected(doc.error());
  const Object& o = doc->as_object();
  fs::path dir = json_path.parent_path();
  auto log = read_small_file(dir / str(o, "log"));
  if (!log) return tl::unexpected(log.error());

  ShipmentHeaders h;
  h.tenant = str(o, "tenant");
  h.host = str(o, "host");
  h.kind = str(o, "kind");
  h.source = str(o, "source");
  h.file_id = str(o, "file_id");
  h.shipment_id = make_shipment_id(h.tenant, h.host, h.file_id);
  h.part = static_cast<uint32_t>(member(o, "part").as_int());
  h.part_count = static_cast<uint32_t>(member(o, "part_count").as_int());
  h.offset = static_cast<uint64_t>(member(o, "offset").as_int());
  h.length = log->size();
  h.entries = static_cast<uint64_t>(member(o, "entries").as_int());
  h.content_sha256 = sha256_hex(*log);
  h.timezone = str(o, "timezone");
  h.created = str(o, "created");
  for (const auto& f : member(o, "flags").as_array()) h.flags.push_back(f.as_string());

  std::string gz = gzip_compress(*log, 6);
  std::optional<std::string> signature;
  if (member(o, "key").is_string()) {
    auto key = read_signing_key_file(dir / member(o, "key").as_string());
    if (!key) return tl::unexpected(key.error());
    auto sig = sign(h, sha256_hex(gz), *key);
    if (!sig) return tl::unexpected(sig.error());
    signature = *sig;
  }
  auto mail = build_shipment_mail(h, gz, MailAddressing{str(o, "from"), str(o, "to")}, signature);
  if (!mail) return tl::unexpected(mail.error());
  fs::path out = json_path;
  out.replace_extension(".eml");
  return write_file_atomically(out, *mail);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_mail_vectors DIR\n";
    return exit_code::usage;
  }
  std::error_code ec;
  fs::directory_iterator dir(argv[1], ec);
  if (ec) {
    std::cerr << "make_mail_vectors: " << argv[1] << ": " << ec.message() << "\n";
    return exit_code::no_input;
  }
  int rc = 0;
  for (const auto& entry : dir) {
    if (entry.path().extension() != ".json") continue;
    if (auto r = make_vector(entry.path()); !r) {
      std::cerr << entry.path().filename().string() << ": " << r.error().message << "\n";
      rc = exit_code_for(r.error().code);
    } else {
      std::cout << "wrote " << entry.path().stem().string() << ".eml\n";
    }
  }
  return rc;
}
