#include <cli/length_controlled_files.hpp>

#include <harness/error.hpp>
#include <harness/text_file.hpp>

#include <fmt/format.h>

#include <map>

namespace cli {

using harness::Fatal;
namespace fs = std::filesystem;

namespace {

constexpr const char* k_dataset =
    "https://huggingface.co/datasets/tatsu-lab/alpaca_eval/resolve/main";

std::string
download_hint(const fs::path& folder, const char* file)
{
  return fmt::format("{}: no such file; download it once with: mkdir -p {} && curl -L -o {} "
                     "{}/{}",
                     (folder / file).string(), folder.string(), (folder / file).string(), k_dataset,
                     file);
}

} // namespace

std::optional<reports::AlpacaEvalLcInputs>
read_length_controlled_inputs(const fs::path& folder, std::optional<double> pinned_c)
{
  if (folder.empty()) {
    return std::nullopt;
  }
  reports::AlpacaEvalLcInputs inputs;
  inputs.folder = folder.string();
  inputs.pinned_c = pinned_c;
  std::error_code ec;
  if (!fs::exists(folder / "df_gamed.csv", ec)) {
    inputs.missing = download_hint(folder, "df_gamed.csv");
    return inputs;
  }
  auto gamed_file = harness::read_text_file(folder / "df_gamed.csv");
  if (!gamed_file) {
    throw Fatal(gamed_file.error().message);
  }
  auto gamed = reports::parse_df_gamed_csv(gamed_file->content, gamed_file->path.string());
  if (!gamed) {
    throw Fatal(gamed.error().message);
  }
  inputs.gamed = std::move(*gamed);
  if (fs::exists(folder / "instruction_difficulty.csv", ec)) {
    auto file = harness::read_text_file(folder / "instruction_difficulty.csv");
    if (!file) {
      throw Fatal(file.error().message);
    }
    auto difficulty = reports::parse_instruction_difficulty_csv(file->content, file->path.string());
    if (!difficulty) {
      throw Fatal(difficulty.error().message);
    }
    inputs.difficulty = std::move(*difficulty);
  } else {
    inputs.unchecked = download_hint(folder, "instruction_difficulty.csv") +
                       " (without it the check through predict_winrate is skipped)";
  }
  return inputs;
}

std::vector<std::pair<fs::path, std::string>>
length_controlled_weights_files(const fs::path& out, const std::vector<reports::RunReport>& runs)
{
  // file -> rows, in the order the runs come (oldest first: the newest weights win).
  std::map<fs::path, std::vector<reports::LcModelWeights>> files;
  for (const auto& r : runs) {
    if (!r.length_controlled || !r.length_controlled->result) {
      continue;
    }
    auto path = out / "weights" / r.run.judge_model_id / "length_controlled_v1" /
                fmt::format("baseline_{}.csv", r.length_controlled->baseline);
    auto& rows = files[path];
    if (rows.empty() && fs::exists(path)) {
      auto saved = harness::read_text_file(path);
      if (!saved) {
        throw Fatal(saved.error().message);
      }
      auto parsed = reports::parse_lc_weights_csv(saved->content, path.string());
      if (!parsed) {
        throw Fatal(parsed.error().message);
      }
      rows = std::move(*parsed);
    }
    if (!reports::find_lc_weights(rows, r.length_controlled->baseline)) {
      rows.insert(rows.begin(), {r.length_controlled->baseline, reports::LcWeights{}});
    }
    rows = reports::upsert_lc_weights(rows, {r.run.model, r.length_controlled->result->weights});
  }
  std::vector<std::pair<fs::path, std::string>> out_files;
  for (const auto& [path, rows] : files) {
    out_files.emplace_back(path, reports::lc_weights_csv(rows));
  }
  return out_files;
}

void
write_files(const std::vector<std::pair<fs::path, std::string>>& files)
{
  for (const auto& [path, content] : files) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    auto done = harness::write_file_atomic(path, content);
    if (!done) {
      throw harness::write_failure(done.error());
    }
  }
}

} // namespace cli
