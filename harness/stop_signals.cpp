#include <harness/stop_signals.hpp>

#include <csignal>

namespace harness {

namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void
note_stop_signal(int signo)
{
  g_stop_signal = signo;
}

} // namespace

StopSignals::StopSignals()
{
  g_stop_signal = 0;
  struct sigaction action = {};
  action.sa_handler = note_stop_signal;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < k_signals.size(); ++i) {
    ::sigaction(k_signals[i], &action, &m_previous[i]);
  }
}

StopSignals::~StopSignals()
{
  for (size_t i = 0; i < k_signals.size(); ++i) {
    ::sigaction(k_signals[i], &m_previous[i], nullptr);
  }
}

int
StopSignals::caught() const
{
  return g_stop_signal;
}

} // namespace harness
