// pipeline_set.cpp — per-kind pipelines.
#include "ingester/pipeline_set.hpp"

#include <filesystem>
#include <map>

namespace logpost::ingester {

struct PipelineSet::Impl {
  std::map<std::string, std::string> description;
};

PipelineSet::PipelineSet(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
PipelineSet::PipelineSet(PipelineSet&&) noexcept = default;
PipelineSet& PipelineSet::operator=(PipelineSet&&) noexcept = default;
PipelineSet::~PipelineSet() = default;

Result<PipelineSet> PipelineSet::load(const IngestSettings& settings) {
  auto impl = std::make_unique<Impl>();
  std::string errors;
  for (const auto& [kind, path] : settings.pipelines) {
    bool is_explicit = settings.explicit_pipelines.count(kind) > 0;
    std::error_code ec;
    bool exists = std::filesystem::is_regular_file(path, ec);
    if (is_explicit && !exists) {
      errors += "pipeline." + kind + ": " + path.string() + ": no such file\n";
      continue;
    }
    if (is_explicit) {
      // TODO(engine): build with filters/pipeline.hpp once it lands.
      errors += "pipeline." + kind + ": the filter engine is not linked into this build yet\n";
      continue;
    }
    impl->description[kind] = "none";
  }
  if (!errors.empty()) {
    errors.pop_back();
    return fail(ErrorCode::config, errors);
  }
  return PipelineSet(std::move(impl));
}

EventTransform PipelineSet::transform() { return {}; }

std::string PipelineSet::describe() const {
  std::string out;
  for (const auto& [kind, what] : m_impl->description) out += (out.empty() ? "" : ",") + kind + "=" + what;
  return out;
}

}  // namespace logpost::ingester
