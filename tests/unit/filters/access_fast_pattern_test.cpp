// The access-log pipelines try a fast grok pattern before the full one
// (pipelines/nginx-access.conf, apache-access.conf). The fast pattern exists
// only for speed, so the pipeline with it must produce exactly the documents
// the pipeline without it produces, on every line: here, the repo's access
// samples, ../shared's real access log when present, and seeded variations
// built to hit what separates the two patterns (virtual hosts, ports,
// X-Forwarded-For lists with and without spaces and quotes, commas and
// dashes in odd places, user names, missing fields, garbage).
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/json.hpp"
#include "filters/pipeline.hpp"

namespace logpost::filters {
namespace {

const std::filesystem::path k_source(LOGPOST_SOURCE_DIR);

// The pipeline's text, and the same text without the fast pattern (the
// first entry of the grok match array).
std::pair<std::string, std::string> with_and_without_fast_pattern(const std::string& name) {
  auto text = read_small_file(k_source / "pipelines" / name);
  EXPECT_TRUE(text);
  std::string with = text.value_or("");
  std::string marker = "\"message\" => [\n";
  size_t at = with.find(marker);
  EXPECT_NE(at, std::string::npos) << name << ": no match array";
  if (at == std::string::npos) return {with, with};
  size_t line_start = at + marker.size();
  size_t line_end = with.find('\n', line_start);
  std::string without = with.substr(0, line_start) + with.substr(line_end + 1);
  EXPECT_NE(with.substr(line_start, line_end - line_start).find("LOGPOST_CLIENT:"), std::string::npos)
      << name << ": the first pattern is not the fast one";
  return {with, without};
}

Pipeline build(const std::string& text, const std::string& name) {
  BuildContext context;
  context.patterns_dir = k_source / "grok-patterns";
  context.geoip_dir = std::filesystem::path(LOGPOST_SHARED_DIR) / "corpus/geoip";
  auto p = Pipeline::from_string(text, name, context);
  if (!p) ADD_FAILURE() << p.error().message;
  return std::move(p.value());
}

std::string run(Pipeline& pipeline, const std::string& line) {
  std::vector<Event> out;
  pipeline.process(Event(line), out);
  std::string docs;
  for (const auto& e : out) docs += to_json(e) + "\n";
  return docs;
}

std::vector<std::string> sample_lines() {
  std::vector<std::string> lines;
  auto add_file = [&](const std::filesystem::path& p) {
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  };
  for (const auto& entry : std::filesystem::directory_iterator(k_source / "tests/unit/filters/data/access"))
    add_file(entry.path());
  std::filesystem::path shared = std::filesystem::path(LOGPOST_SHARED_DIR) / "corpus/access-logs/apache_logs";
  if (std::filesystem::exists(shared)) add_file(shared);
  // Seeded variations of a combined line, piece by piece.
  std::mt19937 rng(2026);
  const std::vector<std::string> vhosts = {"", "example.com ", "example.com:8080 ", "[::1]:443 ", "a-b.c ", "x,y "};
  const std::vector<std::string> clients = {"203.0.113.7", "10.0.0.5, 203.0.113.7", "\"10.0.0.5, 203.0.113.7\"",
                                            "10.0.0.5,203.0.113.7", "unknown, 198.51.100.2", "2001:db8::1", "-",
                                            "host-name", "1.2.3.4 ,5.6.7.8", ",", "\"1.2.3.4\""};
  const std::vector<std::string> idents = {"-", "ident", ",x", "-,-"};
  const std::vector<std::string> users = {"-", "alice", "-", ",bob", "a-b", "- -"};
  const std::vector<std::string> requests = {"GET /index.html HTTP/1.1", "POST /a?b=c HTTP/2.0", "-", "\\x16\\x03\\x01",
                                             "GET /", "BREW coffee HTTP/1.1 extra"};
  const std::vector<std::string> tails = {"", " \"-\" \"-\"", " \"http://r/\" \"Mozilla/5.0 (X11)\"",
                                          " \"-\" \"curl/8\" 0.003 extra", " \"a\"b\" \"c\"", " garbage"};
  for (int i = 0; i < 4000; ++i) {
    auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
    std::string line = pick(vhosts) + pick(clients) + " ";
    if (rng() % 2) line += pick(idents) + " ";  // apache's identity field, or nginx's "-"
    line += pick(users) + " [21/Nov/2026:06:25:01 +0100] \"" + pick(requests) + "\" " +
            (rng() % 5 ? "200" : "-") + " " + (rng() % 5 ? std::to_string(rng() % 9999) : "-") + pick(tails);
    lines.push_back(line);
  }
  return lines;
}

void expect_same_documents(const std::string& name) {
  auto [with, without] = with_and_without_fast_pattern(name);
  Pipeline fast = build(with, name);
  Pipeline full = build(without, name + " (full pattern only)");
  size_t compared = 0, differing = 0;
  for (const auto& line : sample_lines()) {
    std::string a = run(fast, line), b = run(full, line);
    ++compared;
    if (a != b && ++differing <= 5) ADD_FAILURE() << name << " differs on: " << line << "\n fast: " << a << " full: " << b;
  }
  EXPECT_EQ(differing, 0u) << "of " << compared << " lines";
  EXPECT_GT(compared, 4000u);
}

TEST(AccessFastPattern, NginxPipelineGivesTheSameDocumentsWithAndWithoutIt) { expect_same_documents("nginx-access.conf"); }

TEST(AccessFastPattern, ApachePipelineGivesTheSameDocumentsWithAndWithoutIt) {
  expect_same_documents("apache-access.conf");
}

}  // namespace
}  // namespace logpost::filters
