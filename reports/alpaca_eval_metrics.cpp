#include <reports/alpaca_eval_metrics.hpp>
#include <reports/statistics.hpp>

#include <cmath>

namespace reports {

long
utf8_length(const std::string& text)
{
  long n = 0;
  for (unsigned char c : text) {
    n += (c & 0xC0) != 0x80; // count every byte that starts a code point
  }
  return n;
}

AlpacaEvalMetrics
alpaca_eval_metrics(const std::vector<std::optional<double>>& preferences,
                    const std::vector<std::string>& model_outputs)
{
  AlpacaEvalMetrics m;
  std::vector<double> p;
  double discrete = 0;
  for (const auto& pref : preferences) {
    if (!pref || std::isnan(*pref)) {
      continue;
    }
    p.push_back(*pref - 1.0);
    if (*pref > 1.5) {
      ++m.n_wins;
      discrete += 1.0;
    } else if (*pref < 1.5) {
      ++m.n_wins_base;
    } else {
      ++m.n_draws;
      discrete += 0.5;
    }
  }
  m.n_total = static_cast<long>(p.size());
  if (m.n_total > 0) {
    m.win_rate = 100.0 * *mean(p);
    m.standard_error = 100.0 * sem(p).value_or(0.0);
    m.discrete_win_rate = 100.0 * discrete / static_cast<double>(m.n_total);
  }
  if (!model_outputs.empty()) {
    double total = 0;
    for (const auto& o : model_outputs) {
      total += static_cast<double>(utf8_length(o));
    }
    m.avg_length = static_cast<long>(total / static_cast<double>(model_outputs.size()));
  }
  return m;
}

} // namespace reports
