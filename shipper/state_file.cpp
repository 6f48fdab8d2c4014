#include "shipper/state_file.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "common/atomic_file.hpp"
#include "common/envelope.hpp"

namespace logpost::shipper {

Result<StateFile> StateFile::load(const std::filesystem::path& path) {
  StateFile state(path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return state;
  auto content = read_small_file(path, 64u << 20);
  if (!content) return tl::unexpected(content.error());
  std::string_view rest = *content;
  size_t line_no = 0;
  while (!rest.empty()) {
    ++line_no;
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.empty()) continue;
    std::vector<std::string_view> cols;
    size_t start = 0;
    for (;;) {
      size_t tab = line.find('\t', start);
      cols.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    Entry e;
    auto bad = [&] {
      return fail(ErrorCode::data,
                  path.string() + ":" + std::to_string(line_no) + ": malformed state line (fix or remove the file)");
    };
    if (cols.size() != 4 || cols[0].empty() || cols[1].empty()) return bad();
    auto [p, err] = std::from_chars(cols[2].data(), cols[2].data() + cols[2].size(), e.shipped_at);
    if (err != std::errc() || p != cols[2].data() + cols[2].size()) return bad();
    e.file_id = cols[0];
    e.shipment_id = cols[1];
    e.path = cols[3];
    state.m_entries.push_back(std::move(e));
  }
  return state;
}

const StateFile::Entry* StateFile::find(std::string_view file_id) const {
  for (const auto& e : m_entries)
    if (e.file_id == file_id) return &e;
  return nullptr;
}

void StateFile::record(std::string file_id, std::string shipment_id, int64_t shipped_at, std::string_view source_path) {
  std::erase_if(m_entries, [&](const Entry& e) { return e.file_id == file_id; });
  m_entries.push_back(Entry{std::move(file_id), std::move(shipment_id), shipped_at, encode_header_value(source_path)});
}

Result<void> StateFile::save(int64_t now, std::chrono::milliseconds retention) {
  const int64_t oldest = now - static_cast<int64_t>(retention.count() / 1000);
  std::erase_if(m_entries, [&](const Entry& e) { return e.shipped_at < oldest; });
  std::string out;
  for (const auto& e : m_entries)
    out += e.file_id + "\t" + e.shipment_id + "\t" + std::to_string(e.shipped_at) + "\t" + e.path + "\n";
  return write_file_atomically(m_path, out, 0600);
}

}  // namespace logpost::shipper
