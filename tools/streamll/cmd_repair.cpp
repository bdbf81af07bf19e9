#include <memory>

#include <fmt/format.h>

#include "cli.hpp"

namespace streamll::cli {

namespace {

int run_repair(const Context& ctx, bool set_aside_unreadable) {
  RepairReport result;
  const Status s = Store::repair(ctx.db, &result, set_aside_unreadable);
  if (!result.damage.empty()) fmt::print("damage: {}\n", result.damage);
  for (const std::string& file : result.set_aside) fmt::print("moved to {}/lost: {}\n", ctx.db, file);
  if (!s.ok()) return report(s);
  if (result.repaired && result.log_damage) {
    fmt::print("read the write-ahead logs of {} up to the damage and on past it: kept every append but the ones the "
               "damage cut ({} after it), which are only in the copy in {}/lost; checking it\n",
               ctx.db, result.kept_after_damage, ctx.db);
  } else if (result.repaired) {
    fmt::print("rebuilt the MANIFEST of {} from its table files, and wrote again, each whole, the {} write-ahead log "
               "records the tables did not hold (the logs are in {}/lost as they were); checking it\n",
               ctx.db, result.log_records_replayed, ctx.db);
    if (result.log_entries_unplaced > 0) {
      fmt::print("warning: {} log entries belong to a column family no table names; they were left out and are only "
                 "in {}/lost\n", result.log_entries_unplaced, ctx.db);
    }
  } else if (result.converted_from != 0) {
    fmt::print("{}: its table files are the ones its MANIFEST lists, whole; converted it from format version {} to "
               "this build's; checking it\n", ctx.db, result.converted_from);
  } else {
    fmt::print("{}: its table files are the ones its MANIFEST lists, whole: nothing was changed\n", ctx.db);
  }
  return run_verify(ctx);
}

}  // namespace

void add_repair(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "repair",
      "Rebuild a damaged MANIFEST (one every command refuses: cut short, replaced, unreadable), or a store\n"
      "whose write-ahead log has a damaged record, from the store's table files and the readable records\n"
      "of its logs, then verify. Deletes nothing: the old MANIFEST, the logs and any table set aside move\n"
      "to DB/lost/. A sound store is left unchanged. Needs the writer stopped.");
  auto set_aside = std::make_shared<bool>(false);
  cmd->add_flag("--set-aside-unreadable", *set_aside,
                "Go on when a table file cannot be read: its events are left out (the file is kept in DB/lost/)");
  cmd->callback([&ctx, set_aside] { ctx.exit_code = run_repair(ctx, *set_aside); });
}

}  // namespace streamll::cli
