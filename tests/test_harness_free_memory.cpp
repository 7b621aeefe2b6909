#include <harness/free_memory.hpp>

#include <doctest/doctest.h>

#include <cstdlib>

TEST_SUITE_BEGIN("harness::free_memory");

TEST_CASE("freed memory is given back on the GNU C library")
{
  // Compiled in: the check of which C library this is must see it (a unity
  // build had once left it out, and runs kept their freed memory under the
  // report).
#if defined(__GLIBC__)
  CHECK(harness::give_back_free_memory());
#else
  CHECK_FALSE(harness::give_back_free_memory());
#endif
}

TEST_SUITE_END();
