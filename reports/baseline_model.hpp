#pragma once

#include <harness/store.hpp>

#include <string>

namespace reports {

// The name of the model a run is compared against: the spec's
// references_model (recorded in the run's config) when the baseline is the
// items' references, else the baseline as recorded (an endpoint or, for
// imports, a model name). Empty for runs without a baseline.
std::string baseline_model(const harness::RunRecord& run);

} // namespace reports
