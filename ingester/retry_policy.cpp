// retry_policy.cpp — backoff arithmetic.
#include "ingester/retry_policy.hpp"

#include <algorithm>

namespace logpost::ingester {

RetryPolicy::RetryPolicy(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                         std::chrono::milliseconds give_up, uint64_t seed)
    : m_initial(std::max<std::chrono::milliseconds>(initial, std::chrono::milliseconds(1))),
      m_max(std::max(max, m_initial)),
      m_give_up(give_up),
      m_rng(seed) {}

std::chrono::milliseconds RetryPolicy::delay(unsigned attempt) {
  // Doubling stops at the cap; the shift is bounded so it cannot overflow.
  int64_t d = m_initial.count();
  for (unsigned i = 0; i < attempt && d < m_max.count(); ++i) d *= 2;
  d = std::min<int64_t>(d, m_max.count());
  std::uniform_int_distribution<int64_t> jitter(d / 2, d);
  return std::chrono::milliseconds(jitter(m_rng));
}

}  // namespace logpost::ingester
