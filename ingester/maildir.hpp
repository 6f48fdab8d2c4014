// maildir.hpp — the receiving side of the Maildir protocol.
//
// The MTA (Postfix's local/virtual delivery) writes a mail into tmp/ and
// links or renames it into new/ once complete, so anything in new/ is whole.
// We read only new/; a mail leaves new/ only when the caller says it is
// ingested (-> cur/<name>:2,S, deleted after the retention period) or
// quarantined (-> <folder>/cur/<name>:2,S with a reason file in
// <folder>/reasons/<name>.txt written first). Every move is a rename(2)
// followed by fsync of both directories, so after a crash a mail is in
// exactly one place.
//
// Mails are opened with O_NOFOLLOW | O_NONBLOCK and must be regular files: a
// symlink planted in new/ cannot make us read (or move) another file.
//
// Errors: Result; a mail that vanished between listing and opening is
// ErrorCode::not_found (another ingester took it: skip it quietly).
// Cost: list_new() is one readdir of new/ (names only, sorted oldest first).
// Thread-safety: one thread per Maildir.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace logpost::ingester {

class Maildir {
 public:
  // Checks that `root` has new/, cur/ and tmp/; creates the quarantine folder.
  static Result<Maildir> open(const std::filesystem::path& root, std::string quarantine_folder = ".Quarantine");

  // File names in new/ (dot files skipped), sorted by name: Maildir names
  // begin with the delivery time, so this is roughly arrival order.
  [[nodiscard]] Result<std::vector<std::string>> list_new() const;

  // Reads new/<name> whole, refusing symlinks, non-regular files and files
  // over `max_bytes` (ErrorCode::too_large: quarantine it).
  [[nodiscard]] Result<std::string> read_new(const std::string& name, uint64_t max_bytes) const;

  // new/<name> -> cur/<name>:2,S (durable).
  Result<void> move_to_cur(const std::string& name);
  // Writes <folder>/reasons/<name>.txt, then new/<name> -> <folder>/cur/<name>:2,S.
  Result<void> quarantine(const std::string& name, const std::string& reason);
  // Deletes mails in cur/ whose last status change (the move out of new/) is
  // older than `retention`. Returns how many were deleted.
  Result<uint64_t> expire_processed(std::chrono::milliseconds retention);

  // Age of the oldest mail in new/ (by mtime), nullopt when empty.
  [[nodiscard]] std::optional<std::chrono::seconds> oldest_new_age() const;

  [[nodiscard]] const std::filesystem::path& root() const { return m_root; }
  [[nodiscard]] std::filesystem::path new_dir() const { return m_root / "new"; }
  [[nodiscard]] std::filesystem::path quarantine_dir() const { return m_root / m_quarantine; }

 private:
  Maildir(std::filesystem::path root, std::string quarantine) : m_root(std::move(root)), m_quarantine(std::move(quarantine)) {}
  std::filesystem::path m_root;
  std::string m_quarantine;
};

// Validates a Maildir file name we are about to use in paths: no slash, not
// "." or "..", not empty.
bool is_safe_mail_name(std::string_view name);

}  // namespace logpost::ingester
