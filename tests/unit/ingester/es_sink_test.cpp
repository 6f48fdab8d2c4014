// Tests of ElasticsearchSink over a scripted transport: request framing,
// size limits, 413 halving, 400 bisection, host failover, partial failure,
// stop on 401, and the configuration surface (URLs, keys).
#include "ingester/elasticsearch_sink.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <unistd.h>

#include "common/gzip.hpp"
#include "common/json.hpp"

namespace logpost::ingester {
namespace {

struct Recorded {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // decompressed
  std::vector<std::string> ids;
};

// A transport whose answers a test scripts: handler(request index, recorded
// request) -> response or error.
class ScriptedTransport final : public HttpTransport {
 public:
  using Handler = std::function<Result<HttpResponse>(size_t, const Recorded&)>;
  ScriptedTransport(std::vector<Recorded>* log, Handler handler) : m_log(log), m_handler(std::move(handler)) {}
  Result<HttpResponse> perform(const HttpRequest& request) override {
    Recorded r;
    r.url = request.url;
    r.headers = request.headers;
    bool gz = false;
    for (auto& [k, v] : request.headers) gz = gz || (k == "Content-Encoding" && v == "gzip");
    r.body = gz ? *gzip_decompress(request.body) : std::string(request.body);
    size_t start = 0;
    bool action = true;
    while (start < r.body.size()) {
      size_t nl = r.body.find('\n', start);
      if (nl == std::string::npos) nl = r.body.size();
      if (action) {
        auto v = parse_json(std::string_view(r.body).substr(start, nl - start));
        r.ids.push_back(v->as_object().at("create").as_object().at("_id").as_string());
      }
      action = !action;
      start = nl + 1;
    }
    m_log->push_back(r);
    return m_handler(m_log->size() - 1, m_log->back());
  }

 private:
  std::vector<Recorded>* m_log;
  Handler m_handler;
};

// A bulk answer giving `status_of(id)` to each item.
HttpResponse answer(const Recorded& r, const std::function<int(const std::string&)>& status_of) {
  std::string body = R"({"took":1,"errors":true,"items":[)";
  for (size_t i = 0; i < r.ids.size(); ++i) {
    int s = status_of(r.ids[i]);
    if (i) body += ',';
    body += R"({"create":{"_index":"x","_id":)";
    append_json_string(body, r.ids[i]);
    body += ",\"status\":" + std::to_string(s);
    if (s >= 300) body += R"(,"error":{"type":"test_exception","reason":"scripted )" + std::to_string(s) + "\"}";
    body += "}}";
  }
  body += "]}";
  return HttpResponse{200, body, "application/json"};
}

std::vector<Event> make_events(size_t n, size_t pad = 0) {
  std::vector<Event> events;
  for (size_t i = 0; i < n; ++i) {
    Event e(std::string(pad, 'x'));
    e.set_id("id" + std::to_string(i));
    e.set_timestamp_us(1'700'000'000'000'000 + static_cast<int64_t>(i));
    e.set(*FieldPath::parse("[event][dataset]"), Value("nginx.access"));
    events.push_back(std::move(e));
  }
  return events;
}

ElasticsearchSinkOptions options(std::vector<std::string> hosts = {"http://es1:9200"}) {
  ElasticsearchSinkOptions o;
  o.hosts = std::move(hosts);
  return o;
}

std::unique_ptr<ElasticsearchSink> sink_with(ElasticsearchSinkOptions o, std::vector<Recorded>* log,
                                             ScriptedTransport::Handler handler) {
  auto s = ElasticsearchSink::create(std::move(o), std::make_unique<ScriptedTransport>(log, std::move(handler)));
  EXPECT_TRUE(s) << s.error().message;
  return std::move(*s);
}

size_t count(const std::vector<ItemOutcome>& v, ItemStatus s) {
  return static_cast<size_t>(std::count_if(v.begin(), v.end(), [s](const ItemOutcome& o) { return o.status == s; }));
}

TEST(ElasticsearchSink, SendsNdjsonBulkRequestsWithinTheDocumentLimit) {
  std::vector<Recorded> log;
  auto o = options();
  o.bulk_max_documents = 4;
  auto sink = sink_with(o, &log, [](size_t, const Recorded& r) { return answer(r, [](auto&) { return 201; }); });
  auto events = make_events(10);
  auto out = sink->write(events, {});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(count(*out, ItemStatus::delivered), 10u);
  ASSERT_EQ(log.size(), 3u);  // 4 + 4 + 2
  std::vector<std::string> all;
  for (const auto& r : log) {
    EXPECT_EQ(r.url, "http://es1:9200/_bulk");
    EXPECT_LE(r.ids.size(), 4u);
    ASSERT_FALSE(r.body.empty());
    EXPECT_EQ(r.body.back(), '\n');
    bool ndjson = false, gzip = false;
    for (auto& [k, v] : r.headers) {
      ndjson = ndjson || (k == "Content-Type" && v == "application/x-ndjson");
      gzip = gzip || (k == "Content-Encoding" && v == "gzip");
    }
    EXPECT_TRUE(ndjson);
    EXPECT_TRUE(gzip);  // compression is on by default
    all.insert(all.end(), r.ids.begin(), r.ids.end());
  }
  EXPECT_EQ(all.size(), 10u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 10u);  // each event sent once
  EXPECT_EQ(sink->stats().created, 10u);
}

TEST(ElasticsearchSink, RespectsTheByteLimitButSendsAnOversizedDocumentAlone) {
  std::vector<Recorded> log;
  auto o = options();
  o.compress = false;
  o.bulk_max_bytes = 2000;
  auto sink = sink_with(o, &log, [](size_t, const Recorded& r) { return answer(r, [](auto&) { return 201; }); });
  auto events = make_events(6, 300);
  events[3].set("message", Value(std::string(5000, 'y')));
  auto out = sink->write(events, {});
  ASSERT_TRUE(out);
  EXPECT_EQ(count(*out, ItemStatus::delivered), 6u);
  for (const auto& r : log) {
    if (r.ids.size() > 1) {
      EXPECT_LE(r.body.size(), 2000u);
    }
    if (std::find(r.ids.begin(), r.ids.end(), "id3") != r.ids.end()) {
      EXPECT_EQ(r.ids.size(), 1u);
    }
  }
}

TEST(ElasticsearchSink, OnlyFailedItemsAreReportedForRetryAndRejectsCarryReasons) {
  std::vector<Recorded> log;
  auto sink = sink_with(options(), &log, [](size_t, const Recorded& r) {
    return answer(r, [](const std::string& id) {
      if (id == "id1") return 429;
      if (id == "id2") return 503;
      if (id == "id3") return 400;
      if (id == "id4") return 409;
      return 201;
    });
  });
  auto events = make_events(6);
  auto out = sink->write(events, {});
  ASSERT_TRUE(out);
  EXPECT_EQ((*out)[0].status, ItemStatus::delivered);
  EXPECT_EQ((*out)[1].status, ItemStatus::retry);
  EXPECT_EQ((*out)[2].status, ItemStatus::retry);
  EXPECT_EQ((*out)[3].status, ItemStatus::rejected);
  EXPECT_EQ((*out)[3].reason, "400 test_exception: scripted 400");
  EXPECT_EQ((*out)[4].status, ItemStatus::delivered);
  EXPECT_EQ((*out)[5].status, ItemStatus::delivered);
  EXPECT_EQ(log.size(), 1u);  // the sink does not retry by itself
}

TEST(ElasticsearchSink, Halves413RequestsAndRejectsADocumentTooLargeAlone) {
  std::vector<Recorded> log;
  auto o = options();
  o.compress = false;
  auto sink = sink_with(o, &log, [](size_t, const Recorded& r) -> Result<HttpResponse> {
    bool has_big = std::find(r.ids.begin(), r.ids.end(), "id5") != r.ids.end();
    if (r.ids.size() > 2 || has_big) return HttpResponse{413, "", ""};
    return answer(r, [](auto&) { return 201; });
  });
  auto events = make_events(8);
  auto out = sink->write(events, {});
  ASSERT_TRUE(out) << out.error().message;
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ((*out)[i].status, i == 5 ? ItemStatus::rejected : ItemStatus::delivered) << i;
  }
  EXPECT_NE((*out)[5].reason.find("413"), std::string::npos);
  // Every id reached a 2xx exactly once: no duplicates from splitting.
  std::multiset<std::string> accepted;
  for (const auto& r : log) {
    bool has_big = std::find(r.ids.begin(), r.ids.end(), "id5") != r.ids.end();
    if (r.ids.size() <= 2 && !has_big) accepted.insert(r.ids.begin(), r.ids.end());
  }
  EXPECT_EQ(accepted.size(), 7u);
  EXPECT_EQ(std::set<std::string>(accepted.begin(), accepted.end()).size(), 7u);
  EXPECT_GT(sink->stats().splits, 0u);
}

TEST(ElasticsearchSink, BisectsARequestLevel400DownToTheOneBadDocument) {
  std::vector<Recorded> log;
  auto sink = sink_with(options(), &log, [](size_t, const Recorded& r) -> Result<HttpResponse> {
    if (std::find(r.ids.begin(), r.ids.end(), "id6") != r.ids.end()) {
      return HttpResponse{400, R"({"error":{"type":"x_content_parse_exception","reason":"bad doc"},"status":400})", ""};
    }
    return answer(r, [](auto&) { return 201; });
  });
  auto events = make_events(9);
  auto out = sink->write(events, {});
  ASSERT_TRUE(out);
  EXPECT_EQ(count(*out, ItemStatus::delivered), 8u);
  EXPECT_EQ((*out)[6].status, ItemStatus::rejected);
  EXPECT_NE((*out)[6].reason.find("x_content_parse_exception: bad doc"), std::string::npos);
}

TEST(ElasticsearchSink, TransportFailureBeforeAnythingStoredIsATemporaryErrorAndMovesToTheNextHost) {
  std::vector<Recorded> log;
  auto sink = sink_with(options({"http://es1:9200", "http://es2:9200/prefix"}), &log,
                        [](size_t i, const Recorded& r) -> Result<HttpResponse> {
                          if (i == 0) return fail(ErrorCode::temporary, "Connection refused");
                          if (i == 1) return HttpResponse{503, "", ""};
                          return answer(r, [](auto&) { return 201; });
                        });
  auto events = make_events(3);
  auto first = sink->write(events, {});
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::temporary);
  EXPECT_NE(first.error().message.find("Connection refused"), std::string::npos);
  EXPECT_EQ(sink->current_host(), "http://es2:9200/prefix");
  auto second = sink->write(events, {});
  ASSERT_FALSE(second);  // 503 on es2
  EXPECT_EQ(second.error().code, ErrorCode::temporary);
  EXPECT_EQ(sink->current_host(), "http://es1:9200");
  auto third = sink->write(events, {});
  ASSERT_TRUE(third);
  EXPECT_EQ(count(*third, ItemStatus::delivered), 3u);
  EXPECT_EQ(log[1].url, "http://es2:9200/prefix/_bulk");
}

TEST(ElasticsearchSink, FailureAfterSomeRequestsSucceededReportsOnlyTheRestForRetry) {
  std::vector<Recorded> log;
  auto o = options();
  o.bulk_max_documents = 2;
  auto sink = sink_with(o, &log, [](size_t i, const Recorded& r) -> Result<HttpResponse> {
    if (i == 1) return fail(ErrorCode::temporary, "Operation timed out");
    return answer(r, [](auto&) { return 201; });
  });
  auto events = make_events(5);
  auto out = sink->write(events, {});
  ASSERT_TRUE(out);
  EXPECT_EQ((*out)[0].status, ItemStatus::delivered);
  EXPECT_EQ((*out)[1].status, ItemStatus::delivered);
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ((*out)[i].status, ItemStatus::retry);
    EXPECT_NE((*out)[i].reason.find("timed out"), std::string::npos);
  }
  EXPECT_EQ(log.size(), 2u);  // stops at the failure
}

TEST(ElasticsearchSink, UnauthorizedStopsTheSinkForGood) {
  std::vector<Recorded> log;
  auto sink = sink_with(options(), &log, [](size_t, const Recorded&) -> Result<HttpResponse> {
    return HttpResponse{401, R"({"error":{"type":"security_exception","reason":"unable to authenticate"}})", ""};
  });
  auto events = make_events(2);
  auto out = sink->write(events, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::permanent);
  EXPECT_NE(out.error().message.find("security_exception"), std::string::npos);
  auto again = sink->write(events, {});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::permanent);
  EXPECT_EQ(log.size(), 1u);
}

TEST(ElasticsearchSink, WrongUrlIsAConfigError) {
  std::vector<Recorded> log;
  auto sink = sink_with(options(), &log, [](size_t, const Recorded&) -> Result<HttpResponse> {
    return HttpResponse{404, "<html>not found</html>", "text/html"};
  });
  auto events = make_events(1);
  auto out = sink->write(events, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::config);
}

TEST(ElasticsearchSink, EventsWithoutIdAreRejectedAndNeverSent) {
  std::vector<Recorded> log;
  auto sink = sink_with(options(), &log, [](size_t, const Recorded& r) { return answer(r, [](auto&) { return 201; }); });
  auto events = make_events(3);
  events[1].set_id("");
  auto out = sink->write(events, {});
  ASSERT_TRUE(out);
  EXPECT_EQ((*out)[1].status, ItemStatus::rejected);
  EXPECT_EQ(count(*out, ItemStatus::delivered), 2u);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].ids, (std::vector<std::string>{"id0", "id2"}));
}

TEST(ElasticsearchSink, RetryMaxAttemptsRejectsADocumentAfterItsNthRetryAnswer) {
  std::vector<Recorded> log;
  auto o = options();
  o.retry_max_attempts = 3;
  auto sink = sink_with(o, &log, [](size_t i, const Recorded& r) {
    return answer(r, [i](const std::string& id) {
      if (id == "id1") return 429;              // always
      if (id == "id2") return i == 0 ? 503 : 201;  // once
      return 201;
    });
  });
  auto events = make_events(3);
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto out = sink->write(events, {});
    ASSERT_TRUE(out);
    EXPECT_EQ((*out)[1].status, ItemStatus::retry) << "attempt " << attempt;
  }
  auto third = sink->write(events, {});
  ASSERT_TRUE(third);
  EXPECT_EQ((*third)[1].status, ItemStatus::rejected);
  EXPECT_NE((*third)[1].reason.find("gave up after 3 attempts (elasticsearch.retry_max_attempts)"), std::string::npos)
      << (*third)[1].reason;
  EXPECT_NE((*third)[1].reason.find("scripted 429"), std::string::npos) << (*third)[1].reason;  // the last answer
  EXPECT_EQ((*third)[2].status, ItemStatus::delivered);  // one 503 answer is far from the limit
  EXPECT_EQ(sink->stats().gave_up, 1u);
  EXPECT_EQ(log.size(), 3u);
}

TEST(ElasticsearchSink, FailedRequestsDoNotCountAsAttempts) {
  std::vector<Recorded> log;
  auto o = options();
  o.retry_max_attempts = 2;
  auto sink = sink_with(o, &log, [](size_t i, const Recorded& r) -> Result<HttpResponse> {
    if (i == 0) return fail(ErrorCode::temporary, "Connection refused");
    if (i == 1) return HttpResponse{503, R"({"error":{"type":"unavailable_shards_exception","reason":"x"}})", ""};
    return answer(r, [](auto&) { return 429; });
  });
  auto events = make_events(1);
  EXPECT_FALSE(sink->write(events, {}));  // an outage: counts nothing
  EXPECT_FALSE(sink->write(events, {}));
  auto first_answer = sink->write(events, {});
  ASSERT_TRUE(first_answer);
  EXPECT_EQ((*first_answer)[0].status, ItemStatus::retry);
  auto second_answer = sink->write(events, {});
  ASSERT_TRUE(second_answer);
  EXPECT_EQ((*second_answer)[0].status, ItemStatus::rejected);
}

TEST(ElasticsearchSink, WithoutRetryMaxAttemptsADocumentIsRetriedForever) {
  std::vector<Recorded> log;
  auto sink = sink_with(options(), &log, [](size_t, const Recorded& r) { return answer(r, [](auto&) { return 429; }); });
  auto events = make_events(1);
  for (int i = 0; i < 50; ++i) {
    auto out = sink->write(events, {});
    ASSERT_TRUE(out);
    EXPECT_EQ((*out)[0].status, ItemStatus::retry);
  }
  EXPECT_EQ(sink->stats().gave_up, 0u);
}

TEST(ElasticsearchHosts, ParsesAndValidatesUrlLists) {
  auto ok = parse_elasticsearch_hosts("https://a:9200, http://b:9200/prefix/");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok, (std::vector<std::string>{"https://a:9200", "http://b:9200/prefix"}));
  EXPECT_TRUE(is_elasticsearch_store("https://x:9200"));
  EXPECT_FALSE(is_elasticsearch_store("sqlite:/var/lib/logpost/events.db"));
  EXPECT_FALSE(parse_elasticsearch_hosts(""));
  EXPECT_FALSE(parse_elasticsearch_hosts("ftp://a"));
  EXPECT_FALSE(parse_elasticsearch_hosts("https:///path"));
  EXPECT_FALSE(parse_elasticsearch_hosts("https://a:9200/?pretty"));
  auto secret = parse_elasticsearch_hosts("https://elastic:s3cret@a:9200");
  ASSERT_FALSE(secret);
  EXPECT_EQ(secret.error().message.find("s3cret"), std::string::npos);  // never echo a password
  auto both = parse_elasticsearch_hosts("ftp://a,https://");
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("ftp://a"), std::string::npos);
  EXPECT_NE(both.error().message.find("no host"), std::string::npos);  // all errors at once
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "es_sink_test.XXXXXX").string();
    m_path = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(m_path); }
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

TEST(ElasticsearchConfig, ReadsKeysAndSecretFiles) {
  TempDir dir;
  auto key_file = dir.path() / "api_key";
  FILE* f = fopen(key_file.c_str(), "w");
  fputs("aWQ6a2V5\n", f);
  fclose(f);
  std::string text = "elasticsearch.hosts = https://es1:9200 https://es2:9200\n"
                     "elasticsearch.api_key_file = " + key_file.string() + "\n"
                     "elasticsearch.bulk_max_bytes = 1M\n"
                     "elasticsearch.compression = none\n"
                     "elasticsearch.namespace = prod\n"
                     "elasticsearch.tenant.acme.namespace = acme\n"
                     "elasticsearch.retry_max_attempts = 5\n";
  auto config = Config::load_string(text, "<test>", elasticsearch_config_keys());
  ASSERT_TRUE(config) << config.error().message;
  auto o = elasticsearch_options_from_config(*config);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->hosts, (std::vector<std::string>{"https://es1:9200", "https://es2:9200"}));
  EXPECT_EQ(o->http.api_key, "aWQ6a2V5");
  EXPECT_TRUE(o->http.verify_tls);
  EXPECT_EQ(o->bulk_max_bytes, 1u << 20);
  EXPECT_FALSE(o->compress);
  EXPECT_EQ(o->encoder.default_namespace, "prod");
  EXPECT_EQ(o->encoder.tenant_namespaces.at("acme"), "acme");
  EXPECT_EQ(o->retry_max_attempts, 5u);
  // --store replaces the configured hosts.
  auto overridden = elasticsearch_options_from_config(*config, "http://127.0.0.1:9201");
  ASSERT_TRUE(overridden);
  EXPECT_EQ(overridden->hosts, (std::vector<std::string>{"http://127.0.0.1:9201"}));
}

TEST(ElasticsearchConfig, ReportsEveryProblemAtOnce) {
  std::string text = "elasticsearch.hosts = ftp://nope\n"
                     "elasticsearch.user = logpost\n"
                     "elasticsearch.namespace = Bad-Name\n"
                     "elasticsearch.tenant.t1.namespace = also-bad\n";
  auto config = Config::load_string(text, "<test>", elasticsearch_config_keys());
  ASSERT_TRUE(config) << config.error().message;
  auto o = elasticsearch_options_from_config(*config);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code, ErrorCode::config);
  const std::string& m = o.error().message;
  EXPECT_NE(m.find("ftp://nope"), std::string::npos) << m;
  EXPECT_NE(m.find("needs elasticsearch.password_file"), std::string::npos) << m;
  EXPECT_NE(m.find("Bad-Name"), std::string::npos) << m;
  EXPECT_NE(m.find("also-bad"), std::string::npos) << m;
  EXPECT_NE(m.find("<test>:3"), std::string::npos) << m;  // file:line of the namespace
}

TEST(ElasticsearchConfig, RelativeFilesResolveAgainstTheConfigDirectory) {
  TempDir dir;
  for (const auto& [name, text] : {std::pair{"pw", "secret\n"}, std::pair{"ca.pem", "not checked here\n"}}) {
    FILE* f = fopen((dir.path() / name).c_str(), "w");
    fputs(text, f);
    fclose(f);
  }
  auto config = Config::load_string(
      "elasticsearch.user = u\nelasticsearch.password_file = pw\nelasticsearch.ca_file = ca.pem\n", "<test>",
      elasticsearch_config_keys());
  ASSERT_TRUE(config) << config.error().message;
  auto o = elasticsearch_options_from_config(*config, "https://es1:9200", dir.path());
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->http.password, "secret");
  EXPECT_EQ(o->http.ca_file, dir.path() / "ca.pem");

  // A CA file that cannot be read is a config error at start, with file:line.
  auto missing = Config::load_string("elasticsearch.ca_file = no-such-ca.pem\n", "<test>", elasticsearch_config_keys());
  ASSERT_TRUE(missing);
  auto bad = elasticsearch_options_from_config(*missing, "https://es1:9200", dir.path());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::config);
  EXPECT_NE(bad.error().message.find("<test>:1"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("no-such-ca.pem"), std::string::npos) << bad.error().message;
}

TEST(ElasticsearchConfig, BackoffIsTheIngestersOwnKeysNotASecondSet) {
  // One knob per meaning: the wait between attempts is retry_initial /
  // retry_max of the ingester; Elasticsearch has no copies of them.
  for (const char* key : {"elasticsearch.retry_initial_backoff = 1s\n", "elasticsearch.retry_max_backoff = 1m\n",
                          "elasticsearch.linger = 1s\n"}) {
    auto config = Config::load_string(key, "<test>", elasticsearch_config_keys());
    EXPECT_FALSE(config) << key;
  }
}

}  // namespace
}  // namespace logpost::ingester
