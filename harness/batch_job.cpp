#include <harness/batch_job.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <thread>
#include <unordered_map>

namespace harness {

namespace {

using client::batch_api::Batch;

// The value of a batch call, or Fatal naming the step.
template <typename T>
T
or_fatal(Result<T> result, const std::string& step)
{
  if (!result) {
    throw Fatal(fmt::format("batch job: {}: {}; a run of the same command takes it up again", step,
                            result.error().message));
  }
  return std::move(*result);
}

std::string
counts(const Batch& batch)
{
  return fmt::format("{} of {} done, {} failed", batch.completed, batch.total, batch.failed);
}

} // namespace

BatchJobOutcome
answer_by_batch(Store& store, client::Transport& transport, const EndpointConfig& endpoint,
                const std::string& api_key, std::int64_t run_id,
                const std::vector<client::DeferredRequest>& requests,
                const BatchJobSettings& settings)
{
  client::batch_api::Client api(transport, endpoint, api_key);
  BatchJobOutcome out;
  BatchRecord record;
  if (auto open = store.open_batches(run_id, endpoint.identity()); !open.empty()) {
    record = open.front();
    out.resumed = true;
  } else {
    record.run_id = run_id;
    record.endpoint = endpoint.identity();
    record.requests = static_cast<long>(requests.size());
    record.id = store.add_batch(record);
  }
  if (int signo = settings.stop_signal()) {
    out.signal = signo;
    return out;
  }
  if (record.input_file.empty()) {
    std::string jsonl;
    for (const auto& r : requests) {
      jsonl += client::batch_api::input_line(r, endpoint);
      jsonl += '\n';
    }
    record.input_file =
        or_fatal(api.upload(jsonl, fmt::format("evalrun-batch-{}.jsonl", record.id)),
                 "uploading the input file");
    store.update_batch(record);
  }
  if (record.remote_id.empty()) {
    // A run stopped between creating the job and recording it: the job is
    // found by its input file.
    auto listed = api.list(100);
    if (listed) {
      for (const auto& [batch, metadata] : *listed) {
        auto meta = nlohmann::json::parse(metadata, nullptr, false);
        if (meta.is_object() && meta.value("evalrun_input_file", "") == record.input_file) {
          record.remote_id = batch.id;
        }
      }
    }
  }
  if (record.remote_id.empty()) {
    const std::string url =
        requests.empty() ? std::string("/v1/chat/completions")
                         : client::batch_api::url_path(endpoint.base_url, requests.front().request);
    const auto created =
        or_fatal(api.create(record.input_file, url,
                            nlohmann::json{{"evalrun_input_file", record.input_file}}.dump()),
                 "creating the batch job");
    record.remote_id = created.id;
    record.status = created.status;
    store.update_batch(record);
  }
  out.batch_id = record.remote_id;

  // Wait for it; a signal leaves it recorded, for the next run to wait for.
  Batch batch;
  for (std::string last;;) {
    batch = or_fatal(api.get(record.remote_id), "asking for the batch job " + record.remote_id);
    const std::string now = batch.status + " " + counts(batch);
    if (now != last) {
      last = now;
      record.status = batch.status;
      record.detail = counts(batch);
      store.update_batch(record);
      if (settings.on_status) {
        settings.on_status(batch);
      }
    }
    if (batch.finished()) {
      break;
    }
    const auto until = std::chrono::steady_clock::now() + settings.poll_interval;
    while (std::chrono::steady_clock::now() < until && !settings.stop_signal()) {
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          settings.poll_interval, std::chrono::milliseconds(50)));
    }
    if (int signo = settings.stop_signal()) {
      out.signal = signo;
      return out;
    }
  }
  if (batch.status == "failed") {
    record.detail = batch.errors.empty() ? "failed" : batch.errors;
    store.update_batch(record);
    throw Fatal(fmt::format("batch job {} failed: {}; nothing of it was stored", record.remote_id,
                            record.detail));
  }

  // Its replies (an expired or cancelled job keeps those it finished).
  std::unordered_map<std::string, const client::DeferredRequest*> by_hash;
  for (const auto& r : requests) {
    by_hash.emplace(r.hash, &r);
  }
  std::unordered_map<std::string, bool> seen;
  {
    Store::Transaction unit(store);
    for (const std::string* file : {&batch.output_file_id, &batch.error_file_id}) {
      if (file->empty()) {
        continue;
      }
      const std::string content =
          or_fatal(api.content(*file), "downloading the batch job's file " + *file);
      auto lines = client::batch_api::parse_output_file(content, "file " + *file);
      if (!lines) {
        throw Fatal(fmt::format("batch job {}: {}", record.remote_id, lines.error().message));
      }
      for (auto& line : *lines) {
        auto asked = by_hash.find(line.custom_id);
        if (asked == by_hash.end()) {
          ++out.unmatched;
          continue;
        }
        seen[line.custom_id] = true;
        if (line.reply) {
          const auto& r = *asked->second;
          store.put_response(r.hash, r.semantics, r.pieces, *line.reply);
          ++out.answered;
        } else {
          out.failed.push_back(line.custom_id);
        }
      }
    }
    unit.commit();
  }
  for (const auto& r : requests) {
    if (!seen.count(r.hash)) {
      // A job submitted for these requests that answered none of this one
      // failed it (asked again, then sent plainly): no job is submitted
      // forever. One taken up from an earlier run may hold other requests.
      if (out.resumed) {
        ++out.missing;
      } else {
        out.failed.push_back(r.hash);
      }
    }
  }
  record.status = "ingested";
  record.detail =
      fmt::format("{} answered, {} failed ({})", out.answered, out.failed.size(), batch.status);
  store.update_batch(record);
  return out;
}

} // namespace harness
