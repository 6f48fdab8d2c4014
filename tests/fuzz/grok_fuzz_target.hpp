// grok_fuzz_target.hpp — the grok fast-path fuzz target: one input in, one
// differential check of GrokExpression::match() (the span-plan fast path)
// against GrokExpression::match_reference() (one plain RE2 match).
//
// The same target is linked two ways:
//   - with libFuzzer (clang, -DLOGPOST_FUZZ=ON, target logpost_grok_fuzz):
//     coverage-guided fuzzing, see tests/fuzz/run-fuzz and docs/grok.md;
//   - with tests/fuzz/grok_fuzz_replay.cpp (g++, the normal build,
//     target logpost_grok_fuzz_replay, ctest "fuzz_grok_replay", label unit):
//     replays the committed corpus and a bounded, seeded stream of mutated
//     inputs on every CI run.
//
// Input format (what libFuzzer mutates):
//   byte 0, bit 7 clear: a fixed expression, number (byte 0 % count) of
//     fixed_expressions(); the rest of the input is the line.
//   byte 0, bit 7 set: an expression built from the following bytes (bit 6:
//     legacy pattern names instead of ECS v1; bit 5: anchor with ^; bit 4:
//     anchor with $). The builder reads a small grammar — library
//     references with or without a capture (optionally :int), literals
//     (from a table or a raw input byte, escaped), character-class atoms,
//     optional groups, alternations, named groups, repetitions — nesting at
//     most 3 deep, at most 16 elements; the bytes after it are the line.
//     Running out of bytes ends the expression.
// Lines are cut at 4096 bytes (the fast path's cost is linear; long lines
// only slow the fuzzer down).
//
// On any disagreement (match/no match, number of captures, a capture's
// position or length, set vs unset) the target prints the expression, its
// mode, the RE2 regex, the line (C-escaped) and both capture lists to
// stderr, then aborts: libFuzzer saves the input as a crash file, the replay
// driver fails its test.
//
// Built expressions only use names the library has, so they compile; any
// that does not (RE2 limits, e.g. a repetition count over a huge piece) is
// skipped and counted. Compiled expressions are cached (128, then cleared):
// compiling, not matching, dominates the time per input.
// Thread-safety: none; libFuzzer and the replay driver call it from one
// thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace logpost::fuzz {

struct GrokFuzzStats {
  size_t inputs = 0;
  size_t fixed = 0;           // inputs on a fixed expression
  size_t built = 0;           // inputs on a built expression
  size_t compiled = 0;        // built expressions compiled (cache misses)
  size_t compile_failed = 0;  // built expressions RE2 or grok rejected
  size_t matched = 0;         // inputs where both agreed on a match
  size_t fast_path = 0;       // inputs whose expression has a span plan
};

// The fixed expressions, in the order byte 0 selects them: the brief's
// important library expressions first, then every grok `match` pattern of
// pipelines/*.conf (with that block's pattern_definitions and
// ecs_compatibility), in file order, as tests/fuzz/pipeline-expressions.txt
// lists them (pipeline_expressions.hpp says why a file). Loaded on first
// use; a missing or malformed file aborts.
struct FixedExpression {
  std::string pattern;
  std::string origin;  // "library" or "pipelines/<file>:<line>"
  bool legacy = false;
};
const std::vector<FixedExpression>& fixed_expressions();

// Runs one input; aborts on a disagreement.
void run_grok_fuzz_input(const uint8_t* data, size_t size);

const GrokFuzzStats& grok_fuzz_stats();

// Where the line starts in an input (after the head byte and, for a built
// expression, the bytes the builder reads): the replay driver mutates the
// line more often than the expression, so compiled expressions get reused.
size_t grok_fuzz_line_offset(const uint8_t* data, size_t size);

}  // namespace logpost::fuzz

// libFuzzer's entry point: run_grok_fuzz_input(); always returns 0.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
