#include "streamll/store_json.hpp"

#include "streamll/timestamp.hpp"

namespace streamll {

Json to_json(const ExecutionSummary& s) {
  Json j = Json::object();
  j["execution_id"] = s.execution_id;
  j["started_at"] = format_timestamp(s.first_ts);
  j["ended_at"] = format_timestamp(s.last_ts);
  j["first_ts_ns"] = s.first_ts;
  j["last_ts_ns"] = s.last_ts;
  j["duration_ms"] = static_cast<double>(s.duration_ns()) / 1e6;
  j["event_count"] = s.event_count;
  j["error_count"] = s.error_count;
  return j;
}

Json to_json(const EventTypeSummary& t) {
  Json j = Json::object();
  j["event_type"] = t.event_type;
  j["count"] = t.count;
  j["first_seen"] = format_timestamp(t.first_ts);
  j["last_seen"] = format_timestamp(t.last_ts);
  j["first_ts_ns"] = t.first_ts;
  j["last_ts_ns"] = t.last_ts;
  j["data_keys"] = t.data_keys;
  j["data_keys_truncated"] = t.data_keys_truncated;
  return j;
}

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
