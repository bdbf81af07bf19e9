#include "store/iterators.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "common/coding.hpp"
#include "store/layout.hpp"
#include "store/postings.hpp"
#include "store/rocks_status.hpp"

namespace streamll::detail {

namespace {

// The event under one event_id: a point lookup in by_id (its bloom filter
// answers a miss), then its block; at most one event.
class IdIterator final : public EventIterator {
 public:
  IdIterator(std::shared_ptr<const Instance> rocks, std::string_view event_id) : rocks_(std::move(rocks)) {
    rocksdb::PinnableSlice value;
    const rocksdb::Status s =
        rocks_->db->Get(rocksdb::ReadOptions(), rocks_->family(layout::kById), rocksdb::Slice(event_id), &value);
    if (s.IsNotFound()) return;
    if (!s.ok()) {
      status_ = from_rocks(s);
      return;
    }
    if (value.size() != 8) {
      status_ = Status::corruption(fmt::format("by_id entry {:?} does not hold a seq", event_id));
      return;
    }
    const uint64_t seq = get_be64(std::string_view(value.data(), 8));
    cursor_.emplace(*rocks_);
    status_ = cursor_->find(seq, &view_);
    if (status_.is_not_found()) {
      status_ = Status::corruption(fmt::format("by_id entry {:?} points to seq {}, which no block holds", event_id, seq));
    }
    current_ = status_.ok();
  }

  bool valid() const override { return current_; }
  const EventView& view() const override { return view_; }
  Status status() const override { return status_; }
  void next() override { current_ = false; }

 private:
  std::shared_ptr<const Instance> rocks_;  // first: outlives the cursor
  std::optional<BlockCursor> cursor_;      // holds the block view_ points into
  bool current_ = false;
  EventView view_;
  Status status_;
};

// A packed index (by_execution, by_time: store/postings.hpp) between two
// keys [lower, upper), group by group (an entry's key less its first seq:
// one execution, one time bucket); the pairs of each group that lie in
// `range`, sorted by (ts, seq), or in reverse. Each pair becomes its event
// through a BlockCursor, or with keys_only its timestamp and seq alone.
class PackedIterator final : public EventIterator {
 public:
  PackedIterator(std::shared_ptr<const Instance> rocks, layout::Family family, std::string lower,
                 std::string upper, TimeRange range, ScanOrder order, bool keys_only)
      : rocks_(std::move(rocks)),
        family_(family),
        lower_(std::move(lower)),
        upper_(std::move(upper)),
        range_(range),
        backward_(order == ScanOrder::kNewestFirst),
        keys_only_(keys_only),
        it_(rocks_->iterator(family)) {
    if (!keys_only_) cursor_.emplace(*rocks_, order);
    // The bounds are checked here, not given to RocksDB: a pooled iterator
    // has none.
    if (!backward_) {
      it_->Seek(lower_);
    } else if (upper_.empty()) {
      it_->SeekToLast();
    } else {
      it_->SeekForPrev(upper_);  // the last key at or below the upper bound, which is not in range
      if (it_->Valid() && view_of(it_->key()) == upper_) it_->Prev();
    }
    settle();
  }

  bool valid() const override { return current_; }
  const EventView& view() const override { return view_; }
  Status status() const override { return status_; }
  void next() override {
    ++pos_;
    settle();
  }

 private:
  // Makes pairs_[pos_] (from the end when backward) current, loading the
  // next group when this one is done.
  void settle() {
    current_ = false;
    while (pos_ >= pairs_.size()) {
      if (!load_group()) return;
    }
    const postings::Posting& p = backward_ ? pairs_[pairs_.size() - 1 - pos_] : pairs_[pos_];
    if (keys_only_) {
      view_.timestamp = p.ts;
      view_.seq = p.seq;
    } else {
      status_ = cursor_->find(p.seq, &view_);
      if (status_.is_not_found()) {
        status_ = Status::corruption(fmt::format("{} names seq {}, which no block holds",
                                                 layout::kFamilyNames[family_], p.seq));
      }
      if (!status_.ok()) return;
    }
    current_ = true;
  }

  // Reads the entries of the next group that has pairs in range into
  // pairs_, sorted; false at the end or on an error (status_).
  bool load_group() {
    pairs_.clear();
    pos_ = 0;
    while (in_range()) {
      const std::string_view first = view_of(it_->key());
      if (first.size() < 9) return fail_entry(first, "too short");
      group_.assign(first.substr(0, first.size() - 8));
      bool sorted = true;
      for (; in_range(); backward_ ? it_->Prev() : it_->Next()) {
        const std::string_view key = view_of(it_->key());
        if (key.size() != group_.size() + 8 || key.compare(0, group_.size(), group_) != 0) break;
        const size_t before = pairs_.size();
        if (Status s = postings::decode(view_of(it_->value()), &pairs_); !s.ok()) return fail_entry(key, s.message());
        // Entries sorted each, and after one another: no sort needed.
        if (before > 0 && before < pairs_.size() && pairs_[before] < pairs_[before - 1]) sorted = false;
      }
      std::erase_if(pairs_, [this](const postings::Posting& p) { return !range_.contains(p.ts); });
      if (!sorted) std::sort(pairs_.begin(), pairs_.end());
      if (!pairs_.empty()) return true;
    }
    status_ = from_rocks(it_->status());
    return false;
  }

  // Whether the iterator is on an entry between the bounds.
  bool in_range() const {
    if (!it_->Valid()) return false;
    const std::string_view key = view_of(it_->key());
    return backward_ ? key >= lower_ : upper_.empty() || key < upper_;
  }

  bool fail_entry(std::string_view key, std::string_view why) {
    status_ = Status::corruption(fmt::format("{} entry {:?}: {}", layout::kFamilyNames[family_], key, why));
    return false;
  }

  static std::string_view view_of(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

  std::shared_ptr<const Instance> rocks_;  // first: outlives the RocksDB iterators
  layout::Family family_;
  std::string lower_;
  std::string upper_;
  TimeRange range_;
  bool backward_;
  bool keys_only_;
  PooledIterator it_;
  std::optional<BlockCursor> cursor_;  // reads the events (not for keys_only)
  std::string group_;
  std::vector<postings::Posting> pairs_;  // the current group's, in (ts, seq) order
  size_t pos_ = 0;                        // steps taken into pairs_
  bool current_ = false;
  EventView view_;
  Status status_;
};

// The blocks in key order, each record in turn; or, newest first, the blocks
// and their records in reverse.
class ArrivalIterator final : public EventIterator {
  // Reads the table files ahead in large pieces (the tables' own automatic
  // readahead is off, rocks_options.cpp). A forward scan reads on through
  // the log (a replicator, an export, a SQL scan of every event) and would
  // only push out of the block cache what point reads keep there, each of
  // its blocks new memory the cache holds (a page fault per 4 KiB): it
  // reads cached blocks but adds none. Newest first (the latest events) it
  // fills the cache, for the next such look.
  static rocksdb::ReadOptions scan_options(ScanOrder order) {
    rocksdb::ReadOptions options;
    options.readahead_size = 1 << 20;
    options.fill_cache = order == ScanOrder::kNewestFirst;
    return options;
  }

 public:
  // Forward: the events after `from`. Backward: `from` and the events before it.
  ArrivalIterator(std::shared_ptr<const Instance> rocks, uint64_t from, ScanOrder order)
      : rocks_(std::move(rocks)),
        it_(rocks_->db->NewIterator(scan_options(order), rocks_->family(layout::kBlocks))),
        backward_(order == ScanOrder::kNewestFirst) {
    next_seq_ = backward_ ? from : from + 1;
    if (next_seq_ == 0) return;  // seqs start at 1: nothing at or before 0
    // The block holding next_seq_, if any; else (forward) the first after it.
    it_->SeekForPrev(layout::seq_key(next_seq_));
    if (!backward_ && !it_->Valid() && it_->status().ok()) it_->SeekToFirst();
    if (load_block()) settle();
  }

  bool valid() const override { return current_; }
  const EventView& view() const override { return view_; }
  Status status() const override { return status_; }
  void next() override {
    current_ = false;
    if (backward_) {
      if (next_seq_ <= 1) return;
      --next_seq_;
    } else {
      ++next_seq_;
    }
    settle();
  }

 private:
  // Parses the block the iterator is on and brings next_seq_ into it when
  // it lies beyond the block's edge (a gap between blocks); false (and not
  // current) at the end or on an error.
  bool load_block() {
    current_ = false;
    if (!it_->Valid()) {
      status_ = from_rocks(it_->status());
      return false;
    }
    status_ = read_block(*it_, &block_);
    if (!status_.ok()) return false;
    if (backward_) {
      if (block_.count() == 0) return true;  // settle() steps on
      next_seq_ = std::min(next_seq_, block_.first_seq() + block_.count() - 1);
    } else if (next_seq_ < block_.first_seq()) {
      next_seq_ = block_.first_seq();
    }
    return true;
  }

  // Makes next_seq_ current, moving to further blocks as needed and past
  // pruned records.
  void settle() {
    for (;;) {
      while (!block_.contains(next_seq_)) {
        if (!status_.ok()) return;
        if (backward_) {
          it_->Prev();
        } else {
          it_->Next();
        }
        if (!load_block()) return;
      }
      if (!block_.pruned(next_seq_)) break;
      if (backward_) {
        if (next_seq_ <= 1) return;
        --next_seq_;
      } else {
        ++next_seq_;
      }
    }
    status_ = block_.record(next_seq_, &view_);
    current_ = status_.ok();
  }

  std::shared_ptr<const Instance> rocks_;  // first: outlives the RocksDB iterator
  std::unique_ptr<rocksdb::Iterator> it_;
  block::Reader block_;
  bool backward_;
  uint64_t next_seq_ = 0;
  bool current_ = false;
  EventView view_;
  Status status_;
};

class FilterIterator final : public EventIterator {
 public:
  FilterIterator(std::unique_ptr<EventIterator> inner, EventFilter filter)
      : inner_(std::move(inner)), filter_(std::move(filter)) {
    skip();
  }
  bool valid() const override { return inner_->valid(); }
  void next() override {
    inner_->next();
    skip();
  }
  const EventView& view() const override { return inner_->view(); }
  Status status() const override { return inner_->status(); }

 private:
  void skip() {
    while (inner_->valid() && !filter_.matches(inner_->view())) inner_->next();
  }

  std::unique_ptr<EventIterator> inner_;
  EventFilter filter_;
};

class EmptyIterator final : public EventIterator {
 public:
  explicit EmptyIterator(Status status) : status_(std::move(status)) {}
  bool valid() const override { return false; }
  void next() override {}
  const EventView& view() const override { return view_; }
  Status status() const override { return status_; }

 private:
  Status status_;
  EventView view_;
};

}  // namespace

BlockCursor::BlockCursor(const Instance& rocks, ScanOrder order)
    : it_(rocks.iterator(layout::kBlocks)), backward_(order == ScanOrder::kNewestFirst) {}

Status read_block(const rocksdb::Iterator& it, block::Reader* out) {
  const rocksdb::Slice key = it.key();
  if (key.size() != 8) return Status::corruption(fmt::format("block key {:?} is not 8 bytes", key.ToString()));
  return out->parse(get_be64(std::string_view(key.data(), 8)), std::string_view(it.value().data(), it.value().size()));
}

Status BlockCursor::load_current() {
  loaded_ = false;
  if (!it_->Valid()) return from_rocks(it_->status());
  if (Status s = read_block(*it_, &block_); !s.ok()) return s;
  loaded_ = true;
  return Status::ok_status();
}

// Steps block by block toward `seq`, a few blocks at most: an execution's
// events lie in nearby blocks.
Status BlockCursor::step_toward(uint64_t seq) {
  constexpr int kMaxSteps = 8;
  for (int i = 0; i < kMaxSteps && loaded_ && !block_.contains(seq); ++i) {
    if (seq < block_.first_seq()) {
      it_->Prev();
    } else {
      it_->Next();
    }
    if (Status s = load_current(); !s.ok()) return s;
  }
  return Status::ok_status();
}

Status BlockCursor::find(uint64_t seq, EventView* out) {
  if (!holds(seq)) {
    Status s;
    if (loaded_) s = step_toward(seq);
    if (s.ok() && !holds(seq) && !backward_) {
      // Forward seeks only (a SeekForPrev, and the Next() after it, make
      // the merging iterator seek every sorted run again). The block
      // holding `seq` starts at most kMaxEvents - 1 before it, but most
      // blocks are smaller (the runtime's appends hold up to its batch
      // size), so the first seek assumes a block of kProbeEvents: seeking
      // back the largest size over small blocks would land too many blocks
      // short. It lands past `seq` only when a larger block holds it; then
      // the seek for the largest size does.
      constexpr uint64_t kProbeEvents = 128;
      for (const uint64_t span : {kProbeEvents, uint64_t{block::kMaxEvents}}) {
        it_->Seek(layout::seq_key(seq < span ? 0 : seq - (span - 1)));
        s = load_current();
        if (!s.ok() || (loaded_ && block_.first_seq() <= seq)) break;  // else past `seq`, or past the end
      }
      if (s.ok()) s = step_toward(seq);
    }
    if (s.ok() && !holds(seq)) {
      it_->SeekForPrev(layout::seq_key(seq));
      s = load_current();
    }
    if (!s.ok()) return s;
    if (!holds(seq)) {
      loaded_ = false;  // not positioned where the next find() could step from
      return Status::not_found(fmt::format("no event with seq {}", seq));
    }
  }
  return block_.record(seq, out);
}

std::unique_ptr<EventIterator> make_arrival_iterator(std::shared_ptr<const Instance> rocks, uint64_t from,
                                                     ScanOrder order) {
  return std::make_unique<ArrivalIterator>(std::move(rocks), from, order);
}

std::unique_ptr<EventIterator> make_id_iterator(std::shared_ptr<const Instance> rocks, std::string_view event_id) {
  return std::make_unique<IdIterator>(std::move(rocks), event_id);
}

std::unique_ptr<EventIterator> make_packed_iterator(std::shared_ptr<const Instance> rocks, layout::Family index,
                                                    std::string lower, std::string upper, TimeRange range,
                                                    ScanOrder order, bool keys_only) {
  return std::make_unique<PackedIterator>(std::move(rocks), index, std::move(lower), std::move(upper), range, order,
                                          keys_only);
}

std::unique_ptr<EventIterator> make_filter_iterator(std::unique_ptr<EventIterator> inner,
                                                    EventFilter filter) {
  return std::make_unique<FilterIterator>(std::move(inner), std::move(filter));
}

std::unique_ptr<EventIterator> make_empty_iterator(Status status) {
  return std::make_unique<EmptyIterator>(std::move(status));
}

}  // namespace streamll::detail
