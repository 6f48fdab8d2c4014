#include "filters/sql_fingerprint_filter.hpp"

#include <string>
#include <unordered_map>
#include <vector>

#include "filters/field_ref.hpp"
#include "filters/plugin_options.hpp"
#include "filters/sql_fingerprint.hpp"

namespace logpost::filters {
namespace {

class SqlFingerprintFilter final : public Filter {
 public:
  SqlFingerprintFilter(FieldRef source, FieldRef target, FieldRef checksum_target, std::vector<std::string> tags)
      : m_source(std::move(source)),
        m_target(std::move(target)),
        m_checksum_target(std::move(checksum_target)),
        m_tags(std::move(tags)) {}

  FilterOutcome process(Event& event) override {
    Value scratch;
    const Value* query = m_source.find(event, scratch);
    if (!query || !query->is_string()) {
      for (const auto& t : m_tags) event.add_tag(t);
      return FilterOutcome::failure;
    }
    std::string fp = fingerprint(query->as_string());
    // A slow log has hundreds of classes, not millions: remember their
    // checksums (each MD5 costs an OpenSSL digest fetch). Bounded: cleared
    // when full.
    auto it = m_checksums.find(fp);
    if (it == m_checksums.end()) {
      if (m_checksums.size() >= k_max_cached) m_checksums.clear();
      it = m_checksums.emplace(fp, query_checksum(fp)).first;
    }
    Value checksum(it->second);
    m_target.set(event, Value(std::move(fp)));
    m_checksum_target.set(event, std::move(checksum));
    return FilterOutcome::success;
  }

 private:
  FieldRef m_source;
  FieldRef m_target;
  FieldRef m_checksum_target;
  std::vector<std::string> m_tags;
  static constexpr size_t k_max_cached = 4096;
  std::unordered_map<std::string, std::string> m_checksums;  // fingerprint -> checksum
};

FieldRef field_option(OptionReader& opts, std::string_view name, std::string_view fallback) {
  std::string text = opts.string(name).value_or(std::string(fallback));
  auto ref = FieldRef::parse(text);
  if (!ref) {
    opts.error(name, ref.error().message);
    return {};
  }
  return *ref;
}

}  // namespace

Result<std::unique_ptr<Filter>> make_sql_fingerprint_filter(const PluginBlock& block, const BuildContext&) {
  OptionReader opts(block, {"source", "target", "checksum_target", "tag_on_failure"});
  FieldRef source = field_option(opts, "source", "[mysql][slowlog][query]");
  FieldRef target = field_option(opts, "target", "[mysql][slowlog][query_fingerprint]");
  FieldRef checksum_target = field_option(opts, "checksum_target", "[mysql][slowlog][query_digest]");
  std::vector<std::string> tags = {"_sqlfingerprintfailure"};
  if (opts.has("tag_on_failure")) tags = opts.string_list("tag_on_failure");
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(std::make_unique<SqlFingerprintFilter>(std::move(source), std::move(target),
                                                                        std::move(checksum_target), std::move(tags)));
}

}  // namespace logpost::filters
