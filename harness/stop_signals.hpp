#pragma once

#include <signal.h>

#include <array>

namespace harness {

// SIGINT, SIGTERM and SIGHUP noted instead of ending evalrun while it waits
// outside the io_context (for servers to start, for a batch job), so that it
// can stop in order; the previous handlers come back when this goes. One at
// a time.
class StopSignals
{
public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The signal caught since this began, or 0.
  int caught() const;

private:
  static constexpr std::array<int, 3> k_signals = {SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> m_previous{};
};

} // namespace harness
