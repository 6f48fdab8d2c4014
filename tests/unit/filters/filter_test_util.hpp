// Helpers for filter unit tests: build one plugin through the real engine
// (parser + registry + common options) and run JSON events through it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "filters/pipeline.hpp"

namespace logpost::filters::test {

inline Result<Pipeline> build_pipeline(std::string_view filter_body) {
  return Pipeline::from_string("filter {\n" + std::string(filter_body) + "\n}\n", "test.conf", BuildContext{});
}

// Runs each JSON event through the pipeline; returns the output events as
// JSON (dropped events are absent).
inline std::vector<std::string> run_json(std::string_view filter_body, std::initializer_list<std::string_view> inputs) {
  auto p = build_pipeline(filter_body);
  if (!p) {
    ADD_FAILURE() << p.error().message;
    return {};
  }
  std::vector<Event> out;
  for (auto in : inputs) {
    auto e = event_from_json(in);
    if (!e) {
      ADD_FAILURE() << "bad test input " << in;
      continue;
    }
    p->process(std::move(*e), out);
  }
  std::vector<std::string> json;
  for (const auto& e : out) json.push_back(to_json(e));
  return json;
}

inline std::string run_one(std::string_view filter_body, std::string_view input) {
  auto out = run_json(filter_body, {input});
  return out.size() == 1 ? out[0] : "<" + std::to_string(out.size()) + " events>";
}

// The error message of a configuration that must not build.
inline std::string build_error(std::string_view filter_body) {
  auto p = build_pipeline(filter_body);
  if (p) {
    ADD_FAILURE() << "configuration unexpectedly built";
    return {};
  }
  EXPECT_EQ(p.error().code, ErrorCode::config);
  return p.error().message;
}

}  // namespace logpost::filters::test
