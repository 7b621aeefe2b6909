#include <harness/free_memory.hpp>

#include <cstdlib> // through <features.h>, __GLIBC__ on the GNU C library

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace harness {

bool
give_back_free_memory()
{
#if defined(__GLIBC__)
  malloc_trim(0);
  return true;
#else
  return false;
#endif
}

} // namespace harness
