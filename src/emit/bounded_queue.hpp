// A bounded multi-producer multi-consumer queue (Vyukov's array queue): each
// slot carries a sequence number that says whether it is free for the push
// at a position or full for the pop at that position, so producers and
// consumers claim positions with one CAS and never take a lock.
//
// Positions are 64-bit and never wrap in practice; push_position() /
// pop_position() expose them so that the emit pipeline can tell when
// everything pushed before a point has been taken (flush).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <utility>

namespace streamll::detail {

template <typename T>
class BoundedQueue {
 public:
  // capacity is rounded up to a power of two (at least 2).
  explicit BoundedQueue(size_t capacity) {
    size_t n = 2;
    while (n < capacity) n <<= 1;
    mask_ = n - 1;
    slots_.reset(new Slot[n]);  // no value constructed: a slot holds one only while full
    for (size_t i = 0; i < n; ++i) slots_[i].seq.store(i, std::memory_order_relaxed);
  }
  // Destroys the values still queued. No push or pop may run.
  ~BoundedQueue() {
    const uint64_t tail = tail_.load(std::memory_order_acquire);
    for (uint64_t pos = head_.load(std::memory_order_acquire); pos != tail; ++pos) {
      Slot& slot = slots_[pos & mask_];
      if (slot.seq.load(std::memory_order_acquire) == pos + 1) slot.value()->~T();
    }
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  size_t capacity() const { return mask_ + 1; }

  // Claims the next position and constructs its value in the slot from
  // `make()`, a T returned by value (so built in place: no default value to
  // assign over, no temporary to move from and destroy); returns the
  // position, or nullopt when full, without calling `make`.
  template <typename Make>
  std::optional<uint64_t> try_push(Make&& make) {
    uint64_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slots_[pos & mask_];
      const uint64_t seq = slot.seq.load(std::memory_order_acquire);
      const auto diff = static_cast<int64_t>(seq) - static_cast<int64_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          ::new (static_cast<void*>(slot.storage)) T(make());
          slot.seq.store(pos + 1, std::memory_order_release);
          return pos;
        }
      } else if (diff < 0) {
        return std::nullopt;  // the slot still holds the value of a lap ago: full
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  // Moves the oldest value out into *out; false when empty (or when the
  // oldest position is claimed but not yet written by its producer).
  bool try_pop(T* out) {
    uint64_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slots_[pos & mask_];
      const uint64_t seq = slot.seq.load(std::memory_order_acquire);
      const auto diff = static_cast<int64_t>(seq) - static_cast<int64_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          T* value = slot.value();
          *out = std::move(*value);
          value->~T();
          slot.seq.store(pos + mask_ + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  // The next position a push will claim: every push that returned before
  // this call has a smaller position.
  uint64_t push_position() const { return tail_.load(std::memory_order_acquire); }
  // The next position a pop will take: every smaller position has been popped.
  uint64_t pop_position() const { return head_.load(std::memory_order_acquire); }

  // Approximate number of values queued.
  size_t size() const {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    const uint64_t head = head_.load(std::memory_order_relaxed);
    return tail > head ? static_cast<size_t>(tail - head) : 0;
  }

 private:
  struct Slot {
    std::atomic<uint64_t> seq{0};
    alignas(T) unsigned char storage[sizeof(T)];
    T* value() { return std::launder(reinterpret_cast<T*>(storage)); }
  };

  static constexpr size_t kLine = 64;
  alignas(kLine) std::atomic<uint64_t> tail_{0};
  alignas(kLine) std::atomic<uint64_t> head_{0};
  alignas(kLine) size_t mask_ = 0;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace streamll::detail
