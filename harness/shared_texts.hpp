#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// A stored request's semantics JSON is kept as pieces, so that a text that
// many requests embed (a question, an answer that a judge prompt quotes, a
// rubric's fixed wording) is stored once, however many requests embed it.

// One piece of a text: bytes [offset, offset + length). An escaped piece is
// the JSON-escaped form of a shared text (stored as that text, unescaped).
struct TextPiece
{
  size_t offset = 0;
  size_t length = 0;
  bool escaped = false;
};

// Texts shorter than this are never split out (a piece costs a reference).
inline constexpr size_t k_min_shared_text = 32;

// Splits `json_text` into consecutive pieces that cover it: each occurrence
// of the JSON-escaped form of a `shared` text (one of at least
// k_min_shared_text bytes; the longest first, an occurrence overlapping one
// already found skipped) is an escaped piece, the bytes between are plain
// pieces. Concatenating the pieces (escaped ones escaped again) gives
// `json_text` back, byte for byte.
std::vector<TextPiece> split_shared_texts(std::string_view json_text,
                                          const std::vector<std::string_view>& shared);

} // namespace harness
