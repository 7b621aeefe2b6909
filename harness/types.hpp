#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// Plain value types shared by every folder. No JSON, no I/O.
namespace harness {

enum class Role { system, user, assistant };

struct Message
{
  Role role = Role::user;
  std::string content;

  bool operator==(const Message&) const = default;
};

// Sampling parameters sent with a request. Unset fields are not sent, so the
// server's own defaults apply.
struct GenParams
{
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> max_tokens;
  std::optional<std::int64_t> seed;
  std::optional<double> repetition_penalty; // vLLM / SGLang / llama.cpp extension
  std::optional<int> top_k;                 // vLLM / SGLang / llama.cpp extension
  std::optional<double> min_p;              // vLLM / SGLang / llama.cpp extension
  std::vector<std::string> stop;
  std::optional<bool> logprobs;    // ask for token logprobs
  std::optional<int> top_logprobs; // alternatives per token (with logprobs)

  // Fields set in `over` replace those here.
  GenParams merged_with(const GenParams& over) const;
  bool operator==(const GenParams&) const = default;
};

// One chat completion to send to a named endpoint. Its semantics (model,
// messages, params) are what the request hash covers.
struct ChatRequest
{
  std::string endpoint; // endpoint name, e.g. "janus"; picks pool limits, not hashed
  std::string model;    // model id sent on the wire
  std::vector<Message> messages;
  // For `completions` endpoints: the messages rendered with the endpoint's
  // chat template. Empty for chat endpoints.
  std::string prompt;
  GenParams params;
  // Structured output: the reply must be JSON following this schema (JSON
  // text), sent as response_format {"type": "json_schema"}. Empty: none.
  std::string json_schema_name;
  std::string json_schema;
  // What the endpoint's server says it serves under `model` (JSON text, see
  // EndpointConfig::served): part of the request's identity, never sent.
  std::string served;
};

struct Usage
{
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

struct Response
{
  std::string text;
  std::string finish_reason;
  Usage usage;
  // The first generated token's top alternatives (token, logprob), when
  // logprobs were asked for; AlpacaEval's judge reads m / M from them.
  std::vector<std::pair<std::string, double>> top_logprobs;
  // The model and system_fingerprint the reply names, when it does: the
  // server's word for what answered (a dated version, a build).
  std::string model;
  std::string system_fingerprint;
  double latency_ms = 0; // of the successful attempt
  int attempts = 1;      // HTTP attempts it took, retries included
  bool from_cache = false;
};

// A system message that states one user's preferences; its id is stored with
// every response so "unseen" can be audited.
struct SystemMessage
{
  std::string id;
  std::string text;
};

// A scoring rubric of one preference (Multifaceted Bench / Prometheus):
// a question and what each score 1..5 means.
struct Rubric
{
  std::string name; // optional (FLASK skills have one)
  std::string criteria;
  std::map<std::string, std::string> score_descriptions; // "1".."5"

  bool operator==(const Rubric&) const = default;
};

// One benchmark instance: one or more user turns, optional references (one
// per turn) and per-item generation overrides.
struct Item
{
  std::string id;
  std::string category; // the benchmark's own grouping (MT-Bench category, FLASK task, ...)
  std::string source;   // which benchmark the prompt comes from (alpacaeval, flask, ...)
  std::vector<std::string> turns;
  std::vector<std::string> references; // empty, or one per turn
  std::optional<SystemMessage> system;
  std::vector<Rubric> rubrics;
  std::map<std::string, std::vector<std::string>> meta; // e.g. FLASK skills, domain, difficulty
  GenParams params;                                     // e.g. MT-Bench's per-category temperature
};

} // namespace harness
