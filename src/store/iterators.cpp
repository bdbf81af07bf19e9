#include "store/iterators.hpp"

#include <fmt/format.h>

#include "common/coding.hpp"
#include "event/record.hpp"
#include "store/rocks_status.hpp"

namespace streamll::detail {

namespace {

// Walks one column family between [lower, upper) and turns each entry into an
// event through `load` (which decodes the value, or looks it up first).
class RangeIterator : public EventIterator {
 public:
  RangeIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family, std::string lower,
                std::string upper)
      : lower_(std::move(lower)), upper_(std::move(upper)), upper_slice_(upper_) {
    rocksdb::ReadOptions options;
    if (!upper_.empty()) options.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(options, family));
  }

  bool valid() const override { return current_; }
  const EventView& view() const override { return view_; }
  Status status() const override { return status_; }
  void next() override {
    it_->Next();
    settle();
  }

 protected:
  // Positions on the first entry; subclasses call it once constructed.
  void start() {
    it_->Seek(lower_);
    settle();
  }

  // Decodes the event of the current entry into view_.
  virtual Status load(const rocksdb::Slice& key, const rocksdb::Slice& value) = 0;

  EventView& mutable_view() { return view_; }

  Status decode_record(std::string_view bytes, std::string_view key_for_error) {
    Status s = record::decode(bytes, &view_);
    if (!s.ok()) {
      s = Status::corruption(fmt::format("event at key {:?}: {}", key_for_error, s.message()));
    }
    return s;
  }

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

  std::string lower_;
  std::string upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
  bool current_ = false;
  EventView view_;
  Status status_;
};

class PrimaryIterator final : public RangeIterator {
 public:
  PrimaryIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events, std::string lower,
                  std::string upper)
      : RangeIterator(db, events, std::move(lower), std::move(upper)) {
    start();
  }

 private:
  Status load(const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return decode_record(std::string_view(value.data(), value.size()),
                         std::string_view(key.data(), key.size()));
  }
};

class IndexIterator final : public RangeIterator {
 public:
  IndexIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* index,
                rocksdb::ColumnFamilyHandle* events, std::string lower, std::string upper)
      : RangeIterator(db, index, std::move(lower), std::move(upper)), db_(db), events_(events) {
    start();
  }

 private:
  Status load(const rocksdb::Slice&, const rocksdb::Slice& primary_key) override {
    record_.Reset();
    const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events_, primary_key, &record_);
    const std::string_view key(primary_key.data(), primary_key.size());
    if (s.IsNotFound()) {
      return Status::corruption(fmt::format("index entry points to a missing event at key {:?}", key));
    }
    if (!s.ok()) return from_rocks(s);
    return decode_record(std::string_view(record_.data(), record_.size()), key);
  }

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* events_;
  rocksdb::PinnableSlice record_;
};

// The by_time index alone: ts(8) seq(8) keys, no event read.
class TimeKeyIterator final : public RangeIterator {
 public:
  TimeKeyIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* by_time, std::string lower, std::string upper)
      : RangeIterator(db, by_time, std::move(lower), std::move(upper)) {
    start();
  }

 private:
  Status load(const rocksdb::Slice& key, const rocksdb::Slice&) override {
    const std::string_view k(key.data(), key.size());
    if (k.size() != 16) return Status::corruption(fmt::format("time index key {:?} is not 16 bytes", k));
    EventView& v = mutable_view();
    v.timestamp = static_cast<int64_t>(get_be64(k) ^ (uint64_t{1} << 63));
    v.seq = get_be64(k.substr(8));
    return Status::ok_status();
  }
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

std::unique_ptr<EventIterator> make_primary_iterator(rocksdb::DB* db,
                                                     rocksdb::ColumnFamilyHandle* events,
                                                     std::string lower, std::string upper) {
  return std::make_unique<PrimaryIterator>(db, events, std::move(lower), std::move(upper));
}

std::unique_ptr<EventIterator> make_index_iterator(rocksdb::DB* db,
                                                   rocksdb::ColumnFamilyHandle* index,
                                                   rocksdb::ColumnFamilyHandle* events,
                                                   std::string lower, std::string upper) {
  return std::make_unique<IndexIterator>(db, index, events, std::move(lower), std::move(upper));
}

std::unique_ptr<EventIterator> make_time_key_iterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* by_time,
                                                      std::string lower, std::string upper) {
  return std::make_unique<TimeKeyIterator>(db, by_time, std::move(lower), std::move(upper));
}

std::unique_ptr<EventIterator> make_filter_iterator(std::unique_ptr<EventIterator> inner,
                                                    EventFilter filter) {
  return std::make_unique<FilterIterator>(std::move(inner), std::move(filter));
}

std::unique_ptr<EventIterator> make_empty_iterator(Status status) {
  return std::make_unique<EmptyIterator>(std::move(status));
}

}  // namespace streamll::detail
