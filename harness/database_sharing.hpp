#pragma once

#include <filesystem>

namespace harness {

// Whether other processes send requests into the same database now, told by
// open file description locks (F_OFD_SETLK) on two bytes of the database
// file far past those SQLite locks: every process sending requests holds a
// read lock on the "present" byte, or, while it is the only one, a write
// lock on it (it is "alone" and need not claim what it sends); a process
// arriving holds a read lock on the "arriving" byte until it gets its read
// lock on "present". The locks go with the process, however it ends.
//
// One alone watches for arrivals (someone_arriving()); to let one in, it
// makes what it is sending visible to it (claims it in the store) and then
// shares (share()). So the arriving one never sends what the other one is
// sending. Where the locks cannot be taken (no such file: an in-memory
// database, or a file system without them), the state is `alone` for an
// in-memory database and `shared` otherwise: claims, as without locks.
class DatabaseSharing
{
public:
  enum class State { alone, shared, arriving };

  // Opens `database` (already created by the store) and takes the locks
  // that are free now; never waits.
  explicit DatabaseSharing(const std::filesystem::path& database);
  ~DatabaseSharing();
  DatabaseSharing(const DatabaseSharing&) = delete;
  DatabaseSharing& operator=(const DatabaseSharing&) = delete;

  State state() const { return m_state; }

  // Arriving: takes the read lock on "present" if the one alone has shared
  // by now (the state becomes `shared`). Never waits. True once shared.
  bool try_arrive();
  // Alone: whether another process is arriving (and waits for share()).
  bool someone_arriving() const;
  // Alone: lets others in (the state becomes `shared`).
  void share();
  // Shared: becomes alone again if no other process is present or arriving.
  bool try_alone();

private:
  int m_fd = -1;
  State m_state = State::shared;
};

} // namespace harness
