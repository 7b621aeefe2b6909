#include <harness/client/batch_api.hpp>
#include <harness/client/openai_wire.hpp>
#include <harness/request_hash.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace harness::client::batch_api {

using nlohmann::json;

namespace {

// The text of a JSON value that may be missing or null.
std::string
text_of(const json& object, const char* field)
{
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

long
count_of(const json& object, const char* field)
{
  auto it = object.find(field);
  return it != object.end() && it->is_number_integer() ? it->get<long>() : 0;
}

// The first bytes of a reply body, for an error message.
std::string
excerpt(std::string_view body)
{
  return std::string(body.substr(0, 300)) + (body.size() > 300 ? "..." : "");
}

} // namespace

std::string
url_path(const std::string& base_url, const ChatRequest& request)
{
  const std::string url = openai_wire::request_url(base_url, request);
  const auto scheme = url.find("://");
  const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return path == std::string::npos ? "/" : url.substr(path);
}

std::string
input_line(const DeferredRequest& request, const EndpointConfig& endpoint)
{
  // The body exactly as a live request sends it: the same server-side
  // parameter names, so the same answer.
  const std::string body =
      openai_wire::request_body(request.request, endpoint.server.value_or(ServerDialect::openai));
  return fmt::format(R"({{"custom_id":{},"method":"POST","url":{},"body":{}}})",
                     json(request.hash).dump(),
                     json(url_path(endpoint.base_url, request.request)).dump(), body);
}

Result<OutputLine>
parse_output_line(std::string_view line)
{
  auto j = json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("custom_id") || !j["custom_id"].is_string()) {
    return Error{Error::Kind::bad_response,
                 "not a batch output line (a JSON object with a custom_id): " + excerpt(line)};
  }
  OutputLine out;
  out.custom_id = j["custom_id"].get<std::string>();
  const json response = j.value("response", json());
  if (response.is_object() && response.contains("body")) {
    HttpReply reply;
    reply.status = response.value("status_code", 0);
    reply.body = response["body"].is_string() ? response["body"].get<std::string>()
                                              : response["body"].dump();
    out.reply = openai_wire::parse_chat_reply(reply);
    return out;
  }
  const json error = j.value("error", json());
  if (error.is_object()) {
    out.reply =
        Error{Error::Kind::http,
              fmt::format("the batch job refused the request: {}{}{}", text_of(error, "code"),
                          text_of(error, "code").empty() ? "" : ": ", text_of(error, "message"))};
    return out;
  }
  out.reply = Error{Error::Kind::bad_response, "a batch output line with neither a response nor an "
                                               "error: " +
                                                   excerpt(line)};
  return out;
}

Result<std::vector<OutputLine>>
parse_output_file(std::string_view content, const std::string& name)
{
  std::vector<OutputLine> out;
  long number = 0;
  for (size_t at = 0; at < content.size();) {
    const size_t end = std::min(content.find('\n', at), content.size());
    const std::string_view line = content.substr(at, end - at);
    at = end + 1;
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    auto parsed = parse_output_line(line);
    if (!parsed) {
      return Error{parsed.error().kind,
                   fmt::format("{}:{}: {}", name, number, parsed.error().message)};
    }
    out.push_back(std::move(*parsed));
  }
  return out;
}

bool
Batch::finished() const
{
  return status == "completed" || status == "failed" || status == "expired" ||
         status == "cancelled";
}

Result<Batch>
parse_batch(std::string_view body)
{
  auto j = json::parse(body, nullptr, false);
  if (!j.is_object() || text_of(j, "id").empty() || text_of(j, "status").empty()) {
    return Error{Error::Kind::bad_response, "not a batch object: " + excerpt(body)};
  }
  Batch b;
  b.id = text_of(j, "id");
  b.status = text_of(j, "status");
  b.output_file_id = text_of(j, "output_file_id");
  b.error_file_id = text_of(j, "error_file_id");
  if (auto counts = j.find("request_counts"); counts != j.end() && counts->is_object()) {
    b.total = count_of(*counts, "total");
    b.completed = count_of(*counts, "completed");
    b.failed = count_of(*counts, "failed");
  }
  if (auto errors = j.find("errors"); errors != j.end() && errors->is_object()) {
    for (const auto& e : errors->value("data", json::array())) {
      if (e.is_object()) {
        b.errors += fmt::format("{}{}: {}", b.errors.empty() ? "" : "; ", text_of(e, "code"),
                                text_of(e, "message"));
      }
    }
  }
  return b;
}

Client::Client(Transport& transport, const EndpointConfig& endpoint, std::string api_key)
    : m_transport(transport), m_endpoint(endpoint), m_api_key(std::move(api_key))
{}

Result<std::string>
Client::call(HttpRequest request)
{
  if (!m_api_key.empty()) {
    request.headers.push_back("Authorization: Bearer " + m_api_key);
  }
  request.total_timeout = std::chrono::milliseconds(static_cast<long>(m_endpoint.timeout_s * 1000));
  const std::string what = request.method + " " + request.url;
  auto reply = m_transport.fetch(std::move(request));
  if (!reply) {
    return reply.error();
  }
  if (reply->status < 200 || reply->status >= 300) {
    return Error{reply->status == 429   ? Error::Kind::rate_limited
                 : reply->status >= 500 ? Error::Kind::server
                                        : Error::Kind::http,
                 fmt::format("{}: HTTP {}: {}", what, reply->status, excerpt(reply->body)),
                 reply->status};
  }
  return std::move(reply->body);
}

Result<std::string>
Client::upload(const std::string& jsonl, const std::string& filename)
{
  // multipart/form-data: purpose=batch and the file; the boundary is made
  // from the content's hash, so it never occurs in it.
  const std::string boundary = "evalrun-" + sha256_hex(jsonl).substr(0, 32);
  HttpRequest request;
  request.url = m_endpoint.base_url + "/files";
  request.content_type = "multipart/form-data; boundary=" + boundary;
  std::string body =
      fmt::format("--{0}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                  "--{0}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{1}\"\r\n"
                  "Content-Type: application/jsonl\r\n\r\n",
                  boundary, filename);
  body += jsonl;
  body += fmt::format("\r\n--{}--\r\n", boundary);
  request.body = std::make_shared<const std::string>(std::move(body));
  auto reply = call(std::move(request));
  if (!reply) {
    return reply.error();
  }
  auto j = json::parse(*reply, nullptr, false);
  if (!j.is_object() || text_of(j, "id").empty()) {
    return Error{Error::Kind::bad_response,
                 "the file upload's reply names no file id: " + excerpt(*reply)};
  }
  return text_of(j, "id");
}

Result<Batch>
Client::create(const std::string& input_file_id, const std::string& path,
               const std::string& metadata_json)
{
  HttpRequest request;
  request.url = m_endpoint.base_url + "/batches";
  request.body = std::make_shared<const std::string>(json{
      {"input_file_id", input_file_id},
      {"endpoint", path},
      {"completion_window", "24h"},
      {"metadata", json::parse(metadata_json)}}.dump());
  auto body = call(std::move(request));
  if (!body) {
    return body.error();
  }
  return parse_batch(*body);
}

Result<Batch>
Client::get(const std::string& batch_id)
{
  HttpRequest request;
  request.method = "GET";
  request.url = m_endpoint.base_url + "/batches/" + batch_id;
  auto body = call(std::move(request));
  if (!body) {
    return body.error();
  }
  return parse_batch(*body);
}

Result<std::vector<std::pair<Batch, std::string>>>
Client::list(int limit)
{
  HttpRequest request;
  request.method = "GET";
  request.url = fmt::format("{}/batches?limit={}", m_endpoint.base_url, limit);
  auto body = call(std::move(request));
  if (!body) {
    return body.error();
  }
  auto j = json::parse(*body, nullptr, false);
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) {
    return Error{Error::Kind::bad_response, "not a list of batches: " + excerpt(*body)};
  }
  std::vector<std::pair<Batch, std::string>> out;
  for (const auto& entry : j["data"]) {
    auto batch = parse_batch(entry.dump());
    if (batch) {
      out.emplace_back(std::move(*batch), entry.value("metadata", json::object()).dump());
    }
  }
  return out;
}

Result<std::string>
Client::content(const std::string& file_id)
{
  HttpRequest request;
  request.method = "GET";
  request.url = m_endpoint.base_url + "/files/" + file_id + "/content";
  request.max_reply_bytes = std::size_t{1} << 31; // 2 GiB
  return call(std::move(request));
}

} // namespace harness::client::batch_api
