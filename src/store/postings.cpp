#include "store/postings.hpp"

#include <fmt/format.h>

#include "common/coding.hpp"

namespace streamll::postings {

namespace {

constexpr unsigned char kVersion = 1;

uint64_t zigzag(uint64_t delta) {
  const auto v = static_cast<int64_t>(delta);
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

uint64_t unzigzag(uint64_t z) { return (z >> 1) ^ (~(z & 1) + 1); }

// Reads one varint at *pos of `in`; false when it runs past the end or
// past 64 bits.
bool read_varint(std::string_view in, size_t* pos, uint64_t* v) {
  uint64_t out = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (*pos >= in.size()) return false;
    const auto b = static_cast<unsigned char>(in[(*pos)++]);
    out |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      *v = out;
      return true;
    }
  }
  return false;
}

}  // namespace

void encode(const std::vector<Posting>& sorted, std::string* out) {
  out->push_back(static_cast<char>(kVersion));
  detail::put_varint(sorted.size(), out);
  uint64_t ts = 0, seq = 0;
  for (const Posting& p : sorted) {
    // Deltas wrap in unsigned arithmetic: exact from 1677 to 2262.
    detail::put_varint(zigzag(static_cast<uint64_t>(p.ts) - ts), out);
    detail::put_varint(zigzag(p.seq - seq), out);
    ts = static_cast<uint64_t>(p.ts);
    seq = p.seq;
  }
}

Status decode(std::string_view value, std::vector<Posting>* out) {
  if (value.empty() || static_cast<unsigned char>(value[0]) != kVersion) {
    return Status::corruption(fmt::format("index entry: {}", value.empty() ? "empty" : "unknown version"));
  }
  size_t pos = 1;
  uint64_t count = 0;
  // Each pair takes at least two bytes: a larger count is damage.
  if (!read_varint(value, &pos, &count) || count == 0 || count > (value.size() - pos) / 2) {
    return Status::corruption(fmt::format("index entry: bad count ({} bytes)", value.size()));
  }
  out->reserve(out->size() + count);
  uint64_t ts = 0, seq = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t dt = 0, ds = 0;
    if (!read_varint(value, &pos, &dt) || !read_varint(value, &pos, &ds)) {
      return Status::corruption(fmt::format("index entry: pair {} of {} is truncated", i + 1, count));
    }
    ts += unzigzag(dt);
    seq += unzigzag(ds);
    out->push_back({static_cast<int64_t>(ts), seq});
  }
  if (pos != value.size()) {
    return Status::corruption(fmt::format("index entry: {} bytes after its {} pairs", value.size() - pos, count));
  }
  return Status::ok_status();
}

uint64_t max_seq(std::string_view value) {
  std::vector<Posting> pairs;
  if (!decode(value, &pairs).ok()) return 0;
  uint64_t out = 0;
  for (const Posting& p : pairs) out = std::max(out, p.seq);
  return out;
}

}  // namespace streamll::postings
