// retry_policy.hpp — capped exponential backoff with full jitter.
//
// delay(n) for the n-th retry (0-based) is uniform in [d/2, d] where
// d = min(initial * 2^n, max): spreading retries so that several ingesters
// behind one busy store do not retry in lockstep, never waiting past `max`.
// give_up tells when the elapsed time has exceeded the budget.
//
// Thread-safety: one object per thread (it owns its random engine).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace logpost::ingester {

class RetryPolicy {
 public:
  RetryPolicy(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::chrono::milliseconds give_up,
              uint64_t seed = std::random_device{}());

  [[nodiscard]] std::chrono::milliseconds delay(unsigned attempt);
  [[nodiscard]] bool should_give_up(std::chrono::milliseconds elapsed) const { return elapsed >= m_give_up; }

  [[nodiscard]] std::chrono::milliseconds initial() const { return m_initial; }
  [[nodiscard]] std::chrono::milliseconds max() const { return m_max; }

 private:
  std::chrono::milliseconds m_initial;
  std::chrono::milliseconds m_max;
  std::chrono::milliseconds m_give_up;
  std::mt19937_64 m_rng;
};

}  // namespace logpost::ingester
