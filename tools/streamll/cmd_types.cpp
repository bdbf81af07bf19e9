#include <fmt/format.h>

#include "cli.hpp"
#include "streamll/store_json.hpp"
#include "streamll/timestamp.hpp"
#include "table.hpp"

namespace streamll::cli {

namespace {

struct TypesArgs {
  std::string pattern;
  std::string format = "table";
};

int run_types(const Context& ctx, const TypesArgs& args) {
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  std::vector<EventTypeSummary> types;
  if (Status s = store->list_event_types(&types); !s.ok()) return report(s);
  const TypePattern pattern(args.pattern);
  std::erase_if(types, [&pattern](const EventTypeSummary& t) { return !pattern.matches(t.event_type); });

  if (args.format == "json") {
    Json out = Json::array();
    for (const auto& t : types) {
      out.push_back(to_json(t));
    }
    fmt::print("{}\n", out.dump(2, ' ', false, Json::error_handler_t::replace));
    return kExitOk;
  }
  Table table({"EVENT_TYPE", "COUNT", "FIRST_SEEN", "LAST_SEEN", "DATA_KEYS"});
  for (const auto& t : types) {
    std::string keys = fmt::format("{}", fmt::join(t.data_keys, ", "));
    if (t.data_keys_truncated) keys += ", ...";
    table.add({t.event_type, std::to_string(t.count), format_timestamp(t.first_ts), format_timestamp(t.last_ts),
               std::move(keys)});
  }
  table.print(stdout);
  return kExitOk;
}

}  // namespace

void add_types(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<TypesArgs>();
  auto* cmd = app.add_subcommand(
      "types", "List the event types in the store: how many, first and last seen, and the data keys they carry.");
  cmd->add_option("--type", args->pattern, "Only this event type, or a prefix: rag.* or rag.");
  cmd->add_option("--format", args->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  cmd->callback([&ctx, args] { ctx.exit_code = run_types(ctx, *args); });
}

}  // namespace streamll::cli
