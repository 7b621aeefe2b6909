#include <harness/file_digest.hpp>
#include <harness/request_hash.hpp>

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>

namespace harness {

Result<std::string>
file_sha256_hex(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{Error::Kind::config,
                 fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno))};
  }
  Sha256 digest;
  std::string block(1 << 16, '\0');
  while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
    digest.update(std::string_view(block.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) {
    return Error{Error::Kind::config,
                 fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno))};
  }
  return digest.hex();
}

} // namespace harness
