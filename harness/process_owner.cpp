#include <harness/process_owner.hpp>

#include <fmt/format.h>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>

namespace harness {

std::string
process_owner()
{
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return fmt::format("{}:{}", host, getpid());
}

bool
owner_alive(const std::string& owner, std::int64_t heartbeat)
{
  const auto colon = owner.rfind(':');
  const std::string host = owner.substr(0, colon == std::string::npos ? 0 : colon);
  const std::string self = process_owner();
  if (colon != std::string::npos && host == self.substr(0, self.rfind(':'))) {
    const long pid = std::strtol(owner.c_str() + colon + 1, nullptr, 10);
    return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return now - heartbeat < 60;
}

} // namespace harness
