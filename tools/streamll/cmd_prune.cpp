#include <memory>

#include <fmt/format.h>

#include "cli.hpp"
#include "count_arg.hpp"
#include "format.hpp"
#include "size_arg.hpp"
#include "time_arg.hpp"

namespace streamll::cli {

namespace {

struct PruneArgs {
  std::string before;
  std::string max_bytes;
  std::optional<uint64_t> keep_executions;
  bool force = false;
  bool dry_run = false;
};

int run_prune(const Context& ctx, const PruneArgs& args) {
  PruneOptions options;
  if (!args.before.empty()) {
    if (Status s = parse_time_arg("--before", args.before, now_ns(), &options.before); !s.ok()) return report(s);
  }
  options.keep_executions = args.keep_executions;
  if (!args.max_bytes.empty()) {
    uint64_t bytes = 0;
    if (Status s = parse_size_arg("--max-bytes", args.max_bytes, &bytes); !s.ok()) return report(s);
    options.max_bytes = bytes;
  }
  options.force = args.force;
  options.dry_run = args.dry_run;
  if (!options.any_limit()) {
    return report(Status::invalid_argument("prune: give at least one of --before, --keep-executions, --max-bytes"));
  }
  std::unique_ptr<Store> store;
  if (Status s = open_for_write(ctx, &store); !s.ok()) {
    if (s.is_busy()) {
      // The writer can prune while it writes: say how.
      return report(Status::busy(
          s.message() + "; an application that writes the store prunes it itself with a retention option: "
                        "streamll.init(retention={\"max_age\": ...}) in Python, RuntimeOptions::retention in C++"));
    }
    return report(s);
  }
  PruneReport r;
  const Status s = store->prune(options, &r);
  if (!s.ok()) return report(s);
  fmt::print("{} {} execution{} ({} event{})\n", args.dry_run ? "would prune" : "pruned", r.executions,
             r.executions == 1 ? "" : "s", r.events, r.events == 1 ? "" : "s");
  if (r.kept_unreplicated > 0) {
    fmt::print("kept {} execution{} holding events not yet replicated to {} (--force prunes them too)\n",
               r.kept_unreplicated, r.kept_unreplicated == 1 ? "" : "s", r.held_back_by);
  }
  if (!args.dry_run && r.executions > 0) {
    fmt::print("tables and memtables: {} -> {}\n", format_bytes(r.bytes_before), format_bytes(r.bytes_after));
  }
  return kExitOk;
}

}  // namespace

void add_prune(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "prune",
      "Remove whole executions, oldest first (by their latest event), with their indexes and summaries,\n"
      "then compact to give the space back. Executions holding events a replicator has not shipped yet\n"
      "are kept unless --force. Needs the writer (an application prunes itself: StoreOptions.retention).");
  auto args = std::make_shared<PruneArgs>();
  cmd->add_option("--before", args->before,
                  "Executions whose latest event is older than this: a duration before now (30d, 12h) or a time");
  cmd->add_option("--keep-executions", args->keep_executions, "Keep only the newest N executions")->check(count_arg());
  cmd->add_option("--max-bytes", args->max_bytes, "Prune the oldest until the store, compacted, holds at most this much (10G, 512M)");
  cmd->add_flag("--force", args->force, "Also prune events not yet replicated");
  cmd->add_flag("--dry-run", args->dry_run, "Say what would go; change nothing");
  cmd->callback([&ctx, args] { ctx.exit_code = run_prune(ctx, *args); });
}

}  // namespace streamll::cli
