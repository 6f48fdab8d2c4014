// options.hpp — logpost-ship's command line.
//
//   logpost-ship [--config FILE] --kind KIND [--to ADDRESS] [--settle DURATION] [--force] [--verbose] FILE...
//   logpost-ship [--config FILE] --flush [--verbose]
//   logpost-ship --help | --help-config | --version
//
// parse_options() never exits or prints; a usage error is ErrorCode::config
// with a message, which main maps to EX_USAGE (64).
// Thread-safety: pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/log_splitter.hpp"
#include "common/result.hpp"

namespace logpost::shipper {

struct Options {
  std::string config_path;           // default k_default_config_path
  bool config_given = false;
  std::optional<LogKind> kind;
  std::optional<std::string> to;
  std::vector<std::string> files;
  std::chrono::milliseconds settle{0};  // --settle: wait until each file is this long unmodified
  bool flush = false;
  bool force = false;
  bool verbose = false;
  bool help = false;
  bool help_config = false;
  bool version = false;
};

Result<Options> parse_options(int argc, const char* const* argv);

std::string usage_text();

}  // namespace logpost::shipper
