#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>

namespace testsupport {

// The rows of `sql` on the database file `path`, each row's first column
// appended ("" for NULL), read through SQLite directly: what a user of the
// file sees, whatever the store's own accessors return. nullopt when the
// file does not open or the query fails.
inline std::optional<std::string>
query_text(const std::string& path, const std::string& sql)
{
  sqlite3* db = nullptr;
  std::string out;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_exec(
        db, sql.c_str(),
        [](void* text, int, char** values, char**) {
          *static_cast<std::string*>(text) += values[0] ? values[0] : "";
          return 0;
        },
        &out, nullptr);
  }
  sqlite3_close(db);
  return rc == SQLITE_OK ? std::optional(out) : std::nullopt;
}

} // namespace testsupport
