// pipeline.hpp — a built filter pipeline: Logstash `filter { }` configuration
// in, events through.
//
// Building (from_file/from_string) parses the configuration
// (config_parser.hpp), compiles every condition (condition.hpp), looks each
// plugin up in the registry (registry.hpp), takes the options every filter
// shares off its block and hands the rest to the plugin's factory. Every
// problem of the whole file is collected and reported at once, one
// "file:line:column: message" line each (ErrorCode::config; programs exit 78).
//
// The common options, applied by the engine after a filter reports
// `success` (never after failure or drop), in Logstash's order:
//   add_field    { "field" => "value" | ["v1", "v2"] }  sprintf in names and
//                values; an existing field becomes an array and gets the
//                value appended (Logstash's behaviour)
//   remove_field [ "field", "[a][b]", "%{name}" ]
//   add_tag      [ "tag", "%{field}" ]
//   remove_tag   [ "tag" ]
//   id           "name"   stage name in stats; must be unique in a pipeline
//   enable_metric, periodic_flush   accepted (booleans) and ignored
//
// Per event: process() runs the event through the stages and conditionals;
// a `drop` outcome removes it (nothing appended), otherwise it is appended to
// `out`. It never throws: a filter that throws anyway (a bug) gets the event
// tagged "_filter_exception" and counted failed, and the event goes on. No
// parsing or compiling happens per event.
//
// Stats: per stage (plugin block) counters of events in, out, dropped and
// failed (outcome `failure`); totals for the pipeline.
//
// Thread-safety: a Pipeline is used by one thread at a time (filters keep
// scratch state); build one per worker. Movable, not copyable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.hpp"
#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

struct StageStats {
  std::string id;        // the `id` option, or "<plugin>@<line>:<column>"
  std::string plugin;    // "mutate", "grok", ...
  SourceLocation where;
  uint64_t in = 0;
  uint64_t out = 0;
  uint64_t dropped = 0;
  uint64_t failed = 0;
};

class Pipeline {
 public:
  // Reads and builds a configuration file. An empty context.config_dir is
  // set to the file's directory.
  static Result<Pipeline> from_file(const std::filesystem::path& path, const BuildContext& context);
  // Builds from text; `origin` names it in error messages.
  static Result<Pipeline> from_string(std::string_view text, std::string_view origin, const BuildContext& context);

  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline();

  // Runs one event; appends it to `out` unless a filter dropped it.
  void process(Event&& in, std::vector<Event>& out);

  [[nodiscard]] const std::vector<StageStats>& stats() const;
  [[nodiscard]] uint64_t events_in() const;
  [[nodiscard]] uint64_t events_out() const;
  [[nodiscard]] uint64_t events_dropped() const;
  // Notices from building, e.g. "pipeline.conf:1:1: notice: 'input' section ignored ...".
  [[nodiscard]] const std::vector<std::string>& notices() const;

 private:
  struct Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace logpost::filters
