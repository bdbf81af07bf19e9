#include <algorithm>

#include <fmt/format.h>

#include "cli.hpp"
#include "count_arg.hpp"
#include "format.hpp"
#include "streamll/store_json.hpp"
#include "streamll/timestamp.hpp"
#include "table.hpp"

namespace streamll::cli {

namespace {

struct ExecutionsArgs {
  size_t limit = 50;
  std::string format = "table";
};

int run_executions(const Context& ctx, const ExecutionsArgs& args) {
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  std::vector<ExecutionSummary> all;
  if (Status s = store->list_executions(&all); !s.ok()) return report(s);
  // Most recent first: what someone debugging the last run looks for.
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first_ts != b.first_ts ? a.first_ts > b.first_ts : a.execution_id < b.execution_id;
  });
  if (args.limit > 0 && all.size() > args.limit) all.resize(args.limit);

  if (args.format == "json") {
    Json out = Json::array();
    for (const auto& s : all) out.push_back(to_json(s));
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  Table table({"EXECUTION_ID", "STARTED_AT", "DURATION", "EVENTS", "ERRORS"});
  for (const auto& s : all) {
    table.add({s.execution_id, format_timestamp(s.first_ts), format_duration(s.duration_ns()),
               std::to_string(s.event_count), std::to_string(s.error_count)});
  }
  table.print(stdout);
  return kExitOk;
}

}  // namespace

void add_executions(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ExecutionsArgs>();
  auto* cmd = app.add_subcommand("executions", "List executions, most recent first, with durations and error counts.");
  cmd->add_option("--limit", args->limit, "At most N executions (0: all)")
      ->check(count_arg())
      ->capture_default_str();
  cmd->add_option("--format", args->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  cmd->callback([&ctx, args] { ctx.exit_code = run_executions(ctx, *args); });
}

}  // namespace streamll::cli
