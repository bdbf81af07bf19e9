#include <iostream>

#include "cli.hpp"
#include "streamll/jsonl.hpp"
#include "streamll/timestamp.hpp"
#include "time_arg.hpp"

namespace streamll::cli {

namespace {

struct ExportArgs {
  std::string execution_id;
  std::string since;
  std::string until;
  std::string type_pattern;
};

int run_export(const Context& ctx, const ExportArgs& args) {
  EventFilter filter;
  filter.execution_id = args.execution_id;
  filter.event_type = args.type_pattern;
  if (Status s = parse_time_range(args.since, args.until, now_ns(), &filter.range); !s.ok()) return report(s);
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  std::ios::sync_with_stdio(false);
  size_t count = 0;
  if (Status s = export_jsonl(*store, filter, std::cout, &count); !s.ok()) return report(s);
  return kExitOk;
}

}  // namespace

void add_export(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand(
      "export", "Write events as JSONL (upstream streamll format) on stdout, in time order.");
  cmd->add_option("--execution", args->execution_id, "Only this execution");
  cmd->add_option("--since", args->since, "Only events at or after: 2025-08-24T12:00:00Z, 2025-08-24, or 2h (ago)");
  cmd->add_option("--until", args->until, "Only events before this time (same forms)");
  cmd->add_option("--type", args->type_pattern, "Only this event type, or a prefix: rag.* or rag.");
  cmd->callback([&ctx, args] { ctx.exit_code = run_export(ctx, *args); });
}

}  // namespace streamll::cli
