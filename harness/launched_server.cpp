#include <harness/launched_server.hpp>

#include <fmt/core.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <vector>

extern char** environ;

namespace harness {

namespace {

std::string
describe_status(int status)
{
  if (WIFEXITED(status)) {
    return fmt::format("exited with status {}", WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status),
                       strsignal(WTERMSIG(status)));
  }
  return "ended";
}

// evalrun's environment with `extra` set over it, as "NAME=value" strings.
std::vector<std::string>
environment_with(const std::map<std::string, std::string>& extra)
{
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    auto name = entry.substr(0, entry.find('='));
    if (!extra.count(name)) {
      out.push_back(std::move(entry));
    }
  }
  for (const auto& [name, value] : extra) {
    out.push_back(name + "=" + value);
  }
  return out;
}

} // namespace

LaunchedServer::LaunchedServer(std::string name, const std::string& command,
                               const std::map<std::string, std::string>& env,
                               std::filesystem::path log, double stop_grace_s)
    : m_name(std::move(name)), m_log(std::move(log)), m_stop_grace_s(stop_grace_s)
{
  const int log_fd = ::open(m_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw std::runtime_error(
        fmt::format("cannot open the server log {}: {}", m_log.string(), std::strerror(errno)));
  }
  m_log_start = ::lseek(log_fd, 0, SEEK_END);
  const std::string banner = fmt::format("--- evalrun starts: {}\n", command);
  (void)!::write(log_fd, banner.data(), banner.size());
  // Everything the child needs is made before fork: evalrun has threads, so
  // the child may call only async-signal-safe functions before exec.
  // A simple command replaces the shell (exec), so that the server itself
  // gets the SIGTERM if evalrun dies. A compound one (a; b) runs in the
  // background of a shell that waits for it and passes a SIGTERM of its own
  // on to the whole group (a shell runs a trap only once a foreground
  // command is done, but at once while it waits).
  const bool simple = command.find_first_of(";&|\n`") == std::string::npos &&
                      command.find("$(") == std::string::npos;
  const std::string shell_command =
      simple ? "exec " + command
             : "trap 'trap - TERM; kill -TERM 0' TERM\n{\n" + command + "\n} &\nwait $!";
  std::vector<std::string> env_strings = environment_with(env);
  std::vector<char*> envp;
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  const char* argv[] = {"sh", "-c", shell_command.c_str(), nullptr};
  const pid_t parent = ::getpid();
  // What the server starts and leaves behind comes to evalrun, to be reaped
  // when it stops the server (see stop()), not to init.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    throw std::runtime_error(fmt::format("cannot start a process: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) {
      ::_exit(126); // evalrun died before the line above
    }
    // Signals as a fresh process has them: evalrun's handlers and mask are its own.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) {
      ::signal(s, SIG_DFL);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDIN_FILENO);
    }
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
    ::_exit(127);
  }
  // Set on both sides: whichever runs first, the group exists before a signal is sent to it.
  ::setpgid(pid, pid);
  ::close(log_fd);
  m_pid = pid;
}

LaunchedServer::~LaunchedServer()
{
  stop();
}

std::optional<std::string>
LaunchedServer::ended()
{
  if (!m_ended && m_pid > 0) {
    int status = 0;
    const pid_t got = ::waitpid(m_pid, &status, WNOHANG);
    if (got == m_pid) {
      m_ended = describe_status(status);
    } else if (got < 0 && errno == ECHILD) {
      m_ended = "ended"; // reaped elsewhere
    }
  }
  return m_ended;
}

void
LaunchedServer::stop()
{
  if (m_pid <= 0) {
    return;
  }
  const pid_t group = m_pid;
  ::kill(-group, SIGTERM);
  // Every process of the group is evalrun's child (the leader, and, evalrun
  // being their subreaper, whatever the leader started and left): each one
  // reaped ends the wait, a shell leader going first included.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(m_stop_grace_s);
  bool killed = false;
  for (;;) {
    int status = 0;
    const pid_t got = ::waitpid(-group, &status, killed ? 0 : WNOHANG);
    if (got == m_pid && !m_ended) {
      m_ended = describe_status(status);
    }
    if (got > 0 || (got < 0 && errno == EINTR)) {
      continue;
    }
    if (got < 0) {
      break; // ECHILD: none left
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-group, SIGKILL);
      killed = true;
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!m_ended) {
    m_ended = "ended";
  }
  m_pid = -1;
}

std::string
LaunchedServer::log_tail(size_t lines) const
{
  std::ifstream in(m_log, std::ios::binary);
  if (!in) {
    return {};
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from =
      std::max<std::streamoff>(std::max<std::streamoff>(0, m_log_start), size - 16 * 1024);
  in.seekg(from);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  size_t start = text.size();
  size_t found = 0;
  while (start > 0) {
    const auto newline = text.rfind('\n', start - 1);
    if (newline == std::string::npos) {
      start = 0;
      break;
    }
    if (++found == lines) {
      start = newline + 1;
      break;
    }
    start = newline;
  }
  return text.substr(start);
}

} // namespace harness
