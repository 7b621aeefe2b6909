#pragma once

#include <harness/client/cached_client.hpp>
#include <harness/config.hpp>
#include <harness/error.hpp>
#include <harness/system_messages/preferences.hpp>
#include <harness/types.hpp>

#include <boost/asio/io_context.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness::system_messages {

// What a generator model is asked for.
enum class GenerationTarget {
  instance,       // system message + reference answer + one rubric per preference
  system_message, // the system message only
};

// One prompt to build on, with the preference profile drawn for it.
struct GenerationTask
{
  std::string id;
  std::string source;
  std::string prompt;
  PreferenceProfile profile;
};

struct GeneratedInstance
{
  std::string system;
  std::string reference_answer; // empty for GenerationTarget::system_message
  std::vector<Rubric> rubrics;  // one per preference dimension
};

// The structured-output request for `task` (a JSON schema in
// response_format). `attempt` > 0 asks again after an invalid reply, with a
// different seed and a note, so the request (and its cache key) differs.
ChatRequest generation_request(const GenerationTask& task, GenerationTarget target,
                               const EndpointConfig& generator, int attempt);

// Checks a generator reply against the schema: valid JSON, every field a
// non-empty string, exactly `expected_rubrics` rubrics with score
// descriptions "1".."5". The Error says what is wrong.
Result<GeneratedInstance> parse_generated(std::string_view reply, GenerationTarget target,
                                          size_t expected_rubrics);

struct GenerationResult
{
  std::vector<std::optional<GeneratedInstance>> instances; // per task; nullopt = failed
  std::vector<std::string> failures;                       // "<task id>: <reason>"
  long resamples = 0;                                      // invalid replies that were asked again
};

// Sends every task through `client` (stored replies are reused), asking
// again up to `max_attempts` times in all when a reply does not follow the
// schema. Runs `io` until every task has a result.
GenerationResult generate_all(boost::asio::io_context& io, client::CachedClient& client,
                              const std::vector<GenerationTask>& tasks, GenerationTarget target,
                              const EndpointConfig& generator, int max_attempts);

} // namespace harness::system_messages
