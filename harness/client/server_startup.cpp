#include <harness/client/server_startup.hpp>
#include <harness/stop_signals.hpp>

#include <fmt/format.h>

#include <signal.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace harness::client {

namespace {

// The HTTP status at `url`, or nullopt when nothing answers.
std::optional<int>
health_status(Transport& transport, const std::string& url)
{
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.connect_timeout = std::chrono::milliseconds(1000);
  request.total_timeout = std::chrono::milliseconds(3000);
  auto reply = transport.fetch(std::move(request));
  if (!reply) {
    return std::nullopt;
  }
  return reply->status;
}

// A server being waited for: one URL of a launched endpoint.
struct Pending
{
  const EndpointConfig* endpoint = nullptr;
  int replica = 0;
  std::string url;    // the replica's base URL
  std::string health; // origin + health path
  std::chrono::steady_clock::time_point since;
  std::optional<int> last_status;
  StartedServer* started = nullptr; // null: not ours (it answered already)
};

std::string
replica_name(const Pending& p)
{
  return p.endpoint->replica_urls.empty()
             ? fmt::format("'{}' ({})", p.endpoint->name, p.url)
             : fmt::format("'{}' replica {} ({})", p.endpoint->name, p.replica, p.url);
}

} // namespace

std::string
log_excerpt(const LaunchedServer& server, size_t lines)
{
  std::string indented;
  std::istringstream tail(server.log_tail(lines));
  for (std::string line; std::getline(tail, line);) {
    indented += "  | " + line + "\n";
  }
  return fmt::format("The end of its log ({}):\n{}", server.log().string(),
                     indented.empty() ? "  (empty)\n" : indented);
}

std::vector<StartedServer>
start_servers(const std::vector<EndpointConfig*>& endpoints, Transport& transport,
              const std::string& log_prefix, bool progress)
{
  std::vector<StartedServer> servers;
  std::vector<Pending> pending;
  harness::StopSignals signals;
  std::set<std::string> seen;
  std::set<std::string> launched; // origins: two endpoints at one URL share its server
  // Reserved: Pending points at its StartedServer.
  size_t launches = 0;
  for (const auto* e : endpoints) {
    if (e->launch) {
      launches += e->urls().size();
    }
  }
  servers.reserve(launches);
  for (const auto* e : endpoints) {
    if (!e->launch || !seen.insert(e->name).second) {
      continue;
    }
    const auto urls = e->urls();
    for (size_t i = 0; i < urls.size(); ++i) {
      Pending p;
      p.endpoint = e;
      p.replica = static_cast<int>(i);
      p.url = urls[i];
      p.health = url_origin(urls[i]) + e->launch->health_path;
      p.since = std::chrono::steady_clock::now();
      p.last_status =
          launched.count(url_origin(urls[i])) ? std::nullopt : health_status(transport, p.health);
      if (p.last_status == 200) {
        fmt::print(stderr,
                   "evalrun: {} answers already: used as it is, and left running after the run\n",
                   replica_name(p));
        continue;
      }
      if (p.last_status && *p.last_status >= 400 && *p.last_status < 500) {
        throw Fatal(fmt::format(
            "{} is held by something that answers HTTP {} at {}: not a server starting up. "
            "Stop what listens on port {}, or give the endpoint another port or the right "
            "launch.health_path; nothing was written to {}",
            replica_name(p), *p.last_status, p.health, url_port(urls[i]), log_prefix));
      }
      if (!p.last_status && launched.insert(url_origin(urls[i])).second) {
        const int port = url_port(urls[i]);
        const std::string command =
            expand_launch_placeholders(e->launch->command, port, p.replica, e->model);
        std::map<std::string, std::string> env;
        for (const auto& [name, value] : e->launch->env) {
          env[name] = expand_launch_placeholders(value, port, p.replica, e->model);
        }
        const std::string log = fmt::format("{}.{}{}.server.log", log_prefix, e->name,
                                            urls.size() > 1 ? "." + std::to_string(i) : "");
        try {
          servers.push_back(
              StartedServer{e->name, urls[i], replica_name(p),
                            std::make_unique<LaunchedServer>(e->name, command, env, log,
                                                             e->launch->stop_grace_s)});
        } catch (const std::runtime_error& error) {
          throw Fatal(
              fmt::format("cannot start the server of {}: {}", replica_name(p), error.what()));
        }
        p.started = &servers.back();
        fmt::print(stderr, "evalrun: starting the server of {}, its output in {}:\n  {}\n",
                   replica_name(p), log, command);
      }
      pending.push_back(std::move(p));
    }
  }
  const auto began = std::chrono::steady_clock::now();
  while (!pending.empty()) {
    if (int signo = signals.caught()) {
      if (progress) {
        fmt::print(stderr, "\n");
      }
      servers.clear(); // stops them
      throw Fatal(fmt::format("stopped by {} while waiting for servers to start: the servers "
                              "evalrun started were stopped, and nothing was written to {}",
                              sigabbrev_np(signo) ? fmt::format("SIG{}", sigabbrev_np(signo))
                                                  : std::string(strsignal(signo)),
                              log_prefix),
                  128 + signo);
    }
    for (auto p = pending.begin(); p != pending.end();) {
      const double waited =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - p->since).count();
      if (p->started) {
        if (auto ended = p->started->process->ended()) {
          if (progress) {
            fmt::print(stderr, "\n");
          }
          std::string excerpt = log_excerpt(*p->started->process);
          servers.clear();
          throw Fatal(fmt::format("the server of {} {} before it was ready (after {:.1f} s): the "
                                  "servers evalrun started were stopped, and nothing was written "
                                  "to {}. {}",
                                  replica_name(*p), *ended, waited, log_prefix, excerpt));
        }
      }
      if (waited > p->endpoint->launch->startup_timeout_s) {
        if (progress) {
          fmt::print(stderr, "\n");
        }
        std::string excerpt = p->started ? log_excerpt(*p->started->process) : "";
        servers.clear();
        throw Fatal(fmt::format(
            "the server of {} did not answer HTTP 200 at {} within {:g} s (last: {}): {}, and "
            "nothing was written to {}. Raise launch.startup_timeout_s if it needs longer.{}",
            replica_name(*p), p->health, p->endpoint->launch->startup_timeout_s,
            p->last_status ? fmt::format("HTTP {}", *p->last_status) : "no answer",
            p->started ? "the servers evalrun started were stopped"
                       : "evalrun did not start it (something else listens there)",
            log_prefix, excerpt.empty() ? "" : " " + excerpt));
      }
      p->last_status = health_status(transport, p->health);
      if (p->last_status == 200) {
        if (progress) {
          fmt::print(stderr, "\r\033[K");
        }
        fmt::print(stderr, "evalrun: the server of {} is ready after {:.1f} s\n", replica_name(*p),
                   waited);
        p = pending.erase(p);
      } else {
        ++p;
      }
    }
    if (pending.empty()) {
      break;
    }
    if (progress) {
      fmt::print(stderr, "\r\033[Kevalrun: waiting for {}: {:.0f} s",
                 pending.size() == 1 ? fmt::format("{} to answer", pending.front().health)
                                     : fmt::format("{} servers to answer ({} first)",
                                                   pending.size(), pending.front().health),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return servers;
}

} // namespace harness::client
