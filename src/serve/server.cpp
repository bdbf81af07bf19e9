#include "streamll/serve.hpp"

#include <atomic>
#include <charconv>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "event/json_writer.hpp"
#include "serve/api.hpp"
#include "serve/assets.hpp"
#include "serve/metrics.hpp"
#include "serve/sql_console.hpp"
#include "streamll/event_json.hpp"
#include "streamll/log_cursor.hpp"

namespace streamll {

namespace {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// Equal without an early exit, so the time taken says nothing of the token.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || b.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string error_json(std::string_view message) {
  std::string out = "{\"error\":";
  detail::append_json_string(message, &out);
  return out + "}";
}

int http_status(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument: return 400;
    case Status::Code::kNotFound: return 404;
    case Status::Code::kPermissionDenied: return 403;
    default: return 500;
  }
}

// The value of cookie `name` in a Cookie header, or "".
std::string cookie(const std::string& header, std::string_view name) {
  size_t at = 0;
  while (at < header.size()) {
    while (at < header.size() && (header[at] == ' ' || header[at] == ';')) ++at;
    const size_t end = std::min(header.find(';', at), header.size());
    const std::string_view pair = std::string_view(header).substr(at, end - at);
    if (pair.starts_with(name) && pair.size() > name.size() && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    at = end;
  }
  return {};
}

}  // namespace

class Server::Impl {
 public:
  Impl(Store& store, const ServeOptions& options)
      : store_(store), options_(options), sql_(store, options.query_time_limit, options.max_rows), metrics_(store) {}

  Status start();
  void stop();
  int port() const { return port_; }
  const ServeOptions& options() const { return options_; }

 private:
  void routes();
  bool authorized(const httplib::Request& req, httplib::Response& res) const;
  void answer(httplib::Response& res, const Status& s, std::string body, const char* type = "application/json");
  void live(const httplib::Request& req, httplib::Response& res);

  Store& store_;
  ServeOptions options_;
  serve::SqlConsole sql_;
  serve::Metrics metrics_;
  httplib::Server http_;
  std::thread listener_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listener_done_{false};
  std::atomic<size_t> live_clients_{0};
  int port_ = 0;
};

bool Server::Impl::authorized(const httplib::Request& req, httplib::Response& res) const {
  if (options_.token.empty()) return true;
  const std::string& token = options_.token;
  const std::string auth = req.get_header_value("Authorization");
  if (auth.starts_with("Bearer ") && same_secret(std::string_view(auth).substr(7), token)) return true;
  if (same_secret(cookie(req.get_header_value("Cookie"), "streamll_token"), token)) return true;
  if (req.has_param("token") && same_secret(req.get_param_value("token"), token)) {
    // A ?token= link: keep it in a cookie so the page's own requests carry it.
    res.set_header("Set-Cookie", "streamll_token=" + token + "; Path=/; HttpOnly; SameSite=Strict");
    return true;
  }
  return false;
}

void Server::Impl::answer(httplib::Response& res, const Status& s, std::string body, const char* type) {
  if (!s.ok()) {
    res.status = http_status(s);
    res.set_content(error_json(s.message()), "application/json");
    return;
  }
  res.set_content(std::move(body), type);
}

void Server::Impl::live(const httplib::Request& req, httplib::Response& res) {
  uint64_t after = 0;
  // A reconnecting EventSource sends the id of the last event it had.
  const std::string from =
      req.has_param("after") ? req.get_param_value("after") : req.get_header_value("Last-Event-ID");
  if (from.empty()) {
    if (Status s = store_.refresh(); !s.ok()) return answer(res, s, {});
    after = store_.last_seq();
  } else if (auto [end, ec] = std::from_chars(from.data(), from.data() + from.size(), after);
             ec != std::errc() || end != from.data() + from.size()) {
    return answer(res, Status::invalid_argument(fmt::format("parameter 'after': '{}' is not a seq", from)), {});
  }
  if (live_clients_.fetch_add(1) >= options_.max_live_clients) {
    --live_clients_;
    res.status = 503;
    res.set_content(error_json(fmt::format("too many live streams (at most {})", options_.max_live_clients)),
                    "application/json");
    return;
  }
  auto cursor = std::make_shared<LogCursor>(store_, after);
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, cursor](size_t, httplib::DataSink& sink) {
        if (stopping_) {
          sink.done();
          return true;
        }
        auto it = cursor->next(std::chrono::milliseconds(500));
        std::string chunk;
        for (size_t n = 0; it->valid() && n < 1000; it->next(), ++n) {
          chunk += fmt::format("id: {}\ndata: {{\"seq\":{},\"ts_ns\":{},", it->view().seq, it->view().seq,
                               it->view().timestamp);
          const size_t at = chunk.size();
          append_event_json(it->view(), &chunk);
          chunk.erase(at, 1);
          chunk += "\n\n";
        }
        if (Status s = it->status(); !s.ok()) {
          chunk += "event: failure\ndata: " + error_json(s.message()) + "\n\n";
          sink.write(chunk.data(), chunk.size());
          sink.done();
          return true;
        }
        if (chunk.empty()) chunk = ": waiting\n\n";  // also finds a client that went away
        return sink.write(chunk.data(), chunk.size());
      },
      [this](bool) { --live_clients_; });
}

void Server::Impl::routes() {
  http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // No compression: httplib answers a browser's "Accept-Encoding: br" with
    // brotli at its highest quality, 6 s for a 3 MB execution that takes
    // 90 ms to make, and on loopback the bytes cost nothing. httplib has no
    // switch for it and hands handlers the request as const; the Request it
    // owns is not const, so dropping the header here is defined.
    const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
    if (authorized(req, res)) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 401;
    res.set_content(error_json("a token is needed: send 'Authorization: Bearer TOKEN' or open /?token=TOKEN"),
                    "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  http_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(error_json("internal error: " + what), "application/json");
  });
  http_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) res.set_content(error_json(fmt::format("no such page: {}", req.path)), "application/json");
  });

  for (const char* path : {"/", "/app.js", "/style.css", "/chart.min.js"}) {
    http_.Get(path, [](const httplib::Request& req, httplib::Response& res) {
      const serve::Asset* asset = serve::find_asset(req.path);
      res.set_header("Cache-Control", "no-cache");
      res.set_content(std::string(asset->body), std::string(asset->content_type).c_str());
    });
  }
  http_.Get("/api/executions", [this](const httplib::Request& req, httplib::Response& res) {
    std::string body;
    const Status s = serve::list_executions(store_, req.params, &body);
    answer(res, s, std::move(body));
  });
  http_.Get(R"(/api/executions/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::string body;
    const Status s = serve::get_execution(store_, req.matches[1].str(), req.params, &body);
    answer(res, s, std::move(body));
  });
  http_.Get(R"(/api/events/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::string body;
    const Status s = serve::get_event(store_, req.matches[1].str(), &body);
    answer(res, s, std::move(body));
  });
  http_.Get("/api/event_types", [this](const httplib::Request&, httplib::Response& res) {
    std::string body;
    const Status s = serve::list_event_types(store_, &body);
    answer(res, s, std::move(body));
  });
  http_.Get("/api/compare", [this](const httplib::Request& req, httplib::Response& res) {
    std::string body;
    const Status s = serve::compare(store_, req.params, &body);
    answer(res, s, std::move(body));
  });
  http_.Get("/api/stats", [this](const httplib::Request&, httplib::Response& res) {
    std::string body;
    const Status s = serve::get_stats(store_, &body);
    answer(res, s, std::move(body));
  });
  http_.Get("/api/sql", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string format = req.get_param_value("format");
    if (!format.empty() && format != "json" && format != "csv") {
      return answer(res, Status::invalid_argument(fmt::format("parameter 'format': '{}' is not json or csv", format)), {});
    }
    if (!req.has_param("q")) return answer(res, Status::invalid_argument("parameter 'q': the SQL is missing"), {});
    const bool csv = format == "csv";
    std::string body;
    const Status s = sql_.run(req.get_param_value("q"), csv ? serve::SqlFormat::kCsv : serve::SqlFormat::kJson, &body);
    if (s.ok() && req.get_param_value("download") == "1") {
      res.set_header("Content-Disposition", csv ? "attachment; filename=\"query.csv\"" : "attachment; filename=\"query.json\"");
    }
    answer(res, s, std::move(body), csv ? "text/csv; charset=utf-8" : "application/json");
  });
  http_.Get("/api/live", [this](const httplib::Request& req, httplib::Response& res) { live(req, res); });
  http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    std::string body;
    if (Status s = store_.refresh(); !s.ok()) return answer(res, s, {});
    const Status s = metrics_.render(&body);
    answer(res, s, std::move(body), "text/plain; version=0.0.4; charset=utf-8");
  });
}

Status Server::Impl::start() {
  if (!is_loopback(options_.bind) && options_.token.empty()) {
    return Status::invalid_argument(fmt::format(
        "serving on {} (not a loopback address) needs a token: give --token, then open http://HOST:PORT/?token=TOKEN",
        options_.bind));
  }
  if (options_.threads == 0) return Status::invalid_argument("serve: threads must be at least 1");
  routes();
  const size_t threads = options_.threads;
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_.set_read_timeout(10, 0);
  http_.set_write_timeout(10, 0);
  http_.set_keep_alive_timeout(2);
  // Headers and body go out in separate writes: without this, Nagle's
  // algorithm holds the body until the client's delayed ACK (40 ms a request).
  http_.set_tcp_nodelay(true);
  http_.set_payload_max_length(1 << 20);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a
  // second server on a port in use starts and takes half its connections.
  http_.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  if (options_.port == 0) {
    port_ = http_.bind_to_any_port(options_.bind);
  } else if (http_.bind_to_port(options_.bind, options_.port)) {
    port_ = options_.port;
  } else {
    port_ = -1;
  }
  if (port_ <= 0) {
    return Status::io_error(fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)",
                                        options_.bind, options_.port));
  }
  listener_ = std::thread([this] {
    http_.listen_after_bind();
    listener_done_ = true;
  });
  while (!http_.is_running() && !listener_done_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (listener_done_) {
    listener_.join();
    return Status::io_error(fmt::format("cannot listen on {}:{}", options_.bind, port_));
  }
  return Status::ok_status();
}

void Server::Impl::stop() {
  if (stopping_.exchange(true)) return;
  http_.stop();
  if (listener_.joinable()) listener_.join();
}

Status Server::start(Store& store, const ServeOptions& options, std::unique_ptr<Server>* out) {
  auto impl = std::make_unique<Impl>(store, options);
  if (Status s = impl->start(); !s.ok()) return s;
  out->reset(new Server(std::move(impl)));
  return Status::ok_status();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { stop(); }
int Server::port() const { return impl_->port(); }
std::string Server::url() const {
  const std::string& host = impl_->options().bind;
  return fmt::format("http://{}:{}/", host.find(':') != std::string::npos ? "[" + host + "]" : host, port());
}
void Server::stop() { impl_->stop(); }

}  // namespace streamll
