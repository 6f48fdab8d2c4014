// filter.hpp — the extension point of the filter engine.
//
// A pipeline is a list of Filters (and conditionals over them) built once
// from a Logstash `filter { }` configuration. Building does all the heavy
// work (compiling patterns, opening GeoIP databases, parsing date formats);
// process() then runs per event, does no parsing of configuration, and never
// throws: a miss on one event tags the event (e.g. "_grokparsefailure"), as
// Logstash does.
//
// Adding a filter: one file pair (filters/<name>_filter.{hpp,cpp}), one line
// in the registry (filters/registry.cpp), one test file
// (tests/unit/filters/<name>_filter_test.cpp).
//
// Thread-safety: a built Filter may be used by one thread at a time;
// pipelines are built per worker thread.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/event.hpp"
#include "common/result.hpp"

namespace logpost::filters {

// Where something was written in a configuration file; errors cite it.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  [[nodiscard]] std::string to_string() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

// A value in a plugin's options, as the Logstash config language writes it:
// "string" or 'string' or bareword, number, true/false, [ array ], { hash }.
struct OptionValue {
  enum class Kind { string, number, boolean, array, hash };
  Kind kind = Kind::string;
  std::string string;      // Kind::string (also the source text of a number)
  double number = 0;       // Kind::number
  bool boolean = false;    // Kind::boolean
  std::vector<OptionValue> array;                          // Kind::array
  std::vector<std::pair<OptionValue, OptionValue>> hash;   // Kind::hash (keys: strings)
  SourceLocation where;
};

// One plugin block: `grok { match => { "message" => "%{X}" } id => "a" }`.
struct PluginBlock {
  std::string name;
  SourceLocation where;
  std::vector<std::pair<std::string, OptionValue>> options;  // in file order
};

enum class FilterOutcome {
  success,   // the filter did its work: common options (add_tag, ...) apply
  failure,   // the filter did not apply (no match, unparsable date): tagged by the filter
  drop,      // the event is removed from the stream
};

class Filter {
 public:
  virtual ~Filter() = default;
  virtual FilterOutcome process(Event& event) = 0;
};

}  // namespace logpost::filters
