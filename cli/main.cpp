#include <cli/cli.hpp>

#include <harness/error.hpp>

#include <cstdio>
#include <exception>
#include <string>

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
    return cli::main(argc, argv);
  } catch (const harness::Fatal& e) {
    say("error: ", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    say("internal error: ", e.what());
    return 70;
  }
}
