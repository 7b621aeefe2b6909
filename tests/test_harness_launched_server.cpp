#include <harness/launched_server.hpp>

#include <doctest/doctest.h>

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using harness::LaunchedServer;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("harness::launched_server");

namespace {

// Whether any process of the group `pgid` is left (a zombie counts).
bool
group_alive(pid_t pgid)
{
  return ::kill(-pgid, 0) == 0 || errno != ESRCH;
}

// Waits up to 5 s for `server` to end; its description then.
std::optional<std::string>
wait_ended(LaunchedServer& server)
{
  for (int i = 0; i < 250 && !server.ended(); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  return server.ended();
}

} // namespace

TEST_CASE("a launched server runs until stopped, then nothing of it is left")
{
  LaunchedServer server("s", "sleep 30", {}, "server.log", 5);
  const pid_t pgid = server.pid();
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(server.ended().has_value());
  CHECK(group_alive(pgid));
  const auto began = std::chrono::steady_clock::now();
  server.stop();
  CHECK(std::chrono::steady_clock::now() - began < 4s); // SIGTERM did it, not the grace
  CHECK(server.ended() == std::string("was killed by signal 15 (Terminated)"));
  CHECK_FALSE(group_alive(pgid));
  server.stop(); // a second time: nothing
}

TEST_CASE("what ignores SIGTERM is killed after the grace, children included")
{
  // The shell and its two children ignore SIGTERM (an ignored signal stays
  // ignored across exec).
  LaunchedServer server("s", "trap '' TERM; sleep 30 & sleep 30 & wait", {}, "server.log", 0.3);
  const pid_t pgid = server.pid();
  std::this_thread::sleep_for(100ms);
  const auto began = std::chrono::steady_clock::now();
  server.stop();
  const auto took = std::chrono::steady_clock::now() - began;
  CHECK(took >= 300ms);
  CHECK(took < 4s);
  CHECK(server.ended().has_value());
  CHECK_FALSE(group_alive(pgid));
}

// What the kernel does when evalrun dies (the SIGTERM of PR_SET_PDEATHSIG
// reaches the group's leader alone): a compound command's shell passes it on
// to the whole group.
TEST_CASE("a SIGTERM to a compound command's shell reaches what it started")
{
  std::filesystem::remove("child.pid");
  LaunchedServer server("s", "sleep 30 & echo $! > child.pid; wait", {}, "server.log", 5);
  pid_t child = 0;
  for (int i = 0; i < 250 && !child; ++i) {
    std::this_thread::sleep_for(20ms);
    std::ifstream in("child.pid");
    in >> child;
  }
  REQUIRE(child > 0);
  ::kill(server.pid(), SIGTERM); // the leader only
  REQUIRE(wait_ended(server));
  // The child ends too: gone, or a zombie waiting to be reaped.
  auto ended = [child] {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string pid;
    std::string name;
    std::string state;
    return !(stat >> pid >> name >> state) || state == "Z";
  };
  bool child_ended = false;
  for (int i = 0; i < 250 && !child_ended; ++i) {
    child_ended = ended();
    std::this_thread::sleep_for(20ms);
  }
  CHECK(child_ended);
  server.stop();
}

TEST_CASE("the log excerpt of a start holds its own output, not an earlier start's")
{
  std::filesystem::remove("twice.log");
  {
    LaunchedServer first("s", "echo first start; exit 1", {}, "twice.log", 5);
    REQUIRE(wait_ended(first));
  }
  LaunchedServer second("s", "echo second start; exit 1", {}, "twice.log", 5);
  REQUIRE(wait_ended(second));
  CHECK(second.log_tail(10) == "--- evalrun starts: echo second start; exit 1\nsecond start");
}

TEST_CASE("what a server left running when its shell ended is stopped with it")
{
  LaunchedServer server("s", "sleep 30 & exit 0", {}, "server.log", 5);
  const pid_t pgid = server.pid();
  CHECK(wait_ended(server) == std::string("exited with status 0"));
  CHECK(group_alive(pgid)); // the sleep
  server.stop();
  CHECK_FALSE(group_alive(pgid));
}

TEST_CASE("a server gets its environment, and its output goes to the log")
{
  std::filesystem::remove("env.log");
  LaunchedServer server("s", R"(echo "$GREETING from {port}"; echo oops >&2; exit 3)",
                        {{"GREETING", "hello"}}, "env.log", 5);
  CHECK(wait_ended(server) == std::string("exited with status 3"));
  CHECK(server.log_tail(2) == "hello from {port}\noops");
  CHECK(server.log_tail(1) == "oops");
  CHECK(server.log_tail(10) ==
        "--- evalrun starts: echo \"$GREETING from {port}\"; echo oops >&2; exit 3\n"
        "hello from {port}\noops");
  CHECK(server.log() == "env.log");
}

TEST_CASE("a command that cannot run ends with the shell's status")
{
  LaunchedServer server("s", "/no/such/server --port 1", {}, "server.log", 5);
  CHECK(wait_ended(server) == std::string("exited with status 127"));
  CHECK(server.log_tail(1).find("/no/such/server") != std::string::npos);
}

TEST_CASE("a log that cannot be opened is an error before anything starts")
{
  CHECK_THROWS_WITH_AS(LaunchedServer("s", "sleep 30", {}, "no/such/dir/server.log", 5),
                       doctest::Contains("cannot open the server log no/such/dir/server.log"),
                       std::runtime_error);
}

TEST_SUITE_END();
