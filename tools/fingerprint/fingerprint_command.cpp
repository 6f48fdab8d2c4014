#include "tools/fingerprint/fingerprint_command.hpp"

#include <algorithm>
#include <fstream>
#include <istream>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/log_splitter.hpp"
#include "common/result.hpp"
#include "filters/mysql_slowlog_parser.hpp"
#include "filters/sql_fingerprint.hpp"

namespace logpost::tools {
namespace {

constexpr size_t k_chunk = 64 * 1024;

// \d+(\.\d+)?
bool is_decimal(std::string_view s) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  if (whole.empty() || whole.find_first_not_of("0123456789") != std::string_view::npos) return false;
  if (dot == std::string_view::npos) return true;
  std::string_view frac = s.substr(dot + 1);
  return !frac.empty() && frac.find_first_not_of("0123456789") == std::string_view::npos;
}

void print_one(std::ostream& out, std::string_view query) {
  std::string fp = filters::fingerprint(query);
  out << filters::query_checksum(fp) << '\t' << fp << '\n';
}

// pt-fingerprint's reading of one ";\n"-terminated record.
void fingerprint_record(std::ostream& out, std::string_view record) {
  std::string query;
  query.reserve(record.size());
  // s/^#.+$//mg: a "#" line's text goes, its line end stays.
  size_t pos = 0;
  while (pos < record.size()) {
    size_t eol = record.find('\n', pos);
    size_t end = eol == std::string_view::npos ? record.size() : eol;
    std::string_view line = record.substr(pos, end - pos);
    if (!(line.size() >= 2 && line[0] == '#')) query.append(line);
    if (eol != std::string_view::npos) query.push_back('\n');
    pos = end + 1;
  }
  size_t start = 0;
  while (start < query.size() && (query[start] == ' ' || (query[start] >= '\t' && query[start] <= '\r'))) ++start;
  if (start >= query.size()) return;
  char c = query[start];
  bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  if (!word) return;
  print_one(out, std::string_view(query).substr(start));
}

int fingerprint_statements(std::istream& in, std::ostream& out, std::ostream& err) {
  std::string pending;
  std::vector<char> buffer(k_chunk);
  for (;;) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    size_t scan_from = pending.empty() ? 0 : pending.size() - 1;  // ";" may end the previous chunk
    pending.append(buffer.data(), static_cast<size_t>(got));
    size_t begin = 0;
    for (size_t sep = pending.find(";\n", scan_from); sep != std::string::npos; sep = pending.find(";\n", begin)) {
      fingerprint_record(out, std::string_view(pending).substr(begin, sep - begin));
      begin = sep + 2;
    }
    pending.erase(0, begin);
  }
  if (in.bad()) {
    err << "logpost-fingerprint: read error\n";
    return exit_code::io_error;
  }
  if (!pending.empty()) fingerprint_record(out, pending);
  return out ? exit_code::ok : exit_code::io_error;
}

// --null: records separated by NUL bytes, taken verbatim (for scripts and
// differential tests); output records end in NUL too.
int fingerprint_null_separated(std::istream& in, std::ostream& out, std::ostream& err) {
  std::string record;
  while (std::getline(in, record, '\0')) {
    std::string fp = filters::fingerprint(record);
    out << filters::query_checksum(fp) << '\t' << fp << '\0';
  }
  if (in.bad()) {
    err << "logpost-fingerprint: read error\n";
    return exit_code::io_error;
  }
  return out ? exit_code::ok : exit_code::io_error;
}

int fingerprint_slow_log(std::istream& in, std::ostream& out, std::ostream& err) {
  struct Class {
    std::string checksum;
    uint64_t count = 0;
  };
  std::map<std::string, Class, std::less<>> classes;  // by fingerprint
  uint64_t events = 0, skipped = 0, banners = 0, no_statement = 0;
  filters::SlowLogRecord record;
  LogSplitter splitter(LogKind::mysql_slow);
  auto on_entry = [&](const LogEntry& e) {
    if (e.banner) {
      ++banners;
      return;
    }
    std::string_view rest = e.text;
    while (!rest.empty()) {
      std::string_view event = filters::next_slowlog_event(rest);
      filters::parse_slowlog_entry(event, record);
      // Like pt-query-digest, count what has a Query_time that is a number
      // (or is an administrator command);
      // an entry without a statement is the class of the empty fingerprint.
      const std::string_view* query_time = record.attribute("Query_time");
      if (!record.admin_command && (!query_time || !is_decimal(*query_time))) {
        ++skipped;
        continue;
      }
      ++events;
      if (!record.has_statement) ++no_statement;
      std::string fp = filters::fingerprint(record.has_statement ? record.statement : std::string_view{});
      auto it = classes.find(fp);
      if (it == classes.end()) {
        std::string checksum = filters::query_checksum(fp);
        it = classes.emplace(std::move(fp), Class{std::move(checksum), 0}).first;
      }
      ++it->second.count;
    }
  };
  std::vector<char> buffer(k_chunk);
  for (;;) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    splitter.feed(std::string_view(buffer.data(), static_cast<size_t>(got)), on_entry);
  }
  if (in.bad()) {
    err << "logpost-fingerprint: read error\n";
    return exit_code::io_error;
  }
  splitter.finish(on_entry);
  std::vector<std::pair<const std::string*, const Class*>> sorted;
  sorted.reserve(classes.size());
  for (const auto& [fp, c] : classes) sorted.emplace_back(&fp, &c);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second->checksum < b.second->checksum; });
  for (const auto& [fp, c] : sorted) out << c->checksum << '\t' << c->count << '\t' << *fp << '\n';
  err << "# events=" << events << " classes=" << classes.size() << " no_statement=" << no_statement
      << " skipped=" << skipped << " banners=" << banners << '\n';
  return out ? exit_code::ok : exit_code::io_error;
}

void usage(std::ostream& err) {
  err << "usage: logpost-fingerprint --query SQL\n"
         "       logpost-fingerprint [FILE|-]\n"
         "       logpost-fingerprint --null [FILE|-]\n"
         "       logpost-fingerprint --slow-log FILE|-\n";
}

}  // namespace

int run_fingerprint_command(std::span<const std::string_view> args, std::istream& in, std::ostream& out,
                            std::ostream& err) {
  std::optional<std::string_view> query;
  std::optional<std::string_view> file;
  bool slow_log = false;
  bool null_separated = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--query" && i + 1 < args.size()) {
      query = args[++i];
    } else if (a.starts_with("--query=")) {
      query = a.substr(8);
    } else if (a == "--slow-log") {
      slow_log = true;
    } else if (a == "--null" || a == "-z") {
      null_separated = true;
    } else if (a == "--help" || a == "-h") {
      usage(out);
      return exit_code::ok;
    } else if ((a == "-" || !a.starts_with("-")) && !file) {
      file = a;
    } else {
      usage(err);
      return exit_code::usage;
    }
  }
  if ((query && (file || slow_log || null_separated)) || (slow_log && null_separated)) {
    usage(err);
    return exit_code::usage;
  }
  if (query) {
    print_one(out, *query);
    return out ? exit_code::ok : exit_code::io_error;
  }
  std::ifstream stream;
  std::istream* source = &in;
  if (file && *file != "-") {
    stream.open(std::string(*file), std::ios::binary);
    if (!stream) {
      err << "logpost-fingerprint: cannot open " << *file << "\n";
      return exit_code::no_input;
    }
    source = &stream;
  }
  if (slow_log) return fingerprint_slow_log(*source, out, err);
  if (null_separated) return fingerprint_null_separated(*source, out, err);
  return fingerprint_statements(*source, out, err);
}

}  // namespace logpost::tools
