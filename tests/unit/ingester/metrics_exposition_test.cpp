// The Prometheus text format 0.0.4 as logpost-ingest writes it: exact text
// for given samples, and the whole ingest exposition parsed back by a
// strict reader written here from the format's description.
#include "ingester/metrics_exposition.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

namespace logpost::ingester {
namespace {

TEST(MetricsExposition, ExactTextForGivenSamples) {
  const MetricSample samples[] = {
      {"demo_things_total", "Things counted.", MetricType::counter, 42},
      {"demo_level", "A back\\slash and a\nnewline.", MetricType::gauge, 1.5},
      {"demo_big", "Start time.", MetricType::gauge, 1763700000},
      {"demo_negative", "Below zero.", MetricType::gauge, -3},
      {"demo_nan", "Not a number.", MetricType::gauge, std::nan("")},
      {"demo_inf", "Infinite.", MetricType::gauge, -HUGE_VAL},
  };
  EXPECT_EQ(format_exposition(samples),
            "# HELP demo_things_total Things counted.\n"
            "# TYPE demo_things_total counter\n"
            "demo_things_total 42\n"
            "# HELP demo_level A back\\\\slash and a\\nnewline.\n"
            "# TYPE demo_level gauge\n"
            "demo_level 1.5\n"
            "# HELP demo_big Start time.\n"
            "# TYPE demo_big gauge\n"
            "demo_big 1763700000\n"
            "# HELP demo_negative Below zero.\n"
            "# TYPE demo_negative gauge\n"
            "demo_negative -3\n"
            "# HELP demo_nan Not a number.\n"
            "# TYPE demo_nan gauge\n"
            "demo_nan NaN\n"
            "# HELP demo_inf Infinite.\n"
            "# TYPE demo_inf gauge\n"
            "demo_inf -Inf\n");
  EXPECT_EQ(format_exposition({}), "");
}

struct Parsed {
  std::map<std::string, double> values;
  std::map<std::string, std::string> types;
};

bool valid_metric_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  return true;
}

// "<prefix><metric name> <rest>" -> {name, rest}; nullopt for anything else.
// (No std::regex: GCC 12 warns inside it under ASan.)
std::optional<std::pair<std::string, std::string>> split_line(const std::string& line, std::string_view prefix) {
  if (!line.starts_with(prefix)) return std::nullopt;
  std::string rest = line.substr(prefix.size());
  size_t sp = rest.find(' ');
  if (sp == std::string::npos || sp + 1 == rest.size() || !valid_metric_name(rest.substr(0, sp))) return std::nullopt;
  return std::make_pair(rest.substr(0, sp), rest.substr(sp + 1));
}

// A strict reader of the subset we emit: HELP then TYPE then one sample
// without labels or timestamp, for every metric; any other line fails.
Parsed parse_exposition(const std::string& text) {
  Parsed out;
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "the last line must end with a newline";
  std::istringstream in(text);
  std::string help, type, sample;
  while (std::getline(in, help)) {
    EXPECT_TRUE(std::getline(in, type) && std::getline(in, sample)) << "incomplete metric after: " << help;
    auto h = split_line(help, "# HELP ");
    auto t = split_line(type, "# TYPE ");
    auto s = split_line(sample, "");
    if (!h || !t || !s) {
      ADD_FAILURE() << "not HELP, TYPE, sample:\n" << help << "\n" << type << "\n" << sample;
      break;
    }
    const std::string& name = h->first;
    EXPECT_EQ(t->first, name) << type;
    EXPECT_TRUE(t->second == "counter" || t->second == "gauge") << type;
    EXPECT_EQ(s->first, name) << sample;
    size_t used = 0;
    double v = std::stod(s->second, &used);
    EXPECT_EQ(used, s->second.size()) << "more than a value (a timestamp?): " << sample;
    EXPECT_EQ(out.values.count(name), 0u) << "duplicate metric " << name;
    out.values[name] = v;
    out.types[name] = t->second;
  }
  return out;
}

TEST(MetricsExposition, IngestCountersParseBackUnderTheirNames) {
  IngestStats stats;
  stats.mails_seen = 101;
  stats.mails_ingested = 102;
  stats.mails_quarantined = 103;
  stats.mails_deferred = 104;
  stats.mails_skipped_done = 105;
  stats.events_in = 106;
  stats.events_stored = 107;
  stats.events_dead_lettered = 108;
  stats.events_dropped = 109;
  stats.banners_skipped = 110;
  stats.retries = 111;
  stats.batches = 112;
  stats.oldest_mail_age_s = 999;  // the gauge comes from the backlog, not from here
  MaildirBacklog backlog{7, 3600};
  Parsed p = parse_exposition(format_exposition(ingest_metric_samples(stats, backlog, 1763700000)));

  const std::map<std::string, double> counters = {
      {"logpost_ingest_mails_seen_total", 101},         {"logpost_ingest_mails_ingested_total", 102},
      {"logpost_ingest_mails_quarantined_total", 103},  {"logpost_ingest_mails_deferred_total", 104},
      {"logpost_ingest_mails_skipped_done_total", 105}, {"logpost_ingest_events_in_total", 106},
      {"logpost_ingest_events_stored_total", 107},      {"logpost_ingest_events_dead_lettered_total", 108},
      {"logpost_ingest_events_dropped_total", 109},     {"logpost_ingest_banners_skipped_total", 110},
      {"logpost_ingest_retries_total", 111},            {"logpost_ingest_batches_total", 112},
  };
  const std::map<std::string, double> gauges = {
      {"logpost_ingest_mails_waiting", 7},
      {"logpost_ingest_oldest_mail_age_seconds", 3600},
      {"logpost_ingest_start_time_seconds", 1763700000},
  };
  EXPECT_EQ(p.values.size(), counters.size() + gauges.size());
  for (const auto& [name, value] : counters) {
    EXPECT_EQ(p.types[name], "counter") << name;
    EXPECT_EQ(p.values[name], value) << name;
  }
  for (const auto& [name, value] : gauges) {
    EXPECT_EQ(p.types[name], "gauge") << name;
    EXPECT_EQ(p.values[name], value) << name;
  }
}

TEST(IngestStats, CopyIsASnapshotAndLogfmtIsUnchanged) {
  IngestStats stats;
  ++stats.mails_seen;
  ++stats.mails_seen;
  stats.events_stored += 40;
  stats.oldest_mail_age_s = -5;
  IngestStats snapshot = stats;
  ++stats.mails_seen;
  EXPECT_EQ(snapshot.mails_seen, 2u);
  EXPECT_EQ(stats.mails_seen, 3u);
  EXPECT_EQ(snapshot.format(),
            "mails_seen=2 mails_ingested=0 mails_quarantined=0 mails_deferred=0 mails_skipped_done=0 events_in=0 "
            "events_stored=40 events_dead_lettered=0 events_dropped=0 banners_skipped=0 retries=0 batches=0 "
            "oldest_mail_age_s=-5");
}

TEST(IngestStats, AReaderOnAnotherThreadSeesEveryCounterGrowOnly) {
  IngestStats stats;
  constexpr uint64_t k_n = 200000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (uint64_t i = 0; i < k_n; ++i) {
      ++stats.events_in;
      ++stats.events_stored;
    }
    done = true;
  });
  uint64_t last = 0;
  bool backwards = false;
  while (!done) {
    uint64_t now = stats.events_stored;
    if (now < last) backwards = true;
    last = now;
  }
  writer.join();
  EXPECT_FALSE(backwards);
  EXPECT_EQ(stats.events_in, k_n);
  EXPECT_EQ(stats.events_stored, k_n);
}

}  // namespace
}  // namespace logpost::ingester
