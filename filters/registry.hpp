// registry.hpp — the one list of filter plugins, by Logstash name.
//
// The engine (pipeline builder) looks a plugin block's name up here and calls
// its factory with the block's plugin-specific options; the options every
// filter takes (add_field, add_tag, remove_field, remove_tag, id,
// enable_metric, periodic_flush) are removed by the engine beforehand and
// applied by it after a `success` outcome.
//
// A factory validates all its options and reports every problem at once
// (see plugin_options.hpp): its Error message holds one "file:line:col: ..."
// line per problem, with ErrorCode::config.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "common/result.hpp"
#include "filters/filter.hpp"

namespace logpost::filters {

// What a factory may need beyond its options.
struct BuildContext {
  std::filesystem::path config_dir;     // directory of the pipeline file (relative paths resolve here)
  std::filesystem::path patterns_dir;   // the grok-patterns/ library
  std::filesystem::path geoip_dir;      // default directory of .mmdb databases
};

using FilterFactory = Result<std::unique_ptr<Filter>> (*)(const PluginBlock& block, const BuildContext& context);

struct FilterRegistration {
  std::string_view name;
  FilterFactory factory;
};

std::span<const FilterRegistration> registered_filters();
const FilterRegistration* find_filter(std::string_view name);

}  // namespace logpost::filters
