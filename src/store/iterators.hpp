// The EventIterator implementations behind Store's scans, and the cursor
// that finds an event by seq among the blocks.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/db.h>

#include "store/block.hpp"
#include "store/instance.hpp"
#include "store/layout.hpp"
#include "streamll/store.hpp"

namespace streamll::detail {

// Parses the block a blocks-family iterator is on (it.Valid() must hold)
// into *out, which points into the iterator's value: Corruption when its
// key is not a seq or its frame is damaged.
Status read_block(const rocksdb::Iterator& it, block::Reader* out);

// Finds events by seq in the blocks family. It keeps the block it read last
// and steps to the next (or previous) blocks before seeking, so reading seqs
// in increasing or decreasing order (an execution, a time range) costs about
// one block read per block. `order` is the way the reads mostly go: oldest
// first, a seek is a forward Seek to the earliest block that can hold the
// seq, which leaves the RocksDB iterator going the way the next steps go;
// newest first, a SeekForPrev. (A step against the iterator's direction
// seeks every sorted run again: q1 spent 13% of its time there.)
// Not thread-safe; the views it gives are valid until the next find().
class BlockCursor {
 public:
  // Reads through a pooled iterator of `rocks` (which must outlive it).
  explicit BlockCursor(const Instance& rocks, ScanOrder order = ScanOrder::kOldestFirst);
  // Decodes the event `seq` into *out; NotFound when no block holds it,
  // Corruption when its block or record is damaged.
  Status find(uint64_t seq, EventView* out);

 private:
  Status load_current();
  Status step_toward(uint64_t seq);
  bool holds(uint64_t seq) const { return loaded_ && block_.contains(seq); }

  PooledIterator it_;
  bool backward_;
  block::Reader block_;
  bool loaded_ = false;
};

// Read block after block: oldest first, every event with a seq above
// `from`; newest first, the event `from` and every one before it.
// Each iterator holds `rocks` until it is destroyed.
std::unique_ptr<EventIterator> make_arrival_iterator(std::shared_ptr<const Instance> rocks, uint64_t from,
                                                     ScanOrder order);

// The event stored under `event_id` (by_id), if any.
std::unique_ptr<EventIterator> make_id_iterator(std::shared_ptr<const Instance> rocks, std::string_view event_id);

// Events through a packed index family (by_execution, by_time) whose
// entries lie between two keys [lower, upper) and whose timestamps lie in
// `range`: group by group (one execution, one time bucket) in (ts, seq)
// order, or its exact reverse. keys_only: the timestamp and seq of each,
// from the index alone (no event is read). Cost: each group's entries are
// decoded and, when they overlap in time, sorted, as the scan reaches it.
std::unique_ptr<EventIterator> make_packed_iterator(std::shared_ptr<const Instance> rocks, layout::Family index,
                                                    std::string lower, std::string upper, TimeRange range,
                                                    ScanOrder order, bool keys_only = false);

// The events of `inner` that match `filter`.
std::unique_ptr<EventIterator> make_filter_iterator(std::unique_ptr<EventIterator> inner,
                                                    EventFilter filter);

// An iterator that is at its end with `status` (ok or an error).
std::unique_ptr<EventIterator> make_empty_iterator(Status status);

}  // namespace streamll::detail
