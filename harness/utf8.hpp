#pragma once

#include <string>
#include <string_view>

namespace harness {

// `text` with every byte sequence that is not well-formed UTF-8 (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF) replaced by
// U+FFFD, so that what a server sends is stored as text, never as raw bytes.
std::string valid_utf8(std::string_view text);

} // namespace harness
