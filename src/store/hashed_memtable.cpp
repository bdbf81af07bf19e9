#include "store/hashed_memtable.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <shared_mutex>
#include <string_view>
#include <vector>

#include <rocksdb/version.h>

#include "common/coding.hpp"

namespace streamll::detail {

namespace {

using rocksdb::MemTableRep;

// A memtable entry as RocksDB lays it out in the memtable's arena: the
// internal key (user key, then 8 bytes of sequence number and type) with a
// varint length before it, then the value.
using Entry = const char*;

// The bytes after a varint32 length: an entry's internal key. (RocksDB's
// own GetLengthPrefixedSlice is inline in a release build of the library,
// not exported.)
rocksdb::Slice length_prefixed(const char* p) {
  uint32_t length = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(*p++);
    length |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  return {p, length};
}

std::string_view user_key(Entry e) {
  const rocksdb::Slice internal = length_prefixed(e);
  return {internal.data(), internal.size() - 8};
}

uint32_t hash_of(std::string_view key) { return static_cast<uint32_t>(std::hash<std::string_view>{}(key)); }

// Entries in internal key order (user key, then newest first), over an
// array it owns or shares.
class SortedIterator final : public MemTableRep::Iterator {
 public:
  SortedIterator(const MemTableRep::KeyComparator& compare, std::vector<Entry> owned)
      : compare_(compare), owned_(std::move(owned)), data_(owned_.data()), size_(owned_.size()) {}
  SortedIterator(const MemTableRep::KeyComparator& compare, std::shared_ptr<const std::vector<Entry>> shared)
      : compare_(compare), shared_(std::move(shared)), data_(shared_->data()), size_(shared_->size()) {}

  bool Valid() const override { return pos_ < size_; }
  const char* key() const override { return data_[pos_]; }
  // The entries lie in the arena in insertion order, so each step of a
  // flush reads one from anywhere: fetched some steps ahead, the reads
  // overlap (their cache misses were a third of a flush of by_id).
  void Next() override {
    ++pos_;
    if (pos_ + kAhead < size_) __builtin_prefetch(data_[pos_ + kAhead]);
  }
  void Prev() override { pos_ = pos_ == 0 ? size_ : pos_ - 1; }
  void Seek(const rocksdb::Slice& internal_key, const char* /*memtable_key*/) override {
    pos_ = first_where([&](Entry e) { return compare_(e, internal_key) >= 0; });
  }
  void SeekForPrev(const rocksdb::Slice& internal_key, const char* /*memtable_key*/) override {
    const size_t after = first_where([&](Entry e) { return compare_(e, internal_key) > 0; });
    pos_ = after == 0 ? size_ : after - 1;
  }
  void SeekToFirst() override {
    pos_ = 0;
    for (size_t i = 0; i <= kAhead && i < size_; ++i) __builtin_prefetch(data_[i]);
  }
  void SeekToLast() override { pos_ = size_ == 0 ? 0 : size_ - 1; }

 private:
  const MemTableRep::KeyComparator& compare_;
  // The first position whose entry satisfies `pred`, which holds from some
  // position on (the entries are sorted).
  template <typename Pred>
  size_t first_where(Pred pred) const {
    return static_cast<size_t>(std::partition_point(data_, data_ + size_, [&](Entry e) { return !pred(e); }) - data_);
  }

  static constexpr size_t kAhead = 16;

  std::vector<Entry> owned_;
  std::shared_ptr<const std::vector<Entry>> shared_;
  const Entry* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Sorts into internal key order (the bytewise comparator's). Most
// comparisons are of the user keys' order prefixes alone: a flush of 200k
// random ids spent most of its time in RocksDB's comparator otherwise.
void sort_entries(const MemTableRep::KeyComparator& compare, std::vector<Entry>* entries) {
  std::vector<std::pair<uint64_t, Entry>> keyed;
  keyed.reserve(entries->size());
  for (const Entry e : *entries) keyed.emplace_back(order_prefix(user_key(e)), e);
  std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : compare(a.second, b.second) < 0;
  });
  for (size_t i = 0; i < keyed.size(); ++i) (*entries)[i] = keyed[i].second;
}

class HashedRep final : public MemTableRep {
 public:
  HashedRep(const KeyComparator& compare, rocksdb::Allocator* allocator) : MemTableRep(allocator), compare_(compare) {}

  // The entry waits among the last few inserts until a group of them is
  // placed in the table together, their slots fetched from memory at once:
  // one at a time, each insert waited for a cache miss on a table of
  // several MiB (most of this function's time), and so did each doubling.
  void Insert(rocksdb::KeyHandle handle) override {
    const auto e = static_cast<Entry>(handle);
    const uint32_t hash = hash_of(user_key(e));
    std::unique_lock lock(mutex_);
    entries_.push_back(e);
    pending_[pending_count_++] = Slot{hash, static_cast<uint32_t>(entries_.size())};
    if (pending_count_ == kGroup) place_pending();
    memory_.store(entries_.capacity() * sizeof(Entry) + slots_.capacity() * sizeof(Slot), std::memory_order_relaxed);
  }

  // The versions of the key, newest first, handed to `callback` until it
  // says stop. (RocksDB's default Get asks for an iterator it never frees.)
  void Get(const rocksdb::LookupKey& k, void* callback_args, bool (*callback)(void* arg, const char* entry)) override {
    const rocksdb::Slice internal = length_prefixed(memtable_key_of(k));
    for (const Entry e : versions_of(internal)) {
      if (compare_(e, internal) < 0) continue;  // newer than the read's sequence number
      if (!callback(callback_args, e)) break;
    }
  }

  bool Contains(const char* key) const override {
    std::shared_lock lock(mutex_);
    bool found = false;
    for_each_version(user_key(key), [&](Entry e) { found = found || compare_(e, key) == 0; });
    return found;
  }

  void MarkReadOnly() override {
    std::unique_lock lock(mutex_);
    read_only_ = true;
  }

  // RocksDB calls this under its DB mutex and at every insert: no lock.
  size_t ApproximateMemoryUsage() override { return memory_.load(std::memory_order_relaxed); }

  Iterator* GetIterator(rocksdb::Arena* arena) override {
    std::vector<Entry> copy;
    bool read_only = false;
    {
      std::shared_lock lock(mutex_);
      if (sorted_) return place_iterator(arena, std::shared_ptr<const std::vector<Entry>>(sorted_));
      read_only = read_only_;
      copy = entries_;
    }
    sort_entries(compare_, &copy);  // outside the lock: RocksDB may wait on it holding its DB mutex
    if (!read_only) return place_iterator(arena, std::move(copy));
    // No insert comes after MarkReadOnly: this sort serves every later
    // iterator (a flush, reads until it is done).
    auto sorted = std::make_shared<const std::vector<Entry>>(std::move(copy));
    {
      std::unique_lock lock(mutex_);
      if (!sorted_) sorted_ = sorted;
    }
    return place_iterator(arena, std::move(sorted));
  }

 private:
  struct Slot {
    uint32_t hash = 0;
    uint32_t index = 0;  // 1 + the entry's position in entries_; 0: empty
  };
  // How many inserts wait to be placed in the table together.
  static constexpr size_t kGroup = 16;

  // The memtable key (length-prefixed internal key) of a read. LookupKey is
  // not in RocksDB's installed headers; in 7.8 its first member points to
  // that key (db/lookup_key.h: start_, kstart_, end_, space_).
  static const char* memtable_key_of(const rocksdb::LookupKey& k) {
    static_assert(ROCKSDB_MAJOR == 7 && ROCKSDB_MINOR == 8, "LookupKey's layout is RocksDB 7.8's");
    return *reinterpret_cast<const char* const*>(&k);
  }

  // An iterator in RocksDB's arena is destroyed but its memory never freed
  // by RocksDB: one asked for with an arena lives in memory the rep keeps
  // until it goes (after its iterators). Iterators over by_id's memtable
  // are few (flushes, `verify`), so that memory stays small.
  struct Shell {
    alignas(SortedIterator) std::byte bytes[sizeof(SortedIterator)];
  };
  template <typename Source>
  Iterator* place_iterator(rocksdb::Arena* arena, Source entries) {
    if (arena == nullptr) return new SortedIterator(compare_, std::move(entries));
    std::lock_guard lock(shells_mutex_);
    shells_.push_back(std::make_unique<Shell>());
    return new (shells_.back()->bytes) SortedIterator(compare_, std::move(entries));
  }

  // The entries of the user key of `internal_key`, newest first.
  std::vector<Entry> versions_of(const rocksdb::Slice& internal_key) const {
    std::vector<Entry> versions;
    {
      std::shared_lock lock(mutex_);
      for_each_version(std::string_view(internal_key.data(), internal_key.size() - 8),
                       [&](Entry e) { versions.push_back(e); });
    }
    sort_entries(compare_, &versions);
    return versions;
  }

  // Calls f with each entry of `key` (a user key): those in the table, then
  // those waiting to be placed. Holds: mutex_.
  template <typename F>
  void for_each_version(std::string_view key, F&& f) const {
    const uint32_t hash = hash_of(key);
    const auto visit = [&](const Slot& s) {
      const Entry e = entries_[s.index - 1];
      if (s.hash == hash && user_key(e) == key) f(e);
    };
    if (!slots_.empty()) {
      const size_t mask = slots_.size() - 1;
      for (size_t i = hash & mask; slots_[i].index != 0; i = (i + 1) & mask) visit(slots_[i]);
    }
    for (size_t k = 0; k < pending_count_; ++k) visit(pending_[k]);
  }

  // Places the waiting entries, doubling the table first if they would
  // fill it past half. Holds: mutex_ (unique).
  void place_pending() {
    if (entries_.size() * 2 > slots_.size()) grow();
    place_all(std::span<const Slot>(pending_.data(), pending_count_));
    pending_count_ = 0;
  }
  void grow() {
    const std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, old.size() * 2), Slot{});
    const std::span<const Slot> all(old);
    for (size_t at = 0; at < all.size(); at += kGroup) place_all(all.subspan(at, std::min(kGroup, all.size() - at)));
  }
  // Fetches the first probe position of every slot in use, then fills
  // them: the cache misses of a group overlap instead of following one
  // another. Empty slots (index 0) are passed over.
  void place_all(std::span<const Slot> group) {
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : group) {
      if (s.index != 0) __builtin_prefetch(&slots_[s.hash & mask], 1);
    }
    for (const Slot& s : group) {
      if (s.index == 0) continue;
      size_t i = s.hash & mask;
      while (slots_[i].index != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  const KeyComparator& compare_;
  mutable std::shared_mutex mutex_;
  std::vector<Entry> entries_;  // in insertion order
  std::vector<Slot> slots_;     // open addressing, a power of two, at most half full
  std::array<Slot, kGroup> pending_;  // entries_' last inserts, not in slots_ yet
  size_t pending_count_ = 0;
  bool read_only_ = false;
  std::shared_ptr<const std::vector<Entry>> sorted_;  // entries_ sorted, once read-only
  std::atomic<size_t> memory_{0};                     // of entries_ and slots_
  std::mutex shells_mutex_;
  std::vector<std::unique_ptr<Shell>> shells_;
};

class HashedRepFactory final : public rocksdb::MemTableRepFactory {
 public:
  using MemTableRepFactory::CreateMemTableRep;
  MemTableRep* CreateMemTableRep(const MemTableRep::KeyComparator& compare, rocksdb::Allocator* allocator,
                                 const rocksdb::SliceTransform* /*prefix*/, rocksdb::Logger* /*logger*/) override {
    return new HashedRep(compare, allocator);
  }
  const char* Name() const override { return "streamll.HashedMemtable"; }
};

}  // namespace

std::shared_ptr<rocksdb::MemTableRepFactory> hashed_memtable_factory() {
  static const auto factory = std::make_shared<HashedRepFactory>();
  return factory;
}

}  // namespace streamll::detail
