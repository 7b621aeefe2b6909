#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>

namespace harness {

// A server process evalrun started (an endpoint's `launch:` command) and
// stops. It runs `/bin/sh -c "exec COMMAND"` (without exec for a compound
// command) in a process group of its own,
// so that a Ctrl-C at the terminal reaches evalrun alone and evalrun stops
// the server's whole group in order; it gets SIGTERM from the kernel if
// evalrun dies without stopping it. Its stdout and stderr are appended to
// the log file. Not thread-safe; used from the thread that started it.
class LaunchedServer
{
public:
  // Starts `command` with `env` added to evalrun's environment. Throws
  // std::runtime_error when the log cannot be opened or nothing can be
  // started (a command that is not found exits 127 instead: see ended()).
  LaunchedServer(std::string name, const std::string& command,
                 const std::map<std::string, std::string>& env, std::filesystem::path log,
                 double stop_grace_s);
  ~LaunchedServer();
  LaunchedServer(const LaunchedServer&) = delete;
  LaunchedServer& operator=(const LaunchedServer&) = delete;

  // SIGTERM to the process group; SIGKILL to what is left of it after the
  // grace period; returns once every process of the group has been reaped.
  // Does nothing the second time.
  void stop();

  // How the server ended ("exited with status 1", "was killed by signal 9"),
  // once it has; nullopt while it runs. Never blocks.
  std::optional<std::string> ended();

  // The last `lines` lines of its log, of this start (earlier ones' not).
  std::string log_tail(size_t lines) const;

  const std::string& name() const { return m_name; }
  const std::filesystem::path& log() const { return m_log; }
  pid_t pid() const { return m_pid; }

private:
  std::string m_name;
  std::filesystem::path m_log;
  double m_stop_grace_s;
  pid_t m_pid = -1;
  off_t m_log_start = 0; // where this start's output begins in the log
  std::optional<std::string> m_ended;
};

} // namespace harness
