// atomic_file.hpp — files that are either wholly written or not there at all.
//
// Every file that matters (state, spool entries, quarantine reasons) is
// written as: temporary file in the same directory (O_CREAT|O_EXCL), write,
// fsync, rename over the target, fsync the directory. A crash at any moment
// leaves either the old content or the new one, never a torn file; after
// commit() returns, the new content survives a power loss.
//
// An AtomicFile that is destroyed without commit() unlinks its temporary file.
//
// Errors: every step returns Result; the message names the path and errno.
// Cost: two fsyncs per commit (file and directory).
// Thread-safety: one object per thread; distinct targets are independent.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "common/result.hpp"

namespace logpost {

class AtomicFile {
 public:
  // Creates the temporary file beside `target`, with permission bits `mode`.
  static Result<AtomicFile> create(const std::filesystem::path& target, mode_t mode = 0644);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  // Appends bytes; retries short writes and EINTR.
  Result<void> write(std::string_view bytes);
  // fsync, rename onto the target, fsync the directory. Once only.
  Result<void> commit();

  [[nodiscard]] const std::filesystem::path& target() const { return m_target; }
  [[nodiscard]] const std::filesystem::path& temp_path() const { return m_temp; }

 private:
  AtomicFile(std::filesystem::path target, std::filesystem::path temp, int fd);
  void discard() noexcept;

  std::filesystem::path m_target;
  std::filesystem::path m_temp;
  int m_fd = -1;
};

// Writes `content` to `target` atomically and durably (the whole protocol).
Result<void> write_file_atomically(const std::filesystem::path& target, std::string_view content,
                                   mode_t mode = 0644);

// fsync a directory, so that a rename or link into it is durable.
Result<void> fsync_directory(const std::filesystem::path& dir);

// Renames durably: rename(2), then fsync the destination directory (and the
// source directory when it differs).
Result<void> rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);

// Reads a whole small file (state files, keys, test vectors). Not for logs:
// those are streamed.
Result<std::string> read_small_file(const std::filesystem::path& path, size_t max_bytes = 64u << 20);

}  // namespace logpost
