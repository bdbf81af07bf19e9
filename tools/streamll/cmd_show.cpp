#include <fmt/format.h>

#include "cli.hpp"
#include "count_arg.hpp"
#include "format.hpp"
#include "streamll/event_json.hpp"
#include "streamll/spans.hpp"
#include "streamll/timestamp.hpp"
#include "table.hpp"

namespace streamll::cli {

namespace {

struct ShowArgs {
  std::string execution_id;
  std::string format = "table";
  size_t width = 80;
};

int run_show(const Context& ctx, const ShowArgs& args) {
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  ExecutionSummary summary;
  if (Status s = store->get_execution(args.execution_id, &summary); !s.ok()) {
    if (s.is_not_found()) {
      return report(Status::not_found(fmt::format("no execution '{}' in {} (see: streamll executions)",
                                                  args.execution_id, ctx.db)));
    }
    return report(s);
  }
  auto it = store->scan_execution(args.execution_id);
  if (args.format == "json") {
    std::string out = "[";
    for (bool first = true; it->valid(); it->next(), first = false) {
      out += first ? "\n  " : ",\n  ";
      append_event_json(it->view(), &out);
    }
    out += "\n]\n";
    if (!it->status().ok()) return report(it->status());
    fmt::print("{}", out);
    return kExitOk;
  }

  fmt::print("execution {}\n  started {}  duration {}  events {}  errors {}\n\n", summary.execution_id,
             format_timestamp(summary.first_ts), format_duration(summary.duration_ns()),
             summary.event_count, summary.error_count);
  Table table({"OFFSET", "EVENT", "MODULE", "OPERATION", "DATA"});
  SpanBuilder spans;  // each event indented under the spans open around it
  for (; it->valid(); it->next()) {
    const EventView& e = it->view();
    spans.add(e);
    const size_t depth = static_cast<size_t>(spans.depth_of_last());
    table.add({"+" + format_duration(span_ns(summary.first_ts, e.timestamp)),
               std::string(2 * depth, ' ') + std::string(e.event_type), std::string(e.module_name),
               std::string(e.operation.value_or("-")), truncate(std::string(e.data_json), args.width)});
  }
  if (!it->status().ok()) return report(it->status());
  table.print(stdout);
  return kExitOk;
}

}  // namespace

void add_show(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ShowArgs>();
  auto* cmd = app.add_subcommand(
      "show", "Show one execution's events in time order, each span's events indented under its start\n(spans as the dashboard's waterfall draws them: start/end, *.start/*.end|.complete|.error).");
  cmd->add_option("EXECUTION_ID", args->execution_id, "The execution (see: streamll executions)")->required();
  cmd->add_option("--format", args->format, "table or json (a JSON array of events)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  cmd->add_option("--width", args->width, "Cut the data column to this many characters")
      ->check(count_arg())
      ->capture_default_str();
  cmd->callback([&ctx, args] { ctx.exit_code = run_show(ctx, *args); });
}

}  // namespace streamll::cli
