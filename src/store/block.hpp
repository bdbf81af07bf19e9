// A block: the value under one key of the `blocks` family, holding the
// records (event/record.hpp) of consecutive seqs, so that an append writes
// one RocksDB entry per block rather than one per event. Layout
// (doc/format.md, "Block"), integers little-endian:
//   u8              block version (1)
//   records         each as record::encode writes it, in seq order
//   u32 x count     the offset of each record from the start of the block
//   u32             count
// The block's key is the seq of its first record; record i has seq
// first_seq + i. Reading one record is O(1): no scan of the others. A record
// may be a pruned one (record::encode_pruned), which keeps the place of an
// event Store::prune removed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "event/record.hpp"
#include "streamll/event.hpp"
#include "streamll/status.hpp"

namespace streamll::block {

inline constexpr unsigned char kVersion = 1;
// A block ends at whichever comes first (or at the end of its append).
// Large enough that an append of 1,000 events is two memtable inserts and
// that one execution's events, interleaved with 15 others', lie in two or
// three blocks (a block read is a RocksDB iterator step: 128-event blocks
// made one execution q1 0.99-1.05x SQLite at 1M events, 512 0.84-0.88x);
// small enough that a point read of an uncached event decompresses about
// 200 KB. Readers take a block of any count (older builds, made with 128,
// read these); a forward seek for one event (iterators.cpp) tries 128 back,
// then kMaxEvents back.
inline constexpr size_t kMaxEvents = 512;
inline constexpr size_t kMaxBytes = 256 * 1024;

// Encodes blocks one after another, reusing its memory.
class Builder {
 public:
  // Starts an empty block.
  void clear();
  // Appends the record of `view` (whose seq must follow the previous one's).
  void add(const EventView& view);
  // Appends a record as encoded already (a Reader's encoded()).
  void add_encoded(std::string_view record);
  size_t count() const { return offsets_.size(); }
  bool full() const { return offsets_.size() >= kMaxEvents || bytes_.size() >= kMaxBytes; }
  // The finished block; valid until the next clear().
  std::string_view finish();

 private:
  std::string bytes_;
  std::vector<uint32_t> offsets_;
};

// A block parsed in place: `bytes` must outlive it.
class Reader {
 public:
  // Checks the frame (version, a count that fits); Corruption naming the
  // block otherwise. O(1): each record's offsets are checked as it is read
  // (a point read of one event does not walk the block's offsets).
  Status parse(uint64_t first_seq, std::string_view bytes);
  uint64_t first_seq() const { return first_seq_; }
  uint64_t count() const { return count_; }
  bool contains(uint64_t seq) const { return seq >= first_seq_ && seq - first_seq_ < count_; }
  // Decodes the record of `seq` (contains(seq) must hold) into *out, whose
  // views point into the block; Corruption if it does not decode or holds
  // another seq.
  Status record(uint64_t seq, EventView* out) const;
  // Whether the record of `seq` (contains(seq) must hold) is a pruned one;
  // pruned_ok() checks that it is well formed (Corruption otherwise).
  bool pruned(uint64_t seq) const { return record::is_pruned(encoded(seq)); }
  Status pruned_ok(uint64_t seq) const;
  // The bytes of the record of `seq` (contains(seq) must hold); empty when
  // its offsets are out of order or bounds (damage; record() says so).
  std::string_view encoded(uint64_t seq) const;

 private:
  uint32_t offset(uint64_t i) const;

  std::string_view bytes_;
  uint64_t first_seq_ = 0;
  uint64_t count_ = 0;
  size_t records_end_ = 0;  // where the offsets start
};

}  // namespace streamll::block
