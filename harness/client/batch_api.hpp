#pragma once

#include <harness/client/cached_client.hpp>
#include <harness/client/http.hpp>
#include <harness/config.hpp>
#include <harness/error.hpp>
#include <harness/types.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// OpenAI's Batch API (POST /v1/files, POST /v1/batches, GET /v1/batches/ID,
// GET /v1/files/ID/content) and its JSON Lines files, which vLLM's
// `run-batch` reads and writes too.
namespace harness::client::batch_api {

// One line of a batch input file for `request` (deferred for `endpoint`):
// {"custom_id": <request hash>, "method": "POST", "url": "/v1/chat/completions"
// (or /v1/completions), "body": <the body a live request sends>}, no newline.
std::string input_line(const DeferredRequest& request, const EndpointConfig& endpoint);

// One line of a batch output or error file: the request it answers (its
// custom_id) and the reply, or why there is none (the request's failure,
// or the line's own fault).
struct OutputLine
{
  std::string custom_id;
  Result<Response> reply = Error{Error::Kind::bad_response, "no reply"};
};

// Reads one line of an output or error file; an Error when the line is not a
// batch output line at all (it names what is wrong).
Result<OutputLine> parse_output_line(std::string_view line);

// Every line of an output or error file (blank lines and CRs skipped); the
// first line that is no batch output line is an Error "NAME:LINE: ...".
Result<std::vector<OutputLine>> parse_output_file(std::string_view content,
                                                  const std::string& name);

// A batch job as the server describes it.
struct Batch
{
  std::string id;
  std::string status; // validating, in_progress, finalizing, completed, failed, expired,
                      // cancelling, cancelled
  std::string output_file_id;
  std::string error_file_id;
  long total = 0;
  long completed = 0;
  long failed = 0;
  std::string errors; // why a failed batch failed (the server's messages)

  // No further change: completed, failed, expired or cancelled.
  bool finished() const;
};

// Reads a batch object (the reply of POST /v1/batches or GET /v1/batches/ID).
Result<Batch> parse_batch(std::string_view body);

// The calls, made one at a time through `transport` (Transport::fetch), to
// the endpoint's base URL with its key (`api_key`, may be empty).
class Client
{
public:
  Client(Transport& transport, const EndpointConfig& endpoint, std::string api_key);

  // Uploads a batch input file; its file id.
  Result<std::string> upload(const std::string& jsonl, const std::string& filename);
  // Creates a batch over an uploaded file; `metadata` (a JSON object) is
  // kept by the server and listed with the batch.
  Result<Batch> create(const std::string& input_file_id, const std::string& url_path,
                       const std::string& metadata_json);
  Result<Batch> get(const std::string& batch_id);
  // The batches listed (the latest first), to find one created before a
  // crash left its id unrecorded.
  Result<std::vector<std::pair<Batch, std::string>>> list(int limit); // (batch, metadata JSON)
  // A file's content (an output or error file).
  Result<std::string> content(const std::string& file_id);

private:
  Result<std::string> call(HttpRequest request);
  Transport& m_transport;
  const EndpointConfig& m_endpoint;
  std::string m_api_key;
};

// The path (e.g. "/v1/chat/completions") of `request`'s URL under `base_url`.
std::string url_path(const std::string& base_url, const ChatRequest& request);

} // namespace harness::client::batch_api
