#pragma once

#include <harness/store.hpp>

#include <string>
#include <vector>

namespace reports {

// Each distinct version that answered, as the replies named it: "model" or
// "model fingerprint" (replies that named neither left out), in the order given.
std::vector<std::string> served_versions(const std::vector<harness::Store::ServedBy>& served);

// "judge served as gpt-4-0613 fp_44709d6fcb (120 requests), gpt-4-0613 fp_5ed7 (40 requests):
// it changed within the run"; "" when no reply named its model or fingerprint.
std::string describe_served(const std::string& role,
                            const std::vector<harness::Store::ServedBy>& served);

} // namespace reports
