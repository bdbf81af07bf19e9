#include "store/type_summary.hpp"

#include <algorithm>
#include <cstring>

#include "common/byte_reader.hpp"
#include "common/coding.hpp"
#include "store/fold_merge.hpp"

namespace streamll::type_summary {

namespace {

using detail::put_bytes;
using detail::put_fixed64;
using detail::put_varint;

constexpr size_t kMaxKeys = EventTypeSummary::kMaxDataKeys;

// Sorts and dedupes `keys`, keeping the kMaxKeys smallest; true when some
// were dropped.
template <typename Key>
bool normalize(std::vector<Key>* keys) {
  std::sort(keys->begin(), keys->end());
  keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
  if (keys->size() <= kMaxKeys) return false;
  keys->resize(kMaxKeys);
  return true;
}

template <typename Key>
void encode_fields(int64_t first_ts, int64_t last_ts, uint64_t count, bool truncated, const std::vector<Key>& keys,
                   std::string* out) {
  put_fixed64(static_cast<uint64_t>(first_ts), out);
  put_fixed64(static_cast<uint64_t>(last_ts), out);
  put_fixed64(count, out);
  out->push_back(truncated ? 1 : 0);
  put_varint(keys.size(), out);
  for (const auto& k : keys) put_bytes(k, out);
}

}  // namespace

void Pending::count_event(int64_t ts) {
  if (count == 0) {
    first_ts = last_ts = ts;
  } else {
    first_ts = std::min(first_ts, ts);
    last_ts = std::max(last_ts, ts);
  }
  ++count;
}

void Pending::add(int64_t ts, const Json& data) {
  count_event(ts);
  if (!data.is_object()) return;
  for (auto it = data.begin(); it != data.end(); ++it) {
    const std::string_view k = it.key();  // a reference into `data`, which outlives the batch
    if (seen.insert(k).second) keys.push_back(k);
  }
}

namespace {

// Calls visit(raw, escaped) for each key of the top-level object of `json`,
// valid JSON text (validated or stored data): raw is the key's text between
// its quotes, escaped whether it holds a backslash (then unescape() it).
// Cost: a pass over the bytes, skipping strings with memchr.
template <typename Visit>
void for_each_top_level_key(std::string_view json, Visit&& visit) {
  int depth = 0;
  bool key_next = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') {
      const size_t begin = i + 1;
      size_t end = begin;
      for (;;) {
        const void* q = std::memchr(json.data() + end, '"', json.size() - end);
        if (q == nullptr) return;  // not valid JSON: no more keys
        end = static_cast<size_t>(static_cast<const char*>(q) - json.data());
        size_t backslashes = 0;
        while (end - backslashes > begin && json[end - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) break;
        ++end;
      }
      if (depth == 1 && key_next) {
        const std::string_view raw = json.substr(begin, end - begin);
        visit(raw, raw.find('\\') != std::string_view::npos);
      }
      key_next = false;
      i = end;
    } else if (c == '{' || c == '[') {
      ++depth;
      key_next = depth == 1 && c == '{';
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 1) {
      key_next = true;
    }
  }
}

// A key's text between its quotes, decoded.
std::string unescape(std::string_view raw) {
  std::string quoted;
  quoted.reserve(raw.size() + 2);
  quoted.push_back('"');
  quoted.append(raw);
  quoted.push_back('"');
  const nlohmann::json decoded = nlohmann::json::parse(quoted, nullptr, /*allow_exceptions=*/false);
  return decoded.is_string() ? decoded.get<std::string>() : std::string(raw);
}

}  // namespace

void Pending::add(int64_t ts, std::string_view data_json) {
  count_event(ts);
  for_each_top_level_key(data_json, [&](std::string_view raw, bool escaped) {
    const std::string_view k = escaped ? std::string_view(decoded.emplace_back(unescape(raw))) : raw;
    if (seen.insert(k).second) keys.push_back(k);
  });
}

void Recount::add(int64_t ts, std::string_view data_json) {
  if (summary_.count == 0) {
    summary_.first_ts = summary_.last_ts = ts;
  } else {
    summary_.first_ts = std::min(summary_.first_ts, ts);
    summary_.last_ts = std::max(summary_.last_ts, ts);
  }
  ++summary_.count;
  for_each_top_level_key(data_json, [&](std::string_view raw, bool escaped) {
    if (escaped) {
      keys_.insert(unescape(raw));
    } else if (keys_.find(raw) == keys_.end()) {
      keys_.emplace(raw);
    }
  });
  // Only the smallest kMaxKeys are kept: the larger ones are never needed again.
  while (keys_.size() > kMaxKeys) {
    keys_.erase(std::prev(keys_.end()));
    summary_.data_keys_truncated = true;
  }
}

const EventTypeSummary& Recount::summary() {
  summary_.data_keys.assign(keys_.begin(), keys_.end());
  return summary_;
}

void encode(const Pending& p, std::string* out) {
  std::vector<std::string_view> keys = p.keys;
  const bool truncated = normalize(&keys);
  encode_fields(p.first_ts, p.last_ts, p.count, truncated, keys, out);
}

void encode(const EventTypeSummary& s, std::string* out) {
  encode_fields(s.first_ts, s.last_ts, s.count, s.data_keys_truncated, s.data_keys, out);
}

Status decode(std::string_view bytes, EventTypeSummary* out) {
  detail::ByteReader r(bytes, "type summary");
  uint64_t first = 0, last = 0, count = 0, nkeys = 0;
  unsigned char truncated = 0;
  bool ok = r.fixed64("first_ts", &first) && r.fixed64("last_ts", &last) && r.fixed64("count", &count) &&
            r.byte("truncated", &truncated) && r.varint("data_keys", &nkeys) &&
            (nkeys <= bytes.size() || r.fail("data_keys", "bad count"));
  out->data_keys.clear();
  for (uint64_t i = 0; ok && i < nkeys; ++i) {
    std::string_view key;
    ok = r.bytes("data_keys", &key);
    if (ok) out->data_keys.emplace_back(key);
  }
  ok = ok && (r.at_end() || r.fail("data_keys", "trailing bytes"));
  if (!ok) return Status::corruption(r.error());
  out->first_ts = static_cast<int64_t>(first);
  out->last_ts = static_cast<int64_t>(last);
  out->count = count;
  out->data_keys_truncated = truncated != 0;
  return Status::ok_status();
}

void combine(const EventTypeSummary& add, EventTypeSummary* into) {
  into->first_ts = std::min(into->first_ts, add.first_ts);
  into->last_ts = std::max(into->last_ts, add.last_ts);
  into->count += add.count;
  into->data_keys.insert(into->data_keys.end(), add.data_keys.begin(), add.data_keys.end());
  const bool dropped = normalize(&into->data_keys);
  into->data_keys_truncated = into->data_keys_truncated || add.data_keys_truncated || dropped;
}

std::shared_ptr<rocksdb::MergeOperator> merge_operator() {
  return detail::make_fold_merge(
      "streamll.EventTypeSummaryMerge", [](std::string_view existing, std::string_view operand, std::string* out) {
        EventTypeSummary acc, add;
        if (!decode(existing, &acc).ok() || !decode(operand, &add).ok()) return false;
        combine(add, &acc);
        encode(acc, out);
        return true;
      });
}

}  // namespace streamll::type_summary
