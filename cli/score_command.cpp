#include <cli/catalog.hpp>
#include <cli/commands.hpp>
#include <judges/registry.hpp>

#include <harness/client/client_pool.hpp>
#include <harness/client/preflight.hpp>
#include <harness/jsonl.hpp>
#include <harness/judge.hpp>
#include <harness/request_hash.hpp>
#include <harness/runner.hpp>
#include <harness/store.hpp>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace cli {

using harness::Fatal;
using nlohmann::json;

namespace {

struct AnswersFile
{
  std::vector<harness::Item> items;
  std::vector<std::vector<std::string>> answers;
  std::vector<std::string> bad_lines; // "file:line: reason"
};

// Reads an answers file (JSON Lines: id, prompt, answer, optional reference and
// system). A bad line is reported and skipped; the good ones are kept.
AnswersFile
read_answers(const harness::TextFile& file)
{
  AnswersFile out;
  std::set<std::string> ids;
  for (const auto& [line_number, line] : harness::non_blank_lines(file.content)) {
    auto bad = [&](const std::string& why) {
      out.bad_lines.push_back(fmt::format("{}:{}: {}", file.path.string(), line_number, why));
    };
    auto record = json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object()) {
      bad("not a JSON object");
      continue;
    }
    std::string problem;
    for (const char* field : {"id", "prompt", "answer"}) {
      if (!record.contains(field) ||
          !(record[field].is_string() ||
            (record[field].is_number_integer() && std::string(field) == "id"))) {
        problem = fmt::format("field '{}': missing or not a string", field);
        break;
      }
    }
    for (const char* field : {"reference", "system"}) {
      if (problem.empty() && record.contains(field) && !record[field].is_string()) {
        problem = fmt::format("field '{}': not a string", field);
      }
    }
    if (!problem.empty()) {
      bad(problem);
      continue;
    }
    harness::Item item;
    item.id = record["id"].is_string() ? record["id"].get<std::string>() : record["id"].dump();
    if (!ids.insert(item.id).second) {
      bad(fmt::format("field 'id': duplicate '{}'", item.id));
      continue;
    }
    item.turns = {record["prompt"].get<std::string>()};
    if (record.contains("reference")) {
      item.references = {record["reference"].get<std::string>()};
    }
    if (record.contains("system")) {
      auto text = record["system"].get<std::string>();
      item.system = harness::SystemMessage{"sm-" + harness::sha256_hex(text).substr(0, 16), text};
    }
    out.items.push_back(std::move(item));
    out.answers.push_back({record["answer"].get<std::string>()});
  }
  return out;
}

} // namespace

int
score_command(const ScoreOptions& options, const std::filesystem::path& home)
{
  auto rubric = harness::load_rubric(home, options.rubric);
  if (!rubric) {
    throw Fatal(rubric.error().message);
  }
  harness::JudgeSpec judge_spec;
  judge_spec.reference_categories = {"*"};
  auto judge = judges::make_judge(*rubric, judge_spec);
  if (!judge) {
    throw Fatal(judge.error().message);
  }
  if ((*judge)->needs_baseline()) {
    throw Fatal(fmt::format("rubric {} ({} protocol) compares two answers; `score` grades one "
                            "answer per line (use a single or absolute rubric)",
                            rubric->id(), rubric->protocol));
  }
  auto file = harness::read_text_file(options.input);
  if (!file) {
    throw Fatal(file.error().message);
  }
  auto answers = read_answers(*file);
  if (answers.items.empty()) {
    throw Fatal(fmt::format("{}: no valid line to score:\n  {}", options.input.string(),
                            fmt::join(answers.bad_lines, "\n  ")));
  }

  auto endpoints = load_endpoints(options.endpoints, home);
  harness::RunPlan plan;
  plan.judge_endpoint = pick_endpoint(endpoints, options.judge, "judge");
  if (options.concurrency) {
    plan.judge_endpoint.max_concurrency = *options.concurrency;
  }
  plan.candidate.name = "answers";
  plan.candidate.model = options.input.filename().string();
  plan.judge = judge->get();
  plan.items = std::move(answers.items);
  plan.given_answers = std::move(answers.answers);
  // One line the rubric cannot judge is reported with the rest; none it can is a usage error.
  if (auto problems = harness::unjudgeable(*plan.judge, plan.items, false, plan.items.size());
      problems.size() == plan.items.size()) {
    throw Fatal(fmt::format("{}: the {} protocol cannot judge any line of {}; nothing was sent "
                            "(first: {})",
                            rubric->defined_in.string(), rubric->protocol, options.input.string(),
                            problems.front()));
  }
  json semantics = {{"input_sha256", harness::sha256_hex(file->content)},
                    {"rubric", rubric->id()},
                    {"judge_model", plan.judge_endpoint.model}};
  plan.run.key = harness::sha256_hex(semantics.dump());
  plan.run.bench = "score:" + options.input.stem().string();
  plan.run.bench_version = harness::sha256_hex(file->content).substr(0, 12);
  plan.run.model = "answers";
  plan.run.model_id = options.input.string();
  plan.run.judge = plan.judge_endpoint.name;
  plan.run.judge_model_id = plan.judge_endpoint.model;
  plan.run.protocol = rubric->protocol;
  plan.run.rubric = rubric->id();
  plan.run.config_json = json{
      {"semantics", semantics},
      {"input", options.input.string()},
      {"bad_lines", answers.bad_lines},
      {"evalrun_version",
       EVALRUN_VERSION}}.dump();
  plan.run.evalrun_version = EVALRUN_VERSION;
  plan.run.demo = plan.judge_endpoint.demo;
  plan.run.items = static_cast<int>(plan.items.size());

  boost::asio::io_context io; // outlives the transport
  harness::client::CurlTransport transport(io);
  auto ready =
      harness::client::ready_endpoints({&plan.judge_endpoint}, transport, options.db.string());
  harness::Store store(options.db);
  harness::client::ClientPool pool(io, transport);
  pool.add_endpoint(plan.judge_endpoint, ready.api_keys[plan.judge_endpoint.name]);
  harness::Runner runner(io, pool, store);
  auto outcome = runner.run(
      plan, [](const harness::RunProgress&) {}, std::chrono::milliseconds(250));

  double sum = 0;
  long n = 0;
  long failed = 0;
  fmt::print("| id | score | status | detail |\n|---|---:|---|---|\n");
  std::map<std::string, harness::VerdictRecord> by_id;
  for (auto& v : store.verdicts(outcome.run_id)) {
    by_id[v.item_id] = std::move(v);
  }
  for (const auto& item : plan.items) { // in the input file's order
    auto found = by_id.find(item.id);
    if (found == by_id.end()) {
      continue;
    }
    const auto& v = found->second;
    fmt::print("| {} | {} | {} | {} |\n", v.item_id,
               v.score ? fmt::format("{:.2f}", *v.score) : "-", v.status, v.detail);
    if (v.status == "ok" && v.score) {
      sum += *v.score;
      ++n;
    } else {
      ++failed;
    }
  }
  fmt::print("\nmean score: {} over {} scored answers ({} unscored; rubric {}, judge {}){}\n",
             n ? fmt::format("{:.3f}", sum / static_cast<double>(n)) : "n/a", n, failed,
             rubric->id(), plan.judge_endpoint.model, plan.run.demo ? " — DEMO BACKEND" : "");
  if (!answers.bad_lines.empty()) {
    fmt::print(stderr, "evalrun: {} bad line(s) in {} were not scored:\n  {}\n",
               answers.bad_lines.size(), options.input.string(),
               fmt::join(answers.bad_lines, "\n  "));
  }
  return answers.bad_lines.empty() && outcome.status == "complete" ? 0 : 3;
}

} // namespace cli
