// pipeline_set.cpp — per-kind pipelines built with filters/pipeline.hpp.
#include "ingester/pipeline_set.hpp"

#include <filesystem>
#include <map>
#include <optional>

#include "filters/pipeline.hpp"

namespace logpost::ingester {

struct PipelineSet::Impl {
  // Indexed by LogKind; an empty slot passes events through.
  std::map<LogKind, filters::Pipeline> pipelines;
  std::map<std::string, std::string> description;
};

PipelineSet::PipelineSet(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
PipelineSet::PipelineSet(PipelineSet&&) noexcept = default;
PipelineSet& PipelineSet::operator=(PipelineSet&&) noexcept = default;
PipelineSet::~PipelineSet() = default;

Result<PipelineSet> PipelineSet::load(const IngestSettings& settings) {
  auto impl = std::make_unique<Impl>();
  std::string errors;
  for (const auto& [kind_name, path] : settings.pipelines) {
    auto kind = parse_log_kind(kind_name);
    if (!kind) continue;  // settings validated the names
    bool is_explicit = settings.explicit_pipelines.count(kind_name) > 0;
    std::error_code ec;
    bool exists = std::filesystem::is_regular_file(path, ec);
    if (!exists) {
      if (is_explicit) errors += "pipeline." + kind_name + ": " + path.string() + ": no such file\n";
      else impl->description[kind_name] = "none";
      continue;
    }
    filters::BuildContext context;
    context.patterns_dir = settings.patterns_dir;
    context.geoip_dir = settings.geoip_dir;
    auto pipeline = filters::Pipeline::from_file(path, context);
    if (!pipeline) {
      errors += pipeline.error().message + "\n";
      continue;
    }
    impl->pipelines.emplace(*kind, std::move(*pipeline));
    impl->description[kind_name] = path.string();
  }
  if (!errors.empty()) {
    errors.pop_back();
    return fail(ErrorCode::config, errors);
  }
  return PipelineSet(std::move(impl));
}

EventTransform PipelineSet::transform() {
  if (m_impl->pipelines.empty()) return {};
  Impl* impl = m_impl.get();
  return [impl](LogKind kind, Event&& event, std::vector<Event>& out) {
    auto it = impl->pipelines.find(kind);
    if (it == impl->pipelines.end()) {
      out.push_back(std::move(event));
      return;
    }
    it->second.process(std::move(event), out);
  };
}

std::string PipelineSet::describe() const {
  std::string out;
  for (const auto& [kind, what] : m_impl->description) out += (out.empty() ? "" : ",") + kind + "=" + what;
  return out;
}

}  // namespace logpost::ingester
