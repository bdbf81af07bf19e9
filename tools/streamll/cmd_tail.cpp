#include <chrono>

#include <fmt/format.h>

#include "cli.hpp"
#include "count_arg.hpp"
#include "interrupt.hpp"
#include "streamll/log_cursor.hpp"
#include "streamll/sink.hpp"

namespace streamll::cli {

namespace {

struct TailArgs {
  bool follow = false;
  size_t lines = 10;
  std::string type_pattern;
  std::string execution_id;
  std::string format = "text";
  int poll_ms = 50;
};

// Writes the events `it` yields that match to `out`, then flushes it.
Status print_new(EventIterator& it, const EventFilter& filter, Sink& out) {
  bool printed = false;
  for (; it.valid(); it.next()) {
    const EventView& v = it.view();
    if (!filter.matches(v)) continue;
    if (Status s = out.write({&v, 1}); !s.ok()) return s;
    printed = true;
  }
  if (!it.status().ok()) return it.status();
  return printed ? out.flush() : Status::ok_status();
}

int run_tail(const Context& ctx, const TailArgs& args) {
  // First: a signal that arrives while the first window prints must still
  // end the loop cleanly.
  if (args.follow) catch_interrupts();
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  EventFilter filter;
  filter.event_type = args.type_pattern;
  filter.execution_id = args.execution_id;
  std::unique_ptr<Sink> out;
  if (args.format == "jsonl") {
    out = std::make_unique<JsonlSink>(stdout);
  } else {
    out = std::make_unique<TerminalSink>(stdout);
  }
  // Start with the last `lines` events of the log (matching or not: like
  // tail, it is a window onto the end of the log).
  LogCursor cursor(*store, store->last_seq() > args.lines ? store->last_seq() - args.lines : 0);
  if (Status s = print_new(*cursor.next(std::chrono::milliseconds(0)), filter, *out); !s.ok()) {
    return report(s);
  }
  if (!args.follow) return kExitOk;
  // An interrupt ends the wait within about poll_ms.
  const std::chrono::milliseconds poll(args.poll_ms);
  while (!interrupted().load()) {
    if (Status s = print_new(*cursor.next(std::chrono::milliseconds::max(), poll, &interrupted()), filter, *out);
        !s.ok()) {
      return report(s);
    }
  }
  return kExitOk;
}

}  // namespace

void add_tail(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<TailArgs>();
  auto* cmd = app.add_subcommand(
      "tail", "Print the latest events in arrival order; with -f, keep printing them as another process\n"
              "writes them (each within the writer's flush_interval + --poll-ms).");
  cmd->add_flag("-f,--follow", args->follow, "Keep printing new events until interrupted");
  cmd->add_option("-n,--lines", args->lines, "Start with the last N events of the log")
      ->check(count_arg())
      ->capture_default_str();
  cmd->add_option("--type", args->type_pattern, "Only this event type, or a prefix: rag.* or rag.");
  cmd->add_option("--execution", args->execution_id, "Only this execution");
  cmd->add_option("--format", args->format, "text (as the terminal sink) or jsonl")
      ->check(CLI::IsMember({"text", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--poll-ms", args->poll_ms, "How often to look for new events")
      ->check(CLI::Range(1, 60000))
      ->capture_default_str();
  cmd->callback([&ctx, args] { ctx.exit_code = run_tail(ctx, *args); });
}

}  // namespace streamll::cli
