// pipeline_set.hpp — the filter pipeline of each log kind, built once at
// start-up, as the ingester's EventTransform.
//
// For each kind, settings.pipelines names a file (pipeline.<kind>, default
// <pipelines_dir>/<kind>.conf). A file named explicitly must exist and
// build; a default file that does not exist means "no pipeline" for that
// kind (events keep the raw message and the provenance fields).
//
// Pipelines are built with filters/pipeline.hpp (patterns_dir and geoip_dir
// from the settings); a kind without a pipeline passes events through.
//
// Errors: ErrorCode::config with every pipeline's problems at once.
// Thread-safety: transform() runs on the ingester thread only.
#pragma once

#include <memory>
#include <string>

#include "common/result.hpp"
#include "ingester/ingest_settings.hpp"
#include "ingester/ingester.hpp"

namespace logpost::ingester {

class PipelineSet {
 public:
  static Result<PipelineSet> load(const IngestSettings& settings);
  PipelineSet(PipelineSet&&) noexcept;
  PipelineSet& operator=(PipelineSet&&) noexcept;
  ~PipelineSet();

  // The hook for Ingester; references *this, which must outlive it.
  EventTransform transform();
  // "mysql-slow=/path/mysql-slow.conf,nginx-access=none,..." for the start-up log line.
  [[nodiscard]] std::string describe() const;

 private:
  struct Impl;
  explicit PipelineSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace logpost::ingester
