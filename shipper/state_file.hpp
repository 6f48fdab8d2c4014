// state_file.hpp — which files were already shipped.
//
// One line per shipped file: "<file_id>\t<shipment_id>\t<unix seconds>\t<encoded path>\n"
// (file_id from input_file.hpp; the path is percent-encoded like a header
// value and only there for humans). A file counts as shipped once all its
// parts are durably in the spool: delivery is then the spool's job, so a
// second run of the hook on the same rotated file sends nothing.
//
// save() rewrites the file atomically (AtomicFile) and drops entries older
// than the retention. A missing file is an empty state; a malformed line is
// an error naming the line (a corrupted state must not silently re-ship or
// skip everything).
//
// Errors: ErrorCode::io / ::data naming the path.
// Cost: load and save are linear in the number of entries (a few per day).
// Thread-safety: one object per process; the spool lock serializes processes.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace logpost::shipper {

class StateFile {
 public:
  struct Entry {
    std::string file_id;
    std::string shipment_id;
    int64_t shipped_at = 0;  // unix seconds
    std::string path;        // encoded
  };

  static Result<StateFile> load(const std::filesystem::path& path);

  [[nodiscard]] const Entry* find(std::string_view file_id) const;
  void record(std::string file_id, std::string shipment_id, int64_t shipped_at, std::string_view source_path);
  // Writes atomically, keeping entries with shipped_at >= now - retention.
  Result<void> save(int64_t now, std::chrono::milliseconds retention);

  [[nodiscard]] const std::vector<Entry>& entries() const { return m_entries; }

 private:
  explicit StateFile(std::filesystem::path path) : m_path(std::move(path)) {}

  std::filesystem::path m_path;
  std::vector<Entry> m_entries;
};

}  // namespace logpost::shipper
