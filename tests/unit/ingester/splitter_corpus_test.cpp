// LogSplitter over the real slow logs of ../shared/corpus/slowlogs/percona:
// every byte is accounted for (entries + banners == file size), offsets are
// contiguous, and feeding in odd chunk sizes gives the same entries.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log_splitter.hpp"

namespace logpost {
namespace {

namespace fs = std::filesystem;

struct Split {
  std::vector<std::pair<uint64_t, std::string>> entries;
  uint64_t banner_bytes = 0;
  uint64_t entry_bytes = 0;
};

Split split(const std::string& data, size_t chunk) {
  Split s;
  LogSplitter splitter(LogKind::mysql_slow);
  uint64_t expected_offset = 0;
  auto sink = [&](const LogEntry& e) {
    EXPECT_EQ(e.offset, expected_offset);
    expected_offset += e.text.size();
    if (e.banner) s.banner_bytes += e.text.size();
    else s.entry_bytes += e.text.size();
    s.entries.emplace_back(e.offset, std::string(e.text));
  };
  for (size_t pos = 0; pos < data.size(); pos += chunk) splitter.feed(std::string_view(data).substr(pos, chunk), sink);
  splitter.finish(sink);
  return s;
}

TEST(SplitterCorpus, EveryByteOfThePerconaSlowLogsIsAccountedFor) {
  fs::path dir = fs::path(LOGPOST_SHARED_DIR) / "corpus" / "slowlogs" / "percona";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no " << dir;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string name = entry.path().filename().string();
    if (name == "COPYING" || name == "PROVENANCE.md") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string data = ss.str();
    Split whole = split(data, data.size() + 1);
    EXPECT_EQ(whole.entry_bytes + whole.banner_bytes, data.size()) << name;
    std::string joined;
    for (const auto& [off, text] : whole.entries) joined += text;
    EXPECT_EQ(joined, data) << name;
    Split odd = split(data, 7);
    EXPECT_EQ(odd.entries, whole.entries) << name;
    ++files;
  }
  EXPECT_GT(files, 5);
}

}  // namespace
}  // namespace logpost
