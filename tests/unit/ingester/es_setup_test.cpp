// Tests of setup-elasticsearch: the embedded resources match the committed
// files and carry the mappings the issue demands; installation is idempotent.
#include "ingester/es_setup.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "common/json.hpp"

namespace logpost::ingester {
namespace {

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const Value* at(const Value& v, std::initializer_list<std::string_view> path) {
  const Value* cur = &v;
  for (auto key : path) {
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().find(key);
    if (!cur) return nullptr;
  }
  return cur;
}

const Value* property(const Value& tpl, std::string_view dotted) {
  const Value* cur = at(tpl, {"template", "mappings", "properties"});
  size_t start = 0;
  while (cur) {
    size_t dot = dotted.find('.', start);
    std::string_view seg = dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start);
    cur = cur->is_object() ? cur->as_object().find(seg) : nullptr;
    if (!cur || dot == std::string_view::npos) return cur;
    cur = at(*cur, {"properties"});
    start = dot + 1;
  }
  return nullptr;
}

// Dereferences a lookup, failing the test (by exception) when it is absent.
const Value& must(const Value* v) {
  if (!v) throw std::runtime_error("field absent");
  return *v;
}

std::string type_of(const Value& tpl, std::string_view dotted) {
  const Value* p = property(tpl, dotted);
  const Value* t = p ? at(*p, {"type"}) : nullptr;
  return t && t->is_string() ? t->as_string() : "(absent)";
}

TEST(EsSetup, EmbeddedResourcesAreTheCommittedFiles) {
  auto dir = std::filesystem::path(LOGPOST_SOURCE_DIR) / "deploy/elasticsearch";
  ASSERT_EQ(es_setup_resources().size(), 4u);
  for (const EsResource& r : es_setup_resources()) {
    auto file = dir / std::string(r.file);
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    auto committed = parse_json(slurp(file));
    auto embedded = parse_json(r.json);
    ASSERT_TRUE(committed) << committed.error().message;
    ASSERT_TRUE(embedded) << embedded.error().message;
    EXPECT_EQ(*committed, *embedded) << r.file << ": rerun deploy/elasticsearch/generate-templates.py";
  }
  EXPECT_EQ(es_setup_resources()[0].kind, "ilm_policy");  // before the templates that name it
}

TEST(EsSetup, TemplatesCarryTheEcsMappingsWeRelyOn) {
  std::string policy_name(es_setup_resources()[0].name);
  std::map<std::string, Value> templates;
  for (const EsResource& r : es_setup_resources()) {
    if (r.kind == "index_template") templates[std::string(r.name)] = *parse_json(r.json);
  }
  ASSERT_EQ(templates.size(), 3u);
  for (const auto& [name, tpl] : templates) {
    std::string dataset = name.substr(std::string("logpost-logs-").size());
    EXPECT_EQ(must(at(tpl, {"index_patterns"})).as_array().at(0).as_string(), "logs-" + dataset + "-*");
    EXPECT_TRUE(must(at(tpl, {"data_stream"})).is_object()) << name;
    EXPECT_EQ(must(at(tpl, {"template", "settings", "index", "lifecycle", "name"})).as_string(), policy_name);
    EXPECT_EQ(type_of(tpl, "@timestamp"), "date");
    EXPECT_EQ(type_of(tpl, "source.geo.location"), "geo_point") << name;
    EXPECT_EQ(type_of(tpl, "source.ip"), "ip");
    EXPECT_EQ(type_of(tpl, "event.duration"), "long");
    EXPECT_EQ(type_of(tpl, "event.dataset"), "keyword");
    EXPECT_EQ(type_of(tpl, "data_stream.dataset"), "constant_keyword");
    EXPECT_EQ(type_of(tpl, "logpost.tenant"), "keyword");
    EXPECT_FALSE(must(at(tpl, {"template", "mappings", "date_detection"})).as_bool());
  }
  const Value& slow = templates.at("logpost-logs-mysql.slowlog");
  EXPECT_EQ(type_of(slow, "mysql.slowlog.query_fingerprint"), "keyword");
  EXPECT_EQ(type_of(slow, "mysql.slowlog.query_digest"), "keyword");
  EXPECT_EQ(type_of(slow, "mysql.slowlog.rows_examined"), "long");
  EXPECT_EQ(type_of(slow, "mysql.slowlog.lock_time.sec"), "float");
  EXPECT_EQ(type_of(slow, "mysql.slowlog.full_scan"), "boolean");
  EXPECT_EQ(type_of(slow, "http.response.status_code"), "(absent)");  // web fields only for web logs
  const Value& nginx = templates.at("logpost-logs-nginx.access");
  EXPECT_EQ(type_of(nginx, "http.response.status_code"), "long");
  EXPECT_EQ(type_of(nginx, "url.original"), "wildcard");
  EXPECT_EQ(must(at(must(property(nginx, "url.original")), {"fields", "text", "type"})).as_string(), "match_only_text");
  EXPECT_EQ(type_of(nginx, "user_agent.original"), "keyword");
  EXPECT_EQ(type_of(templates.at("logpost-logs-apache.access"), "apache.access.ssl.protocol"), "keyword");
}

// A tiny in-memory Elasticsearch for templates and policies.
class FakeCluster final : public HttpTransport {
 public:
  std::map<std::string, std::string> stored;  // path -> PUT body
  std::vector<std::string> log;                // "METHOD path"
  long force_status = 0;

  Result<HttpResponse> perform(const HttpRequest& r) override {
    std::string path = r.url.substr(r.url.find('/', std::string("http://").size()));
    log.push_back(r.method + " " + path);
    if (force_status) return HttpResponse{force_status, R"({"error":{"type":"security_exception","reason":"no"}})", ""};
    if (r.method == "PUT") {
      stored[path] = std::string(r.body);
      return HttpResponse{200, R"({"acknowledged":true})", ""};
    }
    auto it = stored.find(path);
    if (it == stored.end()) return HttpResponse{404, R"({"error":{"type":"resource_not_found_exception"}})", ""};
    std::string name = path.substr(path.rfind('/') + 1);
    if (path.starts_with("/_ilm/")) {
      auto body = parse_json(it->second);
      std::string out = "{\"" + name + "\":{\"version\":3,\"modified_date\":\"2026-01-01\",\"policy\":";
      append_json(out, must(at(*body, {"policy"})));
      return HttpResponse{200, out + "}}", ""};
    }
    return HttpResponse{200, "{\"index_templates\":[{\"name\":\"" + name + "\",\"index_template\":" + it->second + "}]}", ""};
  }
};

size_t puts(const FakeCluster& c) {
  return static_cast<size_t>(std::count_if(c.log.begin(), c.log.end(), [](auto& l) { return l.starts_with("PUT"); }));
}

TEST(EsSetup, InstallsOnceThenReportsUnchangedThenUpdatesWhatDrifted) {
  ElasticsearchSinkOptions o;
  o.hosts = {"http://es:9200"};
  FakeCluster cluster;
  std::ostringstream first;
  auto r1 = setup_elasticsearch(o, first, &cluster);
  ASSERT_TRUE(r1) << r1.error().message;
  for (const auto& c : *r1) EXPECT_EQ(c.action, "created") << c.name;
  EXPECT_EQ(puts(cluster), 4u);
  EXPECT_NE(first.str().find("ILM policy logpost-logs: created"), std::string::npos) << first.str();
  EXPECT_NE(first.str().find("4 changed, 0 unchanged"), std::string::npos);
  EXPECT_EQ(cluster.stored.at("/_index_template/logpost-logs-nginx.access"),
            std::string(es_setup_resources()[2].json));

  std::ostringstream second;
  auto r2 = setup_elasticsearch(o, second, &cluster);
  ASSERT_TRUE(r2);
  for (const auto& c : *r2) EXPECT_EQ(c.action, "unchanged") << c.name;
  EXPECT_EQ(puts(cluster), 4u);  // nothing sent the second time
  EXPECT_NE(second.str().find("0 changed, 4 unchanged"), std::string::npos);

  // Someone edited one template in the cluster: only that one is rewritten.
  cluster.stored["/_index_template/logpost-logs-apache.access"] =
      R"({"index_patterns":["logs-apache.access-*"],"_meta":{"logpost_digest":"old"}})";
  std::ostringstream third;
  auto r3 = setup_elasticsearch(o, third, &cluster);
  ASSERT_TRUE(r3);
  EXPECT_EQ(puts(cluster), 5u);
  EXPECT_NE(third.str().find("index template logpost-logs-apache.access: updated"), std::string::npos) << third.str();
}

TEST(EsSetup, RefusedCredentialsArePermanent) {
  ElasticsearchSinkOptions o;
  o.hosts = {"http://es:9200"};
  FakeCluster cluster;
  cluster.force_status = 403;
  std::ostringstream out;
  auto r = setup_elasticsearch(o, out, &cluster);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::permanent);
  EXPECT_NE(r.error().message.find("manage_index_templates"), std::string::npos);
}

}  // namespace
}  // namespace logpost::ingester
