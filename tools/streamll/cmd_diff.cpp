#include <fmt/format.h>

#include "cli.hpp"
#include "format.hpp"
#include "streamll/compare.hpp"
#include "streamll/timestamp.hpp"
#include "table.hpp"

namespace streamll::cli {

namespace {

struct DiffArgs {
  std::string a, b;
  std::string format = "text";
  size_t max = 200;
};

std::string duration_or_dash(const std::optional<uint64_t>& ns) { return ns ? format_duration(*ns) : "-"; }

// "+1.2ms", "-300µs", "" when a side lacks the span.
std::string change(const std::optional<uint64_t>& a, const std::optional<uint64_t>& b) {
  if (!a || !b) return "";
  return *b >= *a ? "+" + format_duration(*b - *a) : "-" + format_duration(*a - *b);
}

std::string value_or_dash(const std::optional<Json>& v) {
  return v ? v->dump(-1, ' ', false, Json::error_handler_t::replace) : "-";
}

void print_text(const ExecutionComparison& c) {
  Table runs({"", "EXECUTION_ID", "STARTED_AT", "DURATION", "EVENTS", "ERRORS"});
  for (const auto& [side, s] : {std::pair{"A", &c.a}, std::pair{"B", &c.b}}) {
    runs.add({side, s->execution_id, format_timestamp(s->first_ts), format_duration(s->duration_ns()),
              std::to_string(s->event_count), std::to_string(s->error_count)});
  }
  runs.print(stdout);

  size_t same = 0;
  Table types({"EVENT_TYPE", "A", "B", "B-A"});
  for (const auto& t : c.types) {
    if (t.a == t.b) {
      ++same;
      continue;
    }
    const int64_t delta = static_cast<int64_t>(t.b) - static_cast<int64_t>(t.a);
    types.add({t.event_type, std::to_string(t.a), std::to_string(t.b), fmt::format("{:+}", delta)});
  }
  fmt::print("\nevent types: {} with the same count in both{}\n", same, same == c.types.size() ? "" : "; these differ:");
  if (same != c.types.size()) types.print(stdout);

  fmt::print("\nspans:\n");
  Table spans({"SPAN", "MODULE", "A", "B", "B-A", "STATUS A/B"});
  for (const auto& s : c.spans) {
    spans.add({s.rank ? fmt::format("{} #{}", s.name, s.rank + 1) : s.name, s.module_name, duration_or_dash(s.a_ns),
               duration_or_dash(s.b_ns), change(s.a_ns, s.b_ns),
               fmt::format("{}/{}", s.a_status.empty() ? "-" : s.a_status, s.b_status.empty() ? "-" : s.b_status)});
  }
  if (c.spans.empty()) fmt::print("  none in either\n");
  else spans.print(stdout);

  fmt::print("\ndata that differ{}:\n", c.data_truncated ? fmt::format(" (the first {}; --max shows more)", c.data.size()) : "");
  Table data({"EVENT", "MODULE", "FIELD", "A", "B"});
  for (const auto& d : c.data) {
    data.add({d.rank ? fmt::format("{} #{}", d.event_type, d.rank + 1) : d.event_type, d.module_name,
              d.path.empty() ? "(data)" : d.path, truncate(value_or_dash(d.a), 60), truncate(value_or_dash(d.b), 60)});
  }
  if (c.data.empty()) fmt::print("  none: the corresponding events carry the same data\n");
  else data.print(stdout);
}

int run_diff(const Context& ctx, const DiffArgs& args) {
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  ExecutionComparison comparison;
  if (Status s = compare_executions(*store, args.a, args.b, args.max, &comparison); !s.ok()) {
    if (s.is_not_found()) return report(Status::not_found(fmt::format("{} in {} (see: streamll executions)", s.message(), ctx.db)));
    return report(s);
  }
  if (args.format == "json") {
    fmt::print("{}\n", to_json(comparison).dump(2, ' ', false, Json::error_handler_t::replace));
  } else {
    print_text(comparison);
  }
  return kExitOk;
}

}  // namespace

void add_diff(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<DiffArgs>();
  auto* cmd = app.add_subcommand(
      "diff",
      "Compare two executions: event types and counts, span durations, and the data fields that differ\n"
      "between corresponding events (same type and module, same rank in the run).");
  cmd->add_option("A", args->a, "The first execution")->required();
  cmd->add_option("B", args->b, "The second execution")->required();
  cmd->add_option("--format", args->format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_option("--max", args->max, "Data differences to show at most")->check(CLI::Range(1, 1000000))->capture_default_str();
  cmd->callback([&ctx, args] { ctx.exit_code = run_diff(ctx, *args); });
}

}  // namespace streamll::cli
