#include <reports/alpaca_eval_lc_report.hpp>
#include <reports/alpaca_eval_metrics.hpp>
#include <reports/baseline_model.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace reports {

namespace {

// The AlpacaEval position in an item id "<prefix>_<i>", or nullopt.
std::optional<long>
position_of(const std::string& item_id)
{
  auto underscore = item_id.rfind('_');
  const char* begin = item_id.data() + (underscore == std::string::npos ? 0 : underscore + 1);
  const char* end = item_id.data() + item_id.size();
  long value = 0;
  auto [p, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || p != end || begin == end) {
    return std::nullopt;
  }
  return value;
}

} // namespace

AlpacaEvalLc
alpaca_eval_lc(harness::Store& store, const harness::RunRecord& run,
               const std::vector<harness::VerdictRecord>& verdicts,
               const AlpacaEvalLcInputs* inputs)
{
  AlpacaEvalLc lc;
  lc.baseline = baseline_model(run);
  if (!inputs) {
    lc.note = "LC needs AlpacaEval's df_gamed.csv (and instruction_difficulty.csv), published "
              "only on the Hugging Face hub: download them into a folder and pass "
              "--alpaca-eval-lc FOLDER (see the README)";
    return lc;
  }
  if (!inputs->missing.empty()) {
    lc.note = inputs->missing;
    return lc;
  }
  std::vector<std::pair<long, LcAnnotation>> rows;
  long without_outputs = 0;
  for (const auto& v : verdicts) {
    auto position = position_of(v.item_id);
    if (!position) {
      lc.note = fmt::format("item '{}' is not an AlpacaEval position (alpacaeval_<i>): LC "
                            "needs the evaluation set's order",
                            v.item_id);
      return lc;
    }
    auto model = store.response_text(v.candidate_hash);
    auto baseline = store.response_text(v.baseline_hash);
    if (!model || !baseline) {
      ++without_outputs; // a failed candidate request, or a run stored before baselines were
      continue;
    }
    LcAnnotation a;
    a.index = *position;
    a.model_chars = utf8_length(*model);
    a.baseline_chars = utf8_length(*baseline);
    if (v.status == "ok" && v.score) {
      a.preference = *v.score;
    }
    rows.emplace_back(*position, a);
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<LcAnnotation> annotations;
  for (auto& [position, a] : rows) {
    annotations.push_back(a);
  }
  lc.annotations = static_cast<long>(annotations.size());
  if (run.model == lc.baseline || run.model_id == lc.baseline) {
    lc.result = baseline_length_controlled(annotations.size());
  } else {
    LcOptions options;
    options.pinned_c = inputs->pinned_c;
    auto fit = length_controlled_winrate(annotations, inputs->gamed, options);
    if (!fit) {
      lc.note = fit.error().message;
      return lc;
    }
    lc.result = std::move(*fit);
  }
  if (!inputs->difficulty.empty()) {
    std::vector<double> d;
    for (const auto& row : inputs->difficulty) {
      d.push_back(row.difficulty);
    }
    lc.from_weights = predict_winrate(lc.result->weights, LcWeights{}, d);
  }
  std::vector<std::string> notes;
  if (without_outputs) {
    notes.push_back(fmt::format("{} verdict(s) left out: the model's or the baseline's output "
                                "is not stored",
                                without_outputs));
  }
  if (!inputs->unchecked.empty()) {
    notes.push_back(inputs->unchecked);
  }
  lc.note = fmt::format("{}", fmt::join(notes, "; "));
  return lc;
}

} // namespace reports
