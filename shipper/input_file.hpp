// input_file.hpp — one rotated log file, opened once and read once.
//
// InputFile::open() refuses anything but a regular file reached without
// following a symlink in the last component (O_NOFOLLOW): a rotated log is
// never a symlink, a directory, a FIFO or a device, and refusing them keeps a
// root-run hook from being pointed at /etc/shadow through a planted link.
// It records the file's identity (device, inode, size, mtime and a SHA-256
// of the first 4 KiB), which names the shipment and keys the state file.
// Files starting with the gzip magic (1f 8b) are decompressed on the fly, so
// `.gz` rotations ship their content, not the compressed bytes.
//
// stream() reads at most the size seen at open (a file that grows while we
// read is shipped up to that size, a consistent prefix) and reports
// source_changed when the size or mtime moved, or the file came up short.
// The file descriptor is opened by open() and used by stream(), so the
// caller may drop privileges in between.
//
// Errors: open(): ErrorCode::input (missing, unreadable, not a regular file,
// symlink). stream(): ErrorCode::io for read errors, ErrorCode::data for a
// corrupt gzip, or whatever the sink returns.
// Cost: one sequential pass with 256 KiB reads (16 KiB for gzip input, so a
// gzip bomb chunk inflates to a bounded size per call); memory is bounded.
// Thread-safety: one object per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace logpost::shipper {

struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime = 0;          // seconds since the epoch
  int64_t mtime_nsec = 0;
  std::string head_sha256;    // of the first min(size, 4096) raw bytes

  // "<dev>:<inode>:<size>:<mtime>:<first 16 hex of head_sha256>"
  [[nodiscard]] std::string file_id() const;
};

struct StreamReport {
  uint64_t raw_bytes = 0;      // bytes read from the file
  uint64_t content_bytes = 0;  // bytes given to the sink (decompressed for gzip)
  bool source_changed = false;
  std::string change_note;     // why source_changed is set
};

class InputFile {
 public:
  static constexpr size_t k_head_bytes = 4096;

  static Result<InputFile> open(const std::filesystem::path& path);

  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  [[nodiscard]] const FileIdentity& identity() const { return m_identity; }
  [[nodiscard]] bool is_gzip() const { return m_gzip; }
  // True when the head looks like binary data (NUL bytes) — worth a warning
  // for a text log kind, never a reason to refuse.
  [[nodiscard]] bool looks_binary() const { return m_binary; }

  // Waits until the file has not been modified for `quiet` (by its mtime),
  // at most `max_wait`, then takes its identity again. For daemons that
  // reopen their log asynchronously after a signal (nginx's USR1): lines a
  // slow worker still writes into the rotated file are then shipped, not
  // cut off. Returns true when the file went quiet, false on timeout (the
  // caller ships anyway; growth during the read still sets source_changed).
  Result<bool> wait_quiet(std::chrono::milliseconds quiet, std::chrono::milliseconds max_wait);

  // Reads the whole content once, handing it to `sink` in chunks.
  Result<StreamReport> stream(const std::function<Result<void>(std::string_view)>& sink);

 private:
  InputFile(std::filesystem::path path, int fd);
  Result<void> identify();

  std::filesystem::path m_path;
  int m_fd = -1;
  FileIdentity m_identity;
  bool m_gzip = false;
  bool m_binary = false;
};

// A path made safe for one line of a diagnostic: control bytes, backslash and
// DEL become \xNN, the rest is kept (non-ASCII file names stay readable).
std::string printable_path(const std::filesystem::path& path);

}  // namespace logpost::shipper
