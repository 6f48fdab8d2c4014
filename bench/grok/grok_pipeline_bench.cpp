// Throughput of the grok pipeline: each line of an access log becomes an
// event, runs through grok %{COMBINEDAPACHELOG} + date + geoip, and is
// serialised to JSON, on one thread. Prints lines/s and MB/s by wall clock
// and by CPU time (the CPU figure is what a quiet core would give; the wall
// figure includes whatever else runs on the machine).
//
//   logpost-bench-grok FILE [--ecs v1|disabled] [--geoip DB.mmdb] [--limit N]
//                           [--filters grok,date,geoip] [--no-json]   (stage costs)
//   logpost-bench-grok FILE --grok-only [--reference] [--limit N]
//     --grok-only: only GrokExpression::match (no events, no other filters);
//     --reference: the plain RE2 match with every capture instead of the
//     fast path, for comparison.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "filters/grok_compiler.hpp"
#include "filters/grok_library.hpp"
#include "filters/pipeline.hpp"

using namespace logpost;
using namespace logpost::filters;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void report(const char* what, size_t lines, size_t bytes, double wall, double cpu) {
  std::printf("%s: %zu lines, %.1f MB\n", what, lines, static_cast<double>(bytes) / 1e6);
  std::printf("  wall %.2f s: %.0f lines/s, %.1f MB/s\n", wall, static_cast<double>(lines) / wall,
              static_cast<double>(bytes) / 1e6 / wall);
  std::printf("  cpu  %.2f s: %.0f lines/s, %.1f MB/s\n", cpu, static_cast<double>(lines) / cpu,
              static_cast<double>(bytes) / 1e6 / cpu);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [--ecs v1|disabled] [--geoip DB] [--limit N] [--grok-only [--reference]]\n",
                 argv[0]);
    return 64;
  }
  std::string file = argv[1];
  std::string ecs = "v1";
  std::string geoip = std::string(LOGPOST_SHARED_DIR) + "/corpus/geoip/GeoLite2-City-Test.mmdb";
  size_t limit = SIZE_MAX;
  bool grok_only = false, reference = false, json_out = true;
  std::string stages = "grok,date,geoip";
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--ecs" && i + 1 < argc) ecs = argv[++i];
    else if (a == "--geoip" && i + 1 < argc) geoip = argv[++i];
    else if (a == "--limit" && i + 1 < argc) limit = std::stoul(argv[++i]);
    else if (a == "--grok-only") grok_only = true;
    else if (a == "--reference") reference = true;
    else if (a == "--filters" && i + 1 < argc) stages = argv[++i];
    else if (a == "--no-json") json_out = false;
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 64;
    }
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", file.c_str());
    return 66;
  }
  std::vector<char> buffer(1 << 20);
  in.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));

  if (grok_only) {
    auto lib = GrokLibrary::load_builtin(std::string(LOGPOST_SOURCE_DIR) + "/grok-patterns",
                                         ecs == "disabled" ? EcsMode::disabled : EcsMode::v1);
    if (!lib) return std::fprintf(stderr, "%s\n", lib.error().message.c_str()), 78;
    auto expr = GrokExpression::compile("%{COMBINEDAPACHELOG}", *lib);
    if (!expr) return std::fprintf(stderr, "%s\n", expr.error().message.c_str()), 78;
    std::vector<std::string_view> captures;
    size_t lines = 0, bytes = 0, matched = 0;
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_seconds();
    for (std::string line; lines < limit && std::getline(in, line);) {
      ++lines;
      bytes += line.size() + 1;
      matched += reference ? expr->match_reference(line, captures) : expr->match(line, captures);
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    report(reference ? "grok only, plain RE2 match (reference)" : "grok only, fast path", lines, bytes, wall,
           cpu_seconds() - c0);
    std::printf("  matched %zu of %zu\n", matched, lines);
    return 0;
  }

  std::string config = "filter {\n";
  if (stages.find("grok") != std::string::npos)
    config += "  grok { match => { \"message\" => \"%{COMBINEDAPACHELOG}\" } ecs_compatibility => \"" + ecs + "\" }\n";
  if (stages.find("date") != std::string::npos)
    config += "  date { match => [\"timestamp\", \"dd/MMM/yyyy:HH:mm:ss Z\"] }\n";
  if (stages.find("geoip") != std::string::npos)
    config += "  geoip { source => \"" + std::string(ecs == "disabled" ? "clientip" : "[source][address]") +
              "\" database => \"" + geoip + "\" ecs_compatibility => \"" + ecs + "\" }\n";
  config += "}\n";
  auto pipeline = Pipeline::from_string(config, "bench.conf", BuildContext{});
  if (!pipeline) {
    std::fprintf(stderr, "%s\n", pipeline.error().message.c_str());
    return 78;
  }
  std::vector<Event> out;
  std::string json;
  size_t lines = 0, bytes = 0, json_bytes = 0, grok_failed = 0, dated = 0, located = 0;
  auto t0 = std::chrono::steady_clock::now();
  double c0 = cpu_seconds();
  for (std::string line; lines < limit && std::getline(in, line);) {
    ++lines;
    bytes += line.size() + 1;
    out.clear();
    pipeline->process(Event(std::move(line)), out);
    for (const auto& e : out) {
      if (json_out) {
        json.clear();
        append_json(json, e);
        json_bytes += json.size();
      }
      grok_failed += e.has_tag("_grokparsefailure");
      dated += e.timestamp_us().has_value();
      located += !e.has_tag("_geoip_lookup_failure");
    }
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report("grok + date + geoip + JSON", lines, bytes, wall, cpu_seconds() - c0);
  std::printf("  grok failures %zu, dated %zu, geo-located %zu, JSON out %.1f MB\n", grok_failed, dated, located,
              static_cast<double>(json_bytes) / 1e6);
  return 0;
}
