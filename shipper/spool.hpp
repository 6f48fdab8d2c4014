// spool.hpp — the shipper's spool: where every part lives until the MTA has
// accepted it.
//
//   <spool_dir>/lock          flock(2) held by the one logpost-ship using the spool
//   <spool_dir>/staging/<shipment_id>/part-NNNNNN.gz
//                             compressed parts of a shipment being built (the part
//                             count is only known at the end of the file)
//   <spool_dir>/outgoing/<created-us>-<shipment_id>-<part>.eml
//                             complete, signed mails waiting for the MTA; names sort
//                             oldest first, parts in order
//   <spool_dir>/failed/<name>.eml + <name>.reason
//                             mails the MTA refused for good (5xx), with its reply
//
// Every file is written with AtomicFile (tmp, fsync, rename, fsync dir), so a
// crash leaves a part either wholly spooled or absent. Staging leftovers of
// an interrupted run are discarded when the same file is shipped again.
//
// Errors: ErrorCode::io naming the path; lock() returns ErrorCode::temporary
// when another process keeps the spool past the timeout.
// Thread-safety: one Spool per process (the lock enforces it across processes).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace logpost::shipper {

class Spool {
 public:
  // Creates the directories (mode 0700) if missing.
  static Result<Spool> open(const std::filesystem::path& dir);

  Spool(Spool&& other) noexcept;
  Spool& operator=(Spool&& other) noexcept;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  ~Spool();

  // Exclusive lock on the spool, waiting at most `timeout`.
  Result<void> lock(std::chrono::milliseconds timeout);

  [[nodiscard]] const std::filesystem::path& dir() const { return m_dir; }
  [[nodiscard]] std::filesystem::path outgoing_dir() const { return m_dir / "outgoing"; }
  [[nodiscard]] std::filesystem::path failed_dir() const { return m_dir / "failed"; }

  // Fresh, empty staging directory for a shipment (old leftovers removed).
  Result<std::filesystem::path> begin_staging(std::string_view shipment_id);
  Result<std::filesystem::path> stage_part(std::string_view shipment_id, uint32_t part, std::string_view gzip);
  Result<void> discard_staging(std::string_view shipment_id);

  // "<created-us, 20 digits>-<shipment_id>-<part, 6 digits>.eml"
  static std::string outgoing_name(int64_t created_us, std::string_view shipment_id, uint32_t part);
  Result<std::filesystem::path> enqueue(const std::string& name, std::string_view mail);

  // outgoing/*.eml, oldest first.
  Result<std::vector<std::filesystem::path>> outgoing() const;
  // The MTA accepted it.
  Result<void> delivered(const std::filesystem::path& mail);
  // The MTA refused it for good: moves it to failed/ with the reply beside it.
  Result<std::filesystem::path> rejected(const std::filesystem::path& mail, std::string_view reply);

 private:
  explicit Spool(std::filesystem::path dir) : m_dir(std::move(dir)) {}

  std::filesystem::path m_dir;
  int m_lock_fd = -1;
};

}  // namespace logpost::shipper
