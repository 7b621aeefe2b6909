#pragma once

#include <harness/error.hpp>
#include <harness/text_file.hpp>
#include <harness/types.hpp>

#include <string>
#include <vector>

namespace harness::system_messages {

// Reads the system messages used in training: JSON Lines with a "system"
// (or "text") field per line when the file ends in .jsonl/.json, else one
// message per non-blank line.
Result<std::vector<std::string>> parse_seen_messages(const TextFile& file);

struct SeenMatch
{
  std::string item_id;
  std::string system_id;
  bool exact = false;    // equal after lower-casing and collapsing whitespace
  double overlap = 0;    // share of the message's word n-grams found in one seen message
  size_t seen_index = 0; // which seen message (0-based)
};

struct UnseenReport
{
  size_t checked = 0; // distinct evaluation system messages
  size_t exact = 0;
  size_t near = 0;                // not exact, overlap >= threshold
  std::vector<SeenMatch> matches; // one per matching evaluation message, best match
};

// Compares every distinct evaluation system message with the seen ones:
// exact (normalised) equality, or word `n`-gram overlap (the share of the
// evaluation message's distinct n-grams that also occur in a single seen
// message) at or above `threshold`. Streams over `seen`, indexing only the
// evaluation messages, so memory grows with those, not with the training set.
UnseenReport check_unseen(const std::vector<Item>& items, const std::vector<std::string>& seen,
                          int n, double threshold);

} // namespace harness::system_messages
