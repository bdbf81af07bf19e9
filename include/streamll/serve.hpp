// Serve: a local dashboard and HTTP API over a store (`streamll serve`).
//
// The server reads the store through the Store it is given (normally a
// read-only live view beside a writing application) and answers:
//   GET /                          the dashboard page (HTML, JS, CSS and
//                                  Chart.js embedded in the binary)
//   GET /api/executions            executions, newest first, filtered and paged
//   GET /api/executions/ID         one execution: summary, spans, a page of events
//   GET /api/events/ID             one event
//   GET /api/event_types           the event-type registry
//   GET /api/compare?a=ID&b=ID     what differs between two executions
//   GET /api/stats                 what `streamll stats` shows
//   GET /api/sql?q=SQL             a read-only query (format=json|csv)
//   GET /api/live?after=SEQ        new events as they are stored (server-sent events)
//   GET /metrics                   Prometheus text format
// The README documents each endpoint's parameters and answer.
//
// Safety: it binds to loopback unless told otherwise, and any other address
// needs a token (sent as "Authorization: Bearer T", or as the cookie a
// `/?token=T` link sets). SQL is read-only: an authorizer refuses every
// statement but SELECT (no ATTACH, PRAGMA, CREATE, load_extension), and a
// query is interrupted after query_time_limit. Each request runs on a worker
// thread of its own (threads of them), with socket timeouts, so a slow client
// holds only its own thread.
//
// Thread-safety: start() and stop() from one thread; the Store must outlive
// the Server and may be used by other threads meanwhile.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll {

struct ServeOptions {
  std::string bind = "127.0.0.1";  // loopback; any other address needs a token
  int port = 8642;                 // 0: any free port (see Server::port())
  std::string token;               // "" = none (loopback only)
  std::chrono::milliseconds query_time_limit{5000};  // per SQL statement
  size_t max_rows = 10000;         // rows of one SQL answer; more are cut and said so
  size_t threads = 32;             // worker threads: concurrent requests
  size_t max_live_clients = 16;    // concurrent /api/live streams (each holds a thread)
};

class Server {
 public:
  // Checks the options, binds the socket and starts serving on background
  // threads (it returns once the port accepts connections). Fails with
  // InvalidArgument for a non-loopback bind without a token, IOError when
  // the port cannot be bound. Cost: the threads, and a background pass over
  // the store's events for /metrics' histograms (then it follows the log).
  static Status start(Store& store, const ServeOptions& options, std::unique_ptr<Server>* out);

  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;               // the bound port
  std::string url() const;        // "http://BIND:PORT/"
  // Stops accepting, ends live streams (within half a second), and waits for
  // the running requests and the threads. Idempotent.
  void stop();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamll
