// logpost-bench-es — prints throughput numbers for the Elasticsearch sink.
//
//   logpost-bench-es encode [--events N] [--rounds R] [--batch B]
//       Encodes N access-log events (fields as the nginx pipeline produces
//       them: ECS http/url/source/user_agent/geo, a ~180-byte message, a
//       22-byte id) R times into one NDJSON buffer, on one thread; prints
//       documents/s and MB/s of NDJSON (best round and median).
//       Without --batch all N events are built first and then encoded in one
//       go, so most of them are out of the CPU caches (a worst case). With
//       --batch B the events are built B at a time and each batch is encoded
//       right after it was built, as the ingester's sink sees them (B = 5000
//       is the default bulk_max_documents); only encoding is timed.
//   logpost-bench-es e2e --url URL [--events N] [--batch B] [--no-gzip]
//       Writes N events through ElasticsearchSink into a server (the
//       contract server, or a real cluster) in batches of B; prints events/s.
//       Against the contract server the Python server is the bottleneck.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <time.h>

#include "common/crypto.hpp"
#include "ingester/elasticsearch_sink.hpp"
#include "ingester/es_bulk_encoder.hpp"

using namespace logpost;
using namespace logpost::ingester;
using Clock = std::chrono::steady_clock;

namespace {

const char* k_paths[] = {"/", "/index.html", "/api/v1/orders?id=1234&expand=items", "/static/app.3f9c2.js",
                         "/images/logo.png", "/login", "/search?q=caf%C3%A9+latte"};
const char* k_agents[] = {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                          "curl/7.88.1", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"};

// CPU time of this thread: on a shared, loaded machine wall time measures the
// neighbours too; CPU seconds are what "per core" means.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

FieldPath path(const char* ref) { return *FieldPath::parse(ref); }

std::vector<Event> access_events(size_t n, size_t first = 0) {
  std::vector<Event> events;
  events.reserve(n);
  FieldPath ip = path("[source][ip]"), lat = path("[source][geo][location][lat]"),
            lon = path("[source][geo][location][lon]"), country = path("[source][geo][country_iso_code]"),
            method = path("[http][request][method]"), version = path("[http][version]"),
            status = path("[http][response][status_code]"), bytes = path("[http][response][body][bytes]"),
            url = path("[url][original]"), agent = path("[user_agent][original]"),
            dataset = path("[event][dataset]"), tenant = path("[logpost][tenant]");
  for (size_t i = first; i < first + n; ++i) {
    std::string addr = "203.0." + std::to_string((i / 250) % 250) + "." + std::to_string(i % 250);
    const char* p = k_paths[i % 7];
    const char* a = k_agents[i % 3];
    int code = (i % 17 == 0) ? 404 : 200;
    Event e(addr + " - - [21/Nov/2026:06:25:01 +0000] \"GET " + p + " HTTP/1.1\" " + std::to_string(code) + " " +
            std::to_string(512 + i % 4096) + " \"-\" \"" + a + "\"");
    e.set_id(sha256_hex(std::to_string(i)).substr(0, 22));
    e.set_timestamp_us(1'763'706'301'000'000 + static_cast<int64_t>(i) * 1000);
    e.set(dataset, Value("nginx.access"));
    e.set(tenant, Value("acme"));
    e.set(ip, Value(addr));
    e.set(lat, Value(48.1374 + static_cast<double>(i % 100) / 1000.0));
    e.set(lon, Value(11.5755));
    e.set(country, Value("DE"));
    e.set(method, Value("GET"));
    e.set(version, Value("1.1"));
    e.set(status, Value(code));
    e.set(bytes, Value(static_cast<int64_t>(512 + i % 4096)));
    e.set(url, Value(p));
    e.set(agent, Value(a));
    events.push_back(std::move(e));
  }
  return events;
}

size_t arg(int argc, char** argv, const std::string& name, size_t def) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::stoul(argv[i + 1]);
  }
  return def;
}

std::string sarg(int argc, char** argv, const std::string& name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return {};
}

bool flag(int argc, char** argv, const std::string& name) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == name) return true;
  }
  return false;
}

int encode_bench(int argc, char** argv) {
  size_t n = arg(argc, argv, "--events", 200'000);
  size_t rounds = arg(argc, argv, "--rounds", 7);
  size_t batch = arg(argc, argv, "--batch", 0);
  auto encoder = EsBulkEncoder::create({});
  std::string body;
  std::vector<size_t> offsets;
  std::vector<double> seconds, cpu;
  size_t total_bytes = 0;  // NDJSON bytes of one round
  if (batch == 0) {
    auto events = access_events(n);
    for (size_t r = 0; r < rounds; ++r) {
      body.clear();
      offsets.clear();
      auto t0 = Clock::now();
      double c0 = thread_cpu_seconds();
      encoder->encode(events, body, &offsets);
      cpu.push_back(thread_cpu_seconds() - c0);
      seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    total_bytes = body.size();
  } else {
    for (size_t r = 0; r < rounds; ++r) {
      double wall = 0, used = 0;
      total_bytes = 0;
      for (size_t first = 0; first < n; first += batch) {
        auto events = access_events(std::min(batch, n - first), first);
        body.clear();
        offsets.clear();
        auto t0 = Clock::now();
        double c0 = thread_cpu_seconds();
        encoder->encode(events, body, &offsets);
        used += thread_cpu_seconds() - c0;
        wall += std::chrono::duration<double>(Clock::now() - t0).count();
        total_bytes += body.size();
      }
      cpu.push_back(used);
      seconds.push_back(wall);
    }
  }
  std::sort(seconds.begin(), seconds.end());
  std::sort(cpu.begin(), cpu.end());
  double best = seconds.front(), median = seconds[seconds.size() / 2];
  double cpu_median = cpu[cpu.size() / 2];
  double mb = static_cast<double>(total_bytes) / 1e6;
  std::printf("encode: %zu access-log events, %.1f MB NDJSON (%.0f bytes/event), %zu rounds, one thread, %s\n", n, mb,
              static_cast<double>(total_bytes) / static_cast<double>(n), rounds,
              batch ? ("batches of " + std::to_string(batch) + " encoded as built").c_str() : "all built, then encoded");
  std::printf("encode: best   %.0f events/s, %.0f MB/s\n", static_cast<double>(n) / best, mb / best);
  std::printf("encode: median %.0f events/s, %.0f MB/s (wall clock)\n", static_cast<double>(n) / median, mb / median);
  std::printf("encode: median %.0f events/s, %.0f MB/s per CPU-second of this thread\n",
              static_cast<double>(n) / cpu_median, mb / cpu_median);
  return 0;
}

int e2e_bench(int argc, char** argv) {
  std::string url = sarg(argc, argv, "--url");
  size_t n = arg(argc, argv, "--events", 50'000);
  size_t batch = arg(argc, argv, "--batch", 2000);
  if (url.empty() || batch == 0) {
    std::fprintf(stderr, "usage: logpost-bench-es e2e --url URL [--events N] [--batch B] [--no-gzip]\n");
    return 64;
  }
  ElasticsearchSinkOptions o;
  o.hosts = {url};
  o.compress = !flag(argc, argv, "--no-gzip");
  auto sink = ElasticsearchSink::create(o);
  if (!sink) {
    std::fprintf(stderr, "%s\n", sink.error().message.c_str());
    return 1;
  }
  auto events = access_events(n);
  size_t delivered = 0;
  auto t0 = Clock::now();
  for (size_t start = 0; start < n; start += batch) {
    std::span<const Event> part(events.data() + start, std::min(batch, n - start));
    auto out = (*sink)->write(part, {});
    if (!out) {
      std::fprintf(stderr, "write: %s\n", out.error().message.c_str());
      return 1;
    }
    for (const auto& o2 : *out) delivered += o2.status == ItemStatus::delivered ? 1 : 0;
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto& st = (*sink)->stats();
  std::printf("e2e: %zu events (%zu delivered) in %.2f s = %.0f events/s; %llu requests, %.1f MB NDJSON, %.1f MB on "
              "the wire (%s)\n",
              n, delivered, s, static_cast<double>(n) / s, static_cast<unsigned long long>(st.requests),
              static_cast<double>(st.bytes_encoded) / 1e6, static_cast<double>(st.bytes_sent) / 1e6,
              o.compress ? "gzip" : "no compression");
  return delivered == n ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "encode";
  if (mode == "encode") return encode_bench(argc, argv);
  if (mode == "e2e") return e2e_bench(argc, argv);
  std::fprintf(stderr, "usage: logpost-bench-es encode|e2e ...\n");
  return 64;
}
