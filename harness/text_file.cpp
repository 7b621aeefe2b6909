#include <harness/text_file.hpp>

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace harness {

Result<TextFile>
read_text_file(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{Error::Kind::config,
                 fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno))};
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return TextFile{path, buffer.str()};
}

Result<bool>
write_file_atomic(const std::filesystem::path& path, const std::string& content)
{
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(content.data(), static_cast<std::streamsize>(content.size()))) {
      return Error{Error::Kind::config,
                   fmt::format("{}: cannot write: {}", tmp.string(), std::strerror(errno))};
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    return Error{Error::Kind::config,
                 fmt::format("{}: cannot rename: {}", path.string(), ec.message())};
  }
  return true;
}

} // namespace harness
