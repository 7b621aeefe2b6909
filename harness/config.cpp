#include <harness/config.hpp>
#include <harness/rubric_spec.hpp>
#include <harness/template.hpp>

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include <set>

namespace harness {

namespace {

// Thrown inside this file only; the parse_* functions turn it into an Error.
struct ConfigProblem
{
  std::string message;
};

// Reads the fields of one YAML mapping with file:line errors, and rejects
// fields it was not asked about.
class Fields
{
public:
  Fields(const YAML::Node& node, const std::string& file, std::string where)
      : m_node(node), m_file(file), m_where(std::move(where))
  {
    if (!node.IsMap()) {
      fail(node, "", "expected a mapping");
    }
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field,
                         const std::string& why) const
  {
    int line = at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    std::string name = field.empty() ? m_where : m_where + (m_where.empty() ? "" : ".") + field;
    throw ConfigProblem{fmt::format("{}:{}: field '{}': {}", m_file, line, name, why)};
  }

  bool has(const std::string& key)
  {
    m_known.insert(key);
    return m_node[key].IsDefined() && !m_node[key].IsNull();
  }

  template <typename T>
  T get(const std::string& key)
  {
    if (!has(key)) {
      fail(m_node, key, "is required");
    }
    return as<T>(key);
  }

  template <typename T>
  T get(const std::string& key, T fallback)
  {
    return has(key) ? as<T>(key) : fallback;
  }

  // A string, or a list of strings (alternatives); empty when absent.
  std::vector<std::string> paths(const std::string& key)
  {
    if (!has(key)) {
      return {};
    }
    if (m_node[key].IsScalar()) {
      return {as<std::string>(key)};
    }
    return as<std::vector<std::string>>(key);
  }

  YAML::Node node(const std::string& key)
  {
    m_known.insert(key);
    return m_node[key];
  }

  std::string where(const std::string& key) const
  {
    return m_where.empty() ? key : m_where + "." + key;
  }

  // Call after reading: any field not asked about is an error (typos).
  void reject_unknown() const
  {
    for (const auto& kv : m_node) {
      auto key = kv.first.as<std::string>();
      if (!m_known.count(key)) {
        fail(kv.first, key, "unknown field");
      }
    }
  }

private:
  template <typename T>
  T as(const std::string& key)
  {
    YAML::Node value = m_node[key];
    try {
      return value.as<T>();
    } catch (const YAML::Exception&) {
      fail(value, key, fmt::format("expected {}", type_name<T>()));
    }
  }

  template <typename T>
  static const char* type_name()
  {
    if constexpr (std::is_same_v<T, std::string>) {
      return "a string";
    } else if constexpr (std::is_same_v<T, bool>) {
      return "true or false";
    } else if constexpr (std::is_integral_v<T>) {
      return "an integer";
    } else if constexpr (std::is_floating_point_v<T>) {
      return "a number";
    } else {
      return "a list of strings";
    }
  }

  YAML::Node m_node;
  std::string m_file;
  std::string m_where;
  std::set<std::string> m_known;
};

// Reads the sampling fields present in `f` (it may hold other fields too).
GenParams
read_params(Fields& f)
{
  GenParams p;
  if (f.has("temperature")) {
    p.temperature = f.get<double>("temperature");
  }
  if (f.has("top_p")) {
    p.top_p = f.get<double>("top_p");
  }
  if (f.has("max_tokens")) {
    p.max_tokens = f.get<int>("max_tokens");
  }
  if (f.has("seed")) {
    p.seed = f.get<std::int64_t>("seed");
  }
  if (f.has("repetition_penalty")) {
    p.repetition_penalty = f.get<double>("repetition_penalty");
  }
  if (f.has("top_k")) {
    p.top_k = f.get<int>("top_k");
  }
  if (f.has("min_p")) {
    p.min_p = f.get<double>("min_p");
  }
  p.stop = f.get<std::vector<std::string>>("stop", {});
  if (f.has("logprobs")) {
    p.logprobs = f.get<bool>("logprobs");
  }
  if (f.has("top_logprobs")) {
    p.top_logprobs = f.get<int>("top_logprobs");
  }
  return p;
}

// Reads the mapping `parent.key` as sampling parameters only.
GenParams
parse_params(Fields& parent, const std::string& key, const std::string& file)
{
  if (!parent.has(key)) {
    return {};
  }
  Fields f(parent.node(key), file, parent.where(key));
  GenParams p = read_params(f);
  f.reject_unknown();
  return p;
}

// An endpoint's URL (`base_url`) or its replicas' (`base_urls`, a list):
// one of the two.
void
read_urls(Fields& f, EndpointConfig& e)
{
  auto check = [&](std::string url, const std::string& field) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      f.fail(f.node(field), field, "must start with http:// or https://");
    }
    while (!url.empty() && url.back() == '/') {
      url.pop_back();
    }
    return url;
  };
  if (f.has("base_urls")) {
    if (f.has("base_url")) {
      f.fail(f.node("base_url"), "base_url",
             "give base_url (one server) or base_urls (replicas), not both");
    }
    auto urls = f.get<std::vector<std::string>>("base_urls");
    if (urls.empty()) {
      f.fail(f.node("base_urls"), "base_urls", "must list at least one URL");
    }
    for (auto& url : urls) {
      url = check(url, "base_urls");
    }
    if (std::set<std::string>(urls.begin(), urls.end()).size() != urls.size()) {
      f.fail(f.node("base_urls"), "base_urls", "lists a URL twice");
    }
    e.base_url = urls.front();
    if (urls.size() > 1) {
      e.replica_urls = std::move(urls);
    }
    return;
  }
  e.base_url = f.get<std::string>("base_url");
  e.demo = e.base_url == demo_endpoint().base_url;
  if (!e.demo) {
    e.base_url = check(e.base_url, "base_url");
  }
}

// An endpoint's `launch:` block.
LaunchSpec
parse_launch(Fields& parent, const std::string& file)
{
  Fields f(parent.node("launch"), file, parent.where("launch"));
  // A misspelt field is named as such, before what it leaves missing.
  for (const char* known : {"command", "env", "health_path", "startup_timeout_s", "stop_grace_s"}) {
    f.has(known);
  }
  f.reject_unknown();
  LaunchSpec spec;
  spec.command = f.get<std::string>("command");
  if (spec.command.find_first_not_of(" \t") == std::string::npos) {
    f.fail(f.node("command"), "command", "is empty");
  }
  auto check_placeholders = [&](const std::string& text, const YAML::Node& at,
                                const std::string& field) {
    if (auto unknown = unknown_launch_placeholder(text); !unknown.empty()) {
      f.fail(at, field,
             fmt::format("unknown placeholder {}: the placeholders are {{port}}, {{replica}} and "
                         "{{model}}",
                         unknown));
    }
  };
  check_placeholders(spec.command, f.node("command"), "command");
  if (f.has("env")) {
    Fields env(f.node("env"), file, f.where("env"));
    for (const auto& kv : f.node("env")) {
      auto name = kv.first.as<std::string>();
      spec.env[name] = env.get<std::string>(name);
      check_placeholders(spec.env[name], kv.second, "env." + name);
    }
    env.reject_unknown();
  }
  spec.health_path = f.get<std::string>("health_path", spec.health_path);
  if (spec.health_path.empty() || spec.health_path.front() != '/') {
    f.fail(f.node("health_path"), "health_path", "must start with / (e.g. /health)");
  }
  spec.startup_timeout_s = f.get<double>("startup_timeout_s", spec.startup_timeout_s);
  if (spec.startup_timeout_s <= 0) {
    f.fail(f.node("startup_timeout_s"), "startup_timeout_s", "must be positive (seconds)");
  }
  spec.stop_grace_s = f.get<double>("stop_grace_s", spec.stop_grace_s);
  if (spec.stop_grace_s < 0) {
    f.fail(f.node("stop_grace_s"), "stop_grace_s", "must be 0 or more (seconds)");
  }
  f.reject_unknown();
  return spec;
}

template <typename Fn>
auto
parse_yaml(const TextFile& file, Fn&& fn) -> Result<decltype(fn(YAML::Node()))>
{
  try {
    YAML::Node root = YAML::Load(file.content);
    return fn(root);
  } catch (const ConfigProblem& p) {
    return Error{Error::Kind::config, p.message};
  } catch (const YAML::Exception& e) {
    return Error{Error::Kind::config, fmt::format("{}:{}: invalid YAML: {}", file.path.string(),
                                                  e.mark.line + 1, e.msg)};
  }
}

} // namespace

std::string
EndpointConfig::identity() const
{
  return context_length ? fmt::format("{} {} context {}", base_url, model, *context_length)
                        : fmt::format("{} {}", base_url, model);
}

std::vector<std::string>
EndpointConfig::urls() const
{
  return replica_urls.empty() ? std::vector<std::string>{base_url} : replica_urls;
}

EndpointConfig
demo_endpoint()
{
  EndpointConfig e;
  e.name = "demo";
  e.base_url = "demo://in-process";
  e.model = "evalrun-demo";
  e.max_concurrency = 32;
  e.timeout_s = 30;
  e.connect_timeout_s = 2;
  e.demo = true;
  e.server = ServerDialect::vllm; // the demo reads evalrun's own names, vLLM's
  e.defined_in = "built-in";
  return e;
}

Result<EndpointMap>
parse_endpoints(const TextFile& file)
{
  const std::string path = file.path.string();
  return parse_yaml(file, [&](const YAML::Node& root) {
    EndpointMap out;
    Fields top(root, path, "");
    YAML::Node list = top.node("endpoints");
    if (!list.IsMap()) {
      top.fail(root, "endpoints", "is required and must map names to endpoints");
    }
    top.reject_unknown();
    for (const auto& kv : list) {
      auto name = kv.first.as<std::string>();
      Fields f(kv.second, path, "endpoints." + name);
      EndpointConfig e;
      e.name = name;
      read_urls(f, e);
      e.model = f.get<std::string>("model");
      if (f.has("server")) {
        e.server = parse_server_dialect(f.get<std::string>("server"));
        if (!e.server) {
          f.fail(f.node("server"), "server", "must be vllm, llama.cpp, sglang or openai");
        }
      } else if (e.demo) {
        e.server = ServerDialect::vllm;
      }
      e.api_key_env = f.get<std::string>("api_key_env", "");
      e.max_concurrency = f.get<int>("max_concurrency", e.max_concurrency);
      if (e.max_concurrency < 1) {
        f.fail(f.node("max_concurrency"), "max_concurrency", "must be at least 1");
      }
      e.timeout_s = f.get<double>("timeout_s", e.timeout_s);
      e.connect_timeout_s = f.get<double>("connect_timeout_s", e.connect_timeout_s);
      e.outage_s = f.get<double>("outage_s", e.outage_s);
      if (e.outage_s < 0) {
        f.fail(f.node("outage_s"), "outage_s", "must be 0 or more (seconds)");
      }
      if (e.timeout_s <= 0 || e.connect_timeout_s <= 0) {
        f.fail(kv.second, "timeout_s", "timeouts must be positive");
      }
      e.params = parse_params(f, "params", path);
      auto kind = f.get<std::string>("kind", "chat");
      if (kind == "completions") {
        e.kind = EndpointConfig::Kind::completions;
      } else if (kind != "chat") {
        f.fail(f.node("kind"), "kind", "must be chat or completions");
      }
      if (f.has("template")) {
        if (e.kind != EndpointConfig::Kind::completions) {
          f.fail(f.node("template"), "template",
                 "only endpoints of kind completions take a template");
        }
        auto t = parse_chat_template(f.get<std::string>("template"));
        if (!t) {
          f.fail(f.node("template"), "template", t.error().message);
        }
        e.chat_template = *t;
      } else if (e.kind == EndpointConfig::Kind::completions) {
        f.fail(kv.second, "template",
               "is required for kind completions (mistral-inst, chatml or llama3); it is never "
               "guessed");
      }
      if (f.has("price")) {
        Fields p(f.node("price"), path, f.where("price"));
        EndpointConfig::Price price{p.get<double>("input"), p.get<double>("output")};
        if (price.input_per_million < 0 || price.output_per_million < 0) {
          p.fail(f.node("price"), "input", "prices are per million tokens and cannot be negative");
        }
        p.reject_unknown();
        e.price = price;
      }
      e.offline = f.get<bool>("offline", false);
      if (e.offline && f.has("launch")) {
        f.fail(f.node("launch"), "launch",
               "an offline endpoint is never contacted, so never started (offline: true)");
      }
      if (f.has("launch")) {
        if (e.demo) {
          f.fail(f.node("launch"), "launch", "the demo server is evalrun's own: nothing to launch");
        }
        e.launch = parse_launch(f, path);
        for (const auto& url : e.urls()) {
          if (!is_loopback_url(url)) {
            f.fail(f.node("launch"), "launch",
                   fmt::format("evalrun starts servers on this machine only: {} is not a "
                               "loopback address (127.0.0.1, localhost, [::1])",
                               url));
          }
        }
      }
      f.reject_unknown();
      e.defined_in = fmt::format("{}:{}", path, kv.first.Mark().line + 1);
      out[name] = std::move(e);
    }
    return out;
  });
}

namespace {

// `over` merged onto a copy of `base`: mappings recursively, anything else replaced.
YAML::Node
merged(const YAML::Node& base, const YAML::Node& over)
{
  if (!base.IsMap() || !over.IsMap()) {
    return YAML::Clone(over);
  }
  YAML::Node out = YAML::Clone(base);
  for (const auto& kv : over) {
    auto key = kv.first.as<std::string>();
    out[key] = out[key].IsDefined() ? merged(out[key], kv.second) : YAML::Clone(kv.second);
  }
  return out;
}

// `own` with `extends: NAME` resolved: `base`'s document with own's fields
// merged over it (maps field by field, anything else replaced). A base that
// extends another is refused; `what` names the kind of file in messages.
YAML::Node
with_base(const YAML::Node& own, const TextFile* base, const std::string& path, const char* what)
{
  if (!own.IsMap() || !own["extends"].IsDefined()) {
    return own;
  }
  if (!base) {
    throw ConfigProblem{fmt::format("{}:{}: field 'extends': the base {} was not loaded", path,
                                    own["extends"].Mark().line + 1, what)};
  }
  YAML::Node base_root;
  try {
    base_root = YAML::Load(base->content);
  } catch (const YAML::Exception& e) {
    throw ConfigProblem{
        fmt::format("{}:{}: invalid YAML: {}", base->path.string(), e.mark.line + 1, e.msg)};
  }
  if (base_root.IsMap() && base_root["extends"].IsDefined()) {
    throw ConfigProblem{fmt::format("{}: field 'extends': a base {} cannot extend another",
                                    base->path.string(), what)};
  }
  YAML::Node root = merged(base_root, own);
  root.remove("extends");
  return root;
}

// The file `extends: NAME` names: NAME.yaml in `folder`, or NAME itself when
// it ends in .yaml (relative to the extending file). Nothing when the file
// does not extend; an Error naming the file and line when the base is missing.
Result<std::optional<TextFile>>
read_base(const TextFile& file, const std::filesystem::path& folder)
{
  std::string name;
  int line = 0;
  try {
    YAML::Node root = YAML::Load(file.content);
    if (!root.IsMap() || !root["extends"].IsDefined()) {
      return std::optional<TextFile>();
    }
    name = root["extends"].as<std::string>();
    line = root["extends"].Mark().line + 1;
  } catch (const YAML::Exception&) {
    return std::optional<TextFile>(); // the parser reports it with its line
  }
  auto path = name.ends_with(".yaml") ? file.path.parent_path() / name : folder / (name + ".yaml");
  auto base = read_text_file(path);
  if (!base) {
    return Error(Error::Kind::config, fmt::format("{}:{}: field 'extends': {}", file.path.string(),
                                                  line, base.error().message));
  }
  return std::optional<TextFile>(std::move(*base));
}

} // namespace

Result<BenchSpec>
parse_bench_spec(const TextFile& file, const std::filesystem::path& home, const TextFile* base)
{
  const std::string path = file.path.string();
  return parse_yaml(file, [&](const YAML::Node& own) {
    YAML::Node root = with_base(own, base, path, "spec");
    BenchSpec s;
    s.defined_in = file.path;
    Fields f(root, path, "");
    s.name = f.get<std::string>("name");
    s.version = f.get<std::string>("version");
    s.adapter = f.get<std::string>("adapter");
    s.description = f.get<std::string>("description", "");
    if (f.has("files")) {
      Fields files(f.node("files"), path, "files");
      for (const auto& kv : f.node("files")) {
        auto key = kv.first.as<std::string>();
        std::filesystem::path p = files.get<std::string>(key);
        s.files[key] = p.is_absolute() ? p : home / p;
      }
    }
    if (f.has("generation")) {
      Fields g(f.node("generation"), path, "generation");
      s.generation = read_params(g);
      if (g.has("category_temperature")) {
        Fields temps(g.node("category_temperature"), path, "generation.category_temperature");
        for (const auto& kv : g.node("category_temperature")) {
          auto category = kv.first.as<std::string>();
          s.category_temperature[category] = temps.get<double>(category);
        }
      }
      g.reject_unknown();
    }
    if (f.has("records")) {
      Fields r(f.node("records"), path, "records");
      auto& m = s.records;
      m.id = r.paths("id");
      m.id_prefix = r.get<std::string>("id_prefix", "");
      m.prompt = r.paths("prompt");
      if (m.prompt.empty()) {
        r.fail(f.node("records"), "prompt", "is required");
      }
      m.input = r.paths("input");
      m.input_separator = r.get<std::string>("input_separator", m.input_separator);
      m.reference = r.paths("reference");
      m.category = r.paths("category");
      m.system = r.paths("system");
      if (r.has("meta")) {
        Fields meta(r.node("meta"), path, "records.meta");
        for (const auto& kv : r.node("meta")) {
          auto name = kv.first.as<std::string>();
          m.meta[name] = meta.paths(name);
        }
      }
      r.reject_unknown();
    }
    if (f.has("judge")) {
      Fields j(f.node("judge"), path, "judge");
      s.judge.endpoint = j.get<std::string>("endpoint");
      s.judge.rubric = j.get<std::string>("rubric");
      s.judge.reference_categories = j.get<std::vector<std::string>>("reference_categories", {});
      s.judge.params = parse_params(j, "params", path);
      s.judge.runs = j.get<int>("runs", 1);
      s.judge.resamples = j.get<int>("resamples", 0);
      s.judge.show_system = j.get<bool>("show_system", false);
      s.judge.baseline = j.get<std::string>("baseline", "");
      s.judge.references_model = j.get<std::string>("references_model", "");
      if (s.judge.runs < 1 || s.judge.resamples < 0) {
        j.fail(f.node("judge"), "runs", "runs must be at least 1 and resamples at least 0");
      }
      j.reject_unknown();
    }
    f.reject_unknown();
    return s;
  });
}

Result<LeaderboardConfig>
parse_leaderboard_config(const TextFile& file)
{
  const std::string path = file.path.string();
  return parse_yaml(file, [&](const YAML::Node& root) {
    LeaderboardConfig config;
    Fields f(root, path, "");
    config.db = f.get<std::string>("db", "");
    config.alpaca_eval_lc = f.get<std::string>("alpaca_eval_lc", "");
    config.layout = f.get<std::string>("layout", "");
    if (!config.layout.empty() && config.layout != "janus") {
      f.fail(root["layout"], "layout", "must be janus (the Janus paper's tables) or absent");
    }
    YAML::Node matrix = f.node("matrix");
    if (!matrix.IsSequence() || matrix.size() == 0) {
      f.fail(root, "matrix", "is required: a list of {bench, models, judge}");
    }
    f.reject_unknown();
    size_t index = 0;
    for (const auto& entry : matrix) {
      Fields e(entry, path, fmt::format("matrix[{}]", index++));
      MatrixEntry m;
      m.bench = e.get<std::string>("bench");
      m.models = e.get<std::vector<std::string>>("models");
      if (m.models.empty()) {
        e.fail(entry, "models", "needs at least one endpoint");
      }
      m.judge = e.get<std::string>("judge", "");
      m.rubric = e.get<std::string>("rubric", "");
      m.baseline = e.get<std::string>("baseline", "");
      m.system_messages = e.get<std::string>("system_messages", "");
      m.seed = e.get<std::uint64_t>("seed", 0);
      if (e.has("limit")) {
        m.limit = e.get<int>("limit");
      }
      m.bench_file = e.get<std::string>("bench_file", "");
      m.show_system = e.get<bool>("show_system", false);
      if (e.has("judge_runs")) {
        m.judge_runs = e.get<int>("judge_runs");
      }
      e.reject_unknown();
      config.matrix.push_back(std::move(m));
    }
    return config;
  });
}

Result<RubricSpec>
parse_rubric(const TextFile& file, const TextFile* base)
{
  const std::string path = file.path.string();
  return parse_yaml(file, [&](const YAML::Node& own) {
    if (base && own.IsMap() && !own["name"].IsDefined()) {
      throw ConfigProblem{fmt::format("{}: field 'name': a rubric that extends another needs a "
                                      "name of its own (verdicts record it)",
                                      path)};
    }
    YAML::Node root = with_base(own, base, path, "rubric");
    RubricSpec r;
    r.defined_in = file.path;
    Fields f(root, path, "");
    r.name = f.get<std::string>("name");
    r.version = f.get<std::string>("version");
    r.protocol = f.get<std::string>("protocol");
    r.description = f.get<std::string>("description", "");
    auto read_prompt = [&](Fields& p, const std::string& where) {
      RubricPrompt prompt;
      prompt.system = p.get<std::string>("system", "");
      prompt.template_text = p.get<std::string>("template");
      auto vars = template_variables(prompt.template_text, TemplateSyntax::mustache);
      if (!vars) {
        p.fail(p.node("template"), "template", fmt::format("{} ({})", vars.error().message, where));
      }
      return prompt;
    };
    if (f.has("template")) {
      r.prompts["default"] = read_prompt(f, "default");
    }
    if (f.has("prompts")) {
      for (const auto& kv : f.node("prompts")) {
        auto name = kv.first.as<std::string>();
        Fields p(kv.second, path, "prompts." + name);
        r.prompts[name] = read_prompt(p, name);
        p.reject_unknown();
      }
    }
    if (r.prompts.empty()) {
      f.fail(root, "template", "a rubric needs `template` or `prompts`");
    }
    if (f.has("output")) {
      Fields o(f.node("output"), path, "output");
      r.pattern = o.get<std::string>("pattern");
      r.fallback = o.get<std::string>("fallback", "");
      o.reject_unknown();
    }
    if (f.has("scale")) {
      Fields sc(f.node("scale"), path, "scale");
      r.scale_min = sc.get<double>("min");
      r.scale_max = sc.get<double>("max");
      sc.reject_unknown();
      if (*r.scale_min >= *r.scale_max) {
        f.fail(f.node("scale"), "scale", "min must be below max");
      }
    }
    if (f.has("criteria")) {
      for (const auto& c : f.node("criteria")) {
        Fields cf(c, path, "criteria[]");
        Rubric rubric;
        rubric.name = cf.get<std::string>("name", "");
        rubric.criteria = cf.get<std::string>("criteria");
        if (cf.has("score_descriptions")) {
          for (const auto& kv : cf.node("score_descriptions")) {
            rubric.score_descriptions[kv.first.as<std::string>()] = kv.second.as<std::string>();
          }
        }
        cf.reject_unknown();
        r.criteria.push_back(std::move(rubric));
      }
    }
    r.params = parse_params(f, "params", path);
    f.reject_unknown();
    return r;
  });
}

Result<RubricSpec>
load_rubric(const std::filesystem::path& home, const std::string& name_or_path)
{
  std::filesystem::path path = name_or_path.ends_with(".yaml")
                                   ? std::filesystem::path(name_or_path)
                                   : home / "rubrics" / (name_or_path + ".yaml");
  auto file = read_text_file(path);
  if (!file) {
    return file.error();
  }
  auto base = read_base(*file, home / "rubrics");
  if (!base) {
    return base.error();
  }
  return parse_rubric(*file, *base ? &**base : nullptr);
}

Result<BenchSpec>
load_bench_spec(const std::filesystem::path& path, const std::filesystem::path& home)
{
  auto file = read_text_file(path);
  if (!file) {
    return file.error();
  }
  auto base = read_base(*file, path.parent_path());
  if (!base) {
    return base.error();
  }
  return parse_bench_spec(*file, home, *base ? &**base : nullptr);
}

} // namespace harness
