#include "store/execution_summary.hpp"

#include <algorithm>

#include "common/coding.hpp"
#include "streamll/event.hpp"
#include "store/fold_merge.hpp"

namespace streamll::execution_summary {

using detail::get_fixed64;
using detail::put_fixed64;

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

ExecutionSummary of_event(int64_t ts, std::string_view event_type) {
  return ExecutionSummary{{}, ts, ts, 1, is_error_type(event_type) ? 1u : 0u};
}

void combine(const ExecutionSummary& add, ExecutionSummary* into) {
  into->first_ts = std::min(into->first_ts, add.first_ts);
  into->last_ts = std::max(into->last_ts, add.last_ts);
  into->event_count += add.event_count;
  into->error_count += add.error_count;
}

std::shared_ptr<rocksdb::MergeOperator> merge_operator() {
  return detail::make_fold_merge(
      "streamll.ExecutionSummaryMerge", [](std::string_view existing, std::string_view operand, std::string* out) {
        ExecutionSummary acc, add;
        if (!decode(existing, &acc) || !decode(operand, &add)) return false;
        combine(add, &acc);
        encode(acc, out);
        return true;
      });
}

}  // namespace streamll::execution_summary
