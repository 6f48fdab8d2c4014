// maildir.cpp — reading new/ safely and moving mails out of it durably.
#include "ingester/maildir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/atomic_file.hpp"

namespace logpost::ingester {

namespace fs = std::filesystem;

bool is_safe_mail_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

namespace {
Result<void> ensure_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fail_errno("mkdir " + dir.string());
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return fail_errno("stat " + dir.string());
  if (!S_ISDIR(st.st_mode)) return fail(ErrorCode::config, dir.string() + " is not a directory");
  return {};
}

std::string processed_name(const std::string& name) {
  // Maildir info suffix: ":2,S" (seen). A name that already has info keeps it.
  if (name.find(":2,") != std::string::npos) return name;
  return name + ":2,S";
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

Result<Maildir> Maildir::open(const fs::path& root, std::string quarantine_folder) {
  for (const char* sub : {"new", "cur", "tmp"}) {
    struct stat st {};
    fs::path p = root / sub;
    if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return fail(ErrorCode::input, root.string() + " is not a Maildir (no " + sub + "/)");
  }
  fs::path q = root / quarantine_folder;
  for (const fs::path& d : {q, q / "new", q / "cur", q / "tmp", q / "reasons"}) {
    auto r = ensure_dir(d);
    if (!r) return tl::unexpected(r.error());
  }
  return Maildir(root, std::move(quarantine_folder));
}

Result<std::vector<std::string>> Maildir::list_new() const {
  fs::path dir = new_dir();
  DIR* d = ::opendir(dir.c_str());
  if (!d) return fail_errno("opendir " + dir.string());
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    names.emplace_back(e->d_name);
  }
  int saved = errno;
  ::closedir(d);
  if (saved != 0) return fail_errno("readdir " + dir.string(), saved);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> Maildir::read_new(const std::string& name, uint64_t max_bytes) const {
  if (!is_safe_mail_name(name)) return fail(ErrorCode::data, "unsafe mail name");
  fs::path path = new_dir() / name;
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (f.fd < 0) {
    int e = errno;
    if (e == ENOENT) return fail(ErrorCode::not_found, path.string() + " vanished");
    if (e == ELOOP) return fail(ErrorCode::data, "is a symbolic link (refused)");
    return fail_errno("open " + path.string(), e);
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return fail_errno("fstat " + path.string());
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::data, "not a regular file");
  auto size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    return fail(ErrorCode::too_large,
                "mail of " + std::to_string(size) + " bytes exceeds max_mail_size " + std::to_string(max_bytes));
  std::string data;
  data.resize(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(f.fd, data.data() + got, size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("read " + path.string());
    }
    if (n == 0) break;  // shrank under us: parse what is there (it will fail as truncated)
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  return data;
}

Result<void> Maildir::move_to_cur(const std::string& name) {
  if (!is_safe_mail_name(name)) return fail(ErrorCode::data, "unsafe mail name");
  return rename_durably(new_dir() / name, m_root / "cur" / processed_name(name));
}

Result<void> Maildir::quarantine(const std::string& name, const std::string& reason) {
  if (!is_safe_mail_name(name)) return fail(ErrorCode::data, "unsafe mail name");
  fs::path q = quarantine_dir();
  // The reason first: a crash between the two steps leaves the mail in new/
  // (it is verified again and the reason rewritten), never a quarantined
  // mail without its reason.
  auto w = write_file_atomically(q / "reasons" / (name + ".txt"), reason + "\n", 0600);
  if (!w) return w;
  return rename_durably(new_dir() / name, q / "cur" / processed_name(name));
}

Result<uint64_t> Maildir::expire_processed(std::chrono::milliseconds retention) {
  fs::path dir = m_root / "cur";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return fail_errno("opendir " + dir.string());
  auto now = std::chrono::system_clock::now();
  uint64_t removed = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    struct stat st {};
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(st.st_mode)) continue;
    // ctime changes with the rename out of new/: it is the processing time.
    auto changed = std::chrono::system_clock::time_point(std::chrono::seconds(st.st_ctim.tv_sec));
    if (now - changed >= retention) {
      if (::unlinkat(::dirfd(d), e->d_name, 0) == 0) ++removed;
    }
  }
  ::closedir(d);
  if (removed > 0) (void)fsync_directory(dir);
  return removed;
}

std::optional<std::chrono::seconds> Maildir::oldest_new_age() const {
  fs::path dir = new_dir();
  DIR* d = ::opendir(dir.c_str());
  if (!d) return std::nullopt;
  std::optional<int64_t> oldest;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    struct stat st {};
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!oldest || st.st_mtim.tv_sec < *oldest) oldest = st.st_mtim.tv_sec;
  }
  ::closedir(d);
  if (!oldest) return std::nullopt;
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return std::chrono::seconds(std::max<int64_t>(0, now.count() - *oldest));
}

}  // namespace logpost::ingester
