#include "shipper/privilege.hpp"

#include <cerrno>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace logpost::shipper {

Result<UserIds> lookup_user(const std::string& name) {
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr)
    return fail(ErrorCode::config, "user '" + name + "' does not exist (set `user` in the config, or create it)");
  return UserIds{pw.pw_uid, pw.pw_gid};
}

Result<void> prepare_owned_dir(const std::filesystem::path& dir, const UserIds& ids) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  if (!dir.parent_path().empty() && dir.parent_path() != dir) {
    if (auto r = prepare_owned_dir(dir.parent_path(), ids); !r) return r;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fail_errno("mkdir " + dir.string());
  if (::geteuid() == 0 && ::chown(dir.c_str(), ids.uid, ids.gid) != 0) return fail_errno("chown " + dir.string());
  return {};
}

Result<void> drop_privileges(const UserIds& ids) {
  if (::geteuid() != 0) return {};
  if (ids.uid == 0) return {};
  // Order matters: groups and gid while we still may, uid last.
  if (::setgroups(1, &ids.gid) != 0) return fail(ErrorCode::internal, "setgroups failed while dropping root");
  if (::setgid(ids.gid) != 0) return fail(ErrorCode::internal, "setgid failed while dropping root");
  if (::setuid(ids.uid) != 0) return fail(ErrorCode::internal, "setuid failed while dropping root");
  if (::setuid(0) == 0 || ::geteuid() == 0) return fail(ErrorCode::internal, "could regain root after dropping it");
  return {};
}

}  // namespace logpost::shipper
