#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace {

// ctest runs each case by name (--test-case=NAME). A name that matches no
// case (a name split by CMake at a ';', say) must fail, not pass having run
// nothing: this listener records how many cases passed the filters.
class RunCounter : public doctest::IReporter
{
public:
  static inline int s_cases_run = -1; // -1: no test run (a query such as --count)

  explicit RunCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override
  {
    s_cases_run = static_cast<int>(stats.numTestCasesPassingFilters);
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("run_counter", 1, RunCounter);

} // namespace

// Runs every test inside a fresh temporary directory, removed on success and
// kept (its path printed) on failure for inspection.
int
main(int argc, char** argv)
{
  // A new directory (mkdtemp), never one a process of the same pid left
  // behind when its tests failed: its databases would answer from cache.
  std::string name = (std::filesystem::temp_directory_path() / "evalrun-unittest-XXXXXX").string();
  if (!mkdtemp(name.data())) {
    perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path dir = name;
  std::filesystem::current_path(dir);

  doctest::Context context(argc, argv);
  int status = context.run();
  if (status == 0 && RunCounter::s_cases_run == 0) {
    fprintf(stderr, "no test case matched the filters: nothing was run\n");
    status = 1;
  }

  std::filesystem::current_path(std::filesystem::temp_directory_path());
  if (status == 0) {
    std::filesystem::remove_all(dir);
  } else {
    fprintf(stderr, "test files kept in %s\n", dir.c_str());
  }
  return status;
}
