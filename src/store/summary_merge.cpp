#include "store/summary_merge.hpp"

#include <algorithm>

#include "common/coding.hpp"

namespace streamll::summary {

namespace {

using detail::get_fixed64;
using detail::put_fixed64;

class SummaryMerge : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    ExecutionSummary acc, add;
    if (!decode(std::string_view(value.data(), value.size()), &add)) return false;
    if (existing == nullptr) {
      acc = add;
    } else {
      if (!decode(std::string_view(existing->data(), existing->size()), &acc)) return false;
      combine(add, &acc);
    }
    new_value->clear();
    encode(acc, new_value);
    return true;
  }

  const char* Name() const override { return "streamll.ExecutionSummaryMerge"; }
};

}  // namespace

void encode(const ExecutionSummary& s, std::string* out) {
  put_fixed64(static_cast<uint64_t>(s.first_ts), out);
  put_fixed64(static_cast<uint64_t>(s.last_ts), out);
  put_fixed64(s.event_count, out);
  put_fixed64(s.error_count, out);
}

bool decode(std::string_view bytes, ExecutionSummary* out) {
  if (bytes.size() != 32) return false;
  out->first_ts = static_cast<int64_t>(get_fixed64(bytes.substr(0, 8)));
  out->last_ts = static_cast<int64_t>(get_fixed64(bytes.substr(8, 8)));
  out->event_count = get_fixed64(bytes.substr(16, 8));
  out->error_count = get_fixed64(bytes.substr(24, 8));
  return true;
}

void combine(const ExecutionSummary& add, ExecutionSummary* into) {
  into->first_ts = std::min(into->first_ts, add.first_ts);
  into->last_ts = std::max(into->last_ts, add.last_ts);
  into->event_count += add.event_count;
  into->error_count += add.error_count;
}

std::shared_ptr<rocksdb::MergeOperator> merge_operator() { return std::make_shared<SummaryMerge>(); }

}  // namespace streamll::summary
