// replicate: how fast a store's events reach a local redis-server through
// the replicator (streamll replicate: batches of --batch-size events, each
// one Lua script call that adds the entries and advances the checkpoint),
// beside redis-benchmark sending plain XADDs of the same payload size with
// the same pipeline depth over one connection: the server's own ceiling.
//
// The server is started for the run (no persistence, so that both sides
// measure the protocol and the server, not the disk), on a free loopback
// port, and stopped at the end. The store is settled and read through a
// read-only view, as `streamll replicate` reads it; the replicated stream
// must hold every event, or the benchmark fails.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "load.hpp"
#include "streamll/event_json.hpp"
#include "streamll/replicate.hpp"
#include "streamll/store.hpp"
#include "workload.hpp"

namespace fs = std::filesystem;

namespace streamll::bench {

namespace {

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) close(fd);
  return ok ? ntohs(addr.sin_port) : 0;
}

// A redis-server of its own for the run.
class Server {
 public:
  Status start(const std::string& dir) {
    port_ = free_port();
    if (port_ == 0) return Status::io_error("cannot find a free loopback port");
    std::string out;
    if (Status s = shell(fmt::format("redis-server --port {} --bind 127.0.0.1 --dir '{}' --save '' --appendonly no "
                                     "--daemonize yes --logfile redis.log",
                                     port_, dir),
                         &out);
        !s.ok()) {
      return s.with_context("is redis-server installed? (tools/setup)");
    }
    for (int i = 0; i < 500; ++i) {
      if (cli("PING", &out).ok() && out.starts_with("PONG")) return Status::ok_status();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Status::io_error(fmt::format("redis-server on port {} did not answer (see {}/redis.log)", port_, dir));
  }
  ~Server() {
    std::string out;
    if (port_ != 0) (void)cli("SHUTDOWN NOSAVE", &out);
  }
  Status cli(const std::string& args, std::string* out) const {
    return shell(fmt::format("redis-cli -p {} {} 2>&1", port_, args), out);
  }
  int port() const { return port_; }

 private:
  int port_ = 0;
};

class ReplicateBenchmark : public Benchmark {
 public:
  const char* name() const override { return "replicate"; }
  const char* description() const override {
    return "Ship --events events from a store to a local redis-server (streamll replicate); compare events/s\n"
           "with redis-benchmark XADD of the same payload size and pipeline depth (target >= 0.8x)";
  }

  void add_options(CLI::App& cmd) override {
    add_workload_options(cmd, &workload_);
    cmd.add_option("--batch-size", batch_, "Events per replicator round trip, and redis-benchmark's -P")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
  }

  Status run(const ScratchDir& dir, Report* report) override {
    const std::string path = (fs::path(dir.path()) / "store").string();
    size_t json_bytes = 0;
    {
      const std::vector<Event> events = make_events(workload_);
      std::string json;
      for (const Event& e : events) {
        json.clear();
        append_event_json(e, &json);
        json_bytes += json.size();
      }
      if (Status s = write_store(events, 1000, path); !s.ok()) return s;
      if (Status s = settle_store(path); !s.ok()) return s;
    }
    const size_t payload = json_bytes / workload_.events;
    progress("replicate: stored {} events, {} bytes of JSON each on average", format_number(workload_.events), payload);

    Server server;
    if (Status s = server.start(dir.path()); !s.ok()) return s;
    std::unique_ptr<Store> store;
    StoreOptions view;
    view.mode = StoreOptions::Mode::kReadOnlyLive;
    if (Status s = Store::open(path, view, &store); !s.ok()) return s;
    ReplicateOptions options;
    options.redis.url = fmt::format("redis://127.0.0.1:{}", server.port());
    options.batch_size = batch_;
    options.redis.timeout = std::chrono::seconds(30);
    std::unique_ptr<Replicator> replicator;
    if (Status s = Replicator::create(store.get(), options, &replicator); !s.ok()) return s;
    const Stopwatch watch;
    if (Status s = replicator->sync(); !s.ok()) return s;
    const double ours = static_cast<double>(workload_.events) / watch.seconds();
    std::string out;
    if (Status s = server.cli("XLEN streamll_events", &out); !s.ok()) return s;
    if (std::stoull(out) != workload_.events) {
      return Status::corruption(fmt::format("replicate: the stream holds {} entries, not {}", out, workload_.events));
    }
    progress("replicate: {} events/s", format_number(ours));
    if (Status s = server.cli("FLUSHALL", &out); !s.ok()) return s;

    // redis-benchmark: one connection, the same pipeline depth, a payload of
    // the same size.
    const std::string value(payload, 'x');
    if (Status s = shell(fmt::format("redis-benchmark -p {} -c 1 -P {} -n {} --csv XADD bench '*' message {}",
                                     server.port(), batch_, workload_.events, value),
                         &out);
        !s.ok()) {
      return s;
    }
    // --csv: a header line, then "XADD ...","<requests per second>",...
    const auto row = out.find("\n\"");
    const auto comma = out.find("\",\"", row == std::string::npos ? 0 : row);
    if (row == std::string::npos || comma == std::string::npos) {
      return Status::corruption(fmt::format("replicate: cannot read redis-benchmark's output:\n{}", out));
    }
    const double theirs = std::stod(out.substr(comma + 3));
    progress("replicate: redis-benchmark XADD -P {}: {} requests/s", batch_, format_number(theirs));
    report->add(Metric{.bench = "replicate",
                       .metric = "events_per_s",
                       .value = ours,
                       .unit = "events/s",
                       .baselines = {{"redis_benchmark", theirs}},
                       .targets = {{"redis_benchmark", 0.8}}});
    return Status::ok_status();
  }

 private:
  Workload workload_;
  size_t batch_ = 500;
};

}  // namespace

std::unique_ptr<Benchmark> make_replicate_benchmark() { return std::make_unique<ReplicateBenchmark>(); }

}  // namespace streamll::bench
