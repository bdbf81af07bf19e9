// Shared plumbing of the streamll CLI commands: the global options, exit
// codes, opening the store, and reporting a failed Status.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll::cli {

// Exit codes: what the user did wrong vs. what went wrong underneath.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUser = 1;     // bad input, bad arguments, not found, store busy
inline constexpr int kExitStorage = 2;  // storage or internal error

struct Context {
  std::string db = "streamll.db";  // --db, else $STREAMLL_DB, else ./streamll.db
  int exit_code = kExitOk;
};

// Prints "streamll: MESSAGE" on stderr and returns the exit code for `s`.
int report(const Status& s);

// Opens the store for writing, or as a read-only live view (every reading
// command uses a view, so it works beside a running application).
Status open_for_write(const Context& ctx, std::unique_ptr<Store>* out);
Status open_for_read(const Context& ctx, std::unique_ptr<Store>* out);

// Runs Store::verify() on a view of the store and prints its report; the
// exit code (2 when a problem is found). `verify` and `repair` end with it.
int run_verify(const Context& ctx);

// Each command adds itself to the app; its callback sets ctx.exit_code.
void add_import(CLI::App& app, Context& ctx);
void add_ingest(CLI::App& app, Context& ctx);
void add_export(CLI::App& app, Context& ctx);
void add_executions(CLI::App& app, Context& ctx);
void add_show(CLI::App& app, Context& ctx);
void add_query(CLI::App& app, Context& ctx);
void add_replay(CLI::App& app, Context& ctx);
void add_tail(CLI::App& app, Context& ctx);
void add_types(CLI::App& app, Context& ctx);
void add_replicate(CLI::App& app, Context& ctx);
void add_verify(CLI::App& app, Context& ctx);
void add_repair(CLI::App& app, Context& ctx);
void add_prune(CLI::App& app, Context& ctx);
void add_backup(CLI::App& app, Context& ctx);
void add_stats(CLI::App& app, Context& ctx);
void add_serve(CLI::App& app, Context& ctx);
void add_diff(CLI::App& app, Context& ctx);

}  // namespace streamll::cli
