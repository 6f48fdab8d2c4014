// pipeline_command.hpp — logpost-pipeline: run a filter pipeline over a file
// and print the events, the way operators debug a Logstash `filter {}`.
//
// NAME
//   logpost-pipeline — run a logpost/Logstash filter pipeline over a log
//
// SYNOPSIS
//   logpost-pipeline (--kind KIND | --config FILE | --kind KIND --config FILE)
//                    [--codec line|json] [--stats] [--pipelines-dir DIR]
//                    [--patterns-dir DIR] [--geoip-dir DIR]
//                    [--max-entry-bytes N] [FILE|-]
//
// DESCRIPTION
//   Reads FILE (standard input when absent or "-"), turns it into events,
//   runs each through the pipeline and prints one JSON document per event
//   on standard output (common/json.hpp: deterministic, @metadata omitted,
//   "@timestamp" only when a filter set it). Dropped events print nothing.
//   --kind KIND   mysql-slow, nginx-access, apache-access or raw: loads the
//                 built-in pipeline DIR/KIND.conf (DIR: --pipelines-dir,
//                 else $LOGPOST_PIPELINES_DIR, else the source tree's
//                 pipelines/) and, with the line codec, splits the input the
//                 way that kind is shipped (common/log_splitter.hpp): one
//                 event per slow-log entry for mysql-slow, one per line
//                 otherwise. Server banner lines of slow logs are skipped.
//   --config FILE the pipeline to run (with --kind too, it replaces the
//                 built-in pipeline; the kind still chooses the splitting).
//   --codec line  (default) each line, or each entry, becomes an event whose
//                 "message" is its text without the final newline (and "\r").
//   --codec json  each line is a JSON object that becomes the event; a line
//                 that is not one becomes {"message": line} tagged
//                 "_jsonparsefailure" (Logstash's json codec behaviour).
//   --stats       after the run, prints per-stage counters (in, out,
//                 dropped, failed) to standard error.
//   --max-entry-bytes N   entries longer than N bytes (default 16 MiB) are
//                 cut into pieces, each its own event tagged
//                 "_logpost_entry_cut"; nothing is lost.
//   Memory is bounded by the longest entry: input is streamed in 64 KiB
//   chunks and each event is written as soon as it is processed.
//
// DIAGNOSTICS
//   Notices (ignored input/output sections) go to standard error. Exit 0 on
//   success, 64 on a usage error, 66 when FILE cannot be opened, 74 on a
//   read or write error, 78 when the pipeline does not build (every error
//   printed, one "file:line:column: message" line each).
//
// SECURITY
//   Reads the pipeline file, the pattern and GeoIP files it names, and the
//   input; writes only standard output and standard error. The input is
//   untrusted: any bytes are processed (invalid UTF-8 is replaced in the
//   JSON output) and cannot address configuration or files.
#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace logpost::tools {

// Runs the command with `args` (argv without the program name); returns the
// exit status.
int run_pipeline_command(std::span<const std::string_view> args, std::istream& in, std::ostream& out,
                         std::ostream& err);

}  // namespace logpost::tools
