#include <harness/client/http.hpp>

#include <curl/curl.h>
#include <fmt/core.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace harness::client {

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
  bool too_large = false; // the body passed k_max_reply_bytes
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

// No reply is read past this: a server streaming without end fails the
// request (a bad_response) instead of filling memory and the database.
constexpr size_t k_max_reply_bytes = 64 * 1024 * 1024;
// libcurl's per-transfer buffers (its minimum to send is 16 KiB).
constexpr long k_send_buffer_bytes = 16 * 1024;
constexpr long k_receive_buffer_bytes = 8 * 1024;

size_t
on_body(char* data, size_t size, size_t count, void* user)
{
  auto* t = static_cast<CurlTransfer*>(user);
  if (t->reply.body.size() + size * count > k_max_reply_bytes) {
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

// Event-driven: libcurl tells which sockets to watch (CURLMOPT_SOCKETFUNCTION)
// and when to call back (CURLMOPT_TIMERFUNCTION); one epoll set watches them
// and an eventfd wakes the loop for new requests, so the cost of a wake-up is
// that of the sockets ready, not of every open connection.
struct CurlTransport::Impl
{
  CURLM* multi = nullptr;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::mutex mutex;
  std::deque<std::unique_ptr<CurlTransfer>> incoming;               // guarded by mutex
  bool stopping = false;                                            // guarded by mutex
  std::unordered_map<CURL*, std::unique_ptr<CurlTransfer>> running; // loop thread only
  // When libcurl wants CURL_SOCKET_TIMEOUT, if it does (loop thread only).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::thread thread;

  void add(std::unique_ptr<CurlTransfer> t);
  void finish(CURL* easy, CURLcode code);
  void act(curl_socket_t socket, int flags);
  void wake();
  void loop();
  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* impl, void* assigned);
  static int on_timer(CURLM* multi, long timeout_ms, void* impl);
};

int
CurlTransport::Impl::on_socket(CURL*, curl_socket_t socket, int what, void* user, void* assigned)
{
  auto* impl = static_cast<Impl*>(user);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(impl->epoll_fd, EPOLL_CTL_DEL, socket, nullptr);
    curl_multi_assign(impl->multi, socket, nullptr);
    return 0;
  }
  epoll_event event{};
  event.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0U) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0U);
  event.data.fd = socket;
  // A socket libcurl already handed over is modified, a new one added; a
  // number the kernel reused since is fixed by trying the other operation.
  int op = assigned ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(impl->epoll_fd, op, socket, &event) != 0) {
    op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(impl->epoll_fd, op, socket, &event) != 0) {
      return -1; // libcurl fails the transfers on this socket: recorded errors
    }
  }
  if (!assigned) {
    curl_multi_assign(impl->multi, socket, impl);
  }
  return 0;
}

int
CurlTransport::Impl::on_timer(CURLM*, long timeout_ms, void* user)
{
  auto* impl = static_cast<Impl*>(user);
  if (timeout_ms < 0) {
    impl->deadline.reset();
  } else {
    impl->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

void
CurlTransport::Impl::wake()
{
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_fd, &one, sizeof one);
}

void
CurlTransport::Impl::add(std::unique_ptr<CurlTransfer> t)
{
  CURL* e = curl_easy_init();
  if (!e) {
    t->done(Error{Error::Kind::transport, "libcurl could not create a transfer (out of memory)"});
    return;
  }
  t->easy.reset(e);
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
    headers_ok = headers_ok && append("Content-Type: application/json") && append("Expect:");
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.c_str());
  } else {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers.get());
  if (!headers_ok) {
    t->done(Error{Error::Kind::transport, "libcurl could not build the headers (out of memory)"});
    return;
  }
  if (CURLMcode rc = curl_multi_add_handle(multi, e); rc != CURLM_OK) {
    // Never a transfer whose callback cannot run: a failure is an outcome.
    t->done(Error{Error::Kind::transport, fmt::format("libcurl could not start the transfer: {}",
                                                      curl_multi_strerror(rc))});
    return;
  }
  running.emplace(e, std::move(t));
}

void
CurlTransport::Impl::finish(CURL* easy, CURLcode code)
{
  auto it = running.find(easy);
  if (it == running.end()) {
    return;
  }
  std::unique_ptr<CurlTransfer> t = std::move(it->second);
  running.erase(it);
  curl_multi_remove_handle(multi, easy);

  double total_s = 0;
  curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME, &total_s);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  t->easy.reset();
  t->headers.reset();

  if (t->too_large) {
    t->done(Error{Error::Kind::bad_response,
                  fmt::format("{} {}: the reply is larger than {} MiB", t->request.method,
                              t->request.url, k_max_reply_bytes / (1024 * 1024))});
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
CurlTransport::Impl::act(curl_socket_t socket, int flags)
{
  int still_running = 0;
  curl_multi_socket_action(multi, socket, flags, &still_running);
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
    if (msg->msg == CURLMSG_DONE) {
      finish(msg->easy_handle, msg->data.result);
    }
  }
}

void
CurlTransport::Impl::loop()
{
  std::array<epoll_event, 256> events{};
  for (;;) {
    {
      std::deque<std::unique_ptr<CurlTransfer>> batch;
      {
        std::lock_guard lock(mutex);
        if (stopping) {
          break;
        }
        batch.swap(incoming);
      }
      for (auto& t : batch) {
        add(std::move(t));
      }
    }
    int wait_ms = 1000;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline -
                                                               std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::clamp<long>(left.count(), 0, 1000));
    }
    const int ready = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), wait_ms);
    for (int i = 0; i < ready; ++i) {
      const auto& e = events[static_cast<size_t>(i)];
      if (e.data.fd == wake_fd) {
        std::uint64_t count = 0;
        [[maybe_unused]] auto drained = ::read(wake_fd, &count, sizeof count);
        continue;
      }
      const int flags = ((e.events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                        ((e.events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                        ((e.events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
      act(e.data.fd, flags);
    }
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      deadline.reset();
      act(CURL_SOCKET_TIMEOUT, 0);
    }
  }
  for (auto& [easy, t] : running) {
    curl_multi_remove_handle(multi, easy); // the transfer's own handles free themselves
  }
  running.clear();
}

CurlTransport::CurlTransport() : m_impl(std::make_unique<Impl>())
{
  static CurlGlobal global;
  auto& impl = *m_impl;
  impl.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  impl.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  impl.multi = curl_multi_init();
  if (impl.epoll_fd < 0 || impl.wake_fd < 0 || !impl.multi) {
    const int err = errno;
    if (impl.multi) {
      curl_multi_cleanup(impl.multi);
    }
    for (int fd : {impl.epoll_fd, impl.wake_fd}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
    throw std::system_error(err, std::generic_category(), "cannot set up the HTTP client");
  }
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.fd = impl.wake_fd;
  epoll_ctl(impl.epoll_fd, EPOLL_CTL_ADD, impl.wake_fd, &wake);
  curl_multi_setopt(impl.multi, CURLMOPT_MAXCONNECTS, 8192L);
  curl_multi_setopt(impl.multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
  curl_multi_setopt(impl.multi, CURLMOPT_SOCKETDATA, m_impl.get());
  curl_multi_setopt(impl.multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
  curl_multi_setopt(impl.multi, CURLMOPT_TIMERDATA, m_impl.get());
  impl.thread = std::thread([p = m_impl.get()] { p->loop(); });
}

CurlTransport::~CurlTransport()
{
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->stopping = true;
  }
  m_impl->wake();
  m_impl->thread.join();
  curl_multi_cleanup(m_impl->multi);
  ::close(m_impl->wake_fd);
  ::close(m_impl->epoll_fd);
}

void
CurlTransport::start(HttpRequest request, Done done)
{
  auto t = std::make_unique<CurlTransfer>();
  t->request = std::move(request);
  t->done = std::move(done);
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->incoming.push_back(std::move(t));
  }
  m_impl->wake();
}

} // namespace harness::client
