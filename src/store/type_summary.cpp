#include "store/type_summary.hpp"

#include <algorithm>

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

void Pending::add(int64_t ts, const Json& data) {
  if (count == 0) {
    first_ts = last_ts = ts;
  } else {
    first_ts = std::min(first_ts, ts);
    last_ts = std::max(last_ts, ts);
  }
  ++count;
  if (!data.is_object()) return;
  for (auto it = data.begin(); it != data.end(); ++it) {
    const std::string_view k = it.key();  // a reference into `data`, which outlives the batch
    if (seen.insert(k).second) keys.push_back(k);
  }
}

namespace {

// nlohmann's SAX events for one JSON value, keeping the keys of its
// top-level object.
class TopLevelKeys final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit TopLevelKeys(std::set<std::string, std::less<>>* keys) : keys_(keys) {}
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return ++depth_, true; }
  bool end_object() override { return --depth_, true; }
  bool start_array(std::size_t) override { return ++depth_, true; }
  bool end_array() override { return --depth_, true; }
  bool key(string_t& k) override {
    if (depth_ == 1) keys_->insert(std::move(k));
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  std::set<std::string, std::less<>>* keys_;
  int depth_ = 0;
};

}  // namespace

void Recount::add(int64_t ts, std::string_view data_json) {
  if (summary_.count == 0) {
    summary_.first_ts = summary_.last_ts = ts;
  } else {
    summary_.first_ts = std::min(summary_.first_ts, ts);
    summary_.last_ts = std::max(summary_.last_ts, ts);
  }
  ++summary_.count;
  TopLevelKeys handler(&keys_);
  (void)nlohmann::json::sax_parse(data_json.begin(), data_json.end(), &handler);
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
