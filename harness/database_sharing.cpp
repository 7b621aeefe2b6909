#include <harness/database_sharing.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace harness {

namespace {

// Far past SQLite's own locks (around 2^30 in the database file), which
// these never overlap.
constexpr off_t k_present = off_t{1} << 62;
constexpr off_t k_arriving = k_present + 1;

// A lock of `type` on the one byte at `at`.
struct flock
one_byte(short type, off_t at)
{
  struct flock l
  {
  };
  l.l_type = type;
  l.l_whence = SEEK_SET;
  l.l_start = at;
  l.l_len = 1;
  return l;
}

// Takes (or changes, or with F_UNLCK drops) this description's lock of
// `type` on the byte at `at`, without waiting. False when another holds a
// lock in the way.
bool
lock(int fd, short type, off_t at)
{
  struct flock l = one_byte(type, at);
  return fcntl(fd, F_OFD_SETLK, &l) == 0;
}

// Whether a lock of `type` on the byte at `at` would be refused: another
// description holds one in the way.
bool
taken(int fd, short type, off_t at)
{
  struct flock l = one_byte(type, at);
  return fcntl(fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK;
}

} // namespace

DatabaseSharing::DatabaseSharing(const std::filesystem::path& database)
{
  if (database.empty() || database == ":memory:") {
    m_state = State::alone; // no other process can open it
    return;
  }
  m_fd = ::open(database.c_str(), O_RDWR | O_CLOEXEC);
  if (m_fd < 0 || !lock(m_fd, F_RDLCK, k_arriving)) {
    m_state = State::shared; // claims, as without locks
    return;
  }
  m_state = State::arriving;
  if (lock(m_fd, F_WRLCK, k_present)) {
    m_state = State::alone;
    lock(m_fd, F_UNLCK, k_arriving);
    return;
  }
  try_arrive();
}

DatabaseSharing::~DatabaseSharing()
{
  if (m_fd >= 0) {
    ::close(m_fd); // and its locks with it
  }
}

bool
DatabaseSharing::try_arrive()
{
  if (m_state != State::arriving) {
    return m_state == State::shared;
  }
  if (!lock(m_fd, F_RDLCK, k_present)) {
    return false; // one is alone still
  }
  m_state = State::shared;
  lock(m_fd, F_UNLCK, k_arriving);
  return true;
}

bool
DatabaseSharing::someone_arriving() const
{
  return m_state == State::alone && m_fd >= 0 && taken(m_fd, F_WRLCK, k_arriving);
}

void
DatabaseSharing::share()
{
  if (m_state != State::alone) {
    return;
  }
  if (m_fd >= 0) {
    lock(m_fd, F_RDLCK, k_present); // a write lock becomes a read lock: never refused
  }
  m_state = State::shared;
}

bool
DatabaseSharing::try_alone()
{
  if (m_state != State::shared || m_fd < 0) {
    return m_state == State::alone;
  }
  if (taken(m_fd, F_WRLCK, k_arriving) || !lock(m_fd, F_WRLCK, k_present)) {
    return false;
  }
  m_state = State::alone;
  return true;
}

} // namespace harness
