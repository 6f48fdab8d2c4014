// elasticsearch_sink.cpp — see the header for the behaviour table.
#include "ingester/elasticsearch_sink.hpp"

#include "common/atomic_file.hpp"
#include "common/gzip.hpp"
#include "ingester/es_bulk_response.hpp"

namespace logpost::ingester {

namespace {

constexpr ConfigKey k_keys[] = {
    {"elasticsearch.hosts", ConfigType::list, "",
     "Elasticsearch base URLs (http:// or https://, optional path prefix); --store overrides. Requests go to one "
     "host at a time and move to the next after a failure."},
    {"elasticsearch.user", ConfigType::string, "", "User for HTTP basic authentication (with password_file)."},
    {"elasticsearch.password_file", ConfigType::path, "", "File holding the basic-auth password (one line)."},
    {"elasticsearch.api_key_file", ConfigType::path, "",
     "File holding an API key, the base64 'id:key' form sent as 'Authorization: ApiKey ...'. Excludes user."},
    {"elasticsearch.ca_file", ConfigType::path, "", "PEM file of CA certificates to trust; empty = system store."},
    {"elasticsearch.tls_verify", ConfigType::boolean, "yes",
     "Verify the server certificate and host name. Turn off only for tests."},
    {"elasticsearch.connect_timeout", ConfigType::duration, "10s", "Time allowed to open a connection."},
    {"elasticsearch.request_timeout", ConfigType::duration, "60s",
     "Time allowed for one whole request; on expiry the request is retried on the next host."},
    {"elasticsearch.bulk_max_bytes", ConfigType::size, "5M", "Largest bulk request body (NDJSON, before gzip)."},
    {"elasticsearch.bulk_max_documents", ConfigType::integer, "5000", "Most documents in one bulk request."},
    {"elasticsearch.compression", ConfigType::choice, "gzip", "Compression of request bodies.", "none|gzip"},
    {"elasticsearch.namespace", ConfigType::string, "default",
     "Data stream namespace: events go to logs-<dataset>-<namespace>. a-z 0-9 . _ only."},
    {"elasticsearch.tenant.*.namespace", ConfigType::string, "",
     "Namespace for the events of one tenant (the shipment's X-Logpost-Tenant)."},
    {"elasticsearch.retry_max_attempts", ConfigType::integer, "0",
     "Dead-letter a document (with Elasticsearch's last reason) once Elasticsearch has answered 429/5xx for it "
     "this many times; failed requests and outages never count. 0 = keep retrying (up to retry_give_up; the "
     "mail stays in new/). The wait between attempts is retry_initial / retry_max."},
};

Result<std::string> read_secret(const std::filesystem::path& file) {
  auto text = read_small_file(file, 64 * 1024);
  if (!text) return tl::unexpected(text.error());
  std::string secret = std::move(*text);
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return fail(ErrorCode::config, file.string() + " is empty");
  if (secret.find_first_of("\r\n") != std::string::npos) {
    return fail(ErrorCode::config, file.string() + " must hold one line");
  }
  return secret;
}

}  // namespace

bool is_elasticsearch_store(std::string_view store) {
  return store.starts_with("http://") || store.starts_with("https://");
}

Result<std::vector<std::string>> parse_elasticsearch_hosts(std::string_view list) {
  std::vector<std::string> hosts;
  std::string problems;
  for (const std::string& raw : split_list(list)) {
    std::string_view url = raw;
    size_t scheme_end = url.find("://");
    std::string_view scheme = scheme_end == std::string_view::npos ? std::string_view{} : url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") {
      problems += "'" + raw + "': Elasticsearch URLs start with http:// or https://\n";
      continue;
    }
    std::string_view rest = url.substr(scheme_end + 3);
    std::string_view authority = rest.substr(0, rest.find('/'));
    if (authority.empty()) {
      problems += "'" + raw + "': no host\n";
      continue;
    }
    if (authority.find('@') != std::string_view::npos) {
      // Never echo the URL: it holds a password.
      problems += "an Elasticsearch URL holds credentials (user:password@); use elasticsearch.user and "
                  "elasticsearch.password_file instead\n";
      continue;
    }
    if (url.find_first_of("?#") != std::string_view::npos) {
      problems += "'" + raw + "': no query or fragment allowed\n";
      continue;
    }
    while (url.size() > scheme_end + 3 + authority.size() && url.back() == '/') url.remove_suffix(1);
    hosts.emplace_back(url);
  }
  if (!problems.empty()) {
    problems.pop_back();
    return fail(ErrorCode::config, problems);
  }
  if (hosts.empty()) return fail(ErrorCode::config, "no Elasticsearch URL given");
  return hosts;
}

std::span<const ConfigKey> elasticsearch_config_keys() { return k_keys; }

Result<ElasticsearchSinkOptions> elasticsearch_options_from_config(const Config& config, std::string_view store,
                                                                   const std::filesystem::path& base_dir) {
  ElasticsearchSinkOptions o;
  std::vector<std::string> problems;
  auto note = [&problems](const std::string& key_origin, const Error& e) {
    problems.push_back(key_origin.empty() ? e.message : key_origin + ": " + e.message);
  };

  std::string host_list;
  if (!store.empty()) {
    host_list = std::string(store);
  } else {
    for (const std::string& h : config.get_list("elasticsearch.hosts")) host_list += h + ",";
  }
  if (auto hosts = parse_elasticsearch_hosts(host_list)) {
    o.hosts = std::move(*hosts);
  } else {
    note(store.empty() ? config.origin_of("elasticsearch.hosts") : "--store", hosts.error());
  }

  o.http.connect_timeout = config.get_duration("elasticsearch.connect_timeout");
  o.http.request_timeout = config.get_duration("elasticsearch.request_timeout");
  o.http.verify_tls = config.get_bool("elasticsearch.tls_verify");
  auto path_of = [&config, &base_dir](std::string_view key) {
    std::filesystem::path p = config.get_path(key);
    return p.empty() || p.is_absolute() || base_dir.empty() ? p : base_dir / p;
  };
  o.http.ca_file = path_of("elasticsearch.ca_file");
  if (!o.http.ca_file.empty()) {
    // Checked here so that a typo is a config error with file:line at start,
    // not a failed request later.
    if (auto ca = read_small_file(o.http.ca_file); !ca) note(config.origin_of("elasticsearch.ca_file"), ca.error());
  }
  o.http.user = config.get_string("elasticsearch.user");
  auto password_file = path_of("elasticsearch.password_file");
  auto api_key_file = path_of("elasticsearch.api_key_file");
  if (!o.http.user.empty() && !api_key_file.empty()) {
    problems.push_back("elasticsearch.user and elasticsearch.api_key_file exclude each other");
  }
  if (!password_file.empty() && o.http.user.empty()) {
    problems.push_back(config.origin_of("elasticsearch.password_file") +
                       ": elasticsearch.password_file needs elasticsearch.user");
  }
  if (!o.http.user.empty() && password_file.empty()) {
    problems.push_back(config.origin_of("elasticsearch.user") + ": elasticsearch.user needs elasticsearch.password_file");
  }
  if (!password_file.empty()) {
    if (auto s = read_secret(password_file)) o.http.password = std::move(*s);
    else note(config.origin_of("elasticsearch.password_file"), s.error());
  }
  if (!api_key_file.empty()) {
    if (auto s = read_secret(api_key_file)) o.http.api_key = std::move(*s);
    else note(config.origin_of("elasticsearch.api_key_file"), s.error());
  }

  o.bulk_max_bytes = config.get_size("elasticsearch.bulk_max_bytes");
  if (o.bulk_max_bytes < 1024) {
    problems.push_back(config.origin_of("elasticsearch.bulk_max_bytes") + ": elasticsearch.bulk_max_bytes below 1k");
  }
  int64_t docs = config.get_int("elasticsearch.bulk_max_documents");
  if (docs < 1 || docs > 1'000'000) {
    problems.push_back(config.origin_of("elasticsearch.bulk_max_documents") +
                       ": elasticsearch.bulk_max_documents must be 1..1000000");
  } else {
    o.bulk_max_documents = static_cast<size_t>(docs);
  }
  o.compress = config.get_string("elasticsearch.compression") == "gzip";

  o.encoder.default_namespace = config.get_string("elasticsearch.namespace");
  if (auto ok = validate_es_namespace(o.encoder.default_namespace); !ok) {
    note(config.origin_of("elasticsearch.namespace"), ok.error());
  }
  for (const auto& [tenant, ns] : config.get_family("elasticsearch.tenant.*.namespace")) {
    std::string key = "elasticsearch.tenant." + tenant + ".namespace";
    if (auto ok = validate_es_namespace(ns); !ok) note(config.origin_of(key), ok.error());
    o.encoder.tenant_namespaces[tenant] = ns;
  }

  int64_t attempts = config.get_int("elasticsearch.retry_max_attempts");
  if (attempts < 0 || attempts > 1'000'000) {
    problems.push_back(config.origin_of("elasticsearch.retry_max_attempts") +
                       ": elasticsearch.retry_max_attempts must be 0..1000000");
  } else {
    o.retry_max_attempts = static_cast<uint32_t>(attempts);
  }

  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) message += p + "\n";
    message.pop_back();
    return fail(ErrorCode::config, message);
  }
  return o;
}

ElasticsearchSink::ElasticsearchSink(ElasticsearchSinkOptions options, EsBulkEncoder encoder,
                                     std::unique_ptr<HttpTransport> transport)
    : m_options(std::move(options)), m_encoder(std::move(encoder)), m_transport(std::move(transport)) {}

Result<std::unique_ptr<ElasticsearchSink>> ElasticsearchSink::create(ElasticsearchSinkOptions options,
                                                                     std::unique_ptr<HttpTransport> transport) {
  if (options.hosts.empty()) return fail(ErrorCode::config, "no Elasticsearch host configured");
  if (options.bulk_max_documents == 0 || options.bulk_max_bytes == 0) {
    return fail(ErrorCode::config, "Elasticsearch bulk limits must be positive");
  }
  auto encoder = EsBulkEncoder::create(options.encoder);
  if (!encoder) return tl::unexpected(encoder.error());
  if (!transport) {
    auto curl = CurlEasy::create(options.http);
    if (!curl) return tl::unexpected(curl.error());
    transport = std::move(*curl);
  }
  return std::unique_ptr<ElasticsearchSink>(
      new ElasticsearchSink(std::move(options), std::move(*encoder), std::move(transport)));
}

Result<std::unique_ptr<Sink>> make_elasticsearch_sink(const ElasticsearchSinkOptions& options) {
  auto sink = ElasticsearchSink::create(options);
  if (!sink) return tl::unexpected(sink.error());
  return std::unique_ptr<Sink>(std::move(*sink));
}

void ElasticsearchSink::next_host() { m_host = (m_host + 1) % m_options.hosts.size(); }

void ElasticsearchSink::count_attempt(std::string_view id, ItemOutcome& outcome) {
  if (m_options.retry_max_attempts == 0) return;
  if (outcome.status != ItemStatus::retry) {
    if (!m_attempts.empty()) m_attempts.erase(std::string(id));
    return;
  }
  // Forgetting every count is safe (it only allows more attempts) and keeps
  // memory bounded when mails with failing documents are abandoned.
  if (m_attempts.size() >= k_max_tracked_items) m_attempts.clear();
  auto [it, inserted] = m_attempts.try_emplace(std::string(id), 0);
  if (++it->second < m_options.retry_max_attempts) return;
  m_attempts.erase(it);
  outcome = {ItemStatus::rejected, "gave up after " + std::to_string(m_options.retry_max_attempts) +
                                       " attempts (elasticsearch.retry_max_attempts): " + outcome.reason};
  --m_stats.retried;
  ++m_stats.rejected;
  ++m_stats.gave_up;
}

Result<std::vector<ItemOutcome>> ElasticsearchSink::write(std::span<const Event> events, const BatchSources& sources) {
  (void)sources;  // provenance travels inside the events' own fields
  if (m_stopped) return tl::unexpected(*m_stopped);

  const size_t n = events.size();
  std::vector<ItemOutcome> outcomes(n, ItemOutcome{ItemStatus::retry, "not sent"});
  std::vector<uint8_t> decided(n, 0);

  // Encode once; requests are slices of this buffer. An event without id
  // contributes no bytes and is rejected here.
  m_body.clear();
  m_offsets.clear();
  m_encoder.encode(events, m_body, &m_offsets);  // skips events without id
  for (size_t i = 0; i < n; ++i) {
    if (events[i].id().empty()) {
      outcomes[i] = {ItemStatus::rejected, "event has no id (not sent: it would be stored without idempotency)"};
      decided[i] = 1;
      ++m_stats.rejected;
    }
  }

  // Cut into requests by size and count; a lone oversized document still
  // goes (alone) and Elasticsearch decides.
  size_t begin = 0;
  bool any_done = false;
  while (begin < n) {
    size_t end = begin;
    size_t docs = 0;
    while (end < n) {
      uint64_t bytes = m_offsets[end + 1] - m_offsets[begin];
      bool has_doc = m_offsets[end + 1] != m_offsets[end];
      if (docs > 0 && ((has_doc && docs + 1 > m_options.bulk_max_documents) || bytes > m_options.bulk_max_bytes)) break;
      docs += has_doc ? 1 : 0;
      ++end;
    }
    auto sent = send_range(events, begin, end, outcomes, decided);
    if (!sent) {
      const Error& e = sent.error();
      if (e.code != ErrorCode::temporary) return tl::unexpected(e);
      // Did anything of this write() reach a decision in Elasticsearch?
      for (size_t i = 0; i < n && !any_done; ++i) {
        if (decided[i] && !events[i].id().empty()) any_done = true;
      }
      if (!any_done) return tl::unexpected(e);
      for (size_t i = 0; i < n; ++i) {
        if (!decided[i]) {
          outcomes[i] = {ItemStatus::retry, e.message};
          ++m_stats.retried;
        }
      }
      return outcomes;
    }
    begin = end;
  }
  return outcomes;
}

Result<void> ElasticsearchSink::send_range(std::span<const Event> events, size_t begin, size_t end,
                                           std::vector<ItemOutcome>& outcomes, std::vector<uint8_t>& decided) {
  std::vector<size_t> index;
  std::vector<std::string_view> ids;
  for (size_t i = begin; i < end; ++i) {
    if (decided[i]) continue;  // rejected for a missing id
    index.push_back(i);
    ids.push_back(events[i].id());
  }
  if (index.empty()) return {};

  std::string_view body(m_body.data() + m_offsets[begin], m_offsets[end] - m_offsets[begin]);
  HttpRequest request;
  request.method = "POST";
  request.url = m_options.hosts[m_host] + "/_bulk";
  request.headers = {{"Content-Type", "application/x-ndjson"}, {"Accept", "application/json"}};
  if (m_options.compress) {
    m_gzip = gzip_compress(body, 1);
    request.headers.emplace_back("Content-Encoding", "gzip");
    request.body = m_gzip;
  } else {
    request.body = body;
  }

  ++m_stats.requests;
  m_stats.bytes_encoded += body.size();
  m_stats.bytes_sent += request.body.size();
  auto response = m_transport->perform(request);
  if (!response) {
    ++m_stats.request_failures;
    if (response.error().code == ErrorCode::temporary) next_host();
    Error e = response.error().with_context("Elasticsearch bulk request");
    if (e.code == ErrorCode::config && m_options.hosts[m_host].starts_with("https://")) {
      e.message += " (check elasticsearch.ca_file, elasticsearch.tls_verify and the host name in the URL)";
    }
    return tl::unexpected(std::move(e));
  }

  BulkResponse verdict = classify_bulk_response(response->status, response->body, ids);
  std::string where = "Elasticsearch " + m_options.hosts[m_host];
  if (verdict.verdict != BulkVerdict::processed) ++m_stats.request_failures;
  switch (verdict.verdict) {
    case BulkVerdict::processed:
      m_stats.created += verdict.counts.created;
      m_stats.conflicts += verdict.counts.conflicts;
      m_stats.retried += verdict.counts.retry;
      m_stats.rejected += verdict.counts.rejected;
      for (size_t k = 0; k < index.size(); ++k) {
        outcomes[index[k]] = std::move(verdict.items[k]);
        decided[index[k]] = 1;
        count_attempt(ids[k], outcomes[index[k]]);
      }
      return {};
    case BulkVerdict::too_large:
    case BulkVerdict::bad_request: {
      if (index.size() == 1) {
        std::string reason =
            verdict.verdict == BulkVerdict::too_large
                ? "document of " + std::to_string(body.size()) + " bytes refused as too large (HTTP 413)"
                : "refused by Elasticsearch: " + verdict.reason;
        outcomes[index[0]] = {ItemStatus::rejected, std::move(reason)};
        decided[index[0]] = 1;
        ++m_stats.rejected;
        if (!m_attempts.empty()) m_attempts.erase(std::string(ids[0]));
        return {};
      }
      // Halve by documents; each half is a contiguous slice of m_body.
      ++m_stats.splits;
      size_t mid = index[index.size() / 2];
      auto first = send_range(events, begin, mid, outcomes, decided);
      if (!first) return first;
      return send_range(events, mid, end, outcomes, decided);
    }
    case BulkVerdict::unauthorized:
      m_stopped = Error{ErrorCode::permanent,
                        where + " refused our credentials or privileges (" + verdict.reason +
                            "): check elasticsearch.user/password_file/api_key_file and the role's privileges "
                            "(create_doc and auto_configure on logs-*); the sink is stopped"};
      return tl::unexpected(*m_stopped);
    case BulkVerdict::retry:
      next_host();
      return fail(ErrorCode::temporary, where + ": " + verdict.reason);
    case BulkVerdict::misconfigured:
      return fail(ErrorCode::config, where + "/_bulk: " + verdict.reason + " (is the URL right?)");
  }
  return fail(ErrorCode::internal, "unreachable");
}

}  // namespace logpost::ingester
