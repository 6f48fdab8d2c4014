// grok_fuzz_replay.cpp — runs the grok fuzz target without libFuzzer, so the
// normal (g++) build and CI exercise it on every run.
//
//   logpost_grok_fuzz_replay [--iterations N] [--seed S] [CORPUS_DIR_OR_FILE...]
//   logpost_grok_fuzz_replay --list     the fixed expressions, by head byte
//   logpost_grok_fuzz_replay --write-pipeline-expressions FILE
//                                       regenerates tests/fuzz/pipeline-expressions.txt
//
// 0. Checks that tests/fuzz/pipeline-expressions.txt (what the target reads)
//    equals what pipelines/*.conf hold now (pipeline_expressions.hpp).
// 1. Feeds every file of the given directories (not recursive, name order)
//    and every given file to the target, unchanged: the committed seed
//    corpus and any crash file libFuzzer saved are regression cases.
// 2. Feeds N (default 20000) inputs made by a seeded pseudo-random mutator
//    (seed default 1): a corpus input, or a fresh random header before a
//    corpus input's line, then 1-4 edits, mostly in the line (byte flips, inserts of bytes that matter to log patterns,
//    erasures, truncation, duplicated chunks, splices with another input,
//    a new head byte). Deterministic for a given seed and corpus.
//
// A disagreement aborts inside the target (the report names expression and
// line). Exit 0 when all inputs agree and the run was not vacuous (some
// inputs matched, some built expressions compiled); 1 otherwise; 64 on a
// usage error; 66 when a corpus path is missing.
// Exit 1 as well when pipeline-expressions.txt is stale.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/atomic_file.hpp"
#include "tests/fuzz/grok_fuzz_target.hpp"
#include "tests/fuzz/pipeline_expressions.hpp"

namespace {

using Input = std::vector<uint8_t>;

bool read_file(const std::filesystem::path& path, Input& out) {
  auto text = logpost::read_small_file(path, 1u << 20);
  if (!text) return false;
  out.assign(text->begin(), text->end());
  return true;
}

// Bytes log patterns care about: separators, quotes, brackets, digits,
// address characters, and a few that are not ASCII.
constexpr std::string_view k_interesting = " \"-[]:/.,0123456789aZfx\\?%@=\t\xff\xc3";

void mutate(Input& input, const std::vector<Input>& corpus, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  // Mostly the line: a new expression costs a compile, a new line only a match.
  const size_t line_start = rng() % 8 == 0 ? 0 : logpost::fuzz::grok_fuzz_line_offset(input.data(), input.size());
  for (int e = 0; e < edits; ++e) {
    const size_t room = input.size() >= line_start ? input.size() - line_start : 0;
    const size_t pos = std::min(input.size(), line_start + rng() % (room + 1));
    switch (rng() % 8) {
      case 0:
        if (pos < input.size()) input[pos] = static_cast<uint8_t>(input[pos] ^ (1u << (rng() % 8)));
        break;
      case 1: input.insert(input.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<uint8_t>(
                               k_interesting[rng() % k_interesting.size()])); break;
      case 2:
        if (pos < input.size()) input.erase(input.begin() + static_cast<std::ptrdiff_t>(pos));
        break;
      case 3: input.resize(pos); break;
      case 4: {  // duplicate a chunk in place
        if (pos >= input.size()) break;
        const size_t length = std::min<size_t>(1 + rng() % 16, input.size() - pos);
        Input chunk(input.begin() + static_cast<std::ptrdiff_t>(pos),
                    input.begin() + static_cast<std::ptrdiff_t>(pos + length));
        input.insert(input.begin() + static_cast<std::ptrdiff_t>(pos), chunk.begin(), chunk.end());
        break;
      }
      case 5: {  // splice: keep our head, take another input's tail
        if (corpus.empty()) break;
        const Input& other = corpus[rng() % corpus.size()];
        const size_t from = other.empty() ? 0 : rng() % other.size();
        input.resize(pos);
        input.insert(input.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      case 6:  // another expression (fixed or built) for the same line
        if (!input.empty() && line_start == 0) input[0] = static_cast<uint8_t>(rng());
        break;
      default:
        if (pos < input.size()) input[pos] = static_cast<uint8_t>(rng());
        break;
    }
  }
}

int usage() {
  std::fprintf(stderr, "usage: logpost_grok_fuzz_replay [--iterations N] [--seed S] [CORPUS_DIR_OR_FILE...]\n");
  return 64;
}

}  // namespace

const std::filesystem::path k_source(LOGPOST_SOURCE_DIR);

int main(int argc, char** argv) {
  auto expected = logpost::fuzz::pipeline_expressions_text(k_source / "pipelines");
  if (!expected) {
    std::fprintf(stderr, "logpost_grok_fuzz_replay: %s\n", expected.error().message.c_str());
    return 1;
  }
  if (argc == 3 && std::string_view(argv[1]) == "--write-pipeline-expressions") {
    if (auto ok = logpost::write_file_atomically(argv[2], *expected); !ok) {
      std::fprintf(stderr, "logpost_grok_fuzz_replay: %s\n", ok.error().message.c_str());
      return 73;
    }
    return 0;
  }
  const auto committed = logpost::read_small_file(k_source / "tests/fuzz/pipeline-expressions.txt");
  if (!committed || *committed != *expected) {
    std::fprintf(stderr,
                 "tests/fuzz/pipeline-expressions.txt does not match pipelines/*.conf; refresh it with\n"
                 "  logpost_grok_fuzz_replay --write-pipeline-expressions <repo>/tests/fuzz/pipeline-expressions.txt\n");
    return 1;
  }

  long iterations = 20000;
  unsigned long seed = 1;
  std::vector<std::filesystem::path> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--iterations" || arg == "--seed") && i + 1 < argc) {
      char* end = nullptr;
      const unsigned long value = std::strtoul(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0') return usage();
      if (arg == "--iterations") iterations = static_cast<long>(value);
      else seed = value;
    } else if (arg == "--list") {
      const auto& fixed = logpost::fuzz::fixed_expressions();
      for (size_t k = 0; k < fixed.size(); ++k)
        std::printf("0x%02zx %s%s: %s\n", k, fixed[k].origin.c_str(), fixed[k].legacy ? " (legacy)" : "",
                    fixed[k].pattern.c_str());
      return 0;
    } else if (arg.starts_with("-")) {
      return usage();
    } else {
      paths.emplace_back(arg);
    }
  }

  std::vector<Input> corpus;
  for (const auto& path : paths) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(path, ec))
        if (entry.is_regular_file()) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
    } else if (std::filesystem::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      std::fprintf(stderr, "logpost_grok_fuzz_replay: no such corpus: %s\n", path.c_str());
      return 66;
    }
    for (const auto& file : files) {
      Input input;
      if (!read_file(file, input)) {
        std::fprintf(stderr, "logpost_grok_fuzz_replay: cannot read %s\n", file.c_str());
        return 66;
      }
      LLVMFuzzerTestOneInput(input.data(), input.size());
      corpus.push_back(std::move(input));
    }
  }
  const auto after_corpus = logpost::fuzz::grok_fuzz_stats();

  std::mt19937 rng(static_cast<std::mt19937::result_type>(seed));
  for (long i = 0; i < iterations; ++i) {
    Input input;
    if (!corpus.empty() && rng() % 8 != 0) {
      input = corpus[rng() % corpus.size()];
    } else {  // a fresh random header (head byte, expression bytes), then some corpus input's line
      input.resize(1 + rng() % 24);
      for (auto& b : input) b = static_cast<uint8_t>(rng());
      if (!corpus.empty()) {
        const Input& other = corpus[rng() % corpus.size()];
        const size_t from = logpost::fuzz::grok_fuzz_line_offset(other.data(), other.size());
        input.insert(input.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
      }
    }
    mutate(input, corpus, rng);
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }

  const auto& stats = logpost::fuzz::grok_fuzz_stats();
  std::printf(
      "grok fuzz replay: %zu corpus files, %zu inputs (%zu fixed, %zu built, %zu compiles, %zu did not compile), "
      "%zu matched, %zu on a fast path; %zu fixed expressions; fast path and RE2 agreed on all\n",
      corpus.size(), stats.inputs, stats.fixed, stats.built, stats.compiled, stats.compile_failed, stats.matched, stats.fast_path,
      logpost::fuzz::fixed_expressions().size());
  // A replay where nothing matches would compare nothing.
  if (!corpus.empty() && after_corpus.matched * 2 < corpus.size()) {
    std::fprintf(stderr, "vacuous: only %zu of %zu corpus inputs matched\n", after_corpus.matched, corpus.size());
    return 1;
  }
  if (iterations >= 1000 && (stats.matched < stats.inputs / 20 || stats.built <= stats.compile_failed)) {
    std::fprintf(stderr, "vacuous: too few matches or no built expression compiled\n");
    return 1;
  }
  return 0;
}
