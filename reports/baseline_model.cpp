#include <reports/baseline_model.hpp>

#include <nlohmann/json.hpp>

namespace reports {

std::string
baseline_model(const harness::RunRecord& run)
{
  if (run.baseline == "references") {
    auto config = nlohmann::json::parse(run.config_json, nullptr, false);
    if (config.is_object() && config.contains("references_model") &&
        config["references_model"].is_string() &&
        !config["references_model"].get<std::string>().empty()) {
      return config["references_model"].get<std::string>();
    }
  }
  return run.baseline;
}

} // namespace reports
