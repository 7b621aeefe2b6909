#include <cli/imported_runs.hpp>

#include <harness/request_hash.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace cli {

using nlohmann::json;

std::string
as_text(const json& v)
{
  return v.is_string() ? v.get<std::string>() : v.dump();
}

ImportedOutput
imported_output(const std::string& model, const std::string& instruction, const std::string& output,
                int tokens)
{
  ImportedOutput out;
  out.request.model = model;
  out.request.messages = {{harness::Role::user, instruction}};
  out.hash = harness::request_hash(out.request);
  out.response.text = output;
  out.response.finish_reason = "imported";
  out.response.usage.completion_tokens = tokens;
  return out;
}

ImportedRun&
run_for(std::map<std::string, ImportedRun>& runs, const std::filesystem::path& file,
        const std::string& bench, const std::string& protocol, const std::string& rubric,
        const std::string& model, const std::string& baseline, const std::string& judge,
        const json* extra_config)
{
  std::string key =
      fmt::format("{}\n{}\n{}\n{}\n{}", protocol, file.string(), model, baseline, judge);
  auto& run = runs[key];
  if (run.record.key.empty()) {
    auto& r = run.record;
    r.key = harness::sha256_hex(key);
    r.bench = bench;
    r.bench_version = "imported";
    json config{{"imported_from", file.string()}, {"evalrun_version", EVALRUN_VERSION}};
    if (extra_config) {
      config.update(*extra_config);
    }
    r.config_json = config.dump();
    r.evalrun_version = EVALRUN_VERSION;
    r.model = model;
    r.model_id = model;
    r.baseline = baseline;
    r.judge = judge;
    r.judge_model_id = judge;
    r.protocol = protocol;
    r.rubric = rubric;
  }
  return run;
}

void
save(const std::filesystem::path& db, std::map<std::string, ImportedRun>& runs,
     const std::vector<ImportedOutput>& outputs, const std::string& what)
{
  harness::Store store(db);
  std::map<std::string, std::int64_t> ids;
  harness::Store::Transaction all(store);
  for (const auto& o : outputs) {
    store.put_response(o.hash, o.request, o.response);
  }
  for (auto& [key, run] : runs) {
    run.record.items = static_cast<int>(run.verdicts.size());
    auto id = store.begin_run(run.record);
    for (auto& v : run.verdicts) {
      v.run_id = id;
      store.put_verdict(v);
    }
    for (auto& c : run.calls) {
      c.run_id = id;
      store.put_judge_call(c);
    }
    store.finish_run(id, "complete");
    ids[key] = id;
  }
  all.commit();
  for (const auto& [key, run] : runs) {
    fmt::print(stderr, "evalrun: imported {} {} verdicts as run {} ({} vs {}, judge {})\n",
               run.verdicts.size(), what, ids[key], run.record.model,
               run.record.baseline.empty() ? "-" : run.record.baseline, run.record.judge);
  }
}

} // namespace cli
