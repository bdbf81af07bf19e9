// The event_types virtual table: the registry of event types the store
// derives from its events (Store::list_event_types). Plans:
// summary_table.hpp.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sql/summary_table.hpp"
#include "sql/tables.hpp"
#include "streamll/timestamp.hpp"

namespace streamll::sql::detail {

namespace {

struct EventTypes {
  using Row = EventTypeSummary;

  enum Column { kEventType, kCount, kFirstSeen, kLastSeen, kDataKeys, kDataKeysTruncated, kFirstTsNs, kLastTsNs };

  static constexpr const char* kSchema =
      "CREATE TABLE x(event_type TEXT, count INTEGER, first_seen TEXT, last_seen TEXT, data_keys TEXT, "
      "data_keys_truncated INTEGER, first_ts_ns INTEGER, last_ts_ns INTEGER)";

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
  static bool is_integer(int col) {
    return col == kCount || col == kDataKeysTruncated || col == kFirstTsNs || col == kLastTsNs;
  }
  static int64_t integer(const Row& s, int col) {
    switch (col) {
      case kCount: return static_cast<int64_t>(s.count);
      case kDataKeysTruncated: return s.data_keys_truncated ? 1 : 0;
      case kFirstTsNs: return s.first_ts;
      default: return s.last_ts;
    }
  }

  static void column(const Row& s, sqlite3_context* ctx, int col) {
    switch (col) {
      case kEventType: result_text(ctx, s.event_type); break;
      case kCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.count)); break;
      case kFirstSeen: result_text(ctx, format_timestamp(s.first_ts)); break;
      case kLastSeen: result_text(ctx, format_timestamp(s.last_ts)); break;
      // A store written before keys were checked may hold keys that are
      // not UTF-8: written as U+FFFD rather than thrown through SQLite.
      case kDataKeys:
        result_text(ctx, nlohmann::json(s.data_keys).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        break;
      case kDataKeysTruncated: sqlite3_result_int(ctx, s.data_keys_truncated ? 1 : 0); break;
      case kFirstTsNs: sqlite3_result_int64(ctx, s.first_ts); break;
      case kLastTsNs: sqlite3_result_int64(ctx, s.last_ts); break;
    }
  }
};

}  // namespace

const sqlite3_module* event_types_module() { return SummaryTable<EventTypes>::module(); }

}  // namespace streamll::sql::detail
