#pragma once

#include <harness/types.hpp>

#include <string>

namespace harness::demo {

// The built-in demo model: a deterministic reply, a pure function of (model,
// messages), or (model, prompt) for text completions. Judge prompts get a
// reply in the format their parser expects: MT-Bench "[[rating]]" prompts
// "Rating: [[N]]" (N in 1..10), pairwise "[[A]]" prompts one of
// [[A]]/[[B]]/[[C]], Prometheus relative prompts "[RESULT] A" or B, FLASK skill prompts a paragraph
// per skill and a Python dict {'Skill': N}, Prometheus "[RESULT]" prompts "[RESULT] N" (N in 1..5);
// structured-output requests get a JSON document that follows their schema;
// anything else gets a plain answer of 20..120 words that says it is a demo.
std::string demo_reply(const ChatRequest& request);

// The first token's top logprobs for a demo reply, when the request asked for
// them: for AlpacaEval's classifier prompt (reply "m" or "M") both
// identifiers, with P(m) between 0.02 and 0.98; otherwise the reply's first
// word alone, with logprob 0.
std::vector<std::pair<std::string, double>> demo_top_logprobs(const ChatRequest& request,
                                                              const std::string& reply);

} // namespace harness::demo
