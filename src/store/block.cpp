#include "store/block.hpp"

#include <cstring>

#include <fmt/format.h>

#include "common/coding.hpp"
#include "event/record.hpp"

namespace streamll::block {

namespace {

void put_u32(uint32_t v, std::string* out) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 4);
}

uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

void Builder::clear() {
  bytes_.clear();
  bytes_.push_back(static_cast<char>(kVersion));
  offsets_.clear();
}

void Builder::add(const EventView& view) {
  if (bytes_.empty()) clear();
  offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  record::encode(view, &bytes_);
}

void Builder::add_encoded(std::string_view record) {
  if (bytes_.empty()) clear();
  offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  bytes_.append(record);
}

std::string_view Builder::finish() {
  for (uint32_t offset : offsets_) put_u32(offset, &bytes_);
  put_u32(static_cast<uint32_t>(offsets_.size()), &bytes_);
  return bytes_;
}

Status Reader::parse(uint64_t first_seq, std::string_view bytes) {
  bytes_ = bytes;
  first_seq_ = first_seq;
  count_ = 0;
  const auto bad = [&](std::string_view why) {
    return Status::corruption(fmt::format("block at seq {} ({} bytes): {}", first_seq, bytes.size(), why));
  };
  if (bytes.size() < 5) return bad("too short");
  if (static_cast<unsigned char>(bytes[0]) != kVersion) return bad("unknown block version");
  const uint64_t count = get_u32(bytes.data() + bytes.size() - 4);
  if (count == 0 || (count + 1) * 4 + 1 > bytes.size()) return bad("record count does not fit");
  records_end_ = bytes.size() - (count + 1) * 4;
  count_ = count;
  return Status::ok_status();
}

uint32_t Reader::offset(uint64_t i) const { return get_u32(bytes_.data() + records_end_ + 4 * i); }

std::string_view Reader::encoded(uint64_t seq) const {
  const uint64_t i = seq - first_seq_;
  const size_t begin = offset(i);
  const size_t end = i + 1 < count_ ? offset(i + 1) : records_end_;
  // Offsets out of order or bounds: no record is empty.
  if (begin < 1 || begin >= end || end > records_end_) return {};
  return bytes_.substr(begin, end - begin);
}

Status Reader::pruned_ok(uint64_t seq) const {
  const std::string_view bytes = encoded(seq);
  if (bytes.size() != 9 || detail::get_fixed64(bytes.substr(1)) != seq) {
    return Status::corruption(fmt::format("the pruned record of seq {} in the block at seq {} is malformed ({} bytes)",
                                          seq, first_seq_, bytes.size()));
  }
  return Status::ok_status();
}

Status Reader::record(uint64_t seq, EventView* out) const {
  const std::string_view bytes = encoded(seq);
  if (bytes.empty()) {
    return Status::corruption(fmt::format("block at seq {} ({} bytes): the offsets of record {} are out of order or "
                                          "bounds",
                                          first_seq_, bytes_.size(), seq - first_seq_));
  }
  if (record::is_pruned(bytes)) {
    return Status::corruption(
        fmt::format("event seq {} in the block at seq {} was pruned, but is still asked for", seq, first_seq_));
  }
  if (Status s = record::decode(bytes, out); !s.ok()) {
    return Status::corruption(fmt::format("event seq {} in the block at seq {}: {}", seq, first_seq_, s.message()));
  }
  if (out->seq != seq) {
    return Status::corruption(
        fmt::format("event seq {} in the block at seq {} says it is seq {}", seq, first_seq_, out->seq));
  }
  return Status::ok_status();
}

}  // namespace streamll::block
