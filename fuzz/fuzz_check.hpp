#pragma once

#include <cstdio>
#include <cstdlib>

// An invariant of the code under test: when it does not hold, the fuzzer
// reports the input as a crash (abort), naming the condition, its line and
// what `context` (a C string) says about the case.
#define FUZZ_CHECK_IN(condition, context)                                                          \
  do {                                                                                             \
    if (!(condition)) {                                                                            \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s (%s)\n", __FILE__, __LINE__, #condition,  \
                   context);                                                                       \
      std::abort();                                                                                \
    }                                                                                              \
  } while (false)

#define FUZZ_CHECK(condition) FUZZ_CHECK_IN(condition, "")
