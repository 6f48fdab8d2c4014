// slowlog_pipeline_bench — throughput of the slow-log path of the ingester,
// printed (never judged): split a slow log into entries (LogSplitter), build
// each event as the ingester does, run the built-in pipeline
// (pipelines/mysql-slow.conf: mysql_slowlog + sql_fingerprint), serialise
// the event to JSON. One thread, streaming in 1 MiB reads.
//
// Usage: logpost-bench-slowlog SLOW_LOG [PIPELINE_FILE]
// Prints entries, bytes, seconds (wall and CPU), entries/s, MB/s and the
// number of query classes (distinct query_digest values), which
// bench/slowlog/run-slowlog-bench compares with pt-query-digest's.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/json.hpp"
#include "common/log_splitter.hpp"
#include "filters/pipeline.hpp"

using namespace logpost;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: logpost-bench-slowlog SLOW_LOG [PIPELINE_FILE]\n";
    return exit_code::usage;
  }
  std::filesystem::path pipeline_file =
      argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::path(LOGPOST_SOURCE_DIR) / "pipelines/mysql-slow.conf";
  filters::BuildContext context;
  context.patterns_dir = std::filesystem::path(LOGPOST_SOURCE_DIR) / "grok-patterns";
  auto pipeline = filters::Pipeline::from_file(pipeline_file, context);
  if (!pipeline) {
    std::cerr << pipeline.error().message << "\n";
    return exit_code::config;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "cannot open " << argv[1] << "\n";
    return exit_code::no_input;
  }

  uint64_t entries = 0, banners = 0, failed = 0, json_bytes = 0;
  std::unordered_set<std::string> classes;
  std::vector<Event> out;
  std::string json;
  FieldPath digest_path = FieldPath::parse("[mysql][slowlog][query_digest]").value();

  auto on_entry = [&](const LogEntry& e) {
    if (e.banner) {
      ++banners;
      return;
    }
    ++entries;
    std::string_view text = e.text;
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    // The event as logpost-ingest makes it (shipment_part.cpp): message,
    // host, logpost, log, event objects, shipment time.
    Event ev{std::string(text)};
    Object host;
    host.set("name", "db-1.example.com");
    ev.set("host", std::move(host));
    Object lp;
    lp.set("tenant", "acme");
    lp.set("shipment_id", "bench");
    lp.set("part", int64_t{1});
    ev.set("logpost", std::move(lp));
    Object log;
    log.set("offset", static_cast<int64_t>(e.offset));
    ev.set("log", std::move(log));
    Object event;
    event.set("dataset", "mysql.slowlog");
    event.set("timezone", "UTC");
    ev.set("event", std::move(event));
    ev.set_timestamp_us(1'700'000'000'000'000);
    out.clear();
    pipeline->process(std::move(ev), out);
    for (const Event& o : out) {
      if (const Value* d = o.find(digest_path); d && d->is_string()) {
        if (classes.size() < 1'000'000) classes.insert(d->as_string());
      } else {
        ++failed;
      }
      json.clear();
      append_json(json, o);
      json_bytes += json.size();
    }
  };

  LogSplitter splitter(LogKind::mysql_slow);
  std::vector<char> buffer(1 << 20);
  uint64_t bytes = 0;
  auto wall0 = std::chrono::steady_clock::now();
  std::clock_t cpu0 = std::clock();
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    auto n = static_cast<size_t>(in.gcount());
    bytes += n;
    splitter.feed(std::string_view(buffer.data(), n), on_entry);
  }
  splitter.finish(on_entry);
  double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

  std::printf("slow-log pipeline (split + mysql_slowlog + sql_fingerprint + JSON), 1 thread\n");
  std::printf("  input          %llu bytes, %llu entries (%llu banners skipped)\n",
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(entries),
              static_cast<unsigned long long>(banners));
  std::printf("  time           %.3f s wall, %.3f s CPU\n", wall, cpu);
  std::printf("  throughput     %.0f entries/s (CPU), %.1f MB/s (CPU)\n", static_cast<double>(entries) / cpu,
              static_cast<double>(bytes) / cpu / 1e6);
  std::printf("  output         %llu JSON bytes, %zu query classes, %llu events without a class\n",
              static_cast<unsigned long long>(json_bytes), classes.size(),
              static_cast<unsigned long long>(failed));
  return 0;
}
