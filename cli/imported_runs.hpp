#pragma once

#include <harness/store.hpp>
#include <harness/types.hpp>

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

// What every `evalrun import` format shares: runs filled from published
// files, written to the store only once everything was read and checked.
namespace cli {

// One imported run being filled: its verdicts and the judge calls behind them.
struct ImportedRun
{
  harness::RunRecord record;
  std::vector<harness::VerdictRecord> verdicts;
  std::vector<harness::JudgeCallRecord> calls;
};

// A model's output, kept as a response to the instruction alone so reports
// read its length, tokens and text like those evalrun collects itself.
struct ImportedOutput
{
  std::string hash;
  harness::ChatRequest request;
  harness::Response response;
};

// A JSON value as text: a string as is, anything else as JSON.
std::string as_text(const nlohmann::json& v);

// `output` as `model`'s answer to `instruction`; `tokens` as its completion tokens.
ImportedOutput imported_output(const std::string& model, const std::string& instruction,
                               const std::string& output, int tokens = 0);

// The run that a (model, baseline, judge) group of imported judgments goes to,
// created on first use. Its key makes importing the same file twice
// idempotent. `extra_config` is merged into its config (e.g. references_model).
ImportedRun& run_for(std::map<std::string, ImportedRun>& runs, const std::filesystem::path& file,
                     const std::string& bench, const std::string& protocol,
                     const std::string& rubric, const std::string& model,
                     const std::string& baseline, const std::string& judge,
                     const nlohmann::json* extra_config = nullptr);

// Opens the database `db` (only now, once everything was read and checked,
// so a bad file leaves no database behind) and writes the outputs, then every
// run with its verdicts and judge calls, in one transaction; prints one line
// per run ("imported N <what> verdicts ...").
void save(const std::filesystem::path& db, std::map<std::string, ImportedRun>& runs,
          const std::vector<ImportedOutput>& outputs, const std::string& what);

} // namespace cli
