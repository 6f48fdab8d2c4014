// Per-event cost of the filter engine: conditionals, mutate, kv, dissect.
// Each benchmark reports items_per_second = events/s on one core.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "filters/pipeline.hpp"

namespace {

using logpost::Event;
using logpost::Value;
using logpost::filters::BuildContext;
using logpost::filters::Pipeline;

Pipeline build(const char* config) {
  auto p = Pipeline::from_string(config, "bench.conf", BuildContext{});
  if (!p) {
    std::fprintf(stderr, "%s\n", p.error().message.c_str());
    std::abort();
  }
  return std::move(*p);
}

Event access_event(int i) {
  Event e("10.0.0.1 - - [01/May/2024:12:00:00 +0000] \"GET /api/v1/items?id=42&sort=asc HTTP/1.1\" 200 512");
  e.set("verb", Value(i % 10 == 0 ? "POST" : "GET"));
  e.set("status", Value(std::to_string(i % 7 == 0 ? 503 : 200)));
  e.set("bytes", Value("512"));
  e.set("request", Value("/api/v1/items?id=42&sort=asc"));
  return e;
}

// Copying the event is part of the loop below (timing pauses cost more than
// they save); BM_EventCopy measures that copy alone so it can be subtracted.
void run_unpaused(benchmark::State& state, const char* config) {
  Pipeline p = build(config);
  std::vector<Event> events;
  for (int i = 0; i < 1024; ++i) events.push_back(access_event(i));
  std::vector<Event> out;
  size_t i = 0;
  for (auto _ : state) {
    out.clear();
    p.process(Event(events[i++ & 1023]), out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_EventCopy(benchmark::State& state) {
  std::vector<Event> events;
  for (int i = 0; i < 1024; ++i) events.push_back(access_event(i));
  size_t i = 0;
  for (auto _ : state) {
    Event e(events[i++ & 1023]);
    benchmark::DoNotOptimize(&e);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

constexpr const char* k_conditional_mutate = R"(filter {
  mutate { convert => { "status" => "integer" "bytes" => "integer" } }
  if [status] >= 500 or [verb] == "POST" {
    mutate { add_tag => ["interesting"] add_field => { "class" => "%{verb}-%{status}" } }
  } else if "x" in [tags] {
    drop { }
  }
  if [request] =~ /^\/api\// and [verb] in ["GET", "HEAD"] {
    mutate { rename => { "request" => "[url][original]" } lowercase => ["verb"] }
  }
})";

constexpr const char* k_kv_dissect = R"(filter {
  dissect { mapping => { "message" => "%{client} %{} %{} [%{ts}] \"%{method} %{path} %{proto}\" %{code} %{size}" } }
  kv { source => "path" field_split => "&?" target => "query" }
})";

void BM_ConditionalMutate(benchmark::State& state) { run_unpaused(state, k_conditional_mutate); }
void BM_KvDissect(benchmark::State& state) { run_unpaused(state, k_kv_dissect); }
void BM_EmptyPipeline(benchmark::State& state) { run_unpaused(state, "filter { }"); }

}  // namespace

BENCHMARK(BM_EventCopy);
BENCHMARK(BM_EmptyPipeline);
BENCHMARK(BM_ConditionalMutate);
BENCHMARK(BM_KvDissect);
BENCHMARK_MAIN();
