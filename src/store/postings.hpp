// Packed index entries: the (timestamp, seq) pairs of the events one append
// put in one group (an execution in by_execution, a time bucket in by_time),
// in one value, sorted by time. doc/format.md specifies the encoding.
//
// One entry per group and append replaces one RocksDB key per event: an
// append of 1,000 events writes a few index entries, and a scan reads a few
// values instead of stepping through a key per event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "streamll/status.hpp"

namespace streamll::postings {

struct Posting {
  int64_t ts = 0;
  uint64_t seq = 0;
  friend bool operator<(const Posting& a, const Posting& b) {
    return a.ts != b.ts ? a.ts < b.ts : a.seq < b.seq;
  }
  friend bool operator==(const Posting& a, const Posting& b) = default;
};

// Appends the encoding of `sorted` (in (ts, seq) order, at least one) to
// *out: a version byte, a count, then each pair as zigzag varint deltas from
// the one before. About 3-5 bytes a pair. Cost: linear.
void encode(const std::vector<Posting>& sorted, std::string* out);

// Appends the pairs of `value` to *out, in their stored order; Corruption
// naming the problem when it does not decode (truncated, a count that
// disagrees, trailing bytes, an unknown version). Cost: linear, no allocation
// beyond *out's growth.
Status decode(std::string_view value, std::vector<Posting>* out);

// The largest seq among the pairs of `value`, or 0 when it does not decode.
uint64_t max_seq(std::string_view value);

}  // namespace streamll::postings
