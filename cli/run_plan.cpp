#include <cli/run_plan.hpp>

#include <harness/client/openai_wire.hpp>
#include <harness/error.hpp>
#include <harness/request_hash.hpp>
#include <harness/system_messages/pool.hpp>
#include <harness/system_messages/unseen_check.hpp>
#include <harness/text_file.hpp>

#include <fmt/format.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>

namespace cli {

using harness::Fatal;
using nlohmann::json;

namespace {

// What --system-messages does to each item as it is read, and its
// description for the run's provenance (mode, seed, pool file and its hash).
struct SystemMessagePlan
{
  json provenance;
  std::function<void(harness::Item&)> prepare; // empty: the items keep theirs
};

SystemMessagePlan
plan_system_messages(const RunOptions& options, const std::filesystem::path& home)
{
  const std::string& mode = options.system_messages;
  if (mode == "item") {
    return {{{"mode", "item"}}, {}};
  }
  if (mode == "none") {
    return {{{"mode", "none"}}, [](harness::Item& item) {
              item.system.reset();
            }};
  }
  if (mode.rfind("pool:", 0) == 0) {
    auto path = shipped_file(mode.substr(5), home); // data/system_messages/...
    auto file = harness::read_text_file(path);
    if (!file) {
      throw Fatal(fmt::format("--system-messages: {}", file.error().message));
    }
    auto pool = harness::system_messages::parse_system_message_pool(*file);
    if (!pool) {
      throw Fatal(pool.error().message);
    }
    json provenance = {{"mode", "pool"},
                       {"pool", path.string()},
                       {"pool_sha256", harness::sha256_hex(file->content)},
                       {"pool_size", pool->size()},
                       {"seed", options.seed}};
    auto messages = std::make_shared<std::vector<harness::SystemMessage>>(std::move(*pool));
    return {std::move(provenance), [messages, seed = options.seed](harness::Item& item) {
              harness::system_messages::assign_from_pool(item, *messages, seed);
            }};
  }
  if (mode.rfind("generate:", 0) == 0) {
    return {{{"mode", "generate"}, {"generator", mode.substr(9)}, {"seed", options.seed}}, {}};
  }
  throw Fatal(fmt::format(
      "--system-messages: unknown mode '{}' (none, item, pool:FILE, generate:ENDPOINT)", mode));
}

// The one encoder of sampling parameters (openai_wire), so that the run key
// covers every parameter a request carries.
json
params_json(const harness::GenParams& p)
{
  return json::parse(harness::client::openai_wire::params_json(p));
}

// How an endpoint's prompts are laid out: null for chat, else the completion template.
json
template_json(const harness::EndpointConfig& e)
{
  return e.chat_template ? json(harness::to_string(*e.chat_template)) : json(nullptr);
}

json
endpoint_json(const harness::EndpointConfig& e)
{
  json out = {{"name", e.name},
              {"kind", e.kind == harness::EndpointConfig::Kind::chat ? "chat" : "completions"},
              {"template", template_json(e)},
              {"base_url", e.base_url},
              {"model", e.model},
              {"api_key_env", e.api_key_env},
              {"max_concurrency", e.max_concurrency},
              {"timeout_s", e.timeout_s},
              {"params", params_json(e.params)},
              {"defined_in", e.defined_in}};
  // What its server serves, when it says more than the name: another server
  // with the same model name makes another run.
  if (!e.served.empty()) {
    out["served"] = json::parse(e.served);
  }
  // Per million tokens, for the reports' cost estimate (not part of the run's key).
  if (e.price) {
    out["price"] = {{"input", e.price->input_per_million}, {"output", e.price->output_per_million}};
  }
  return out;
}

// Refuses flags that the chosen protocol would ignore: a run must never look
// configured in a way it was not.
void
check_protocol_flags(const harness::Judge& judge, const RunOptions& options)
{
  const std::string protocol = judge.protocol();
  auto refuse = [&](const std::string& flag, const std::string& which) {
    throw Fatal(fmt::format("{}: the {} protocol (rubric {}) does not use it; it applies to {}",
                            flag, protocol, judge.rubric(), which));
  };
  if (!options.pairs.empty() && !judge.needs_baseline()) {
    refuse("--pairs",
           "protocols that compare two models (pairwise, relative, alpaca_eval, arena_hard)");
  }
  if (!options.baseline.empty() && !judge.needs_baseline()) {
    refuse("--baseline",
           "protocols that compare with a baseline (pairwise, relative, alpaca_eval, arena_hard)");
  }
  if ((!options.alpaca_eval_lc.empty() || options.alpaca_eval_lc_c) && protocol != "alpaca_eval") {
    refuse(options.alpaca_eval_lc.empty() ? "--alpaca-eval-lc-c" : "--alpaca-eval-lc",
           "the alpaca_eval protocol (AlpacaEval 2.0's length-controlled win rate)");
  }
  if (options.judge_runs && protocol != "absolute") {
    refuse("--judge-runs", "the absolute protocol");
  }
  if (options.show_system && protocol != "pairwise" && protocol != "absolute" &&
      protocol != "arena_hard") {
    refuse("--show-system", "the pairwise, absolute and arena_hard protocols");
  }
}

// The rubric as the judge reads it (an extended rubric merged with its
// base): editing a prompt, pattern, scale or criterion without a new version
// still makes another run.
std::string
rubric_hash(const harness::RubricSpec& rubric)
{
  json prompts = json::object();
  for (const auto& [name, prompt] : rubric.prompts) {
    prompts[name] = {{"system", prompt.system}, {"template", prompt.template_text}};
  }
  json criteria = json::array();
  for (const auto& c : rubric.criteria) {
    criteria.push_back(
        {{"name", c.name}, {"criteria", c.criteria}, {"scores", c.score_descriptions}});
  }
  json all = {{"protocol", rubric.protocol},
              {"prompts", prompts},
              {"pattern", rubric.pattern},
              {"fallback", rubric.fallback},
              {"scale",
               {rubric.scale_min ? json(*rubric.scale_min) : json(nullptr),
                rubric.scale_max ? json(*rubric.scale_max) : json(nullptr)}},
              {"criteria", criteria},
              {"params", params_json(rubric.params)}};
  return harness::sha256_hex(all.dump());
}

} // namespace

void
check_item(ItemsCheck& check, const harness::Item& item, const ResolvedRun& resolved)
{
  ++check.items;
  check.turns += static_cast<long>(item.turns.size());
  // --baseline references compares each turn's answer with the item's
  // reference for that turn: every item must have one per turn.
  if (resolved.plan.baseline_from_references && item.references.size() < item.turns.size()) {
    if (++check.lacking_references <= 5) {
      check.lacking_examples.push_back(item.id);
    }
  }
  harness::add_unjudgeable(*resolved.plan.judge, item, resolved.plan.baseline_from_references, 5,
                           check.unjudgeable);
}

std::optional<std::string>
items_problem(const ItemsCheck& check, const ResolvedRun& resolved, const std::string& consequence)
{
  const harness::BenchSpec& spec = resolved.bench.spec;
  const std::string then = consequence.empty() ? "" : "; " + consequence;
  if (check.unreadable) {
    return *check.unreadable + then;
  }
  if (check.lacking_references == check.items && check.items > 0) {
    return fmt::format("{} has no reference answers; use --baseline ENDPOINT{}", spec.name, then);
  }
  if (check.lacking_references > 0) {
    return fmt::format("--baseline references: {} of {} {} items lack a reference answer for "
                       "some turn (e.g. {}); use --baseline ENDPOINT{}",
                       check.lacking_references, check.items, spec.name,
                       fmt::join(check.lacking_examples, ", "), then);
  }
  if (!check.unjudgeable.empty()) {
    return fmt::format("{}: the {} protocol cannot judge these {} items{}:\n  {}",
                       resolved.bench.rubric.defined_in.string(), resolved.plan.judge->protocol(),
                       spec.name, then, fmt::join(check.unjudgeable, "\n  "));
  }
  return std::nullopt;
}

ItemsCheck
check_all_items(const ResolvedRun& resolved, const RunOptions& options,
                const std::atomic<bool>* stop)
{
  ItemsCheck check;
  harness::RecordsReading reading = *resolved.bench.records_reading;
  reading.check_duplicates = true;
  reading.prepare = resolved.prepare_item;
  if (options.limit) {
    reading.limit = static_cast<size_t>(std::max(0, *options.limit)); // what the run reads
  }
  auto reader = harness::read_records(std::move(reading));
  if (options.shard) {
    reader = harness::read_shard(std::move(reader), *options.shard);
  }
  for (;;) {
    if (stop && stop->load()) {
      check.stopped = true;
      return check;
    }
    auto next = reader->next();
    if (!next) {
      check.unreadable = next.error().message;
      return check;
    }
    if (!*next) {
      return check;
    }
    check_item(check, **next, resolved);
  }
}

// The --seen check: prints a summary, returns it for the run's provenance,
// and throws Fatal under --require-unseen when anything matches.
json
check_seen(const std::vector<harness::Item>& items, const RunOptions& options)
{
  if (options.seen.empty()) {
    return nullptr;
  }
  auto file = harness::read_text_file(options.seen);
  if (!file) {
    throw Fatal(fmt::format("--seen: {}", file.error().message));
  }
  auto seen = harness::system_messages::parse_seen_messages(*file);
  if (!seen) {
    throw Fatal(seen.error().message);
  }
  auto report = harness::system_messages::check_unseen(items, *seen, options.seen_ngram,
                                                       options.seen_threshold);
  std::string summary = fmt::format(
      "unseen check: {} distinct system messages against {} seen ({}): {} exact, {} near "
      "({}-gram overlap >= {})",
      report.checked, seen->size(), options.seen.string(), report.exact, report.near,
      options.seen_ngram, options.seen_threshold);
  fmt::print(stderr, "evalrun: {}\n", summary);
  json matches = json::array();
  for (const auto& m : report.matches) {
    matches.push_back({{"item", m.item_id},
                       {"system_message", m.system_id},
                       {"exact", m.exact},
                       {"overlap", m.overlap},
                       {"seen_line", m.seen_index + 1}});
  }
  if (options.require_unseen && !report.matches.empty()) {
    std::vector<std::string> lines;
    for (size_t i = 0; i < report.matches.size() && i < 10; ++i) {
      const auto& m = report.matches[i];
      lines.push_back(fmt::format(
          "  item {} (system message {}): {} seen message {} ({:.0f}% overlap)", m.item_id,
          m.system_id, m.exact ? "equals" : "is close to", m.seen_index + 1, m.overlap * 100));
    }
    throw Fatal(fmt::format("--require-unseen: {} system message(s) were seen in training; nothing "
                            "was run:\n{}",
                            report.matches.size(), fmt::join(lines, "\n")));
  }
  return {{"seen_file", options.seen.string()},
          {"seen_sha256", harness::sha256_hex(file->content)},
          {"seen_count", seen->size()},
          {"ngram", options.seen_ngram},
          {"threshold", options.seen_threshold},
          {"checked", report.checked},
          {"exact", report.exact},
          {"near", report.near},
          {"summary", summary},
          {"matches", matches}};
}

// The run's identity and provenance. `semantics` (what the key hashes)
// leaves out URLs, timeouts and concurrency, like the request hash.
harness::RunRecord
make_run_record(const ResolvedRun& resolved, const RunOptions& options)
{
  const harness::BenchSpec& spec = resolved.bench.spec;
  const harness::FileSet& files = resolved.bench.files;
  const harness::RunPlan& plan = resolved.plan;
  const json& system_messages = resolved.system_messages;
  // The items are those of the files (by content), cut to --limit, with the
  // system messages the mode gives them: a pool by its content and the seed;
  // generated ones by which message each item got.
  json system_messages_key = {{"mode", system_messages.value("mode", "")}};
  if (system_messages.contains("pool_sha256")) {
    system_messages_key["pool_sha256"] = system_messages["pool_sha256"];
    system_messages_key["seed"] = system_messages["seed"];
  }
  if (resolved.generator) {
    std::string assignment;
    for (const auto& item : plan.items) {
      assignment += item.id + "=" + (item.system ? item.system->id : "") + "\n";
    }
    system_messages_key["assigned_sha256"] = harness::sha256_hex(assignment);
  }
  // The data by content: the same files read from another folder (an
  // installed copy, say) are the same run; where they were read is provenance.
  json file_hashes = json::object();
  json file_paths = json::object();
  for (const auto& [key, file] : files) {
    file_hashes[key] = {{"sha256", resolved.bench.file_sha256.at(key)}};
    file_paths[key] = file.path.string();
  }
  json semantics = {
      {"bench", spec.name},
      {"bench_version", spec.version},
      {"files", file_hashes},
      {"limit", options.limit ? json(*options.limit) : json(nullptr)},
      {"candidate_model", plan.candidate.model},
      {"candidate_template", template_json(plan.candidate)},
      {"candidate_params", params_json(plan.candidate_params)},
      {"judge_model", plan.judge_endpoint.model},
      {"judge_template", template_json(plan.judge_endpoint)},
      {"judge_params", params_json(plan.judge_endpoint.params)},
      {"protocol", plan.judge->protocol()},
      {"rubric", plan.judge->rubric()},
      {"rubric_sha256", rubric_hash(resolved.bench.rubric)},
      {"judge_settings",
       {{"runs", spec.judge.runs},
        {"params", params_json(spec.judge.params)},
        {"resamples", spec.judge.resamples},
        {"show_system", spec.judge.show_system},
        {"reference_categories", spec.judge.reference_categories}}},
      {"baseline", plan.baseline_from_references ? json("references")
                   : plan.baseline               ? json(plan.baseline->model)
                                                 : json(nullptr)},
      {"baseline_params", plan.baseline ? params_json(plan.baseline_params) : json(nullptr)},
      {"baseline_template", plan.baseline ? template_json(*plan.baseline) : json(nullptr)},
      {"system_messages", system_messages_key}};
  // A shard is its own run; `evalrun merge` takes this out again, giving the
  // whole run's key.
  if (options.shard) {
    semantics["shard"] = {{"index", options.shard->index}, {"count", options.shard->count}};
  }
  // What the servers said they serve, beyond the model's name (EndpointConfig::served).
  auto add_served = [&](const char* field, const harness::EndpointConfig* e) {
    if (e && !e->served.empty()) {
      semantics[field] = json::parse(e->served);
    }
  };
  add_served("candidate_served", &plan.candidate);
  add_served("judge_served", &plan.judge_endpoint);
  add_served("baseline_served", plan.baseline ? &*plan.baseline : nullptr);
  json config = {{"semantics", semantics},
                 {"candidate", endpoint_json(plan.candidate)},
                 {"judge", endpoint_json(plan.judge_endpoint)},
                 {"baseline", plan.baseline ? endpoint_json(*plan.baseline) : json(nullptr)},
                 {"spec", spec.defined_in.string()},
                 {"references_model", spec.judge.references_model},
                 {"files", file_paths},
                 {"limit", options.limit ? json(*options.limit) : json(nullptr)},
                 {"system_messages", system_messages},
                 {"evalrun_version", EVALRUN_VERSION}};
  harness::RunRecord run;
  run.key = harness::sha256_hex(semantics.dump());
  run.bench = spec.name;
  run.bench_version = spec.version;
  run.model = plan.candidate.name;
  run.model_id = plan.candidate.model;
  run.judge = plan.judge_endpoint.name;
  run.judge_model_id = plan.judge_endpoint.model;
  run.baseline = plan.baseline_from_references ? "references"
                 : plan.baseline               ? plan.baseline->name
                                               : "";
  run.protocol = plan.judge->protocol();
  run.rubric = plan.judge->rubric();
  if (options.shard) {
    config["shard"] = harness::to_string(*options.shard);
  }
  run.config_json = config.dump();
  run.evalrun_version = EVALRUN_VERSION;
  run.demo = plan.candidate.demo || plan.judge_endpoint.demo;
  run.items = static_cast<int>(plan.items.size()); // read items: counted by their check
  return run;
}

void
print_plan(const ResolvedRun& resolved)
{
  const harness::RunPlan& plan = resolved.plan;
  const harness::BenchSpec& spec = resolved.bench.spec;
  long turns = 0;
  std::map<std::string, long> categories;
  for (const auto& item : plan.items) {
    turns += static_cast<long>(item.turns.size());
    ++categories[item.category];
  }
  fmt::print("plan: {} v{} ({})\n", spec.name, spec.version, spec.description);
  fmt::print("  items: {}, turns: {}{}\n", plan.items.size(), turns,
             resolved.shard ? fmt::format(" (shard {})", harness::to_string(*resolved.shard)) : "");
  fmt::print("  candidate: {} ({} at {})\n", plan.candidate.name, plan.candidate.model,
             plan.candidate.base_url);
  if (plan.baseline) {
    fmt::print("  baseline: {} ({} at {})\n", plan.baseline->name, plan.baseline->model,
               plan.baseline->base_url);
  } else if (plan.baseline_from_references) {
    fmt::print("  baseline: the items' reference answers\n");
  }
  fmt::print("  judge: {} ({} at {}), protocol {}, rubric {}\n", plan.judge_endpoint.name,
             plan.judge_endpoint.model, plan.judge_endpoint.base_url, plan.judge->protocol(),
             plan.judge->rubric());
  std::vector<std::string> parts;
  for (const auto& [name, n] : categories) {
    parts.push_back(fmt::format("{} {}", name.empty() ? "(none)" : name, n));
  }
  fmt::print("  categories: {}\n", fmt::join(parts, ", "));
  std::set<std::string> launched;
  for (const auto* e :
       {&plan.candidate, plan.baseline ? &*plan.baseline : nullptr, &plan.judge_endpoint}) {
    if (e && e->launch && launched.insert(e->name).second) {
      fmt::print("  {}: a run starts its server{} if nothing answers: {}\n", e->name,
                 e->urls().size() > 1 ? fmt::format("s ({})", e->urls().size()) : "",
                 e->launch->command);
    }
  }
  std::set<std::string> distinct;
  long with_system = 0;
  for (const auto& item : plan.items) {
    if (item.system) {
      ++with_system;
      distinct.insert(item.system->id);
    }
  }
  fmt::print("  system messages: {} of {} items, {} distinct{}\n", with_system, plan.items.size(),
             distinct.size(), resolved.generator ? " (before generation)" : "");
}

ResolvedRun
resolve_run(const RunOptions& options, const std::filesystem::path& home)
{
  // Checked first: with generated system messages the unseen check itself
  // runs only once they are written.
  if (options.require_unseen && options.seen.empty()) {
    throw Fatal("--require-unseen needs --seen FILE (the system messages used in training)");
  }
  ResolvedRun out;
  out.shard = options.shard;
  // A JSON Lines file is read a line at a time by the run (and checked whole
  // meanwhile), except where the whole list is needed first: a dry run's
  // plan, generated system messages, the unseen check.
  const bool stream = !options.dry_run && options.seen.empty() &&
                      options.system_messages.rfind("generate:", 0) != 0;
  out.bench = load_bench(home, options.bench, options.bench_file, stream);
  LoadedBench& bench = out.bench;
  if (!options.baseline.empty()) {
    bench.spec.judge.baseline = options.baseline;
  }
  if (options.judge_runs) {
    bench.spec.judge.runs = *options.judge_runs;
  }
  if (options.show_system) {
    bench.spec.judge.show_system = true;
  }
  remake_judge(bench, home, options.rubric);
  const harness::BenchSpec& spec = bench.spec;

  auto endpoints = load_endpoints(options.endpoints, home);
  if (options.demo) {
    serve_with_demo(endpoints);
  }

  harness::RunPlan& plan = out.plan;
  plan.items = std::move(bench.items);
  if (options.limit && *options.limit < static_cast<int>(plan.items.size())) {
    plan.items.resize(static_cast<size_t>(std::max(0, *options.limit)));
  }
  if (options.shard) {
    std::erase_if(plan.items, [&](const harness::Item& item) {
      return !harness::in_shard(*options.shard, item.id);
    });
  }
  std::optional<harness::EndpointConfig>& generator = out.generator;
  if (options.system_messages.rfind("generate:", 0) == 0) {
    if (options.shard) {
      throw Fatal("--shard cannot be used with --system-messages generate: (the messages are "
                  "drawn for the whole list of items); build the benchmark with its system "
                  "messages first ('evalrun build-bench'), then shard that file");
    }
    generator = pick_endpoint(endpoints, options.system_messages.substr(9), "generator");
  }
  json& system_messages = out.system_messages;
  auto system_plan = plan_system_messages(options, home);
  system_messages = std::move(system_plan.provenance);
  out.prepare_item = std::move(system_plan.prepare);
  if (bench.records_reading) {
    harness::RecordsReading reading = *bench.records_reading;
    reading.prepare = out.prepare_item;
    if (options.limit) {
      reading.limit = static_cast<size_t>(std::max(0, *options.limit));
    }
    plan.item_source = [reading, shard = options.shard] {
      auto items = harness::read_records(reading);
      return shard ? harness::read_shard(std::move(items), *shard) : std::move(items);
    };
  } else if (out.prepare_item) {
    for (auto& item : plan.items) {
      out.prepare_item(item);
    }
  }
  if (!generator && !bench.records_reading) {
    system_messages["unseen_check"] = check_seen(plan.items, options);
  }
  plan.candidate = pick_endpoint(endpoints, options.model, "candidate");
  std::string judge_name = !options.judge.empty() ? options.judge
                           : plan.candidate.demo  ? "demo"
                                                  : spec.judge.endpoint;
  plan.judge_endpoint = pick_endpoint(endpoints, judge_name, "judge");
  if (options.concurrency) {
    plan.candidate.max_concurrency = *options.concurrency;
    plan.judge_endpoint.max_concurrency = *options.concurrency;
    if (generator) {
      generator->max_concurrency = *options.concurrency;
    }
  }
  plan.candidate_params = plan.candidate.params.merged_with(spec.generation);
  plan.judge = bench.judge.get();
  check_protocol_flags(*plan.judge, options);
  if (plan.judge->needs_baseline()) {
    const auto& baseline = spec.judge.baseline;
    if (baseline.empty()) {
      throw Fatal(
          fmt::format("the {} protocol compares with a baseline: pass --baseline ENDPOINT, or "
                      "--baseline references to use the items' reference answers",
                      plan.judge->protocol()));
    }
    if (baseline == "references") {
      plan.baseline_from_references = true;
    } else {
      plan.baseline = pick_endpoint(endpoints, baseline, "baseline");
      if (options.concurrency) {
        plan.baseline->max_concurrency = *options.concurrency;
      }
      plan.baseline_params = plan.baseline->params.merged_with(spec.generation);
    }
  }
  if (!bench.records_reading) {
    ItemsCheck check;
    for (const auto& item : plan.items) {
      check_item(check, item, out);
    }
    if (auto problem = items_problem(check, out, "nothing was sent")) {
      throw Fatal(*problem);
    }
  }
  return out;
}

} // namespace cli
