#include <reports/single_scores.hpp>

namespace reports {

namespace {

struct Sum
{
  double total = 0;
  long n = 0;
  void add(double x)
  {
    total += x;
    ++n;
  }
  MeanScore mean() const
  {
    return MeanScore{n ? std::optional(total / static_cast<double>(n)) : std::nullopt, n};
  }
};

} // namespace

SingleScores
summarize_single(const std::vector<harness::VerdictRecord>& verdicts)
{
  SingleScores out;
  Sum turn1;
  Sum turn2;
  Sum all;
  std::map<std::string, Sum> categories;
  for (const auto& v : verdicts) {
    ++out.judgments;
    if (v.status == "ok") {
      if (v.score) { // pairwise verdicts have a winner instead
        all.add(*v.score);
        (v.turn == 1 ? turn1 : turn2).add(*v.score);
        categories[v.category].add(*v.score);
      }
    } else if (v.status == "parse_failed" || v.status == "out_of_range") {
      ++out.parse_failures;
    } else {
      ++out.errors;
    }
  }
  out.turn1 = turn1.mean();
  out.turn2 = turn2.mean();
  out.average = all.mean();
  for (const auto& [name, sum] : categories) {
    out.by_category[name] = sum.mean();
  }
  return out;
}

} // namespace reports
