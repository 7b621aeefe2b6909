#pragma once

#include <string>
#include <string_view>

namespace harness {

// The inside of JSON strings (without the quotes), written and read as
// nlohmann::json writes and reads them, without building a JSON value: the
// requests' texts are the bulk of what evalrun serialises.

// Appends `text` escaped as nlohmann::json::dump() escapes a string (no
// ensure_ascii): quote, backslash and the control characters escaped (the
// two-character escapes, else \u00xx in lower-case hex), every other byte as
// it is. Returns false, appending nothing, when `text` is not well-formed
// UTF-8 (where dump() throws).
bool append_json_escaped(std::string& out, std::string_view text);

// `text` escaped as append_json_escaped() escapes it. Bytes are not checked.
std::string json_escaped(std::string_view text);

// The text of a JSON string's contents (without the quotes): the inverse of
// json_escaped(), and of any JSON escape. Throws nlohmann::json::parse_error
// for one that is malformed.
std::string json_unescaped(std::string_view escaped);

} // namespace harness
