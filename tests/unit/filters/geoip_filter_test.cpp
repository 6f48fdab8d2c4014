// The geoip filter on the MaxMind test databases of ../shared/corpus/geoip,
// checked against the tables shipped with them (which say which address
// resolves where), plus layouts, failures and reopening a replaced file.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "filter_test_util.hpp"
#include "filters/geoip_filter.hpp"

namespace logpost::filters {
namespace {

std::string geoip_dir() { return std::string(LOGPOST_SHARED_DIR) + "/corpus/geoip"; }

bool have_corpus() { return std::filesystem::exists(geoip_dir() + "/GeoLite2-City-Test.mmdb"); }

std::vector<std::map<std::string, std::string>> read_table(const std::string& file) {
  std::ifstream in(geoip_dir() + "/" + file);
  std::vector<std::map<std::string, std::string>> rows;
  std::vector<std::string> header;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, '\t');) cells.push_back(cell);
    if (line.back() == '\t') cells.emplace_back();
    if (header.empty()) {
      header = cells;
      continue;
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

Pipeline build(const std::string& body) {
  auto p = test::build_pipeline(body);
  EXPECT_TRUE(p) << p.error().message;
  if (!p) std::abort();
  return std::move(*p);
}

Event run(Pipeline& p, Event e) {
  std::vector<Event> out;
  p.process(std::move(e), out);
  return out.empty() ? Event() : std::move(out[0]);
}

const Value* get(const Event& e, const char* ref) { return e.find(*FieldPath::parse(ref)); }

std::string text(const Event& e, const char* ref) {
  const Value* v = get(e, ref);
  return v && v->is_string() ? v->as_string() : std::string();
}

TEST(GeoipFilter, CityAndCountryTablesEcs) {
  if (!have_corpus()) GTEST_SKIP() << "../shared/corpus not present";
  std::map<std::string, Pipeline> pipelines;
  size_t checked = 0;
  for (const auto& row : read_table("city_country_ip_table.tsv")) {
    if (row.at("mmdb_agrees") != "yes") continue;
    const std::string& db = row.at("database");
    if (!pipelines.count(db))
      pipelines.emplace(db, build("geoip { source => \"ip\" target => \"[t]\" database => \"" + geoip_dir() + "/" + db +
                                  ".mmdb\" }"));
    Event e;
    e.set("ip", Value(row.at("lookup_ip")));
    Event out = run(pipelines.at(db), std::move(e));
    std::string where = db + " " + row.at("lookup_ip");
    bool no_data = true;
    for (const char* column : {"country_iso_code", "continent_code", "city_name_en", "subdivision1_iso", "postal_code",
                               "latitude", "time_zone"})
      no_data = no_data && row.at(column).empty();
    if (no_data) {
      EXPECT_TRUE(out.has_tag("_geoip_lookup_failure")) << where << ": a record without data is a miss";
      continue;
    }
    EXPECT_FALSE(out.has_tag("_geoip_lookup_failure")) << where;
    EXPECT_EQ(text(out, "[t][ip]"), row.at("lookup_ip")) << where;
    EXPECT_EQ(text(out, "[t][geo][country_iso_code]"), row.at("country_iso_code")) << where;
    EXPECT_EQ(text(out, "[t][geo][country_name]"), row.at("country_name_en")) << where;
    EXPECT_EQ(text(out, "[t][geo][continent_code]"), row.at("continent_code")) << where;
    EXPECT_EQ(text(out, "[t][geo][city_name]"), row.at("city_name_en")) << where;
    EXPECT_EQ(text(out, "[t][geo][region_name]"), row.at("subdivision1_name_en")) << where;
    EXPECT_EQ(text(out, "[t][geo][region_iso_code]"),
              row.at("subdivision1_iso").empty() ? "" : row.at("country_iso_code") + "-" + row.at("subdivision1_iso"))
        << where;
    EXPECT_EQ(text(out, "[t][geo][postal_code]"), row.at("postal_code")) << where;
    EXPECT_EQ(text(out, "[t][geo][timezone]"), row.at("time_zone")) << where;
    if (!row.at("latitude").empty()) {
      const Value* lat = get(out, "[t][geo][location][lat]");
      const Value* lon = get(out, "[t][geo][location][lon]");
      ASSERT_TRUE(lat && lon) << where;
      EXPECT_NEAR(lat->as_double(), std::stod(row.at("latitude")), 1e-6) << where;
      EXPECT_NEAR(lon->as_double(), std::stod(row.at("longitude")), 1e-6) << where;
    }
    ++checked;
  }
  EXPECT_GT(checked, 500u);
}

TEST(GeoipFilter, AsnTable) {
  if (!have_corpus()) GTEST_SKIP() << "../shared/corpus not present";
  Pipeline p = build("geoip { source => \"[source][ip]\" database => \"" + geoip_dir() + "/GeoLite2-ASN-Test.mmdb\" }");
  size_t checked = 0;
  for (const auto& row : read_table("asn_ip_table.tsv")) {
    if (row.at("mmdb_agrees") != "yes") continue;
    Event e;
    e.set(*FieldPath::parse("[source][ip]"), Value(row.at("lookup_ip")));
    Event out = run(p, std::move(e));
    std::string where = row.at("lookup_ip");
    // ECS default target for [source][ip] is [source].
    const Value* number = get(out, "[source][as][number]");
    ASSERT_NE(number, nullptr) << where;
    EXPECT_EQ(number->as_int(), std::stoll(row.at("autonomous_system_number"))) << where;
    EXPECT_EQ(text(out, "[source][as][organization][name]"), row.at("autonomous_system_organization")) << where;
    ++checked;
  }
  EXPECT_GT(checked, 500u);
}

TEST(GeoipFilter, LegacyLayoutAndFields) {
  if (!have_corpus()) GTEST_SKIP() << "../shared/corpus not present";
  Pipeline legacy = build("geoip { source => \"clientip\" ecs_compatibility => \"disabled\" database => \"" + geoip_dir() +
                          "/GeoLite2-City-Test.mmdb\" }");
  Event e;
  e.set("clientip", Value("81.2.69.142"));
  Event out = run(legacy, std::move(e));
  EXPECT_EQ(text(out, "[geoip][city_name]"), "London");
  EXPECT_EQ(text(out, "[geoip][country_code2]"), "GB");
  EXPECT_EQ(text(out, "[geoip][region_code]"), "ENG");
  EXPECT_NEAR(get(out, "[geoip][latitude]")->as_double(), 51.5142, 1e-6);
  EXPECT_NEAR(get(out, "[geoip][location][lon]")->as_double(), -0.0931, 1e-6);

  Pipeline some = build("geoip { source => \"ip\" target => \"g\" fields => [\"CITY_NAME\", \"country_iso_code\"] database => \"" +
                        geoip_dir() + "/GeoLite2-City-Test.mmdb\" }");
  Event f;
  f.set("ip", Value("81.2.69.142"));
  EXPECT_EQ(to_json(run(some, std::move(f))), R"({"ip":"81.2.69.142","g":{"geo":{"city_name":"London","country_iso_code":"GB"}}})");
}

TEST(GeoipFilter, MissesAndBadInput) {
  if (!have_corpus()) GTEST_SKIP() << "../shared/corpus not present";
  Pipeline p = build("geoip { source => \"ip\" database => \"" + geoip_dir() + "/GeoLite2-City-Test.mmdb\" }");
  for (const char* ip : {"10.0.0.1", "not-an-ip", "999.1.1.1"}) {
    Event e;
    e.set("ip", Value(ip));
    Event out = run(p, std::move(e));
    EXPECT_TRUE(out.has_tag("_geoip_lookup_failure")) << ip;
    EXPECT_EQ(out.fields().size(), 2u) << ip;  // ip + tags: nothing else written
  }
  Event absent;
  absent.set("other", Value("x"));
  EXPECT_EQ(to_json(run(p, std::move(absent))), R"({"other":"x"})");
}

// The cache changes no result: every address of the City table, twice over,
// gives the same document through a one-entry cache (each lookup replaces
// the last), the default cache and a cache holding all of them. Text too
// long for the cache ("fe80::1%" with a 60-byte zone) is looked up each time.
TEST(GeoipFilter, CacheSizeChangesNoResult) {
  if (!have_corpus()) GTEST_SKIP() << "../shared/corpus not present";
  const std::string db = "database => \"" + geoip_dir() + "/GeoLite2-City-Test.mmdb\"";
  Pipeline tiny = build("geoip { source => \"ip\" cache_size => 1 " + db + " }");
  Pipeline normal = build("geoip { source => \"ip\" " + db + " }");
  Pipeline large = build("geoip { source => \"ip\" cache_size => 100000 " + db + " }");
  std::vector<std::string> addresses;
  for (const auto& row : read_table("city_country_ip_table.tsv")) addresses.push_back(row.at("lookup_ip"));
  addresses.push_back("fe80::1%" + std::string(60, 'z'));
  addresses.push_back("not-an-ip");
  ASSERT_GT(addresses.size(), 500u);
  size_t enriched = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& ip : addresses) {
      auto lookup = [&](Pipeline& p) {
        Event e;
        e.set("ip", Value(ip));
        return to_json(run(p, std::move(e)));
      };
      const std::string expected = lookup(tiny);
      EXPECT_EQ(lookup(normal), expected) << ip << " pass " << pass;
      EXPECT_EQ(lookup(large), expected) << ip << " pass " << pass;
      if (expected.find("_geoip_lookup_failure") == std::string::npos) ++enriched;
    }
  }
  EXPECT_GT(enriched, 500u);
}

// Results are written per parent object ([source][geo] once for all its
// fields): existing members are replaced where they are, new ones appended
// in the output order, a scalar in the way replaced by an object.
TEST(GeoipFilter, WritesIntoExistingObjectsInPlace) {
  if (!have_corpus()) GTEST_SKIP() << "../shared/corpus not present";
  const std::string filter =
      "geoip { source => \"[source][ip]\" database => \"" + geoip_dir() + "/GeoLite2-City-Test.mmdb\" }";
  EXPECT_EQ(test::run_one(filter, R"({"source":{"ip":"81.2.69.142","address":"x"},"z":1})"),
            R"({"source":{"ip":"81.2.69.142","address":"x","geo":{"city_name":"London","country_name":"United Kingdom",)"
            R"("country_iso_code":"GB","continent_code":"EU","region_name":"England","region_iso_code":"GB-ENG",)"
            R"("timezone":"Europe/London","location":{"lat":51.5142,"lon":-0.0931}}},"z":1})");
  EXPECT_EQ(test::run_one(filter, R"({"source":{"geo":{"timezone":"old","other":1},"ip":"81.2.69.142"}})"),
            R"({"source":{"geo":{"timezone":"Europe/London","other":1,"city_name":"London","country_name":"United Kingdom",)"
            R"("country_iso_code":"GB","continent_code":"EU","region_name":"England","region_iso_code":"GB-ENG",)"
            R"("location":{"lat":51.5142,"lon":-0.0931}},"ip":"81.2.69.142"}})");
  EXPECT_EQ(test::run_one(filter, R"({"source":{"ip":"2001:218::1","geo":"scalar"}})"),
            R"({"source":{"ip":"2001:218::1","geo":{"country_name":"Japan","country_iso_code":"JP","continent_code":"AS",)"
            R"("timezone":"Asia/Tokyo","location":{"lat":35.68536,"lon":139.75309}}}})");
}

TEST(GeoipFilter, ConfigurationErrors) {
  auto message = test::build_error(R"(geoip { database => "/nonexistent/x.mmdb" fields => ["nope"] })");
  EXPECT_NE(message.find("source option is required"), std::string::npos) << message;
  EXPECT_NE(message.find("/nonexistent/x.mmdb"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown field 'nope'"), std::string::npos) << message;
  // Not a database at all.
  auto junk = std::filesystem::temp_directory_path() / ("geoip-junk-" + std::to_string(::getpid()) + ".mmdb");
  std::ofstream(junk) << "this is not a MaxMind database\n";
  auto bad = test::build_error("geoip { source => \"ip\" database => \"" + junk.string() + "\" }");
  EXPECT_NE(bad.find(junk.string()), std::string::npos) << bad;
  std::filesystem::remove(junk);
}

// Replacing the database file (write elsewhere, rename over: how updates are
// installed) is noticed and the new data served; the filter checks at most
// once a second, so poll with a deadline.
TEST(GeoipFilter, ReopensReplacedDatabase) {
  if (!have_corpus()) GTEST_SKIP() << "../shared/corpus not present";
  auto dir = std::filesystem::temp_directory_path() / ("geoip-reopen-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(geoip_dir() + "/GeoLite2-Country-Test.mmdb", dir / "db.mmdb");
  Pipeline p = build("geoip { source => \"ip\" target => \"t\" database => \"" + (dir / "db.mmdb").string() + "\" }");
  auto city_of = [&] {
    Event e;
    e.set("ip", Value("81.2.69.142"));
    return text(run(p, std::move(e)), "[t][geo][city_name]");
  };
  EXPECT_EQ(city_of(), "");  // a Country database has no cities
  std::filesystem::copy_file(geoip_dir() + "/GeoLite2-City-Test.mmdb", dir / "db.mmdb.new");
  std::filesystem::rename(dir / "db.mmdb.new", dir / "db.mmdb");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string city;
  while ((city = city_of()).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(city, "London");
  std::filesystem::remove_all(dir);
}

// A fresh receiver has no GeoIP database (Debian ships none): the default
// database missing must not stop the pipeline. Events pass, tagged, and are
// enriched once the file is installed.
TEST(GeoipFilter, MissingDefaultDatabaseTagsEventsUntilItAppears) {
  auto dir = std::filesystem::temp_directory_path() / ("geoip-missing-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  BuildContext context;
  context.geoip_dir = dir;
  auto built = Pipeline::from_string("filter { geoip { source => \"ip\" target => \"t\" } }", "test.conf", context);
  ASSERT_TRUE(built) << built.error().message;
  auto lookup = [&] {
    Event e;
    e.set("ip", Value("81.2.69.142"));
    return run(*built, std::move(e));
  };
  Event first = lookup();
  EXPECT_TRUE(first.has_tag("_geoip_database_unavailable"));
  EXPECT_EQ(first.find(*FieldPath::parse("[ip]"))->as_string(), "81.2.69.142");
  if (have_corpus()) {
    std::filesystem::copy_file(geoip_dir() + "/GeoLite2-City-Test.mmdb", dir / "GeoLite2-City.mmdb");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    Event later;
    while (std::chrono::steady_clock::now() < deadline) {
      later = lookup();
      if (!later.has_tag("_geoip_database_unavailable")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_FALSE(later.has_tag("_geoip_database_unavailable"));
    EXPECT_EQ(text(later, "[t][geo][city_name]"), "London");
  }
  std::filesystem::remove_all(dir);
}

TEST(GeoipFilter, BrokenDefaultDatabaseIsAConfigurationError) {
  auto dir = std::filesystem::temp_directory_path() / ("geoip-broken-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "GeoLite2-City.mmdb") << "not a maxmind database";
  BuildContext context;
  context.geoip_dir = dir;
  auto built = Pipeline::from_string("filter { geoip { source => \"ip\" } }", "test.conf", context);
  EXPECT_FALSE(built);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace logpost::filters
