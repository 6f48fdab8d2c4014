#include "filters/drop_filter.hpp"

#include <cstdint>
#include <random>

#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

class DropFilter final : public Filter {
 public:
  explicit DropFilter(double percentage) : m_percentage(percentage), m_state(std::random_device{}() | 1u) {}

  FilterOutcome process(Event&) override {
    if (m_percentage >= 100) return FilterOutcome::drop;
    if (m_percentage <= 0) return FilterOutcome::success;
    // xorshift64: sampling needs speed, not cryptographic quality.
    m_state ^= m_state << 13;
    m_state ^= m_state >> 7;
    m_state ^= m_state << 17;
    double roll = static_cast<double>(m_state >> 11) * (100.0 / 9007199254740992.0);  // [0, 100)
    return roll < m_percentage ? FilterOutcome::drop : FilterOutcome::success;
  }

 private:
  double m_percentage;
  uint64_t m_state;
};

}  // namespace

Result<std::unique_ptr<Filter>> make_drop_filter(const PluginBlock& block, const BuildContext&) {
  OptionReader opts(block, {"percentage"});
  double percentage = 100;
  if (auto p = opts.number("percentage")) {
    if (*p < 0 || *p > 100) opts.error("percentage", "must be between 0 and 100");
    else percentage = *p;
  }
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(std::make_unique<DropFilter>(percentage));
}

}  // namespace logpost::filters
