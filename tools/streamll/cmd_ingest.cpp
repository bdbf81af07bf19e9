#include <filesystem>

#include <fmt/format.h>

#include "cli.hpp"
#include "interrupt.hpp"
#include "streamll/ingest.hpp"

namespace streamll::cli {

namespace {

struct IngestArgs {
  ConsumerOptions options;
  bool follow = false;
};

int run_ingest(const Context& ctx, const IngestArgs& args) {
  std::error_code ec;
  const bool created = !std::filesystem::exists(ctx.db, ec);
  std::unique_ptr<Store> store;
  if (Status s = open_for_write(ctx, &store); !s.ok()) return report(s);
  IngestOptions ingest;
  ingest.follow = args.follow;
  // Entries without a field this ingest reads, and the fields the first of
  // them held: most likely the events are in a field --field can name.
  uint64_t fieldless = 0;
  std::string held;
  ingest.on_problem = [&](const Status& s) {
    if (s.is_invalid_argument()) {
      fmt::print(stderr, "streamll: skipped {}\n", s.message());
      constexpr std::string_view kHeld = " field (fields: ";
      if (const size_t at = s.message().find(kHeld); at != std::string::npos && fieldless++ == 0) {
        held = s.message().substr(at + kHeld.size());
        if (held.ends_with(')')) held.pop_back();
      }
    } else {
      fmt::print(stderr, "streamll: ingest failing, retrying with backoff: {}\n", s.message());
    }
  };
  ingest.on_conflict = [](std::string_view event_id) {
    fmt::print(stderr,
               "streamll: warning: event_id {:?} is stored already with other content; the stored event was kept\n",
               event_id);
  };
  if (args.follow) {
    catch_interrupts();
    ingest.stop = &interrupted();
  }
  // Without --follow, Ctrl-C ends the process at once, which loses nothing:
  // each append is atomic, and with a group what was not appended stays
  // pending for the next run.
  IngestReport done;
  const Status s = ingest_stream(args.options, store.get(), ingest, &done);
  const std::string conflicts =
      done.conflicts == 0 ? "" : fmt::format(", {} of them with other content", done.conflicts);
  fmt::print(stderr, "streamll: ingested {} events ({} duplicates{}, {} malformed)\n", done.appended,
             done.duplicates, conflicts, done.consumer.malformed);
  if (fieldless > 0) {
    fmt::print(stderr,
               "streamll: {} {} no field this ingest reads (the first held: {}); if the events are in another "
               "field, name it with --field\n",
               fieldless, fieldless == 1 ? "entry had" : "entries had", held);
  }
  if (s.ok()) return kExitOk;
  // A store this run created and stored nothing in is removed, so that
  // nothing is left where there was nothing.
  bool removed = false;
  if (created && done.appended == 0) {
    store.reset();
    std::filesystem::remove_all(ctx.db, ec);
    removed = !ec;
  }
  return report(s.with_context(fmt::format("cannot ingest stream {}{}", args.options.redis.stream,
                                           removed ? fmt::format(" ({} was not created)", ctx.db) : "")));
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
  cmd->add_option("--from", args->options.redis.url, "redis://[[user]:password@]host[:port][/db]")->required();
  cmd->add_option("--stream", args->options.redis.stream, "The stream key")->capture_default_str();
  cmd->add_option("--field", args->options.redis.field,
                  "The entry field holding the event JSON (message and event are read as well)")
      ->capture_default_str();
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
