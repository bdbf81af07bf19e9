#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "cli.hpp"
#include "interrupt.hpp"
#include "streamll/consumer.hpp"

namespace streamll::cli {

namespace {

struct IngestArgs {
  ConsumerOptions options;
  bool follow = false;
};

// The store and what was appended to it, one append per read. The consumer
// acknowledges a batch (with a group) only when its append succeeded. A
// failed append stops the ingest: failed() is set.
class Ingester {
 public:
  Status open(const Context& ctx) {
    std::error_code ec;
    created_ = !std::filesystem::exists(ctx.db, ec);
    return open_for_write(ctx, &store_);
  }

  // After an ingest that failed before it stored anything: a store this run
  // created is removed, so that nothing is left where there was nothing (it
  // holds only what this run wrote). True when it was.
  bool remove_if_created_empty(const Context& ctx) {
    if (!created_ || appended_ != 0) return false;
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(ctx.db, ec);
    return !ec;
  }

  Status append(std::span<const EventView> events) {
    AppendResult result;
    Status s = store_->append(events, &result);
    if (!s.ok()) {
      fail(s);
      return s;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    appended_ += result.appended;
    duplicates_ += result.duplicates;
    conflicts_ += result.conflicts.size();
    for (const size_t i : result.conflicts) {
      fmt::print(stderr, "streamll: warning: event_id {:?} is stored already with other content; the stored event was kept\n",
                 events[i].event_id);
    }
    return s;
  }

  // Stops the ingest with `s`, reported at the end.
  void fail(const Status& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_.ok()) error_ = s;
    failed_.store(true);
  }

  const std::atomic<bool>& failed() const { return failed_; }
  Status error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
  }

  void print_summary(const ConsumerStats& stats) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string conflicts = conflicts_ == 0 ? "" : fmt::format(", {} of them with other content", conflicts_);
    fmt::print(stderr, "streamll: ingested {} events ({} duplicates{}, {} malformed)\n", appended_, duplicates_,
               conflicts, stats.malformed);
  }

 private:
  std::unique_ptr<Store> store_;
  mutable std::mutex mutex_;
  std::atomic<bool> failed_{false};
  Status error_;
  uint64_t appended_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t conflicts_ = 0;
  bool created_ = false;
};

int run_ingest(const Context& ctx, const IngestArgs& args) {
  Ingester ingester;  // outlives the consumer, whose callbacks use it
  std::unique_ptr<RedisStreamConsumer> consumer;
  if (Status s = RedisStreamConsumer::create(args.options, &consumer); !s.ok()) return report(s);
  if (Status s = ingester.open(ctx); !s.ok()) return report(s);
  consumer->subscribe_views([&ingester](std::span<const EventView> events) { return ingester.append(events); });
  consumer->on_error([&ingester](const Status& s) {
    if (ingester.failed()) return;  // the append failure is reported once, at the end
    if (s.is_permission_denied()) {
      ingester.fail(s);  // the consumer stopped: no retry fixes it
    } else if (s.is_invalid_argument()) {
      fmt::print(stderr, "streamll: skipped {}\n", s.message());
    } else {
      fmt::print(stderr, "streamll: ingest failing, retrying with backoff: {}\n", s.message());
    }
  });

  if (!args.follow) {
    // Stops at the first failed append. Ctrl-C ends the process at once,
    // which loses nothing: each append is atomic, and with a group what was
    // not appended stays pending for the next run.
    const Status s = consumer->drain(&ingester.failed());
    ingester.print_summary(consumer->stats());
    if (!ingester.error().ok()) return report(ingester.error());
    if (!s.ok()) {
      const bool removed = ingester.remove_if_created_empty(ctx);
      return report(s.with_context(fmt::format("cannot ingest stream {}{}", args.options.stream,
                                               removed ? fmt::format(" ({} was not created)", ctx.db) : "")));
    }
    return kExitOk;
  }

  catch_interrupts();
  if (Status s = consumer->start(); !s.ok()) return report(s);
  while (!interrupted().load() && !ingester.failed().load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  consumer->stop();
  ingester.print_summary(consumer->stats());
  if (!ingester.error().ok()) return report(ingester.error());
  return kExitOk;
}

}  // namespace

void add_ingest(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<IngestArgs>();
  args->options.batch_size = 500;
  auto* cmd = app.add_subcommand(
      "ingest",
      "Read events from a Redis stream into the store: what a Python app wrote through upstream streamll's\n"
      "RedisSink (field event or message), or what streamll replicate shipped. Events already stored (same\n"
      "event_id) are skipped, so ingesting again is harmless; with --group, each run reads on where the last stopped.\n"
      "A malformed entry is reported on stderr with its id and skipped.");
  cmd->add_option("--from", args->options.url, "redis://[[user]:password@]host[:port][/db]")->required();
  cmd->add_option("--stream", args->options.stream, "The stream key")->capture_default_str();
  cmd->add_option("--group", args->options.group,
                  "Read through this consumer group (created if missing): entries are acknowledged once stored");
  cmd->add_option("--consumer", args->options.consumer, "The consumer name in the group (default: HOSTNAME-PID)");
  cmd->add_option("--batch-size", args->options.batch_size, "Entries per read and per store append")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_flag("-f,--follow", args->follow,
                "Keep ingesting new entries until interrupted, retrying with backoff while Redis is unreachable");
  cmd->callback([&ctx, args] { ctx.exit_code = run_ingest(ctx, *args); });
}

}  // namespace streamll::cli
