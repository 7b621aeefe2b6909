#include <harness/client/http.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <curl/curl.h>
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <sys/epoll.h>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace harness::client {

namespace asio = boost::asio;

// One request in flight: its easy handle and what it has received so far.
// Owners of libcurl handles: freed once, whatever path a transfer takes.
struct EasyDeleter
{
  void operator()(CURL* e) const { curl_easy_cleanup(e); }
};
struct SlistDeleter
{
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct CurlTransfer
{
  HttpRequest request;
  Transport::Done done;
  std::unique_ptr<CURL, EasyDeleter> easy;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  HttpReply reply;
  std::optional<double> retry_after_ms_header;
  std::optional<double> retry_after_header;
  char error_buffer[CURL_ERROR_SIZE] = {};
  bool too_large = false; // the body passed the request's max_reply_bytes
  size_t multi = 0;       // the index of the multi handle it runs on
};

namespace {

std::string
lower(std::string s)
{
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string
trim(const std::string& s)
{
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) {
    return {};
  }
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// libcurl's per-transfer buffers (its minimum to send is 16 KiB).
constexpr long k_send_buffer_bytes = 16 * 1024;
constexpr long k_receive_buffer_bytes = 1024; // libcurl's least

size_t
on_body(char* data, size_t size, size_t count, void* user)
{
  auto* t = static_cast<CurlTransfer*>(user);
  if (t->reply.body.size() + size * count > t->request.max_reply_bytes) {
    t->too_large = true;
    return 0; // libcurl stops the transfer (CURLE_WRITE_ERROR)
  }
  t->reply.body.append(data, size * count);
  return size * count;
}

size_t
on_header(char* data, size_t size, size_t count, void* user)
{
  auto* t = static_cast<CurlTransfer*>(user);
  std::string line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    auto name = lower(trim(line.substr(0, colon)));
    auto value = trim(line.substr(colon + 1));
    if (name == "retry-after") {
      t->retry_after_header = parse_retry_after(value);
    } else if (name == "retry-after-ms") {
      double ms = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec == std::errc() && ms >= 0) {
        t->retry_after_ms_header = ms;
      }
    }
  }
  return size * count;
}

Error
curl_error(CURLcode code, const CurlTransfer& t)
{
  std::string detail = t.error_buffer[0] ? t.error_buffer : curl_easy_strerror(code);
  auto kind = code == CURLE_OPERATION_TIMEDOUT ? Error::Kind::timeout : Error::Kind::transport;
  return Error{kind, fmt::format("{} {}: {}", t.request.method, t.request.url, detail)};
}

struct CurlGlobal
{
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

} // namespace

std::optional<double>
parse_retry_after(const std::string& value)
{
  double seconds = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && p == value.data() + value.size()) {
    return seconds >= 0 ? std::optional(seconds) : std::nullopt;
  }
  time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) {
    return std::nullopt;
  }
  return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

// Event-driven, on the io_context's thread: libcurl tells which sockets to
// watch (on_socket) and when to call back (on_timer). The sockets sit in a
// level-triggered epoll set; the io_context watches that set's descriptor
// (its reactor is edge-triggered), and a wake-up drains the set until it is
// empty before waiting again, so a socket libcurl left unread is never
// forgotten.
//
// Transfers are spread over several multi handles, each with its connection
// cache: to start a transfer, libcurl walks every connection its multi
// handle has to the host, in use or not, for one to reuse, and with two
// thousand in flight to one server that walk was a tenth of the CPU.
struct CurlTransport::Impl : std::enable_shared_from_this<Impl>
{
  static constexpr size_t k_multis = 8;

  // One multi handle and when libcurl wants CURL_SOCKET_TIMEOUT on it.
  struct Multi
  {
    Impl* impl = nullptr;
    size_t index = 0;
    CURLM* handle = nullptr;
    size_t running = 0;
    std::optional<std::chrono::steady_clock::time_point> deadline;
  };

  explicit Impl(asio::io_context& context) : io(context), ready(context), timer(context) {}

  asio::io_context& io;
  std::array<Multi, k_multis> multis;
  asio::posix::stream_descriptor ready; // the epoll set; readable when a socket is
  asio::steady_timer timer;
  std::unordered_map<CURL*, std::unique_ptr<CurlTransfer>> running;
  // Easy handles of finished transfers, reset, for the next ones: a new one
  // per request allocated and freed its buffers every time.
  std::vector<std::unique_ptr<CURL, EasyDeleter>> idle;
  // The timer is armed no later than the earliest deadline (moving it later
  // waits for it to fire).
  std::optional<std::chrono::steady_clock::time_point> timer_at;
  bool watching = false; // an async_wait on `ready` is pending
  bool draining = false; // a drain() is posted

  int epoll_fd() { return ready.native_handle(); }
  void add(std::unique_ptr<CurlTransfer> t);
  void finish(Multi& multi, CURL* easy, CURLcode code);
  void act(Multi& multi, curl_socket_t socket, int flags);
  void drain();
  void settle();
  void arm_timer();
  void on_timer_fired();
  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* multi, void* assigned);
  static int on_timer(CURLM* handle, long timeout_ms, void* multi);
};

namespace {

// What an epoll event carries: the multi handle's index and the socket.
std::uint64_t
event_data(size_t multi, curl_socket_t socket)
{
  return (static_cast<std::uint64_t>(multi) << 32) | static_cast<std::uint32_t>(socket);
}

} // namespace

int
CurlTransport::Impl::on_socket(CURL*, curl_socket_t socket, int what, void* user, void* assigned)
{
  auto* multi = static_cast<Multi*>(user);
  const int epoll = multi->impl->epoll_fd();
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nullptr);
    curl_multi_assign(multi->handle, socket, nullptr);
    return 0;
  }
  epoll_event event{};
  event.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0U) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0U);
  event.data.u64 = event_data(multi->index, socket);
  // A socket libcurl already handed over is modified, a new one added; a
  // number the kernel reused since is fixed by trying the other operation.
  int op = assigned ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(epoll, op, socket, &event) != 0) {
    op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(epoll, op, socket, &event) != 0) {
      return -1; // libcurl fails the transfers on this socket: recorded errors
    }
  }
  if (!assigned) {
    curl_multi_assign(multi->handle, socket, multi);
  }
  return 0;
}

int
CurlTransport::Impl::on_timer(CURLM*, long timeout_ms, void* user)
{
  auto* multi = static_cast<Multi*>(user);
  if (timeout_ms < 0) {
    multi->deadline.reset();
  } else {
    multi->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    multi->impl->arm_timer();
  }
  return 0;
}

void
CurlTransport::Impl::arm_timer()
{
  std::optional<std::chrono::steady_clock::time_point> earliest;
  for (const auto& m : multis) {
    if (m.deadline && (!earliest || *m.deadline < *earliest)) {
      earliest = m.deadline;
    }
  }
  if (!earliest || (timer_at && *timer_at <= *earliest) || running.empty()) {
    return;
  }
  timer_at = earliest;
  timer.expires_at(*earliest); // cancels a wait for a later time
  timer.async_wait([self = weak_from_this()](const boost::system::error_code& ec) {
    auto impl = self.lock();
    if (ec || !impl) {
      return; // moved earlier (a new wait is pending), or cancelled
    }
    impl->on_timer_fired();
  });
}

void
CurlTransport::Impl::on_timer_fired()
{
  timer_at.reset();
  const auto now = std::chrono::steady_clock::now();
  for (auto& m : multis) {
    if (m.deadline && *m.deadline <= now) {
      m.deadline.reset();
      act(m, CURL_SOCKET_TIMEOUT, 0);
    }
  }
  arm_timer(); // for the deadlines not yet due (libcurl moved them later)
  settle();
}

// What the io_context waits for: the epoll set while transfers run (and a
// drain is not already posted), nothing once they are done, so that run()
// returns.
void
CurlTransport::Impl::settle()
{
  if (running.empty()) {
    if (watching) {
      ready.cancel();
      watching = false;
    }
    if (timer_at) {
      timer.cancel();
      timer_at.reset();
    }
    return;
  }
  arm_timer();
  if (watching || draining) {
    return;
  }
  watching = true;
  ready.async_wait(asio::posix::stream_descriptor::wait_read,
                   [self = weak_from_this()](const boost::system::error_code& ec) {
                     auto impl = self.lock();
                     if (ec || !impl) {
                       return; // cancelled: settle() already cleared `watching`
                     }
                     impl->watching = false;
                     impl->drain();
                   });
}

void
CurlTransport::Impl::drain()
{
  std::array<epoll_event, 256> events{};
  const int count = epoll_wait(epoll_fd(), events.data(), static_cast<int>(events.size()), 0);
  for (int i = 0; i < count; ++i) {
    const auto& e = events[static_cast<size_t>(i)];
    const int flags = ((e.events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                      ((e.events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                      ((e.events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
    const auto multi = static_cast<size_t>(e.data.u64 >> 32);
    const auto socket = static_cast<curl_socket_t>(e.data.u64 & 0xffffffffU);
    act(multis.at(multi), socket, flags);
  }
  if (count > 0 && !running.empty()) {
    // Look again (after other handlers): until the set is empty, the io_context's
    // edge-triggered watch may not fire for what is still ready.
    draining = true;
    asio::post(io, [self = weak_from_this()] {
      if (auto impl = self.lock()) {
        impl->draining = false;
        impl->drain();
      }
    });
    return;
  }
  settle();
}

void
CurlTransport::Impl::add(std::unique_ptr<CurlTransfer> t)
{
  if (!idle.empty()) {
    t->easy = std::move(idle.back());
    idle.pop_back();
  } else if (CURL* fresh = curl_easy_init()) {
    t->easy.reset(fresh);
  } else {
    t->done(Error{Error::Kind::transport, "libcurl could not create a transfer (out of memory)"});
    return;
  }
  CURL* e = t->easy.get();
  const auto& r = t->request;
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.total_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  // Each transfer's buffers, smaller than libcurl's defaults (64 KiB to send,
  // 16 KiB to receive): with thousands in flight they were most of the memory
  // (about 90 KB per transfer). Longer bodies are sent and read in pieces.
  curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, k_send_buffer_bytes);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, k_receive_buffer_bytes);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_buffer);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  // curl_slist_append returns the list, or null (and keeps the old one) when out of memory.
  auto append = [&t](const char* header) {
    if (auto* longer = curl_slist_append(t->headers.get(), header)) {
      t->headers.release();
      t->headers.reset(longer);
      return true;
    }
    return false;
  };
  bool headers_ok = true;
  for (const auto& h : r.headers) {
    headers_ok = headers_ok && append(h.c_str());
  }
  if (r.method == "POST") {
    const std::string content_type = "Content-Type: " + r.content_type;
    headers_ok = headers_ok && append(content_type.c_str()) && append("Expect:");
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(r.body ? r.body->size() : 0));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body ? r.body->c_str() : "");
  } else {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers.get());
  if (!headers_ok) {
    t->done(Error{Error::Kind::transport, "libcurl could not build the headers (out of memory)"});
    return;
  }
  // On the multi handle with the fewest transfers; in `running` before
  // libcurl sets its first timer, so that the timer is armed.
  Multi& multi =
      *std::min_element(multis.begin(), multis.end(),
                        [](const Multi& a, const Multi& b) { return a.running < b.running; });
  t->multi = multi.index;
  auto [it, fresh] = running.emplace(e, std::move(t));
  ++multi.running;
  if (CURLMcode rc = curl_multi_add_handle(multi.handle, e); rc != CURLM_OK) {
    --multi.running;
    // Never a transfer whose callback cannot run: a failure is an outcome.
    auto failed = std::move(it->second);
    running.erase(it);
    failed->done(
        Error{Error::Kind::transport,
              fmt::format("libcurl could not start the transfer: {}", curl_multi_strerror(rc))});
    return;
  }
  settle();
}

void
CurlTransport::Impl::finish(Multi& multi, CURL* easy, CURLcode code)
{
  auto it = running.find(easy);
  if (it == running.end()) {
    return;
  }
  std::unique_ptr<CurlTransfer> t = std::move(it->second);
  running.erase(it);
  --multi.running;
  curl_multi_remove_handle(multi.handle, easy);

  double total_s = 0;
  curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME, &total_s);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_reset(easy);
  idle.push_back(std::move(t->easy));
  t->headers.reset();

  if (t->too_large) {
    t->done(Error{Error::Kind::bad_response,
                  fmt::format("{} {}: the reply is larger than {} MiB", t->request.method,
                              t->request.url, t->request.max_reply_bytes / (1024 * 1024))});
    return;
  }
  if (code != CURLE_OK) {
    t->done(curl_error(code, *t));
    return;
  }
  t->reply.status = static_cast<int>(status);
  t->reply.elapsed_ms = total_s * 1000.0;
  if (t->retry_after_ms_header) {
    t->reply.retry_after_s = *t->retry_after_ms_header / 1000.0;
  } else {
    t->reply.retry_after_s = t->retry_after_header;
  }
  t->done(std::move(t->reply));
}

void
CurlTransport::Impl::act(Multi& multi, curl_socket_t socket, int flags)
{
  int still_running = 0;
  curl_multi_socket_action(multi.handle, socket, flags, &still_running);
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi.handle, &queued)) {
    if (msg->msg == CURLMSG_DONE) {
      finish(multi, msg->easy_handle, msg->data.result);
    }
  }
}

CurlTransport::CurlTransport(asio::io_context& io) : m_impl(std::make_shared<Impl>(io))
{
  static CurlGlobal global;
  auto& impl = *m_impl;
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot set up the HTTP client");
  }
  impl.ready.assign(epoll_fd);
  for (size_t i = 0; i < Impl::k_multis; ++i) {
    auto& multi = impl.multis[i];
    multi.impl = &impl;
    multi.index = i;
    multi.handle = curl_multi_init();
    if (!multi.handle) {
      for (size_t made = 0; made < i; ++made) {
        curl_multi_cleanup(impl.multis[made].handle);
      }
      throw std::runtime_error("cannot set up the HTTP client: libcurl's multi handle");
    }
    curl_multi_setopt(multi.handle, CURLMOPT_MAXCONNECTS, 8192L);
    curl_multi_setopt(multi.handle, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(multi.handle, CURLMOPT_SOCKETDATA, &multi);
    curl_multi_setopt(multi.handle, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    curl_multi_setopt(multi.handle, CURLMOPT_TIMERDATA, &multi);
  }
}

CurlTransport::~CurlTransport()
{
  auto& impl = *m_impl;
  for (auto& [easy, t] : impl.running) {
    // The transfer's own handles free themselves.
    curl_multi_remove_handle(impl.multis[t->multi].handle, easy);
  }
  impl.running.clear();
  impl.idle.clear();
  for (auto& multi : impl.multis) {
    curl_multi_cleanup(multi.handle); // closes the cached connections (on_socket removes them)
  }
  boost::system::error_code ignored;
  impl.ready.close(ignored); // queued handlers find the Impl gone, or are cancelled
  impl.timer.cancel();
}

void
CurlTransport::start(HttpRequest request, Done done)
{
  auto t = std::make_unique<CurlTransfer>();
  t->request = std::move(request);
  t->done = std::move(done);
  m_impl->add(std::move(t));
}

Result<HttpReply>
CurlTransport::fetch(HttpRequest request)
{
  std::optional<Result<HttpReply>> reply;
  start(std::move(request), [&reply](Result<HttpReply> r) { reply = std::move(r); });
  auto& io = m_impl->io;
  io.restart();
  while (!reply && io.run_one() > 0) {
  }
  io.restart();
  if (!reply) {
    return Error{Error::Kind::transport, "the request was dropped before its reply"};
  }
  return std::move(*reply);
}

} // namespace harness::client
