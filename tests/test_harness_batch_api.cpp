#include <harness/client/batch_api.hpp>
#include <harness/client/openai_wire.hpp>
#include <harness/request_hash.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>

using namespace harness;
using namespace harness::client;
using nlohmann::json;

TEST_SUITE_BEGIN("harness::batch_api");

TEST_CASE("a batch input line is the request hash, POST, the path and the body a request sends")
{
  EndpointConfig endpoint;
  endpoint.name = "judge";
  endpoint.base_url = "https://api.example.com/v1";
  endpoint.model = "gpt-4-0613";
  DeferredRequest deferred;
  deferred.request.endpoint = "judge";
  deferred.request.model = "gpt-4-0613";
  deferred.request.messages = {{Role::user, "Rate this."}};
  deferred.request.params.temperature = 0.0;
  deferred.request.params.max_tokens = 2048;
  deferred.semantics = openai_wire::semantics_json(deferred.request);
  deferred.hash = sha256_hex(deferred.semantics);
  const std::string line = batch_api::input_line(deferred, endpoint);
  CHECK(line.find('\n') == std::string::npos);
  const auto j = json::parse(line);
  // OpenAI's batch input format: custom_id, method, url (the path), body.
  CHECK(j["custom_id"] == deferred.hash);
  CHECK(j["method"] == "POST");
  CHECK(j["url"] == "/v1/chat/completions");
  CHECK(j["body"] ==
        json::parse(openai_wire::request_body(deferred.request, ServerDialect::openai)));
  CHECK(j["body"]["model"] == "gpt-4-0613");
  CHECK(j["body"]["messages"][0]["content"] == "Rate this.");
  CHECK(batch_api::url_path("http://127.0.0.1:8000/v1", deferred.request) ==
        "/v1/chat/completions");
}

TEST_CASE("a batch output line gives the reply, a failed request's error, or says what is wrong")
{
  // As OpenAI writes them: a reply (status 200 and a chat completion)...
  auto ok = batch_api::parse_output_line(
      R"({"id":"batch_req_1","custom_id":"abc","response":{"status_code":200,"request_id":"r1",)"
      R"("body":{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4-0613","choices":)"
      R"([{"index":0,"message":{"role":"assistant","content":"Rating: [[8]]"},)"
      R"("finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":4,)"
      R"("total_tokens":16}}},"error":null})");
  REQUIRE(ok);
  CHECK(ok->custom_id == "abc");
  REQUIRE(ok->reply);
  CHECK(ok->reply->text == "Rating: [[8]]");
  CHECK(ok->reply->usage.prompt_tokens == 12);
  CHECK(ok->reply->usage.completion_tokens == 4);
  CHECK(ok->reply->model == "gpt-4-0613");
  // ...a request the server failed (a status and an error body)...
  auto failed = batch_api::parse_output_line(
      R"({"id":"batch_req_2","custom_id":"def","response":{"status_code":500,"request_id":"r2",)"
      R"("body":{"error":{"message":"server busy","type":"server_error"}}},"error":null})");
  REQUIRE(failed);
  REQUIRE_FALSE(failed->reply);
  CHECK(failed->reply.error().kind == Error::Kind::server);
  CHECK(failed->reply.error().http_status == 500);
  // ...or one the batch refused (an error object, no response).
  auto refused = batch_api::parse_output_line(
      R"({"id":"batch_req_3","custom_id":"ghi","response":null,"error":{"code":)"
      R"("invalid_request","message":"bad url"}})");
  REQUIRE(refused);
  REQUIRE_FALSE(refused->reply);
  CHECK(refused->reply.error().message.find("invalid_request: bad url") != std::string::npos);
  // Not an output line at all.
  CHECK_FALSE(batch_api::parse_output_line("not json"));
  CHECK_FALSE(batch_api::parse_output_line(R"({"response":{}})"));
  auto empty = batch_api::parse_output_line(R"({"custom_id":"x"})");
  REQUIRE(empty);
  CHECK_FALSE(empty->reply);
}

TEST_CASE("a batch output file: every line, blank ones and CRs skipped, a bad one named by line")
{
  const std::string good =
      R"({"custom_id":"a","response":null,"error":{"code":"x","message":"y"}})";
  auto lines = batch_api::parse_output_file(good + "\r\n\n  \n" + good + "\n", "out.jsonl");
  REQUIRE(lines);
  CHECK(lines->size() == 2);
  CHECK((*lines)[1].custom_id == "a");
  auto bad = batch_api::parse_output_file(good + "\n\n[1]\n", "out.jsonl");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.rfind("out.jsonl:3: not a batch output line", 0) == 0);
}

TEST_CASE("a batch object: its status, files, counts and why it failed")
{
  auto batch = batch_api::parse_batch(
      R"({"id":"batch_abc","object":"batch","endpoint":"/v1/chat/completions","status":)"
      R"("completed","output_file_id":"file-out","error_file_id":null,"request_counts":)"
      R"({"total":10,"completed":9,"failed":1}})");
  REQUIRE(batch);
  CHECK(batch->id == "batch_abc");
  CHECK(batch->finished());
  CHECK(batch->output_file_id == "file-out");
  CHECK(batch->error_file_id.empty());
  CHECK(batch->total == 10);
  CHECK(batch->completed == 9);
  CHECK(batch->failed == 1);
  auto failed = batch_api::parse_batch(
      R"({"id":"batch_x","status":"failed","errors":{"object":"list","data":[{"code":)"
      R"("invalid_json_line","message":"line 3 is not JSON","line":3}]}})");
  REQUIRE(failed);
  CHECK(failed->finished());
  CHECK(failed->errors == "invalid_json_line: line 3 is not JSON");
  for (const char* waiting : {"validating", "in_progress", "finalizing", "cancelling"}) {
    auto b = batch_api::parse_batch(fmt::format(R"({{"id":"b","status":"{}"}})", waiting));
    REQUIRE(b);
    CHECK_FALSE(b->finished());
  }
  CHECK_FALSE(batch_api::parse_batch(R"({"status":"completed"})"));
}

TEST_SUITE_END();
