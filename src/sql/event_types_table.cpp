// The event_types virtual table: the registry of event types the store
// derives from its events (Store::list_event_types). Plans:
// summary_table.hpp.
#include <algorithm>

#include <fmt/format.h>
#include "sql/summary_table.hpp"
#include "sql/tables.hpp"

namespace streamll::sql::detail {

namespace {

struct EventTypes : ColumnsOf<EventTypeSummary, streamll::detail::event_type_columns> {
  static Status list(const Store& store, std::vector<Row>* out) { return store.list_event_types(out); }

  // The registry is small (one row per distinct type): a lookup reads it all.
  static Status get(const Store& store, std::string_view type, Row* out) {
    std::vector<Row> rows;
    if (Status s = store.list_event_types(&rows); !s.ok()) return s;
    const auto it = std::find_if(rows.begin(), rows.end(), [type](const Row& r) { return r.event_type == type; });
    if (it == rows.end()) return Status::not_found(fmt::format("no event type '{}'", type));
    *out = std::move(*it);
    return Status::ok_status();
  }

  static std::string_view key(const Row& s) { return s.event_type; }
};

}  // namespace

const sqlite3_module* event_types_module() { return SummaryTable<EventTypes>::module(); }

}  // namespace streamll::sql::detail
