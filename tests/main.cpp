#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

// Runs every test inside a fresh temporary directory, removed on success and
// kept (its path printed) on failure for inspection.
int
main(int argc, char** argv)
{
  auto dir =
      std::filesystem::temp_directory_path() / ("evalrun-unittest-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::current_path(dir);

  doctest::Context context(argc, argv);
  int status = context.run();

  std::filesystem::current_path(std::filesystem::temp_directory_path());
  if (status == 0) {
    std::filesystem::remove_all(dir);
  } else {
    fprintf(stderr, "test files kept in %s\n", dir.c_str());
  }
  return status;
}
