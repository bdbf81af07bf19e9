// streamll: inspect, import and export a local event store.
#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "cli.hpp"

namespace streamll::cli {

int report(const Status& s) {
  fmt::print(stderr, "streamll: {}\n", s.message());
  switch (s.code()) {
    case Status::Code::kOk: return kExitOk;
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotFound:
    case Status::Code::kBusy:
    case Status::Code::kNotSupported:
    case Status::Code::kPermissionDenied: return kExitUser;
    case Status::Code::kCorruption:
    case Status::Code::kIOError: return kExitStorage;
  }
  return kExitStorage;
}

Status open_for_write(const Context& ctx, std::unique_ptr<Store>* out) {
  return Store::open(ctx.db, StoreOptions{}, out);
}

Status open_for_read(const Context& ctx, std::unique_ptr<Store>* out) {
  StoreOptions options;
  options.mode = StoreOptions::Mode::kReadOnlyLive;
  return Store::open(ctx.db, options, out);
}

}  // namespace streamll::cli

int main(int argc, char** argv) {
  using namespace streamll::cli;
  Context ctx;
  CLI::App app{"streamll: a local event store for LLM and data pipelines.\n"
               "Records, shows, imports and exports pipeline events (upstream streamll's format)."};
  app.name("streamll");
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--db", ctx.db, "Store directory")
      ->envname("STREAMLL_DB")
      ->capture_default_str();
  add_import(app, ctx);
  add_ingest(app, ctx);
  add_export(app, ctx);
  add_executions(app, ctx);
  add_show(app, ctx);
  add_query(app, ctx);
  add_replay(app, ctx);
  add_tail(app, ctx);
  add_types(app, ctx);
  add_replicate(app, ctx);
  add_verify(app, ctx);
  add_repair(app, ctx);
  add_prune(app, ctx);
  add_backup(app, ctx);
  add_stats(app, ctx);
  add_diff(app, ctx);
  add_serve(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUser;
  } catch (const std::exception& e) {
    fmt::print(stderr, "streamll: internal error: {}\n", e.what());
    return kExitStorage;
  }
  return ctx.exit_code;
}
