#include <fmt/format.h>

#include "cli.hpp"
#include "count_arg.hpp"
#include "interrupt.hpp"
#include "streamll/replicate.hpp"

namespace streamll::cli {

namespace {

int run_replicate(const Context& ctx, const ReplicateOptions& options, bool follow) {
  catch_interrupts();
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  std::unique_ptr<Replicator> replicator;
  if (Status s = Replicator::create(store.get(), options, &replicator); !s.ok()) return report(s);
  if (!follow) {
    const Status s = replicator->sync();
    const ReplicateStats st = replicator->stats();
    if (!s.ok()) return report(s.with_context(fmt::format("after shipping {} events", st.shipped)));
    fmt::print(stderr, "streamll: shipped {} events to stream {} (checkpoint seq {}, store seq {})\n", st.shipped,
               options.redis.stream, st.checkpoint, st.store_seq);
    return kExitOk;
  }
  const Status ended = replicator->run(interrupted(), [](const Status& s) {
    if (s.ok()) {
      fmt::print(stderr, "streamll: replicating again\n");
    } else {
      fmt::print(stderr, "streamll: replication failing, retrying with backoff: {}\n", s.to_string());
    }
  });
  const ReplicateStats st = replicator->stats();
  if (!ended.ok()) return report(ended.with_context(fmt::format("after shipping {} events", st.shipped)));
  fmt::print(stderr, "streamll: shipped {} events to stream {} (checkpoint seq {}, store seq {})\n", st.shipped,
             options.redis.stream, st.checkpoint, st.store_seq);
  return kExitOk;
}

}  // namespace

void add_replicate(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<ReplicateOptions>();
  auto follow = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "replicate",
      "Ship the store's events to a Redis stream in upstream streamll's format (XADD <stream> * message <json>),\n"
      "exactly once: a checkpoint kept in Redis with each batch lets a restart resume without gap or duplicate.");
  cmd->add_option("--to", options->redis.url, "redis://[[user]:password@]host[:port][/db]")->required();
  cmd->add_option("--stream", options->redis.stream, "The stream key")->capture_default_str();
  cmd->add_option("--field", options->redis.field, "The entry field holding the event JSON (older upstream consumers read event)")
      ->capture_default_str();
  cmd->add_option("--maxlen", options->redis.maxlen, "Trim the stream to about N entries (0: never)")
      ->check(count_arg())
      ->capture_default_str();
  cmd->add_option("--batch-size", options->batch_size, "Events per round trip")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_flag("-f,--follow", *follow,
                "Keep shipping new events until interrupted, retrying with backoff while Redis is unreachable");
  cmd->callback([&ctx, options, follow] { ctx.exit_code = run_replicate(ctx, *options, *follow); });
}

}  // namespace streamll::cli
