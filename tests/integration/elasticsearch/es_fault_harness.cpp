// es_fault_harness — drives ElasticsearchSink against the contract server
// while the server injects a fault, with the retry loop the ingester core
// applies (RetryPolicy: capped, jittered backoff; rejected items go to a
// dead-letter list), then checks the end state from the server's own view:
//
//   * the server holds exactly the expected documents (all events but the
//     ones built to fail the mapping), each in its dataset's data stream;
//   * the dead-letter list holds exactly the events built to fail, each with
//     Elasticsearch's reason naming the field;
//   * nothing is duplicated: no document was created twice.
//
// Usage: es_fault_harness --url http://127.0.0.1:PORT --scenario NAME
//          [--faults JSON] [--events N] [--bad-every K] [--batch N]
//          [--bulk-max-docs N] [--request-timeout-ms N] [--api-key KEY]
//          [--expect-unauthorized] [--expect-connections N] [--expect-conflicts]
//          [--retry-max-attempts N]
// With --retry-max-attempts N the sink dead-letters a document after N
// 429/5xx answers: the dead letters are then the bad events plus those
// (each with "gave up after N attempts" and the server's reason), at least
// one of them, and the server holds every other event.
// Exit: 0 all checks hold; 1 a check failed (each failure printed); 64 usage.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.hpp"
#include "common/json.hpp"
#include "ingester/elasticsearch_sink.hpp"
#include "ingester/http_client.hpp"
#include "ingester/retry_policy.hpp"

using namespace logpost;
using namespace logpost::ingester;

namespace {

struct Args {
  std::string url;
  std::string scenario = "clean";
  std::string faults = "{}";
  size_t events = 3000;
  size_t bad_every = 0;
  size_t batch = 500;
  size_t bulk_max_docs = 250;
  long request_timeout_ms = 5000;
  std::string api_key;
  bool expect_unauthorized = false;
  long expect_connections = 0;
  bool expect_conflicts = false;
  uint32_t retry_max_attempts = 0;
};

int g_failures = 0;
void check(bool ok, const std::string& what) {
  if (!ok) {
    ++g_failures;
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
  }
}

const char* k_datasets[] = {"nginx.access", "apache.access", "mysql.slowlog"};

std::vector<Event> make_events(const Args& a, std::set<std::string>& bad_ids) {
  std::vector<Event> events;
  events.reserve(a.events);
  for (size_t i = 0; i < a.events; ++i) {
    Event e("harness line " + std::to_string(i) + " with \"quotes\", a tab\t and \xFF bytes");
    e.set_id(sha256_hex("harness-" + std::to_string(i)).substr(0, 22));
    e.set_timestamp_us(1'763'700'000'000'000 + static_cast<int64_t>(i) * 1000);
    e.set(*FieldPath::parse("[event][dataset]"), Value(k_datasets[i % 3]));
    e.set(*FieldPath::parse("[source][ip]"), Value("192.0.2." + std::to_string(i % 250)));
    if (a.bad_every && i % a.bad_every == a.bad_every - 1) {
      e.set(*FieldPath::parse("[http][response][status_code]"), Value("two hundred"));
      bad_ids.insert(e.id());
    } else {
      e.set(*FieldPath::parse("[http][response][status_code]"), Value(200 + static_cast<int>(i % 5)));
    }
    events.push_back(std::move(e));
  }
  return events;
}

Result<Value> server_json(HttpTransport& http, const std::string& method, const std::string& url,
                          const std::string& body = {}) {
  HttpRequest r;
  r.method = method;
  r.url = url;
  r.body = body;
  r.headers = {{"Content-Type", "application/json"}};
  auto resp = http.perform(r);
  if (!resp) return tl::unexpected(resp.error());
  if (resp->status != 200) return fail(ErrorCode::data, url + ": HTTP " + std::to_string(resp->status));
  return parse_json(resp->body);
}

int usage() {
  std::fprintf(stderr, "usage: es_fault_harness --url URL --scenario NAME [--faults JSON] [--events N] ...\n");
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--url") a.url = next();
    else if (k == "--scenario") a.scenario = next();
    else if (k == "--faults") a.faults = next();
    else if (k == "--events") a.events = std::stoul(next());
    else if (k == "--bad-every") a.bad_every = std::stoul(next());
    else if (k == "--batch") a.batch = std::stoul(next());
    else if (k == "--bulk-max-docs") a.bulk_max_docs = std::stoul(next());
    else if (k == "--request-timeout-ms") a.request_timeout_ms = std::stol(next());
    else if (k == "--api-key") a.api_key = next();
    else if (k == "--expect-unauthorized") a.expect_unauthorized = true;
    else if (k == "--expect-connections") a.expect_connections = std::stol(next());
    else if (k == "--expect-conflicts") a.expect_conflicts = true;
    else if (k == "--retry-max-attempts") a.retry_max_attempts = static_cast<uint32_t>(std::stoul(next()));
    else return usage();
  }
  if (a.url.empty() || a.batch == 0) return usage();

  // Control connection (separate from the sink's, so keep-alive is measurable).
  auto control = CurlEasy::create({});
  if (!control) return std::fprintf(stderr, "%s\n", control.error().message.c_str()), 1;
  if (auto r = server_json(**control, "POST", a.url + "/_contract/reset", a.faults); !r) {
    std::fprintf(stderr, "reset: %s\n", r.error().message.c_str());
    return 1;
  }

  ElasticsearchSinkOptions options;
  options.hosts = {a.url};
  options.bulk_max_documents = a.bulk_max_docs;
  options.http.request_timeout = std::chrono::milliseconds(a.request_timeout_ms);
  options.http.connect_timeout = std::chrono::milliseconds(2000);
  options.http.api_key = a.api_key;
  options.retry_max_attempts = a.retry_max_attempts;
  auto transport = CurlEasy::create(options.http);
  if (!transport) return std::fprintf(stderr, "%s\n", transport.error().message.c_str()), 1;
  CurlEasy* curl = transport->get();
  auto sink = ElasticsearchSink::create(options, std::move(*transport));
  if (!sink) return std::fprintf(stderr, "%s\n", sink.error().message.c_str()), 1;

  std::set<std::string> bad_ids;
  std::vector<Event> events = make_events(a, bad_ids);

  // The core's loop: write a batch; an Error backs off and resends the
  // batch; per-item retry goes back to the queue, rejected to dead letters.
  RetryPolicy policy(std::chrono::milliseconds(10), std::chrono::milliseconds(200), std::chrono::minutes(2), 42);
  auto started = std::chrono::steady_clock::now();
  std::map<std::string, std::string> dead_letters;
  std::set<std::string> delivered;
  std::vector<size_t> pending(events.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  unsigned attempt = 0;
  size_t batch_errors = 0, item_retries = 0;
  std::string permanent;
  while (!pending.empty() && permanent.empty()) {
    if (policy.should_give_up(std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started))) {
      check(false, "gave up with " + std::to_string(pending.size()) + " events pending");
      break;
    }
    std::vector<size_t> again;
    for (size_t start = 0; start < pending.size() && permanent.empty(); start += a.batch) {
      size_t end = std::min(pending.size(), start + a.batch);
      std::vector<Event> batch;
      for (size_t k = start; k < end; ++k) batch.push_back(events[pending[k]]);
      auto out = (*sink)->write(batch, BatchSource{"harness", "harness", 1});
      if (!out) {
        if (out.error().code != ErrorCode::temporary) {
          permanent = out.error().message;
          break;
        }
        ++batch_errors;
        for (size_t k = start; k < end; ++k) again.push_back(pending[k]);
        std::this_thread::sleep_for(policy.delay(attempt++));  // backoff, as the core does
        continue;
      }
      for (size_t k = 0; k < out->size(); ++k) {
        const Event& e = events[pending[start + k]];
        switch ((*out)[k].status) {
          case ItemStatus::delivered: delivered.insert(e.id()); break;
          case ItemStatus::rejected: dead_letters[e.id()] = (*out)[k].reason; break;
          case ItemStatus::retry:
            ++item_retries;
            again.push_back(pending[start + k]);
            break;
        }
      }
    }
    if (!again.empty() && permanent.empty()) std::this_thread::sleep_for(policy.delay(attempt++));
    else attempt = 0;
    pending = std::move(again);
  }

  auto stats = server_json(**control, "GET", a.url + "/_contract/stats");
  auto docs = server_json(**control, "GET", a.url + "/_contract/docs");
  if (!stats || !docs) {
    std::fprintf(stderr, "cannot read the server's state\n");
    return 1;
  }
  const Object& st = stats->as_object();
  const Object& indices = docs->as_object().at("indices").as_object();

  if (a.expect_unauthorized) {
    check(!permanent.empty(), "expected the sink to stop on 401");
    check(permanent.find("security_exception") != std::string::npos, "401 message carries the server's reason: " + permanent);
    check(docs->as_object().at("count").as_int() == 0, "no document stored without credentials");
    std::printf("%s: stopped as expected: %s\n", a.scenario.c_str(), permanent.c_str());
    return g_failures ? 1 : 0;
  }
  check(permanent.empty(), "unexpected permanent error: " + permanent);

  // 1. Exactly the expected documents, each in its dataset's stream.
  std::set<std::string> stored;
  size_t stored_count = 0;
  std::map<std::string, std::string> expected_index;
  for (size_t i = 0; i < events.size(); ++i) {
    expected_index[events[i].id()] = "logs-" + std::string(k_datasets[i % 3]) + "-default";
  }
  for (const auto& [index, ids] : indices) {
    for (const auto& [id, doc] : ids.as_object()) {
      ++stored_count;
      stored.insert(id);
      auto it = expected_index.find(id);
      check(it != expected_index.end(), "unexpected document " + id);
      if (it != expected_index.end()) check(it->second == index, id + " stored in " + index + ", not " + it->second);
      (void)doc;
    }
  }
  // Documents the sink gave up on (retry_max_attempts) are dead letters too.
  std::set<std::string> gave_up;
  const std::string limit_words = "gave up after " + std::to_string(a.retry_max_attempts) + " attempts";
  for (const auto& [id, reason] : dead_letters) {
    if (a.retry_max_attempts == 0 || reason.find(limit_words) == std::string::npos) continue;
    gave_up.insert(id);
    check(reason.find("_exception") != std::string::npos, "gave-up reason carries the server's answer: " + reason);
  }
  if (a.retry_max_attempts) check(!gave_up.empty(), "expected documents dead-lettered by retry_max_attempts");
  std::set<std::string> expected;
  for (const Event& e : events) {
    if (!bad_ids.count(e.id()) && !gave_up.count(e.id())) expected.insert(e.id());
  }
  check(stored == expected, "server holds " + std::to_string(stored.size()) + " documents, expected " +
                                std::to_string(expected.size()));
  check(stored_count == stored.size(), "a document id stored in two indices");
  // 2. Dead letters are exactly the bad events, with the reason.
  std::set<std::string> dead;
  for (const auto& [id, reason] : dead_letters) {
    dead.insert(id);
    if (gave_up.count(id)) continue;
    check(reason.find("document_parsing_exception") != std::string::npos &&
              reason.find("http.response.status_code") != std::string::npos,
          "dead letter " + id + " has reason: " + reason);
  }
  std::set<std::string> expected_dead = bad_ids;
  expected_dead.insert(gave_up.begin(), gave_up.end());
  check(dead == expected_dead,
        "dead letters: " + std::to_string(dead.size()) + ", expected " + std::to_string(expected_dead.size()));
  // 3. Nothing duplicated: every create the server accepted made a new document.
  int64_t created = st.at("created").as_int();
  check(created == static_cast<int64_t>(stored_count),
        "server created " + std::to_string(created) + " documents for " + std::to_string(stored_count) + " stored");
  check(delivered.size() + dead.size() == events.size(), "every event delivered or dead-lettered");
  long connections = curl->connections_opened();
  if (a.expect_connections) {
    check(connections <= a.expect_connections,
          "sink opened " + std::to_string(connections) + " connections, expected at most " +
              std::to_string(a.expect_connections));
  }

  const auto& s = (*sink)->stats();
  check(s.gave_up == gave_up.size(), "sink counted " + std::to_string(s.gave_up) + " documents given up, dead letters say " +
                                         std::to_string(gave_up.size()));
  if (a.expect_conflicts) {
    check(s.conflicts > 0, "expected 409s (already stored) after lost answers, saw none");
    check(st.at("conflicts").as_int() == static_cast<int64_t>(s.conflicts), "server and sink disagree on 409s");
  }
  std::printf(
      "%s: events=%zu stored=%zu dead_letters=%zu batch_errors=%zu item_retries=%zu requests=%llu splits=%llu "
      "conflicts=%llu gave_up=%zu connections=%ld server_resets=%lld server_413=%lld server_injected=%lld -> %s\n",
      a.scenario.c_str(), events.size(), stored.size(), dead.size(), batch_errors, item_retries,
      static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.splits),
      static_cast<unsigned long long>(s.conflicts), gave_up.size(), connections,
      static_cast<long long>(st.at("resets").as_int()), static_cast<long long>(st.at("too_large").as_int()),
      static_cast<long long>(st.at("failed_injected").as_int() + st.at("request_faults").as_int()),
      g_failures ? "FAILED" : "ok");
  return g_failures ? 1 : 0;
}
