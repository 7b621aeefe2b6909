#include <cli/cli.hpp>

#include <harness/error.hpp>

#include <fmt/core.h>

#include <exception>

int
main(int argc, char** argv)
{
  try {
    return cli::main(argc, argv);
  } catch (const harness::Fatal& e) {
    fmt::print(stderr, "evalrun: error: {}\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    fmt::print(stderr, "evalrun: internal error: {}\n", e.what());
    return 70;
  }
}
