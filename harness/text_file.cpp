#include <harness/text_file.hpp>

#include <fmt/core.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

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
  // A name of its own (mkstemp), so that two writers of the same file never
  // share a temporary; fsync before the rename, so the rename never exposes
  // a file whose content is not on disk yet.
  std::string tmp = path.string() + ".XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) {
    return Error{Error::Kind::config, fmt::format("{}: cannot create a file beside it: {}",
                                                  path.string(), std::strerror(errno))};
  }
  auto fail = [&](const char* what) {
    auto error = Error{
        Error::Kind::config,
        errno == ENOSPC || errno == EDQUOT
            ? fmt::format("disk full: {}: cannot {}: {}", path.string(), what, std::strerror(errno))
            : fmt::format("{}: cannot {}: {}", path.string(), what, std::strerror(errno))};
    close(fd);
    unlink(tmp.c_str());
    return error;
  };
  for (size_t written = 0; written < content.size();) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return fail("write");
    }
    written += static_cast<size_t>(n);
  }
  // mkstemp makes the file 0600; an output file is as readable as any other.
  const mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0 || fsync(fd) != 0) {
    return fail("sync");
  }
  if (close(fd) != 0) {
    fd = -1;
    unlink(tmp.c_str());
    return Error{Error::Kind::config,
                 fmt::format("{}: cannot close: {}", path.string(), std::strerror(errno))};
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    auto error = Error{Error::Kind::config,
                       fmt::format("{}: cannot rename: {}", path.string(), std::strerror(errno))};
    unlink(tmp.c_str());
    return error;
  }
  // The rename itself is made durable too: the folder's entry is synced.
  const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (int dir = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return true;
}

Fatal
write_failure(const Error& error)
{
  // A full disk is a failure of the run's environment (exit 3), like a full database.
  return Fatal(error.message, error.message.starts_with("disk full: ") ? 3 : 2);
}

} // namespace harness
