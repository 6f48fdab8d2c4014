#include "shipper/options.hpp"

#include <string_view>

#include "common/config.hpp"
#include "shipper/ship_config.hpp"

namespace logpost::shipper {

std::string usage_text() {
  return "Usage: logpost-ship [--config FILE] --kind KIND [--to ADDRESS] [--settle DURATION] [--force] [--verbose] FILE...\n"
         "       logpost-ship [--config FILE] --flush [--verbose]\n"
         "       logpost-ship --help | --help-config | --version\n"
         "\n"
         "Ships rotated log files as signed, gzip-compressed mails through the local MTA.\n"
         "Run from logrotate's postrotate hook on the rotated (uncompressed) file; .gz files work too.\n"
         "\n"
         "  --config FILE   configuration file (default " + std::string(k_default_config_path) + ")\n"
         "  --kind KIND     mysql-slow, nginx-access, apache-access or raw\n"
         "  --to ADDRESS    recipient, overriding `recipient` in the config\n"
         "  --settle DURATION  first wait (at most 10x DURATION) until each file has been unmodified for\n"
         "                  DURATION (e.g. 2s), for daemons that reopen logs asynchronously (nginx USR1)\n"
         "  --force         ship even if the state file says the file was shipped already\n"
         "  --flush         retry every mail in the spool, oldest first, and exit\n"
         "  --verbose       say what was shipped (otherwise silent on success)\n"
         "  --help-config   print every configuration key with its default\n"
         "\n"
         "Exit status: 0 every part accepted by the MTA; 75 some parts spooled for later (run --flush);\n"
         "66 unreadable input; 65 unusable input (corrupt gzip); 69 a part refused for good (see the spool's\n"
         "failed/); 78 configuration error; 64 usage error. One line on stderr per problem, naming the file.\n";
}

Result<Options> parse_options(int argc, const char* const* argv) {
  Options o;
  o.config_path = std::string(k_default_config_path);
  bool only_files = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view name) -> Result<std::string> {
      // Both "--name VALUE" and "--name=VALUE".
      if (a.size() > name.size() && a[name.size()] == '=') return std::string(a.substr(name.size() + 1));
      if (i + 1 >= argc) return fail(ErrorCode::config, std::string(name) + " needs a value");
      return std::string(argv[++i]);
    };
    auto is = [&](std::string_view name) {
      return a == name || (a.size() > name.size() && a.substr(0, name.size()) == name && a[name.size()] == '=');
    };
    if (only_files || a.empty() || a[0] != '-' || a == "-") {
      o.files.emplace_back(a);
    } else if (a == "--") {
      only_files = true;
    } else if (is("--config")) {
      auto v = value("--config");
      if (!v) return tl::unexpected(v.error());
      o.config_path = *v;
      o.config_given = true;
    } else if (is("--kind")) {
      auto v = value("--kind");
      if (!v) return tl::unexpected(v.error());
      o.kind = parse_log_kind(*v);
      if (!o.kind)
        return fail(ErrorCode::config, "unknown --kind '" + *v + "' (mysql-slow, nginx-access, apache-access, raw)");
    } else if (is("--to")) {
      auto v = value("--to");
      if (!v) return tl::unexpected(v.error());
      o.to = *v;
    } else if (is("--settle")) {
      auto v = value("--settle");
      if (!v) return tl::unexpected(v.error());
      auto d = parse_duration(*v);
      if (!d) return fail(ErrorCode::config, "--settle: " + d.error().message);
      o.settle = *d;
    } else if (a == "--flush") {
      o.flush = true;
    } else if (a == "--force") {
      o.force = true;
    } else if (a == "--verbose" || a == "-v") {
      o.verbose = true;
    } else if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--help-config") {
      o.help_config = true;
    } else if (a == "--version") {
      o.version = true;
    } else {
      return fail(ErrorCode::config, "unknown option '" + std::string(a) + "'");
    }
  }
  if (o.help || o.help_config || o.version) return o;
  if (o.flush) {
    if (!o.files.empty() || o.kind) return fail(ErrorCode::config, "--flush takes no files and no --kind");
    return o;
  }
  if (!o.kind) return fail(ErrorCode::config, "--kind is required");
  if (o.files.empty()) return fail(ErrorCode::config, "no files given");
  return o;
}

}  // namespace logpost::shipper
