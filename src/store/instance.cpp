#include "store/instance.hpp"

#include <filesystem>

namespace streamll::detail {

PooledIterator Instance::iterator(layout::Family f) const {
  const uint64_t seq = db->GetLatestSequenceNumber();  // before the iterator: it sees at least this
  const bool pooled = !secondary_path.empty();           // views only
  if (pooled) {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    std::vector<PooledIterator>& pool = pool_[f];
    while (!pool.empty()) {
      PooledIterator out = std::move(pool.back());
      pool.pop_back();
      if (out.seen_seq_ == seq) {
        out.owner_ = this;
        return out;
      }
    }
  }
  PooledIterator out;
  out.owner_ = pooled ? this : nullptr;
  out.family_ = f;
  out.seen_seq_ = seq;
  out.it_.reset(db->NewIterator(rocksdb::ReadOptions(), family(f)));
  return out;
}

void PooledIterator::give_back() {
  const Instance* owner = owner_;
  owner_ = nullptr;  // in the pool (or destroyed): nothing to give back again
  if (owner == nullptr || it_ == nullptr || !it_->status().ok()) return;
  if (owner->db->GetLatestSequenceNumber() != seen_seq_) return;  // stale already
  std::lock_guard<std::mutex> lock(owner->pool_mutex_);
  std::vector<PooledIterator>& pool = owner->pool_[family_];
  if (pool.size() < Instance::kPooledPerFamily) pool.push_back(std::move(*this));
}

PooledIterator& PooledIterator::operator=(PooledIterator&& other) noexcept {
  if (this != &other) {
    give_back();
    owner_ = std::exchange(other.owner_, nullptr);
    family_ = other.family_;
    seen_seq_ = other.seen_seq_;
    it_ = std::move(other.it_);
  }
  return *this;
}

PooledIterator::~PooledIterator() { give_back(); }

Instance::~Instance() {
  for (auto& pool : pool_) pool.clear();  // iterators before the database they read
  if (db) {
    for (auto* h : families) {
      if (h != nullptr) db->DestroyColumnFamilyHandle(h);
    }
    db.reset();
  }
  if (!secondary_path.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_path, ec);
  }
}

}  // namespace streamll::detail
