#pragma once

#include <harness/error.hpp>
#include <harness/text_file.hpp>
#include <harness/types.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace harness {

// One judge prompt: a system message and a user template ({{var}}).
struct RubricPrompt
{
  std::string system;
  std::string template_text;
};

// A judge rubric (rubrics/NAME.yaml): the prompts, how to read the verdict
// and the scale. Data, not code: a judge protocol (judges/) interprets it.
struct RubricSpec
{
  std::string name;
  std::string version;
  std::string
      protocol; // single | pairwise | absolute | relative | flask | alpaca_eval | arena_hard
  std::string description;
  std::map<std::string, RubricPrompt> prompts; // `system`/`template` at the top level are "default"
  std::string pattern;                         // verdict pattern (RE2, one capture group)
  std::string fallback;                        // tried when `pattern` does not match
  std::optional<double> scale_min;
  std::optional<double> scale_max;
  std::vector<Rubric> criteria; // optional fixed criteria (ad-hoc rubrics)
  GenParams params;             // judge sampling the protocol fixes
  std::filesystem::path defined_in;

  // name@version, as recorded with every verdict.
  std::string id() const { return name + "@" + version; }
};

// Parses a rubric file. Every template must be valid {{var}} syntax; errors
// name file, line and field; unknown fields are errors. A rubric with
// `extends: BASE` is `base` with its own fields merged over it (it must have
// its own `name`); `base` must then be given.
Result<RubricSpec> parse_rubric(const TextFile& file, const TextFile* base = nullptr);

// Reads rubrics/NAME.yaml under `home`, or `name_or_path` itself when it ends
// in .yaml; its `extends:` names a rubric under rubrics/ (or a .yaml path
// beside it).
Result<RubricSpec> load_rubric(const std::filesystem::path& home, const std::string& name_or_path);

} // namespace harness
