#include "streamll/store_json.hpp"

#include "store/summary_columns.hpp"
#include "streamll/timestamp.hpp"

namespace streamll {

namespace {

// A summary as JSON: the columns its SQL table has, under the same names.
template <typename Row>
Json row_json(const Row& row, std::span<const detail::SummaryColumn<Row>> columns) {
  Json j = Json::object();
  for (const auto& column : columns) {
    const detail::Cell cell = column.get(row);
    switch (cell.type) {
      case detail::CellType::kText: j[column.name] = std::string(cell.as_text()); break;
      case detail::CellType::kInteger: j[column.name] = cell.integer; break;
      case detail::CellType::kReal: j[column.name] = cell.real; break;
      case detail::CellType::kBool: j[column.name] = cell.integer != 0; break;
      case detail::CellType::kTextList: j[column.name] = *cell.list; break;
    }
  }
  return j;
}

}  // namespace

Json to_json(const ExecutionSummary& s) { return row_json(s, detail::execution_columns()); }

Json to_json(const EventTypeSummary& t) { return row_json(t, detail::event_type_columns()); }

Json to_json(const StoreStats& st) {
  Json j = Json::object();
  j["events"] = st.events;
  j["executions"] = st.executions;
  j["event_types"] = st.event_types;
  j["last_seq"] = st.last_seq;
  j["oldest"] = st.events > 0 ? Json(format_timestamp(st.oldest_ts)) : Json();
  j["newest"] = st.events > 0 ? Json(format_timestamp(st.newest_ts)) : Json();
  j["format_version"] = st.format_version;
  Json families = Json::object();
  for (const StoreStats::Family& f : st.families) {
    families[f.name] = {{"table_bytes", f.table_bytes}, {"memtable_bytes", f.memtable_bytes}, {"entries", f.entries}};
  }
  j["families"] = families;
  j["wal_bytes"] = st.wal_bytes;
  j["disk_bytes"] = st.disk_bytes;
  Json replication = Json::array();
  for (const ReplicationMark& m : st.replication) {
    replication.push_back({{"target", m.target},
                           {"shipped_seq", m.seq},
                           {"behind", st.last_seq > m.seq ? st.last_seq - m.seq : 0},
                           {"updated", format_timestamp(m.updated_ns)}});
  }
  j["replication"] = replication;
  return j;
}

}  // namespace streamll
