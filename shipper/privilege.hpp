// privilege.hpp — giving up root once the input files are open.
//
// logrotate runs its hooks as root. logpost-ship needs root only to open the
// rotated logs (and to read root-only key files); parsing, compressing,
// spooling and talking SMTP run as the configured unprivileged user.
// drop_privileges() sets the supplementary groups to the user's primary
// group only, then gid, then uid, and checks that root cannot be regained.
// When not running as root it does nothing (a non-root caller has nothing to
// drop). prepare_owned_dir() lets root create a directory the user will
// write to (the spool, the state file's directory) before dropping.
//
// Errors: ErrorCode::config for an unknown user, ErrorCode::internal when a
// set*id call fails (the caller must then stop: continuing as root is not an
// option).
// Thread-safety: process-wide; call from main before starting threads.
#pragma once

#include <filesystem>
#include <string>
#include <sys/types.h>

#include "common/result.hpp"

namespace logpost::shipper {

struct UserIds {
  uid_t uid = 0;
  gid_t gid = 0;
};

Result<UserIds> lookup_user(const std::string& name);
// mkdir -p with mode 0700 and, when created by root, owned by `ids`.
Result<void> prepare_owned_dir(const std::filesystem::path& dir, const UserIds& ids);
Result<void> drop_privileges(const UserIds& ids);

}  // namespace logpost::shipper
