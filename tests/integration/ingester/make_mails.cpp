// logpost-test-make-mails — turns a log file into shipment mails in a
// Maildir's new/ (as Postfix would deliver them), built with the real
// library; for the ingester's integration tests and benchmarks.
//
//   logpost-test-make-mails --maildir DIR --kind KIND --part-bytes N
//       [--tenant T] [--host H] [--source PATH] [--file-id ID] [--key-file F]
//       [--prefix P] [--expected FILE] INPUT
//
// Parts end at entry boundaries (a line; for mysql-slow a "# Time:" line
// starts an entry). --expected writes "<event id>\t<line>" for every line of
// a line-based log, computed here by plain newline scanning (not by the
// ingester's code), for the tests to compare the store against.
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "common/atomic_file.hpp"
#include "common/crypto.hpp"
#include "common/envelope.hpp"
#include "common/gzip.hpp"
#include "common/log_splitter.hpp"
#include "common/shipment_mail.hpp"

namespace {

struct Options {
  std::string maildir, kind = "nginx-access", tenant = "acme", host = "web1.example.com";
  std::string source = "/var/log/nginx/access.log.1", file_id = "1:1:1:1:test", prefix = "m";
  std::optional<std::string> key_file, expected;
  uint64_t part_bytes = 1 << 20;
  std::string input;
};

int die(const std::string& why) {
  std::cerr << "logpost-test-make-mails: " << why << "\n";
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace logpost;
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(64);
      }
      return argv[++i];
    };
    if (a == "--maildir") o.maildir = next();
    else if (a == "--kind") o.kind = next();
    else if (a == "--tenant") o.tenant = next();
    else if (a == "--host") o.host = next();
    else if (a == "--source") o.source = next();
    else if (a == "--file-id") o.file_id = next();
    else if (a == "--key-file") o.key_file = next();
    else if (a == "--prefix") o.prefix = next();
    else if (a == "--expected") o.expected = next();
    else if (a == "--part-bytes") o.part_bytes = std::stoull(next());
    else if (!a.empty() && a[0] == '-') return die("unknown option " + a);
    else o.input = a;
  }
  if (o.maildir.empty() || o.input.empty()) return die("--maildir and INPUT are required");
  auto kind = parse_log_kind(o.kind);
  if (!kind) return die("bad kind");
  std::optional<std::string> key;
  if (o.key_file) {
    auto k = read_small_file(*o.key_file);
    if (!k) return die(k.error().message);
    key = *k;
    while (!key->empty() && (key->back() == '\n' || key->back() == '\r')) key->pop_back();
  }
  std::ifstream in(o.input, std::ios::binary);
  if (!in) return die("cannot read " + o.input);
  std::ofstream expected;
  if (o.expected) expected.open(*o.expected, std::ios::binary);

  const std::string shipment = make_shipment_id(o.tenant, o.host, o.file_id);
  // First pass: part boundaries (offset, length) at entry starts.
  std::vector<std::pair<uint64_t, uint64_t>> parts;
  {
    uint64_t offset = 0, part_start = 0;
    std::string line;
    while (std::getline(in, line)) {
      bool has_nl = !in.eof();
      bool entry_start = *kind != LogKind::mysql_slow || line.rfind("# Time:", 0) == 0;
      if (entry_start && offset - part_start >= o.part_bytes) {
        parts.emplace_back(part_start, offset - part_start);
        part_start = offset;
      }
      if (o.expected && *kind != LogKind::mysql_slow) {
        std::string msg = line;
        if (!msg.empty() && msg.back() == '\r') msg.pop_back();
        expected << shipment << '-' << offset << '\t' << msg << '\n';
      }
      offset += line.size() + (has_nl ? 1 : 0);
    }
    if (offset > part_start) parts.emplace_back(part_start, offset - part_start);
  }
  in.clear();
  uint32_t count = static_cast<uint32_t>(parts.size());
  uint32_t number = 0;
  for (auto [offset, length] : parts) {
    ++number;
    std::string content(length, '\0');
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(content.data(), static_cast<std::streamsize>(length));
    ShipmentHeaders h;
    h.tenant = o.tenant;
    h.host = o.host;
    h.kind = o.kind;
    h.source = o.source;
    h.file_id = o.file_id;
    h.shipment_id = shipment;
    h.part = number;
    h.part_count = count;
    h.offset = offset;
    h.length = length;
    uint64_t entries = 0;
    LogSplitter splitter(*kind);
    auto counter = [&](const LogEntry& e) {
      if (!e.banner && !e.continuation) ++entries;
    };
    splitter.feed(content, counter);
    splitter.finish(counter);
    h.entries = entries;
    h.content_sha256 = sha256_hex(content);
    h.timezone = "UTC";
    h.created = "2026-11-21T06:25:01Z";
    std::string gz = gzip_compress(content, 1);
    std::optional<std::string> sig;
    if (key) {
      auto s = sign(h, sha256_hex(gz), *key);
      if (!s) return die(s.error().message);
      sig = *s;
    }
    auto mail = build_shipment_mail(h, gz, MailAddressing{"logpost@" + o.host, "logs@example.net"}, sig);
    if (!mail) return die(mail.error().message);
    std::string name = o.prefix + "." + std::to_string(number) + ".logpost-test";
    std::string tmp = o.maildir + "/tmp/" + name;
    {
      std::ofstream out(tmp, std::ios::binary);
      out.write(mail->data(), static_cast<std::streamsize>(mail->size()));
      if (!out) return die("write " + tmp);
    }
    if (std::rename(tmp.c_str(), (o.maildir + "/new/" + name).c_str()) != 0) return die("rename " + tmp);
  }
  std::cout << count << "\n";
  return 0;
}
