#include "store/iterators.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/coding.hpp"
#include "store/layout.hpp"
#include "store/rocks_status.hpp"

namespace streamll::detail {

namespace {

// Walks one column family between [lower, upper), in key order or its
// reverse, and turns each entry into an event through `load` (which decodes
// the value, or looks it up first).
class RangeIterator : public EventIterator {
 public:
  RangeIterator(std::shared_ptr<const Instance> rocks, layout::Family family, std::string lower,
                std::string upper, ScanOrder order)
      : rocks_(std::move(rocks)),
        lower_(std::move(lower)),
        upper_(std::move(upper)),
        lower_slice_(lower_),
        upper_slice_(upper_),
        backward_(order == ScanOrder::kNewestFirst) {
    rocksdb::ReadOptions options;
    if (!upper_.empty()) options.iterate_upper_bound = &upper_slice_;
    if (backward_) options.iterate_lower_bound = &lower_slice_;
    it_.reset(rocks_->db->NewIterator(options, rocks_->family(family)));
  }

  bool valid() const override { return current_; }
  const EventView& view() const override { return view_; }
  Status status() const override { return status_; }
  void next() override {
    if (backward_) {
      it_->Prev();
    } else {
      it_->Next();
    }
    settle();
  }

 protected:
  // Positions on the first entry; subclasses call it once constructed.
  void start() {
    if (backward_) {
      it_->SeekToLast();  // the last key below the upper bound
    } else {
      it_->Seek(lower_);
    }
    settle();
  }

  // Decodes the event of the current entry into view_.
  virtual Status load(const rocksdb::Slice& key, const rocksdb::Slice& value) = 0;

  EventView& mutable_view() { return view_; }
  const Instance& instance() const { return *rocks_; }

 private:
  void settle() {
    current_ = false;
    if (!it_->Valid()) {
      status_ = from_rocks(it_->status());
      return;
    }
    status_ = load(it_->key(), it_->value());
    current_ = status_.ok();
  }

  std::shared_ptr<const Instance> rocks_;  // first: outlives the RocksDB iterator
  std::string lower_;
  std::string upper_;
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  bool backward_;
  std::unique_ptr<rocksdb::Iterator> it_;
  bool current_ = false;
  EventView view_;
  Status status_;
};

// One index entry -> its event through a BlockCursor.
class IndexIterator final : public RangeIterator {
 public:
  IndexIterator(std::shared_ptr<const Instance> rocks, layout::Family index, SeqIn seq_in, std::string lower,
                std::string upper, ScanOrder order)
      : RangeIterator(std::move(rocks), index, std::move(lower), std::move(upper), order),
        cursor_(instance().db.get(), instance().family(layout::kBlocks)),
        seq_in_(seq_in) {
    start();
  }

 private:
  Status load(const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    const std::string_view k(key.data(), key.size());
    uint64_t seq = 0;
    if (seq_in_ == SeqIn::kValue) {
      if (value.size() != 8) return Status::corruption(fmt::format("index entry {:?} does not hold a seq", k));
      seq = get_be64(std::string_view(value.data(), 8));
    } else {
      seq = layout::seq_of_index_key(k);
      if (seq == 0) return Status::corruption(fmt::format("index key {:?} does not end in a seq", k));
    }
    Status s = cursor_.find(seq, &mutable_view());
    if (s.is_not_found()) {
      return Status::corruption(fmt::format("index entry {:?} points to seq {}, which no block holds", k, seq));
    }
    return s;
  }

  BlockCursor cursor_;
  SeqIn seq_in_;
};

// The by_time index alone: ts(8) seq(8) keys, no event read.
class TimeKeyIterator final : public RangeIterator {
 public:
  TimeKeyIterator(std::shared_ptr<const Instance> rocks, std::string lower, std::string upper, ScanOrder order)
      : RangeIterator(std::move(rocks), layout::kByTime, std::move(lower), std::move(upper), order) {
    start();
  }

 private:
  Status load(const rocksdb::Slice& key, const rocksdb::Slice&) override {
    const std::string_view k(key.data(), key.size());
    if (k.size() != 16) return Status::corruption(fmt::format("time index key {:?} is not 16 bytes", k));
    EventView& v = mutable_view();
    v.timestamp = layout::get_ts(k);
    v.seq = get_be64(k.substr(8));
    return Status::ok_status();
  }
};

// The blocks in key order, each record in turn; or, newest first, the blocks
// and their records in reverse.
class ArrivalIterator final : public EventIterator {
 public:
  // Forward: the events after `from`. Backward: `from` and the events before it.
  ArrivalIterator(std::shared_ptr<const Instance> rocks, uint64_t from, ScanOrder order)
      : rocks_(std::move(rocks)),
        it_(rocks_->db->NewIterator(rocksdb::ReadOptions(), rocks_->family(layout::kBlocks))),
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

BlockCursor::BlockCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* blocks)
    : it_(db->NewIterator(rocksdb::ReadOptions(), blocks)) {}

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

Status BlockCursor::find(uint64_t seq, EventView* out) {
  if (!loaded_ || !block_.contains(seq)) {
    // Reading forward or backward: the next or previous block, before a seek.
    if (loaded_ && seq >= block_.first_seq() + block_.count()) {
      it_->Next();
      if (Status s = load_current(); !s.ok()) return s;
    } else if (loaded_ && seq < block_.first_seq()) {
      it_->Prev();
      if (Status s = load_current(); !s.ok()) return s;
    }
    if (!loaded_ || !block_.contains(seq)) {
      it_->SeekForPrev(layout::seq_key(seq));
      if (Status s = load_current(); !s.ok()) return s;
      if (!loaded_ || !block_.contains(seq)) {
        loaded_ = false;  // not positioned where the next find() could step from
        return Status::not_found(fmt::format("no event with seq {}", seq));
      }
    }
  }
  return block_.record(seq, out);
}

std::unique_ptr<EventIterator> make_arrival_iterator(std::shared_ptr<const Instance> rocks, uint64_t from,
                                                     ScanOrder order) {
  return std::make_unique<ArrivalIterator>(std::move(rocks), from, order);
}

std::unique_ptr<EventIterator> make_index_iterator(std::shared_ptr<const Instance> rocks, layout::Family index,
                                                   SeqIn seq_in, std::string lower, std::string upper,
                                                   ScanOrder order) {
  return std::make_unique<IndexIterator>(std::move(rocks), index, seq_in, std::move(lower), std::move(upper), order);
}

std::unique_ptr<EventIterator> make_time_key_iterator(std::shared_ptr<const Instance> rocks, std::string lower,
                                                      std::string upper, ScanOrder order) {
  return std::make_unique<TimeKeyIterator>(std::move(rocks), std::move(lower), std::move(upper), order);
}

std::unique_ptr<EventIterator> make_filter_iterator(std::unique_ptr<EventIterator> inner,
                                                    EventFilter filter) {
  return std::make_unique<FilterIterator>(std::move(inner), std::move(filter));
}

std::unique_ptr<EventIterator> make_empty_iterator(Status status) {
  return std::make_unique<EmptyIterator>(std::move(status));
}

}  // namespace streamll::detail
