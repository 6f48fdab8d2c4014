#include "tests/fuzz/grok_fuzz_target.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "common/atomic_file.hpp"
#include "filters/grok_compiler.hpp"
#include "filters/grok_library.hpp"

namespace logpost::fuzz {
namespace {

using filters::EcsMode;
using filters::GrokExpression;
using filters::GrokLibrary;

constexpr size_t k_max_line = 4096;
constexpr size_t k_max_cached = 128;  // compiled built expressions kept (RE2 DFA caches grow)

// The brief's list: the library's main expressions, and a few whose
// optionals and alternations exercise the plan's alternative and
// trailing-optional rules.
const char* const k_library_expressions[] = {
    "%{COMBINEDAPACHELOG}",
    "%{HTTPD_COMMONLOG}",
    "%{COMMONAPACHELOG}",
    "%{SYSLOGLINE}",
    "%{HTTPD_ERRORLOG}",
    "%{SYSLOG5424LINE}",
    "^%{IP:ip} (?:-|%{USER:user}) \\[%{DATA:inner}\\]",
    "(?:%{IPORHOST:host}(?::%{POSINT:port:int})? )?%{IP:client}(?:,\\s*%{IP:proxy})* %{GREEDYDATA:rest}",
    "\"(?:%{WORD:verb} %{NOTSPACE:url}(?: HTTP/%{NUMBER:version})?|%{DATA:invalid})\" (?:-|%{INT:status:int})",
    "%{QS:q1} %{QS:q2}$",
    "(?<key>[a-z]+)(?:=%{QS:quoted}|=%{NOTSPACE:plain}|)(?: %{GREEDYDATA:tail})?$",
};
// The same expressions with legacy names: a different plan (see docs/grok.md).
const char* const k_legacy_expressions[] = {"%{COMBINEDAPACHELOG}", "%{SYSLOGLINE}", "%{HTTPD_ERRORLOG}"};

// Names the builder prefers: the pieces access and syslog patterns are made of.
const char* const k_common_names[] = {
    "INT", "NUMBER", "WORD", "NOTSPACE", "DATA", "GREEDYDATA", "IPORHOST", "IP", "IPV4", "IPV6", "QS",
    "HTTPDATE", "SPACE", "USER", "URIPATHPARAM", "POSINT", "HOSTNAME", "QUOTEDSTRING", "HTTPDUSER", "LOGLEVEL",
};
const char* const k_literals[] = {" ", "\"", "\\[", "\\]", ":", " - ", "/", ",", ", ", "=", "-", "\" \"", "\\.", "HTTP/"};
const char* const k_atoms[] = {"[^ ]+", "\\d+", "[a-z]*", ".*?", ".*", "\\s*", "[^\"]*", "\\S+", "[0-9a-f]{2,4}",
                               "(?:)", "\\b", "x?", "[^,]+", "\\s+"};
const char* const k_quantifiers[] = {"*", "+", "?", "{2}", "{1,3}", "*?", "+?", "??"};

struct Compiled {
  std::optional<GrokExpression> expression;  // empty: did not compile
};

struct State {
  GrokLibrary v1;
  GrokLibrary legacy;
  std::vector<std::string> v1_names;
  std::vector<std::string> legacy_names;
  std::vector<FixedExpression> fixed;
  std::vector<GrokExpression> fixed_compiled;  // parallel to fixed
  std::unordered_map<std::string, Compiled> cache;
  GrokFuzzStats stats;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "grok fuzz target: %s\n", message.c_str());
  std::abort();
}

// g++ 12 with -fsanitize=address reports a false -Wfree-nonheap-object in
// the destructor of Result<GrokLibrary> here (the error branch, after a
// [[noreturn]] call); the code is the one the unit tests use.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wfree-nonheap-object"
#endif
GrokLibrary load_library(EcsMode mode) {
  auto library = GrokLibrary::load_builtin(std::filesystem::path(LOGPOST_SOURCE_DIR) / "grok-patterns", mode);
  if (!library) die(library.error().message);
  return std::move(*library);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void add_fixed(State& state, const GrokLibrary& library, FixedExpression fixed) {
  auto compiled = GrokExpression::compile(fixed.pattern, library);
  if (!compiled) die(fixed.origin + ": " + compiled.error().message);
  state.fixed.push_back(std::move(fixed));
  state.fixed_compiled.push_back(std::move(*compiled));
}

// The pipelines' own grok patterns, with their blocks' definitions: what
// logpost-ingest runs on every access-log line. Read from
// tests/fuzz/pipeline-expressions.txt (format in pipeline_expressions.hpp),
// which the replay test keeps equal to pipelines/*.conf: this file must
// not include the filter engine's headers, which clang cannot compile
// against libstdc++ 12 in C++20 mode (see tests/fuzz/CMakeLists.txt).
void add_pipeline_expressions(State& state) {
  const auto file = std::filesystem::path(LOGPOST_SOURCE_DIR) / "tests/fuzz/pipeline-expressions.txt";
  auto text = read_small_file(file);
  if (!text) die(text.error().message);
  std::optional<FixedExpression> current;
  std::optional<GrokLibrary> library;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    if (line.empty() || line.front() == '#') continue;
    const size_t space = line.find(' ');
    const std::string_view keyword = line.substr(0, space);
    const std::string_view argument = space == std::string_view::npos ? "" : line.substr(space + 1);
    if (keyword == "expression") {  // expression <origin> <v1|disabled>
      const size_t mode = argument.rfind(' ');
      if (mode == std::string_view::npos) die("bad line in " + file.string() + ": " + std::string(line));
      current = FixedExpression{"", std::string(argument.substr(0, mode)), argument.substr(mode + 1) == "disabled"};
      library = current->legacy ? state.legacy : state.v1;
    } else if (keyword == "define" && current) {  // define <NAME> <regex>
      const size_t name_end = argument.find(' ');
      if (name_end == std::string_view::npos) die("bad line in " + file.string() + ": " + std::string(line));
      library->define(std::string(argument.substr(0, name_end)), std::string(argument.substr(name_end + 1)),
                      "pattern_definitions");
    } else if (keyword == "pattern" && current) {  // pattern <grok expression>
      current->pattern = std::string(argument);
      add_fixed(state, *library, *current);
    } else {
      die("bad line in " + file.string() + ": " + std::string(line));
    }
  }
}

State& state() {
  static State* s = [] {
    auto* st = new State;  // never destroyed: libFuzzer exits without unwinding
    st->v1 = load_library(EcsMode::v1);
    st->legacy = load_library(EcsMode::disabled);
    st->v1_names = st->v1.names();
    st->legacy_names = st->legacy.names();
    for (const char* p : k_library_expressions) add_fixed(*st, st->v1, {p, "library", false});
    for (const char* p : k_legacy_expressions) add_fixed(*st, st->legacy, {p, "library", true});
    add_pipeline_expressions(*st);
    return st;
  }();
  return *s;
}

// Turns input bytes into a grok expression (see the header for the grammar).
class ExpressionBuilder {
 public:
  ExpressionBuilder(const uint8_t* data, size_t size, const std::vector<std::string>& names)
      : m_data(data), m_size(size), m_names(names) {}

  std::string build() { return sequence(0); }
  [[nodiscard]] size_t consumed() const { return m_pos; }

 private:
  static constexpr int k_max_depth = 3;
  static constexpr int k_max_elements = 16;

  uint8_t next() { return m_pos < m_size ? m_data[m_pos++] : 0; }

  std::string sequence(int depth) {
    std::string out;
    const int count = 1 + next() % 4;
    for (int i = 0; i < count && m_elements < k_max_elements; ++i) out += element(depth);
    return out;
  }

  std::string field_name() { return "f" + std::to_string(m_fields++); }

  static std::string escape_byte(uint8_t b) {
    static const std::string_view meta = "\\^$.|?*+()[]{}%";
    if (b >= 0x20 && b < 0x7f) {
      std::string out;
      if (meta.find(static_cast<char>(b)) != std::string_view::npos) out += '\\';
      out += static_cast<char>(b);
      return out;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", b);
    return buf;
  }

  std::string element(int depth) {
    ++m_elements;
    int choice = next() % 12;
    if (depth >= k_max_depth) choice %= 7;  // no more groups
    switch (choice) {
      case 0: case 1: case 2: case 3: {
        const uint8_t which = next();
        const std::string name = (which & 1) ? k_common_names[(which >> 1) % std::size(k_common_names)]
                                             : m_names[(which >> 1) % m_names.size()];
        switch (next() % 4) {
          case 0: return "%{" + name + "}";
          case 3: return "%{" + name + ":" + field_name() + ":int}";
          default: return "%{" + name + ":" + field_name() + "}";
        }
      }
      case 4: case 5: {
        const uint8_t b = next();
        if (b % 2 == 0) return k_literals[(b >> 1) % std::size(k_literals)];
        return escape_byte(next());
      }
      case 6: return k_atoms[next() % std::size(k_atoms)];
      case 7: return "(?:" + sequence(depth + 1) + ")?";
      case 8: {
        std::string out = "(?:" + sequence(depth + 1);
        const int alternatives = 1 + next() % 2;
        for (int i = 0; i < alternatives; ++i) out += "|" + sequence(depth + 1);
        return out + ")";
      }
      case 9: {
        const std::string name = field_name();
        return "(?<" + name + ">" + sequence(depth + 1) + ")";
      }
      case 10: {
        std::string body = sequence(depth + 1);
        return "(?:" + body + ")" + k_quantifiers[next() % std::size(k_quantifiers)];
      }
      default: return "(?:" + sequence(depth + 1) + "|)";
    }
  }

  const uint8_t* m_data;
  size_t m_size;
  size_t m_pos = 0;
  const std::vector<std::string>& m_names;
  int m_elements = 0;
  int m_fields = 0;
};

std::string c_escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string describe(std::string_view line, const std::vector<std::string_view>& captures) {
  std::string out;
  for (size_t i = 0; i < captures.size(); ++i) {
    out += "  #" + std::to_string(i) + " ";
    if (captures[i].data() == nullptr) {
      out += "<unset>\n";
    } else {
      const auto offset = static_cast<size_t>(captures[i].data() - line.data());
      out += "[" + std::to_string(offset) + ", +" + std::to_string(captures[i].size()) + ") \"" +
             c_escape(captures[i]) + "\"\n";
    }
  }
  return out;
}

[[noreturn]] void mismatch(const GrokExpression& expression, bool legacy, std::string_view line, const char* what,
                           bool fast_matched, const std::vector<std::string_view>& fast, bool reference_matched,
                           const std::vector<std::string_view>& reference) {
  std::fprintf(stderr,
               "grok fast path disagrees with the plain RE2 match: %s\n"
               "pattern (%s): %s\nregex: %s\nline: \"%s\"\n"
               "fast path: %s\n%sreference: %s\n%s",
               what, legacy ? "legacy" : "ecs v1", expression.pattern().c_str(), expression.regex().c_str(),
               c_escape(line).c_str(), fast_matched ? "match" : "no match",
               fast_matched ? describe(line, fast).c_str() : "", reference_matched ? "match" : "no match",
               reference_matched ? describe(line, reference).c_str() : "");
  std::abort();
}

void check(State& st, const GrokExpression& expression, bool legacy, std::string_view line) {
  // Each call starts from stale contents, as the filter's reused vectors do.
  static std::vector<std::string_view> fast, reference;
  const bool a = expression.match(line, fast);
  const bool b = expression.match_reference(line, reference);
  st.stats.fast_path += expression.has_fast_path();
  if (a != b) mismatch(expression, legacy, line, "match result", a, fast, b, reference);
  if (!a) return;
  ++st.stats.matched;
  if (fast.size() != reference.size() || fast.size() != expression.captures().size())
    mismatch(expression, legacy, line, "number of captures", a, fast, b, reference);
  for (size_t i = 0; i < fast.size(); ++i) {
    if (fast[i].data() != reference[i].data() || fast[i].size() != reference[i].size())
      mismatch(expression, legacy, line, ("capture " + expression.captures()[i].name).c_str(), a, fast, b,
               reference);
  }
}

std::string_view as_line(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), std::min(size, k_max_line)};
}

}  // namespace

const std::vector<FixedExpression>& fixed_expressions() { return state().fixed; }

const GrokFuzzStats& grok_fuzz_stats() { return state().stats; }

size_t grok_fuzz_line_offset(const uint8_t* data, size_t size) {
  if (size == 0 || (data[0] & 0x80) == 0) return std::min<size_t>(size, 1);
  const State& st = state();
  ExpressionBuilder builder(data + 1, size - 1, (data[0] & 0x40) ? st.legacy_names : st.v1_names);
  builder.build();
  return 1 + builder.consumed();
}

void run_grok_fuzz_input(const uint8_t* data, size_t size) {
  State& st = state();
  if (size == 0) return;
  ++st.stats.inputs;
  const uint8_t head = data[0];
  if ((head & 0x80) == 0) {
    ++st.stats.fixed;
    const size_t index = head % st.fixed.size();
    check(st, st.fixed_compiled[index], st.fixed[index].legacy, as_line(data + 1, size - 1));
    return;
  }
  ++st.stats.built;
  const bool legacy = (head & 0x40) != 0;
  ExpressionBuilder builder(data + 1, size - 1, legacy ? st.legacy_names : st.v1_names);
  std::string pattern = builder.build();
  if (head & 0x20) pattern.insert(0, "^");
  if (head & 0x10) pattern += "$";
  const std::string_view line = as_line(data + 1 + builder.consumed(), size - 1 - builder.consumed());

  const std::string key = (legacy ? "L" : "E") + pattern;
  auto found = st.cache.find(key);
  if (found == st.cache.end()) {
    if (st.cache.size() >= k_max_cached) st.cache.clear();
    Compiled compiled;
    ++st.stats.compiled;
    if (auto expression = GrokExpression::compile(pattern, legacy ? st.legacy : st.v1))
      compiled.expression.emplace(std::move(*expression));
    found = st.cache.emplace(key, std::move(compiled)).first;
  }
  if (!found->second.expression) {
    ++st.stats.compile_failed;
    return;
  }
  check(st, *found->second.expression, legacy, line);
}

}  // namespace logpost::fuzz

// libFuzzer's entry point (also called by the replay driver).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  logpost::fuzz::run_grok_fuzz_input(data, size);
  return 0;
}
