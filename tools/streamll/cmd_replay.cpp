#include <cstdio>

#include <fmt/format.h>

#include "cli.hpp"
#include "interrupt.hpp"
#include "streamll/event_batch.hpp"
#include "streamll/redis_sink.hpp"
#include "streamll/replay.hpp"
#include "streamll/sink.hpp"
#include "streamll/timestamp.hpp"
#include "time_arg.hpp"

namespace streamll::cli {

namespace {

struct ReplayArgs {
  std::string execution_id;
  double speed = 1.0;
  bool max = false;
  std::string since;
  std::string until;
  std::string to = "terminal";
};

// Where --to sends the replayed events. A new destination is one more
// subclass and one more branch in open_destination().
class Destination {
 public:
  virtual ~Destination() = default;
  virtual Status deliver(const EventView& event) = 0;
  // Makes what deliver() buffered visible.
  virtual Status flush() = 0;
};

// Each event written at once to a sink on stdout: one readable line
// (TerminalSink, as `tail` prints them) or one JSON line (JsonlSink, as
// `export` writes them).
class StdoutDestination final : public Destination {
 public:
  explicit StdoutDestination(std::unique_ptr<Sink> sink) : sink_(std::move(sink)) {}
  Status deliver(const EventView& event) override { return write_(event); }
  Status flush() override { return sink_->flush(); }

 private:
  std::unique_ptr<Sink> sink_;
  ReplayHandler write_ = sink_handler(*sink_);
};

// Entries on a Redis stream (upstream's wire format), through RedisSink,
// in pipelined batches of up to kBatch (one batch per event when timed).
class RedisDestination final : public Destination {
 public:
  explicit RedisDestination(RedisTarget target) : sink_(std::move(target)) {}
  Status deliver(const EventView& event) override {
    pending_.add(event);
    return pending_.size() >= kBatch ? flush() : Status::ok_status();
  }
  Status flush() override {
    if (pending_.empty()) return Status::ok_status();
    const Status s = sink_.write(pending_.views());
    pending_.clear();
    return s;
  }

 private:
  static constexpr size_t kBatch = 500;
  RedisSink sink_;
  EventBatch pending_;  // the iterator's views end at its next step
};

Status open_destination(const std::string& to, std::unique_ptr<Destination>* out) {
  if (to == "terminal") {
    *out = std::make_unique<StdoutDestination>(std::make_unique<TerminalSink>(stdout));
  } else if (to == "jsonl") {
    *out = std::make_unique<StdoutDestination>(std::make_unique<JsonlSink>(stdout));
  } else if (to.starts_with("redis://")) {
    *out = std::make_unique<RedisDestination>(RedisTarget{.url = to});
  } else {
    return Status::invalid_argument(
        fmt::format("--to {}: not a destination; use terminal, jsonl or redis://host:port", to));
  }
  return Status::ok_status();
}

int run_replay(const Context& ctx, const ReplayArgs& args) {
  catch_interrupts();  // first: a signal during the first events must end the replay cleanly
  ReplayOptions options;
  options.speed = args.speed;
  options.as_fast_as_possible = args.max;
  options.cancel = &interrupted();
  if (Status s = parse_time_range(args.since, args.until, now_ns(), &options.range); !s.ok()) return report(s);
  std::unique_ptr<Destination> destination;
  if (Status s = open_destination(args.to, &destination); !s.ok()) return report(s);
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);

  // A timed replay shows each event when it is due; --max lets stdio batch.
  const bool flush_each = !args.max;
  ReplayStats stats;
  Status s = replay(
      *store, args.execution_id, options,
      [&](const EventView& event) {
        Status delivered = destination->deliver(event);
        return delivered.ok() && flush_each ? destination->flush() : delivered;
      },
      &stats);
  // What was delivered before an error or a signal is shown all the same.
  const Status flushed = destination->flush();
  if (s.ok()) s = flushed;
  if (!s.ok()) return report(s);
  if (stats.cancelled) {
    fmt::print(stderr, "streamll: replay interrupted after {} of {} events\n", stats.delivered, stats.total);
  }
  return kExitOk;
}

}  // namespace

void add_replay(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ReplayArgs>();
  auto* cmd = app.add_subcommand(
      "replay", "Deliver one execution's events again in time order, with their recorded timing scaled by\n"
                "--speed, or at once with --max. Ctrl-C or SIGTERM stops it (exit 0).");
  cmd->add_option("EXECUTION_ID", args->execution_id, "The execution (see: streamll executions)")->required();
  // replay() checks the value (> 0), with a plainer message than CLI11's range check.
  auto* speed = cmd->add_option("--speed", args->speed, "How much faster than recorded (2 = twice as fast)")
                    ->capture_default_str();
  cmd->add_flag("--max", args->max, "As fast as possible, ignoring the recorded timing")->excludes(speed);
  cmd->add_option("--since", args->since, "Only events at or after: 2025-08-24T12:00:00Z, 2025-08-24, or 2h (ago)");
  cmd->add_option("--until", args->until, "Only events before this time (same forms)");
  cmd->add_option("--to", args->to, "terminal (as the terminal sink), jsonl (upstream format, on stdout), or redis://host:port[/db]\n"
                  "(entries on the stream streamll_events, upstream's wire format)")
      ->capture_default_str();
  cmd->callback([&ctx, args] { ctx.exit_code = run_replay(ctx, *args); });
}

}  // namespace streamll::cli
