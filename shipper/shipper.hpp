// shipper.hpp — logpost-ship: rotated log files in, signed shipment mails out
// through the box's own MTA.
//
// NAME
//   logpost-ship — ship rotated logs as mail (see docs/shipper.md).
//
// DESCRIPTION
//   For each input file: identify it (device, inode, size, mtime, hash of the
//   head) and skip it if the state file says it was shipped (unless --force);
//   stream it once through PartBuilder into gzip parts staged in the spool;
//   when the file is read and the part count n is known, build each part's
//   mail (headers, signature) into spool/outgoing; record the file in the
//   state file. Then hand every mail in outgoing/ to the MTA, oldest first:
//   250 deletes it, a temporary failure keeps it for `--flush`, a 5xx moves it
//   to failed/ with the reply. One bad file never stops the others.
//
// DIAGNOSTICS
//   One line per problem on stderr, "logpost-ship: <file>: <reason>", with
//   control characters in file names escaped. Silent on success unless
//   --verbose. The exit status is the most serious outcome: 78 config, then
//   66/65 input, then 69 permanent rejection, then 75 spooled, else 0.
//
// SECURITY
//   Trusts its config file and key files (read as root before dropping
//   privileges) and the local MTA. Input files are opened as root without
//   following symlinks, and must be regular files; their content is treated
//   as opaque bytes (never parsed beyond entry boundaries, never executed).
//   File names and host names reach mail headers only percent-encoded, so no
//   input can inject a header. After opening the inputs it switches to the
//   configured user; as that user it writes only the spool directory and
//   the state file. It never modifies or deletes an input file, never runs a
//   shell, and opens no listening socket.
//
// Thread-safety: single-threaded program.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "common/envelope.hpp"
#include "common/log_splitter.hpp"
#include "common/result.hpp"
#include "common/shipment_mail.hpp"
#include "shipper/input_file.hpp"
#include "shipper/options.hpp"
#include "shipper/part_builder.hpp"
#include "shipper/ship_config.hpp"
#include "shipper/spool.hpp"
#include "shipper/state_file.hpp"

namespace logpost::shipper {

struct SpoolSummary {
  bool skipped = false;          // already shipped (state file)
  std::string shipment_id;
  uint32_t parts = 0;
  uint64_t content_bytes = 0;
  std::vector<std::string> warnings;
};

struct DeliverySummary {
  size_t accepted = 0;
  size_t deferred = 0;   // still in outgoing/
  size_t rejected = 0;   // moved to failed/
};

// The headers of one part: `shipment` holds the fields common to all parts
// (tenant, host, kind, source, file_id, shipment_id, part_count, timezone,
// created); the part's own numbers and flags come from `part`.
ShipmentHeaders part_headers(const ShipmentHeaders& shipment, const BuiltPart& part, bool source_changed);

// The complete mail of one part, signed when `key` is set. Pure: the same
// inputs give the same bytes (a re-sent part is byte-identical).
Result<std::string> render_part_mail(const ShipmentHeaders& headers, std::string_view gzip,
                                     const MailAddressing& addressing, const std::optional<std::string>& key);

class Shipper {
 public:
  Shipper(ShipSettings settings, std::ostream& err, bool verbose);

  // Streams one open file into the spool's outgoing/ and records it in the
  // state (saved by the caller). Nothing is sent here.
  Result<SpoolSummary> spool_file(InputFile& file, LogKind kind, Spool& spool, StateFile& state, bool force);

  // Offers every mail in outgoing/ to the MTA, oldest first.
  DeliverySummary deliver(Spool& spool);

  [[nodiscard]] const ShipSettings& settings() const { return m_settings; }

 private:
  ShipSettings m_settings;
  std::ostream& m_err;
  bool m_verbose;
};

// The whole program after argument parsing: returns the exit status.
int run_logpost_ship(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace logpost::shipper
