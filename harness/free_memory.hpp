#pragma once

namespace harness {

// Gives the memory this process has freed back to the system. The C library
// keeps freed memory for later allocations, but memory freed by one thread
// (a checker's, say) is not reused by another, and what a run left behind
// would lie under the report that reads its verdicts: calling this between
// the two keeps the peak to the larger of them. False where the C library
// has no way to (it is not the GNU C library).
bool give_back_free_memory();

} // namespace harness
