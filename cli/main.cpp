#include <cli/cli.hpp>

#include <harness/error.hpp>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <string>
#include <system_error>

namespace {

// The last words: written with stdio, whose failure (stderr on a full disk)
// is ignored rather than thrown.
void
say(const std::string& prefix, const char* what)
{
  std::fputs(("evalrun: " + prefix + what + "\n").c_str(), stderr);
}

} // namespace

int
main(int argc, char** argv)
{
  try {
    const int status = cli::main(argc, argv);
    // What was printed must have reached its file: a full disk behind stdout is an error.
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
      const bool full = errno == ENOSPC || errno == EDQUOT;
      say("error: ", full ? "disk full: standard output: cannot write the output"
                          : "cannot write to standard output");
      return 3;
    }
    return status;
  } catch (const harness::Fatal& e) {
    say("error: ", e.what());
    return e.exit_code();
  } catch (const std::system_error& e) {
    // Printing to a full disk (stdout redirected to a file) fails like any write there.
    if (e.code() == std::errc::no_space_on_device) {
      say("error: ", "disk full: standard output: cannot write the output");
      return 3;
    }
    say("internal error: ", e.what());
    return 70;
  } catch (const std::exception& e) {
    say("internal error: ", e.what());
    return 70;
  }
}
