#pragma once

#include <harness/error.hpp>

#include <filesystem>
#include <map>
#include <string>

namespace harness {

// A file's path and whole content, read by the runner and handed to the
// pure parsers (benchmark adapters, judge prompt loaders) so that they can
// name the file in errors without doing I/O themselves.
struct TextFile
{
  std::filesystem::path path;
  std::string content;
};

// Named input files of a benchmark spec ("questions" -> TextFile).
using FileSet = std::map<std::string, TextFile>;

// Reads a whole file; a Kind::config Error names the path and the reason.
Result<TextFile> read_text_file(const std::filesystem::path& path);

// Writes `content` to a temporary file of its own beside `path` (mkstemp),
// fsyncs it and renames it over `path`: readers see the old file or the new
// one, and two writers of the same path never clobber each other's temporary.
// A full disk says "disk full: <path>: ...".
Result<bool> write_file_atomic(const std::filesystem::path& path, const std::string& content);

// The Fatal for a write_file_atomic failure: exit 3 for a full disk, else 2.
Fatal write_failure(const Error& error);

} // namespace harness
