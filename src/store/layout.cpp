#include "store/layout.hpp"

#include "common/coding.hpp"

namespace streamll::layout {

using detail::get_be64;
using detail::put_be64;

void put_ts(int64_t ts, std::string* out) {
  put_be64(static_cast<uint64_t>(ts) ^ (uint64_t{1} << 63), out);
}

int64_t get_ts(std::string_view eight_bytes) {
  return static_cast<int64_t>(get_be64(eight_bytes) ^ (uint64_t{1} << 63));
}

std::string execution_lower_bound(std::string_view execution_id, int64_t ts) {
  std::string key;
  key.reserve(execution_id.size() + 17);
  key.append(execution_id);
  key.push_back('\0');
  put_ts(ts, &key);
  return key;
}

void append_execution_key(std::string_view execution_id, int64_t ts, uint64_t seq, std::string* out) {
  out->append(execution_id);
  out->push_back('\0');
  put_ts(ts, out);
  put_be64(seq, out);
}

std::string execution_key(std::string_view execution_id, int64_t ts, uint64_t seq) {
  std::string key;
  key.reserve(execution_id.size() + 17);
  append_execution_key(execution_id, ts, seq, &key);
  return key;
}

std::string time_key(int64_t ts, uint64_t seq) {
  std::string key;
  key.reserve(16);
  put_ts(ts, &key);
  put_be64(seq, &key);
  return key;
}

namespace {

// Appends the bound after the keys in `range`: ts(until) seq(0), or for an
// unbounded range ts(max) seq(max) and a byte more, which sorts after every key
// of the largest timestamp.
void append_upper_bound(const TimeRange& range, std::string* out) {
  if (!range.unbounded_above()) {
    put_ts(range.until, out);
    put_be64(0, out);
    return;
  }
  put_ts(range.until, out);
  put_be64(UINT64_MAX, out);
  out->push_back('\0');
}

}  // namespace

std::string time_upper_bound(const TimeRange& range) {
  std::string key;
  append_upper_bound(range, &key);
  return key;
}

std::string execution_upper_bound(std::string_view execution_id, const TimeRange& range) {
  std::string key(execution_id);
  key.push_back('\0');
  append_upper_bound(range, &key);
  return key;
}

std::string seq_key(uint64_t seq) {
  std::string key;
  key.reserve(8);
  put_be64(seq, &key);
  return key;
}

uint64_t seq_of_index_key(std::string_view key) {
  return key.size() < 16 ? 0 : get_be64(key.substr(key.size() - 8));
}

}  // namespace streamll::layout
