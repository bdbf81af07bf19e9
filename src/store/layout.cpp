#include "store/layout.hpp"

#include <charconv>
#include <limits>

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

void append_execution_entry_key(std::string_view execution_id, uint64_t first_seq, std::string* out) {
  out->append(execution_id);
  out->push_back('\0');
  put_be64(first_seq, out);
}

std::string execution_lower_bound(std::string_view execution_id) {
  std::string key(execution_id);
  key.push_back('\0');
  return key;
}

std::string execution_upper_bound(std::string_view execution_id) {
  std::string key(execution_id);
  key.push_back('\1');
  return key;
}

std::string time_entry_key(int64_t bucket, uint64_t first_seq) {
  std::string key;
  key.reserve(16);
  put_ts(bucket, &key);
  put_be64(first_seq, &key);
  return key;
}

std::string time_lower_bound(const TimeRange& range) {
  std::string key;
  put_ts(time_bucket(range.since), &key);
  return key;
}

std::string time_upper_bound(const TimeRange& range) {
  // The bucket after the one holding the last timestamp in range.
  const int64_t last = range.unbounded_above() ? range.until : range.until - 1;
  const int64_t bucket = time_bucket(last);
  if (bucket == time_bucket(std::numeric_limits<int64_t>::max())) return {};
  std::string key;
  put_ts(bucket + 1, &key);
  return key;
}

int parse_format_version(std::string_view text) {
  int version = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  return ec == std::errc() && end == text.data() + text.size() ? version : 0;
}

std::string seq_key(uint64_t seq) {
  std::string key;
  key.reserve(8);
  put_be64(seq, &key);
  return key;
}

uint64_t seq_of_index_key(std::string_view key) {
  return key.size() < 9 ? 0 : get_be64(key.substr(key.size() - 8));
}

}  // namespace streamll::layout
