#include "event/record.hpp"

#include "common/coding.hpp"

#include <fmt/format.h>

namespace streamll::record {

namespace {

using detail::put_fixed64;
using detail::put_varint;

void put_bytes(std::string_view s, std::string* out) {
  put_varint(s.size(), out);
  out->append(s);
}

// A bounds-checked reader; the first failure sticks and names its field.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool fixed64(const char* field, uint64_t* v) {
    if (!need(field, 8)) return false;
    *v = detail::get_fixed64(in_.substr(pos_, 8));
    pos_ += 8;
    return true;
  }

  bool byte(const char* field, unsigned char* v) {
    if (!need(field, 1)) return false;
    *v = static_cast<unsigned char>(in_[pos_++]);
    return true;
  }

  bool bytes(const char* field, std::string_view* v) {
    uint64_t len = 0;
    for (int shift = 0;; shift += 7) {
      unsigned char b;
      if (shift > 63 || !byte(field, &b)) return fail(field, "bad length");
      len |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) break;
    }
    if (!need(field, len)) return false;
    *v = in_.substr(pos_, len);
    pos_ += len;
    return true;
  }

  bool at_end() const { return pos_ == in_.size(); }
  const std::string& error() const { return error_; }
  bool fail(const char* field, const char* why) {
    if (error_.empty()) error_ = fmt::format("record field '{}': {}", field, why);
    return false;
  }

 private:
  bool need(const char* field, uint64_t n) {
    if (n > in_.size() - pos_) return fail(field, "truncated");
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

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

Status decode(std::string_view bytes, EventView* out) {
  Reader r(bytes);
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
