#pragma once

#include <harness/error.hpp>

#include <filesystem>
#include <string>

namespace harness {

// SHA-256 of a file's content in hex, read in blocks (never held whole); a
// Kind::config Error names the path and the reason.
Result<std::string> file_sha256_hex(const std::filesystem::path& path);

} // namespace harness
