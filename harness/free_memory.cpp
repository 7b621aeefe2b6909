#include <harness/free_memory.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace harness {

void
give_back_free_memory()
{
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

} // namespace harness
