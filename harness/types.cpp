#include <harness/types.hpp>

namespace harness {

GenParams
GenParams::merged_with(const GenParams& over) const
{
  GenParams out = *this;
  if (over.temperature) {
    out.temperature = over.temperature;
  }
  if (over.top_p) {
    out.top_p = over.top_p;
  }
  if (over.max_tokens) {
    out.max_tokens = over.max_tokens;
  }
  if (over.seed) {
    out.seed = over.seed;
  }
  if (over.repetition_penalty) {
    out.repetition_penalty = over.repetition_penalty;
  }
  if (over.top_k) {
    out.top_k = over.top_k;
  }
  if (over.min_p) {
    out.min_p = over.min_p;
  }
  if (!over.stop.empty()) {
    out.stop = over.stop;
  }
  if (over.logprobs) {
    out.logprobs = over.logprobs;
  }
  if (over.top_logprobs) {
    out.top_logprobs = over.top_logprobs;
  }
  return out;
}

} // namespace harness
