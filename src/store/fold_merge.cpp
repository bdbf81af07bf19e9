#include "store/fold_merge.hpp"

namespace streamll::detail {

namespace {

class FoldMerge : public rocksdb::AssociativeMergeOperator {
 public:
  FoldMerge(const char* name, Fold fold) : name_(name), fold_(fold) {}

  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    if (existing == nullptr) {
      new_value->assign(value.data(), value.size());
      return true;
    }
    std::string out;
    if (!fold_(std::string_view(existing->data(), existing->size()), std::string_view(value.data(), value.size()),
               &out)) {
      return false;
    }
    *new_value = std::move(out);
    return true;
  }

  const char* Name() const override { return name_; }

 private:
  const char* name_;
  Fold fold_;
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> make_fold_merge(const char* name, Fold fold) {
  return std::make_shared<FoldMerge>(name, fold);
}

}  // namespace streamll::detail
