#include <memory>

#include <fmt/format.h>

#include "cli.hpp"
#include "format.hpp"

namespace streamll::cli {

namespace {

int run_backup(const Context& ctx, const std::string& dest) {
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  BackupReport r;
  const Status s = store->backup(dest, &r);
  if (r.removed_partial) fmt::print("removed {}.partial, left by a backup that did not finish\n", dest);
  if (!s.ok()) return report(s);
  fmt::print("copied {} events to {} ({}), verified\n", r.events, dest, format_bytes(r.bytes));
  return kExitOk;
}

}  // namespace

void add_backup(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "backup",
      "Copy the store to DEST, a new directory, as it is at one moment (works beside a running writer):\n"
      "written to DEST.partial, verified, then renamed, so DEST is whole or absent. The copy keeps the\n"
      "store's identity: replicating from it after a restore resumes, or says why it cannot.");
  auto dest = std::make_shared<std::string>();
  cmd->add_option("DEST", *dest, "Where the copy goes (must not exist)")->required();
  cmd->callback([&ctx, dest] { ctx.exit_code = run_backup(ctx, *dest); });
}

}  // namespace streamll::cli
