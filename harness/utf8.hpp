#pragma once

#include <string>
#include <string_view>

namespace harness {

// `text` with every byte sequence that is not well-formed UTF-8 (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF) replaced by
// U+FFFD, so that what a server sends is stored as text, never as raw bytes.
std::string valid_utf8(std::string_view text);

// Whether `text` is well-formed UTF-8 as valid_utf8() defines it (it would
// return `text` unchanged).
bool well_formed_utf8(std::string_view text);

// JSON text whose strings all decode to well-formed UTF-8: invalid bytes are
// replaced as by valid_utf8() and a \uD800-\uDFFF escape that is not half of
// a surrogate pair by \uFFFD, so that a strict parser reads what a server
// sent, minus what cannot be text. Returned unchanged (moved) when there is
// nothing to replace.
std::string valid_json_text(std::string json);

} // namespace harness
