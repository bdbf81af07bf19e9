#include "store/insert_hints.hpp"

#include <cstring>

namespace streamll::detail {

namespace {

class EmptyPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "streamll.EmptyPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return rocksdb::Slice(key.data(), 0); }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

class ExecutionPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "streamll.ExecutionPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), '\0', key.size());
    return rocksdb::Slice(key.data(), static_cast<const char*>(nul) - key.data());
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), '\0', key.size()) != nullptr;
  }
};

}  // namespace

std::shared_ptr<const rocksdb::SliceTransform> whole_family_hint() { return std::make_shared<EmptyPrefix>(); }
std::shared_ptr<const rocksdb::SliceTransform> execution_hint() { return std::make_shared<ExecutionPrefix>(); }

}  // namespace streamll::detail
