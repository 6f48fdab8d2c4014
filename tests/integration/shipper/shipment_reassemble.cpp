// shipment-reassemble — test helper: decodes every shipment mail in a
// directory (a Maildir's new/), checks each part (structure, signature when a
// key is given, gzip, content SHA-256 and length) and writes each shipment's
// reassembled content to OUTDIR/<shipment_id>.content.
//
//   shipment-reassemble MAILDIR_NEW OUTDIR [KEY_FILE]
//
// Prints one line per shipment: "<shipment_id> <parts> <bytes> <flags,...|-> <source>"
// (source percent-encoded). Exit 1 with a reason when a part is malformed,
// missing, duplicated (the same Message-ID delivered twice), or the parts do
// not tile the content without gaps.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "common/atomic_file.hpp"
#include "common/crypto.hpp"
#include "common/envelope.hpp"
#include "common/gzip.hpp"
#include "common/shipment_mail.hpp"

namespace fs = std::filesystem;
using namespace logpost;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: shipment-reassemble MAILDIR_NEW OUTDIR [KEY_FILE]\n";
    return 2;
  }
  std::optional<std::string> key;
  if (argc > 3) {
    auto k = read_small_file(argv[3]);
    if (!k) return std::cerr << "key: " << k.error().message << "\n", 1;
    key = *k;
  }
  struct Part {
    ShipmentHeaders headers;
    std::string content;
  };
  std::map<std::string, std::map<uint32_t, Part>> shipments;
  std::set<std::string> message_ids;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(argv[1]))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto raw = read_small_file(f);
    if (!raw) return std::cerr << f << ": " << raw.error().message << "\n", 1;
    auto mail = parse_shipment_mail(*raw);
    if (!mail) return std::cerr << f << ": " << mail.error().message << "\n", 1;
    if (!message_ids.insert(mail->message_id).second)
      return std::cerr << f << ": duplicate Message-ID " << mail->message_id << "\n", 1;
    if (mail->message_id != message_id(mail->headers))
      return std::cerr << f << ": Message-ID " << mail->message_id << " is not the deterministic one\n", 1;
    if (key) {
      if (!mail->signature) return std::cerr << f << ": unsigned\n", 1;
      if (auto v = verify(mail->headers, sha256_hex(mail->attachment), *key, *mail->signature); !v)
        return std::cerr << f << ": " << v.error().message << "\n", 1;
    }
    auto content = gzip_decompress(mail->attachment, 256u << 20);
    if (!content) return std::cerr << f << ": gzip: " << content.error().message << "\n", 1;
    if (content->size() != mail->headers.length) return std::cerr << f << ": length mismatch\n", 1;
    if (sha256_hex(*content) != mail->headers.content_sha256) return std::cerr << f << ": content SHA-256 mismatch\n", 1;
    auto& parts = shipments[mail->headers.shipment_id];
    uint32_t n = mail->headers.part;
    parts[n] = Part{mail->headers, std::move(*content)};
  }
  fs::create_directories(argv[2]);
  for (auto& [id, parts] : shipments) {
    const auto& first = parts.begin()->second.headers;
    if (parts.size() != first.part_count)
      return std::cerr << id << ": " << parts.size() << " of " << first.part_count << " parts\n", 1;
    std::string all;
    std::set<std::string> flags;
    uint32_t expect = 1;
    for (auto& [n, p] : parts) {
      if (n != expect++) return std::cerr << id << ": part " << n << " out of sequence\n", 1;
      if (p.headers.offset != all.size()) return std::cerr << id << ": part " << n << " offset gap\n", 1;
      if (p.headers.part_count != first.part_count || p.headers.source != first.source)
        return std::cerr << id << ": parts disagree\n", 1;
      for (const auto& fl : p.headers.flags) flags.insert(fl);
      all += p.content;
    }
    if (auto w = write_file_atomically(fs::path(argv[2]) / (id + ".content"), all); !w)
      return std::cerr << w.error().message << "\n", 1;
    std::string flag_list;
    for (const auto& fl : flags) flag_list += (flag_list.empty() ? "" : ",") + fl;
    std::cout << id << " " << parts.size() << " " << all.size() << " " << (flag_list.empty() ? "-" : flag_list) << " "
              << encode_header_value(first.source) << "\n";
  }
  return 0;
}
