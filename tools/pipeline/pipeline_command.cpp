#include "tools/pipeline/pipeline_command.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/log_splitter.hpp"
#include "common/result.hpp"
#include "filters/pipeline.hpp"

namespace logpost::tools {
namespace {

constexpr std::string_view k_usage =
    "usage: logpost-pipeline (--kind KIND | --config FILE) [--codec line|json] [--stats]\n"
    "                        [--pipelines-dir DIR] [--patterns-dir DIR] [--geoip-dir DIR]\n"
    "                        [--max-entry-bytes N] [FILE|-]\n"
    "KIND: mysql-slow, nginx-access, apache-access, raw\n";

struct Options {
  std::optional<LogKind> kind;
  std::string kind_name;
  std::string config;
  bool json_codec = false;
  bool stats = false;
  std::string pipelines_dir;
  std::string patterns_dir;
  std::string geoip_dir;
  size_t max_entry_bytes = LogSplitter::k_default_max_entry_bytes;
  std::string input = "-";
};

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}

// Returns the options, or a usage message.
std::optional<Options> parse_args(std::span<const std::string_view> args, std::ostream& err) {
  Options o;
  o.pipelines_dir = env_or("LOGPOST_PIPELINES_DIR", LOGPOST_DEFAULT_PIPELINES_DIR);
  o.patterns_dir = env_or("LOGPOST_PATTERNS_DIR", LOGPOST_DEFAULT_PATTERNS_DIR);
  o.geoip_dir = env_or("LOGPOST_GEOIP_DIR", "/usr/share/GeoIP");
  bool have_input = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&](std::string_view name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        err << "logpost-pipeline: " << name << " needs a value\n";
        return std::nullopt;
      }
      return std::string(args[++i]);
    };
    if (a == "--kind") {
      auto v = value(a);
      if (!v) return std::nullopt;
      o.kind = parse_log_kind(*v);
      if (!o.kind) {
        err << "logpost-pipeline: unknown kind '" << *v << "'\n";
        return std::nullopt;
      }
      o.kind_name = *v;
    } else if (a == "--config") {
      auto v = value(a);
      if (!v) return std::nullopt;
      o.config = *v;
    } else if (a == "--codec") {
      auto v = value(a);
      if (!v) return std::nullopt;
      if (*v != "line" && *v != "json") {
        err << "logpost-pipeline: --codec must be line or json\n";
        return std::nullopt;
      }
      o.json_codec = *v == "json";
    } else if (a == "--stats") {
      o.stats = true;
    } else if (a == "--pipelines-dir" || a == "--patterns-dir" || a == "--geoip-dir") {
      auto v = value(a);
      if (!v) return std::nullopt;
      (a == "--pipelines-dir" ? o.pipelines_dir : a == "--patterns-dir" ? o.patterns_dir : o.geoip_dir) = *v;
    } else if (a == "--max-entry-bytes") {
      auto v = value(a);
      if (!v) return std::nullopt;
      size_t n = 0;
      auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc() || p != v->data() + v->size() || n == 0) {
        err << "logpost-pipeline: --max-entry-bytes needs a positive number\n";
        return std::nullopt;
      }
      o.max_entry_bytes = n;
    } else if (a == "--help" || a == "-h") {
      return std::nullopt;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      err << "logpost-pipeline: unknown option " << a << "\n";
      return std::nullopt;
    } else if (!have_input) {
      o.input = std::string(a);
      have_input = true;
    } else {
      err << "logpost-pipeline: more than one input file\n";
      return std::nullopt;
    }
  }
  if (!o.kind && o.config.empty()) {
    err << "logpost-pipeline: one of --kind or --config is required\n";
    return std::nullopt;
  }
  return o;
}

std::string_view strip_line_end(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

}  // namespace

int run_pipeline_command(std::span<const std::string_view> args, std::istream& in, std::ostream& out,
                         std::ostream& err) {
  auto opts = parse_args(args, err);
  if (!opts) {
    err << k_usage;
    return exit_code::usage;
  }

  std::filesystem::path config =
      !opts->config.empty() ? std::filesystem::path(opts->config)
                            : std::filesystem::path(opts->pipelines_dir) / (opts->kind_name + ".conf");
  filters::BuildContext context;
  context.patterns_dir = opts->patterns_dir;
  context.geoip_dir = opts->geoip_dir;
  auto pipeline = filters::Pipeline::from_file(config, context);
  if (!pipeline) {
    err << pipeline.error().message << "\n";
    return exit_code_for(pipeline.error().code);
  }
  for (const auto& n : pipeline->notices()) err << n << "\n";

  std::ifstream file;
  std::istream* input = &in;
  if (opts->input != "-") {
    file.open(opts->input, std::ios::binary);
    if (!file) {
      err << "logpost-pipeline: cannot open " << opts->input << "\n";
      return exit_code::no_input;
    }
    input = &file;
  }

  // With --codec json every line is a document, whatever the kind.
  LogSplitter splitter(opts->json_codec ? LogKind::raw : opts->kind.value_or(LogKind::raw), opts->max_entry_bytes);
  std::vector<Event> events;
  std::string buffer;
  bool write_failed = false;

  auto on_entry = [&](const LogEntry& entry) {
    if (entry.banner) return;
    std::string_view text = strip_line_end(entry.text);
    Event event;
    if (opts->json_codec) {
      auto parsed = event_from_json(text);
      if (parsed) {
        event = std::move(*parsed);
      } else {
        event = Event(std::string(text));
        event.add_tag("_jsonparsefailure");
      }
    } else {
      event = Event(std::string(text));
    }
    if (entry.continues || entry.continuation) event.add_tag("_logpost_entry_cut");
    events.clear();
    pipeline->process(std::move(event), events);
    for (const auto& e : events) {
      buffer.clear();
      append_json(buffer, e);
      buffer += '\n';
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    }
    if (!out) write_failed = true;
  };

  std::vector<char> chunk(64 * 1024);
  while (*input && !write_failed) {
    input->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    std::streamsize got = input->gcount();
    if (got > 0) splitter.feed(std::string_view(chunk.data(), static_cast<size_t>(got)), on_entry);
  }
  if (input->bad()) {
    err << "logpost-pipeline: read error on " << (opts->input == "-" ? "standard input" : opts->input) << "\n";
    return exit_code::io_error;
  }
  if (!write_failed) splitter.finish(on_entry);
  out.flush();
  if (write_failed || !out) {
    err << "logpost-pipeline: write error on standard output\n";
    return exit_code::io_error;
  }

  if (opts->stats) {
    err << "# events in=" << pipeline->events_in() << " out=" << pipeline->events_out()
        << " dropped=" << pipeline->events_dropped() << "\n";
    for (const auto& s : pipeline->stats())
      err << "# stage " << s.id << " (" << s.plugin << " at " << s.where.to_string() << "): in=" << s.in
          << " out=" << s.out << " dropped=" << s.dropped << " failed=" << s.failed << "\n";
  }
  return exit_code::ok;
}

}  // namespace logpost::tools
