#include <memory>

#include <fmt/format.h>

#include "cli.hpp"
#include "format.hpp"
#include "streamll/store_json.hpp"

namespace streamll::cli {

namespace {

void print_stats(const std::string& db, const StoreStats& st) {
  fmt::print("store        {} (format version {})\n", db, st.format_version);
  fmt::print("events       {} in {} executions, {} event types; last seq {}\n", st.events, st.executions,
             st.event_types, st.last_seq);
  if (st.events > 0) {
    fmt::print("time         {} .. {}\n", format_timestamp(st.oldest_ts), format_timestamp(st.newest_ts));
  }
  fmt::print("on disk      {} (write-ahead log {})\n", format_bytes(st.disk_bytes), format_bytes(st.wal_bytes));
  fmt::print("{:<14}{:>12}{:>12}{:>12}\n", "family", "tables", "memtables", "entries");
  for (const StoreStats::Family& f : st.families) {
    fmt::print("{:<14}{:>12}{:>12}{:>12}\n", f.name, format_bytes(f.table_bytes), format_bytes(f.memtable_bytes),
               f.entries);
  }
  if (st.replication.empty()) {
    fmt::print("replication  none recorded\n");
  }
  for (const ReplicationMark& m : st.replication) {
    const uint64_t behind = st.last_seq > m.seq ? st.last_seq - m.seq : 0;
    fmt::print("replication  {}: shipped through seq {} ({} behind), as of {}\n", m.target, m.seq, behind,
               format_timestamp(m.updated_ns));
  }
}

int run_stats(const Context& ctx, const std::string& format) {
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  StoreStats st;
  if (Status s = store->stats(&st); !s.ok()) return report(s);
  if (format == "json") {
    fmt::print("{}\n", to_json(st).dump());
  } else {
    print_stats(ctx.db, st);
  }
  return kExitOk;
}

}  // namespace

void add_stats(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "stats",
      "What the store holds and costs: events, executions, oldest and newest event, bytes per column\n"
      "family, write-ahead log size, and how far each replication target has shipped.");
  auto format = std::make_shared<std::string>("text");
  cmd->add_option("--format", *format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->callback([&ctx, format] { ctx.exit_code = run_stats(ctx, *format); });
}

}  // namespace streamll::cli
