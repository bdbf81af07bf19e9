#include "event/record.hpp"

#include "common/byte_reader.hpp"
#include "common/coding.hpp"

namespace streamll::record {

using detail::put_bytes;
using detail::put_fixed64;

void encode(const EventView& v, std::string* out) {
  out->push_back(static_cast<char>(kVersion));
  put_fixed64(v.seq, out);
  put_fixed64(static_cast<uint64_t>(v.timestamp), out);
  put_bytes(v.event_id, out);
  put_bytes(v.execution_id, out);
  put_bytes(v.module_name, out);
  put_bytes(v.method_name, out);
  put_bytes(v.event_type, out);
  out->push_back(v.operation ? 1 : 0);
  if (v.operation) put_bytes(*v.operation, out);
  put_bytes(v.data_json, out);
  put_bytes(v.tags_json, out);
}

void encode_pruned(uint64_t seq, std::string* out) {
  out->push_back(static_cast<char>(kPruned));
  put_fixed64(seq, out);
}

Status decode(std::string_view bytes, EventView* out) {
  detail::ByteReader r(bytes, "record");
  unsigned char version = 0, has_op = 0;
  uint64_t seq = 0, ts = 0;
  EventView v;
  std::string_view op;
  const bool ok = r.byte("version", &version) &&
                  (version == kVersion || r.fail("version", "unknown record version")) &&
                  r.fixed64("seq", &seq) && r.fixed64("timestamp", &ts) &&
                  r.bytes("event_id", &v.event_id) && r.bytes("execution_id", &v.execution_id) &&
                  r.bytes("module_name", &v.module_name) && r.bytes("method_name", &v.method_name) &&
                  r.bytes("event_type", &v.event_type) && r.byte("operation", &has_op) &&
                  (has_op <= 1 || r.fail("operation", "bad presence flag")) &&
                  (has_op == 0 || r.bytes("operation", &op)) && r.bytes("data", &v.data_json) &&
                  r.bytes("tags", &v.tags_json) && (r.at_end() || r.fail("tags", "trailing bytes"));
  if (!ok) return Status::corruption(r.error());
  v.seq = seq;
  v.timestamp = static_cast<int64_t>(ts);
  if (has_op) v.operation = op;
  *out = v;
  return Status::ok_status();
}

}  // namespace streamll::record
