#include <fmt/format.h>

#include "cli.hpp"

namespace streamll::cli {

int run_verify(const Context& ctx) {
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  VerifyReport result;
  const Status s = store->verify(&result);
  fmt::print("{} events, {} executions, {} event types checked\n", result.events, result.executions,
             result.event_types);
  for (const std::string& problem : result.problems) fmt::print("problem: {}\n", problem);
  if (result.problem_count > result.problems.size()) {
    fmt::print("... and {} more problems\n", result.problem_count - result.problems.size());
  }
  if (!s.ok()) return report(s);
  fmt::print("ok\n");
  return kExitOk;
}

void add_verify(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "verify",
      "Check the store's integrity: table checksums, every record, the three indexes and the summaries\n"
      "against a recount (reads everything; works beside a running writer). Exit 2 when a problem is found.");
  cmd->callback([&ctx] { ctx.exit_code = run_verify(ctx); });
}

}  // namespace streamll::cli
